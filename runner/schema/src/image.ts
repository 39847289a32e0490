import { z } from 'zod';

/**
 * The simulated image format (see ../image-format.md, fixed by the lead; fields
 * marked "added" are optional extensions). Shorthand input is normalised by
 * `.transform` so the runtime sees one shape.
 */

const octalMode = z
  .union([z.string().regex(/^0?[0-7]{3,4}$/, 'a file mode is octal, e.g. "0644"'), z.number().int()])
  .transform((m) => (typeof m === 'number' ? m : Number.parseInt(m, 8)));

/** A file: its content, or `{content, mode, owner}` with owner `uid:gid`. */
export const imageFileSchema = z
  .union([
    z.string(),
    z.object({
      content: z.string().default(''),
      mode: octalMode.optional(),
      owner: z
        .string()
        .regex(/^\d+(:\d+)?$/, 'owner is "uid" or "uid:gid"')
        .optional(),
      /** Added: a directory instead of a file. */
      directory: z.boolean().optional(),
    }),
  ])
  .transform((f) => {
    const o = typeof f === 'string' ? { content: f } : f;
    const [uid, gid] = (('owner' in o && o.owner) || '0:0').split(':');
    return {
      content: o.content ?? '',
      mode: ('mode' in o && o.mode) || ('directory' in o && o.directory ? 0o755 : 0o644),
      uid: Number(uid ?? 0),
      gid: Number(gid ?? uid ?? 0),
      directory: ('directory' in o && o.directory) || false,
    };
  });

const httpRouteSchema = z.object({
  path: z.string().startsWith('/'),
  /** Added: only this method (default: any). */
  method: z.string().optional(),
  status: z.number().int().default(200),
  body: z.string().default(''),
  /** Added: response headers. */
  headers: z.record(z.string(), z.string()).optional(),
});

export const listenSchema = z.object({
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
  kind: z.enum(['http', 'redis', 'kubernetes-dashboard', 'tcp']),
  /** Added: the port speaks TLS (curl needs -k against the self-signed cert). */
  tls: z.boolean().optional(),
  http: z
    .object({
      routes: z.array(httpRouteSchema).default([]),
      /** Added: the body of any path no route matches (default: a 404 page). */
      notFound: z.object({ status: z.number().int().default(404), body: z.string().default('') }).optional(),
      /** Added: the Server header. */
      server: z.string().optional(),
      /** Added: serve files from this directory of the container (nginx's docroot), after the routes. */
      root: z.string().optional(),
    })
    .optional(),
  redis: z
    .object({
      data: z.record(z.string(), z.string()).default({}),
      /** Added: a password clients must AUTH with (requirepass). */
      password: z.string().optional(),
    })
    .optional(),
  'kubernetes-dashboard': z
    .object({
      /** `from-args`: skip login is on when the container args contain `--enable-skip-login`. */
      skipLogin: z.union([z.literal('from-args'), z.boolean()]).default('from-args'),
    })
    .optional(),
  /** Added (kind tcp): a banner the server sends on connect. */
  banner: z.string().optional(),
});

export const imageProcessSchema = z.object({
  name: z.string(),
  /** Default: the image's entrypoint + cmd (the pod's command/args override both). */
  argv: z.array(z.string()).optional(),
  /** CPU demand when unthrottled, as a quantity (`1950m`, `2`). */
  cpu: z.string().default('1m'),
  memory: z.string().default('4Mi'),
  logs: z.array(z.string()).default([]),
  every: z.object({ seconds: z.number().positive(), line: z.string() }).optional(),
  listen: listenSchema.optional(),
  /** Added: more ports the same process listens on (health and readiness endpoints). */
  alsoListen: z.array(listenSchema).default([]),
  /** Added: the process exits after this many seconds with this code (jobs, crashing apps). */
  exit: z.object({ afterSeconds: z.number().min(0).default(0), code: z.number().int().default(0) }).optional(),
  /** Added: a user other than the container's (e.g. nginx workers run as `nginx`). */
  user: z.string().optional(),
  /** Added: a child of the first process rather than a sibling (nginx workers). */
  child: z.boolean().optional(),
});

export const imageSchema = z.object({
  apiVersion: z.literal('paranoid.dev/v1'),
  kind: z.literal('Image'),
  repository: z.string().regex(/^[a-z0-9][a-z0-9._\-/:]*$/, 'a repository is lowercase, without tag or digest'),
  tags: z.array(z.string()).default(['latest']),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a digest is sha256: followed by 64 hex digits'),
  signature: z.object({ keyId: z.string(), issuer: z.string() }).optional(),
  config: z
    .object({
      user: z.string().default(''),
      entrypoint: z.array(z.string()).default([]),
      cmd: z.array(z.string()).default([]),
      env: z.array(z.string()).default(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']),
      workingDir: z.string().default('/'),
      exposedPorts: z.array(z.string()).default([]),
      labels: z.record(z.string(), z.string()).default({}),
    })
    .prefault({}),
  binaries: z.array(z.string()).default([]),
  files: z.record(z.string(), imageFileSchema).default({}),
  processes: z.array(imageProcessSchema).default([]),
  history: z.array(z.object({ createdBy: z.string(), size: z.string().optional() })).default([]),
  /** Added: `busybox` (ash, busybox applets) or `gnu` (bash-like prompt, procps, coreutils output). */
  userland: z.enum(['busybox', 'gnu', 'none']).default('busybox'),
  /** Added: compressed size in bytes, for the `Pulled` event. */
  size: z.number().int().optional(),
  /** Added: where binaries live (default /bin for busybox, /usr/bin for gnu). */
  binDir: z.string().optional(),
});

/** An image as authored (YAML/JSON). */
export type ImageDefinition = z.input<typeof imageSchema>;
/** An image after validation and normalisation. */
export type Image = z.output<typeof imageSchema>;
export type ImageProcess = z.output<typeof imageProcessSchema>;
export type ListenSpec = z.output<typeof listenSchema>;

/** Validates an image, collecting every problem into one message written for the scenario author. */
export function parseImage(input: unknown, where = 'image'): Image {
  const result = imageSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`failed to load ${where}: ${problems.join('; ')}`);
}
