import { z } from 'zod';

/**
 * What a listening process does, as data: HTTP routes (answers from literals,
 * files of the container, JSON shapes, or the cluster's API called with a token
 * from a declared source), a key/value store speaking a wire protocol, or a
 * plain TCP port with a banner. The engine that interprets it is
 * `runtime/services/`; no image needs TypeScript of its own.
 *
 * A *shape* is JSON in which a string starting with `$` selects a value (see
 * `services/shape.ts`): `$.a.b` from the API's answer, `$status` its HTTP status,
 * `$params.x` a path parameter, `$body.x` the request's JSON body, `$token` the
 * token used, `$item.x` the element in `{$each, as}`; `$$` is a literal `$`.
 * A selector that finds nothing drops its key, so optional fields vanish.
 */

/** JSON with `$` selectors: recursive, so typed loosely and checked by the engine's bounds. */
const shapeSchema: z.ZodType<unknown> = z.unknown();

/** Where a proxied call's bearer token comes from; the first source that yields one wins. */
export const tokenSourceSchema = z.union([
  /** A request header; `scheme: Bearer` strips that prefix (`Authorization: Bearer X`). */
  z.object({ header: z.string().min(1), scheme: z.string().optional() }).strict(),
  /** A field of the request's JSON body (a login form posting `{ "token": "..." }`). */
  z.object({ bodyField: z.string().min(1) }).strict(),
  /**
   * The container's own service account token (the projected volume). With `whenArg`,
   * only while the container's command line holds that flag; a later `flag=false` turns it off
   * (Go's flag package: the last occurrence wins).
   */
  z.object({ serviceAccount: z.literal(true), whenArg: z.string().optional() }).strict(),
]);

/** A response built from a shape. */
const shapedResponseSchema = z
  .object({
    /** A number, or a selector (`$status`). Default: 200 on success, the API's status on error. */
    status: z.union([z.number().int().min(100).max(599), z.string().startsWith('$')]).optional(),
    json: shapeSchema.optional(),
    body: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** A call to the cluster's API made on behalf of the request. */
export const apiProxySchema = z
  .object({
    /** The API path; `{param}` takes a path parameter (after `where` has mapped it). */
    path: z.string().regex(/^[/{]/, 'a proxy path starts with / or with a where-mapped {param}').optional(),
    /** Default: the request's method. */
    method: z.string().optional(),
    /** What to send: `request` (the request's JSON body as is) or a shape. Default: nothing. */
    send: shapeSchema.optional(),
    /**
     * Create every object of a YAML or JSON manifest stream instead of one call: `manifests`
     * and `namespace` are selectors; each object's path comes from the API's discovery.
     */
    create: z
      .object({ manifests: z.string().startsWith('$'), namespace: z.string().optional() })
      .strict()
      .optional(),
    /** Where the bearer token comes from. */
    token: z.array(tokenSourceSchema).min(1),
    /** The answer when no source yields a token. Default: 401 with an empty body. */
    unauthorized: shapedResponseSchema.optional(),
    /** The answer when the API answers 2xx. Default: its body as JSON. */
    respond: shapedResponseSchema.optional(),
    /** The answer when the API refuses. Default: the API's Status as JSON. */
    error: shapedResponseSchema.optional(),
  })
  .strict()
  .refine((p) => p.path || p.create, 'a proxy needs a path or create');

/** A header the request must carry with this value (a CSRF token), or this answer. */
/**
 * Added: the route fetches the URL given in a query parameter from inside the container
 * (a link preview, a webhook tester: the classic SSRF), through the pod's network and its
 * NetworkPolicy egress, and answers with what came back.
 */
const urlFetchSchema = z
  .object({
    /** The query parameter holding the URL. */
    query: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a query parameter name')
      .default('url'),
    /** The most of the fetched body it answers with; the rest is cut off. */
    maxBytes: z.number().int().min(1).max(1_048_576).default(65_536),
    /** The app's client timeout, reported when no answer comes. */
    timeoutSeconds: z.number().int().min(1).max(60).default(5),
  })
  .strict();

const requireSchema = z
  .object({
    header: z.string().min(1),
    equals: z.string(),
    status: z.number().int().min(100).max(599).default(403),
    body: z.string().default(''),
  })
  .strict();

/** Validates one HTTP route of an image's process: a path pattern and the response or call it makes. */
export const httpRouteSchema = z
  .object({
    /** Exact path, with `{name}` segments that match one path segment each. */
    path: z.string().startsWith('/'),
    /** Added: only this method (default: any). */
    method: z.string().optional(),
    /**
     * Path parameters restricted to these values, each mapped to the text it stands for in
     * the proxy's `path` (a URL word to an API collection). Any other value: no match.
     */
    where: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    require: requireSchema.optional(),
    status: z.number().int().min(100).max(599).default(200),
    /** A literal body. */
    body: z.string().optional(),
    /** The content of this file of the container (what the image or a volume put there). */
    file: z.string().startsWith('/').optional(),
    /** A JSON answer (a shape with `$params` and `$body` selectors). */
    json: shapeSchema.optional(),
    /** Answer by calling the cluster's API with a token. */
    proxy: apiProxySchema.optional(),
    /** Answer with what a GET of the URL in a query parameter returns, fetched from inside the container. */
    fetch: urlFetchSchema.optional(),
    /** Added: response headers. */
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  .refine(
    (r) => [r.body, r.file, r.json, r.proxy, r.fetch].filter((x) => x !== undefined).length <= 1,
    'a route answers with one of body, file, json, proxy or fetch',
  );

/** Validates how a process answers HTTP: its routes, and the body for any path no route matches. */
export const httpBehaviourSchema = z
  .object({
    routes: z.array(httpRouteSchema).max(500).default([]),
    /** Added: the body of any path no route matches (default: a 404 page). */
    notFound: z.object({ status: z.number().int().default(404), body: z.string().default('') }).optional(),
    /** Added: the Server header. */
    server: z.string().optional(),
    /** Added: serve files from this directory of the container (nginx's docroot), after the routes. */
    root: z.string().optional(),
  })
  .strict();

/** A key/value store. `resp` is the protocol of redis, valkey and KeyDB (what redis-cli and nc speak). */
export const kvBehaviourSchema = z
  .object({
    protocol: z.literal('resp').default('resp'),
    /** The keys it holds at start. */
    data: z.record(z.string(), z.string()).default({}),
    /** A password clients must AUTH with (requirepass). */
    password: z.string().optional(),
    /**
     * The password is the value of this environment variable of the container, read at start
     * (`REDIS_PASSWORD`, as the Bitnami image reads it); unset or empty means none.
     */
    passwordFromEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    /** The `# Server` section of INFO, one `field:value` per line. */
    info: z.string().default('redis_version:7.4.1\nredis_mode:standalone\nos:Linux 6.8.0 x86_64\n'),
  })
  .strict();

const listenBase = {
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
  /** Added: the port speaks TLS (curl needs -k against the self-signed cert). */
  tls: z.boolean().optional(),
  /** Added (kind tcp): a banner the server sends on connect. */
  banner: z.string().optional(),
};

/**
 * A port a process listens on, and what it speaks there: `http`, `kv` or `tcp`.
 * `kind: redis` with `redis: {data, password}` is shorthand for `kind: kv`.
 */
export const listenSchema = z
  .object({
    ...listenBase,
    kind: z.enum(['http', 'kv', 'tcp', 'redis']),
    http: httpBehaviourSchema.optional(),
    kv: kvBehaviourSchema.optional(),
    redis: z
      .object({ data: z.record(z.string(), z.string()).default({}), password: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict()
  .transform(({ redis, ...l }) => {
    if (l.kind !== 'redis') return { ...l, kind: l.kind as 'http' | 'kv' | 'tcp' };
    return { ...l, kind: 'kv' as const, kv: kvBehaviourSchema.parse({ ...redis, ...(l.kv ?? {}) }) };
  });
