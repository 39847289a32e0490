import { z } from 'zod';
import { buildSchema, packageSchema } from './image-facts.ts';
import { type apiProxySchema, type httpRouteSchema, listenSchema, type tokenSourceSchema } from './image-listen.ts';
import { cosignAttestationSchema, cosignSignatureSchema } from './image-signatures.ts';

export { listenSchema };

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

/** Validates a process of an image: its argv, CPU demand, listeners and behaviour. */
export const imageProcessSchema = z.object({
  name: z.string(),
  /** Default: the image's entrypoint + cmd (the pod's command/args override both). */
  argv: z.array(z.string()).optional(),
  /** CPU demand when unthrottled, as a quantity (`1950m`, `2`). */
  cpu: z.string().default('1m'),
  memory: z.string().default('4Mi'),
  logs: z.array(z.string()).default([]),
  every: z.object({ seconds: z.number().positive(), line: z.string() }).optional(),
  /**
   * Added: each log line starts with the time it was written, from the cluster's clock, in this
   * format (`YYYY`, `MM`, `DD`, `hh`, `mm`, `ss`, `SSS`; UTC), e.g. xmrig's `[YYYY-MM-DD hh:mm:ss.SSS]  `.
   * Never write a time into the lines themselves: it would stay frozen while the clock moves.
   */
  timePrefix: z.string().optional(),
  listen: listenSchema.optional(),
  /** Added: more ports the same process listens on (health and readiness endpoints). */
  alsoListen: z.array(listenSchema).default([]),
  /** Added: the process exits after this many seconds with this code (jobs, crashing apps). */
  exit: z.object({ afterSeconds: z.number().min(0).default(0), code: z.number().int().default(0) }).optional(),
  /** Added: a user other than the container's (e.g. nginx workers run as `nginx`). */
  user: z.string().optional(),
  /** Added: a child of the first process rather than a sibling (nginx workers). */
  child: z.boolean().optional(),
  /**
   * Added: the process is a runtime-security agent that sees its node's system calls. `falco`
   * reads its configuration (`config`, default `/etc/falco/falco.yaml`) and the rules files it
   * names from the container's files, exits 1 on a rules error, and logs an alert per match.
   */
  watchSyscalls: z
    .object({ engine: z.literal('falco'), config: z.string().default('/etc/falco/falco.yaml') })
    .strict()
    .optional(),
  /**
   * Added: the process is an image builder. `kaniko` reads the executor's flags (`--dockerfile`,
   * `--context`, `--destination`, `--build-arg`, `--no-push`) from its argv, builds the image the
   * Dockerfile describes from the context in its own file system, pushes it to the cluster's
   * registry and exits 0, or logs kaniko's error and exits 1 (`runtime/kaniko-process.ts`).
   */
  build: z
    .object({ engine: z.literal('kaniko') })
    .strict()
    .optional(),
});

/**
 * Added: the release lines a registry publishes for a repository, so that every real tag of
 * them pulls (a learner types the versions they know: `nginx:1.28`, `redis:7.2-alpine`).
 * Each version `X.Y.Z` with `Z <= lines["X.Y"]` exists, with each suffix, as do the aliases
 * `X.Y` (its newest patch) and `X` (the newest line of that major). Any other tag is not found.
 */
export const releasesSchema = z.object({
  /** The version this definition describes; a pulled version replaces it in env, Server header and logs. */
  current: z.string().regex(/^\d+\.\d+\.\d+$/, 'current is a version X.Y.Z'),
  /** Release line `X.Y` → the highest patch published in it. */
  lines: z.record(z.string().regex(/^\d+\.\d+$/, 'a release line is X.Y'), z.number().int().min(0).max(999)),
  /** Tag suffixes published for every version, e.g. `["", "-alpine", "-bookworm"]`. */
  suffixes: z.array(z.string().regex(/^(|-[a-z0-9][a-z0-9.-]*)$/, 'a suffix is empty or starts with -')).default(['']),
  /** Prefix of every version tag (`v` for `v1.32.3`). */
  prefix: z.string().default(''),
  /** Whether `X.Y` and `X` are published too (Docker Hub's official images: yes; registry.k8s.io: no). */
  aliases: z.boolean().default(true),
});

/** Validates an image definition (`kind: Image`): repository, tags, digest, files, processes and facts. */
export const imageSchema = z.object({
  apiVersion: z.literal('paranoid.dev/v1'),
  kind: z.literal('Image'),
  repository: z.string().regex(/^[a-z0-9][a-z0-9._\-/:]*$/, 'a repository is lowercase, without tag or digest'),
  tags: z.array(z.string()).default(['latest']),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a digest is sha256: followed by 64 hex digits'),
  /**
   * Added: cosign signatures the registry holds for this image (its `.sig` tag), verified by an
   * image policy against the key the policy names. Omitted: unsigned.
   */
  signatures: z.array(cosignSignatureSchema).max(16).default([]),
  /** Added: cosign attestations the registry holds for this image (its `.att` tag). */
  attestations: z.array(cosignAttestationSchema).max(16).default([]),
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
  /** Added: every tag of these release lines resolves (see {@link releasesSchema}). */
  releases: releasesSchema.optional(),
  /** Added: scan facts: the packages a scanner finds, with their known vulnerabilities. */
  packages: z.array(packageSchema).max(2000).default([]),
  /** Added: build facts: how the image was built and what is attested about it. */
  build: buildSchema.optional(),
  /**
   * Added: why this image has no Dockerfile for kind (a tool it carries is not packaged in Debian,
   * and a build may download nothing). Its scenario must be `notOnKind` too.
   */
  notOnKind: z.string().min(1).max(500).optional(),
  /**
   * Added: the image's layers, oldest first, as its builder made them: the files each added or
   * changed and the paths it deleted (whiteouts). A file deleted by a later layer is gone from
   * the container but still in the layer that added it, as `crane blob` shows. Omitted: one
   * layer holding `files` and `binaries`.
   */
  layers: z
    .array(
      z
        .object({
          digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
          createdBy: z.string(),
          files: z.record(z.string(), imageFileSchema).default({}),
          whiteouts: z.array(z.string()).default([]),
        })
        .strict(),
    )
    .max(127)
    .optional(),
});

/** An image as authored (YAML/JSON). */
export type ImageDefinition = z.input<typeof imageSchema>;
/** An image after validation and normalisation. */
export type Image = z.output<typeof imageSchema>;
/** A process an image's containers run, as parsed: argv, CPU demand, what it listens on and does. */
export type ImageProcess = z.output<typeof imageProcessSchema>;
/** What a process listens on and how it answers, as parsed. */
export type ListenSpec = z.output<typeof listenSchema>;
/** The release lines a registry publishes for a repository, from which every real tag of them resolves. */
export type Releases = z.output<typeof releasesSchema>;
/** One HTTP route of an image's process, as parsed. */
export type HttpRoute = z.output<typeof httpRouteSchema>;
/** A call to the cluster's API that a route makes on behalf of the request, as parsed. */
export type ApiProxy = z.output<typeof apiProxySchema>;
/** Where a proxied call takes its bearer token from, as parsed. */
export type TokenSource = z.output<typeof tokenSourceSchema>;

/** Validates an image, collecting every problem into one message written for the scenario author. */
export function parseImage(input: unknown, where = 'image'): Image {
  const result = imageSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`failed to load ${where}: ${problems.join('; ')}`);
}
