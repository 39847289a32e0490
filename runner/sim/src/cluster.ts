/**
 * One simulated cluster, assembled from its parts. Every part another team
 * owns comes in through an option, with a built-in fallback so the API works
 * (and is testable) alone:
 *
 * - `authorizer`: default {@link defaultAuthorizer} (system:masters may do
 *   anything; everyone may read health, version and discovery and review
 *   themselves; nothing else).
 * - `admission`: default none.
 * - `schema`: OpenAPI, patches, apply, validation, defaulting (see `api/context.ts`).
 * - `onStart`: controllers, kubelet, bootstrap. With no hooks the API itself
 *   finalizes namespaces and collects garbage (`api/fallback-controllers.ts`);
 *   pass `fallbackControllers: false` once real controllers are wired.
 * - `exec`, `attach`, `logs`, `metrics`, `internet`: the runtime and network.
 */

import type { AuthorizationDecision, RequestAttributes, UserInfo } from '@paranoid/k8s/identity.ts';
import type { InternetStreams } from '@paranoid/k8s/internet.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { AdmissionPlugin } from './admission/types.ts';
import type {
  ApiContext,
  CloudControl,
  InternetProbe,
  LogStream,
  LogsArgs,
  PortForwardPort,
  ProxyRequest,
  ProxyResponse,
  RulesReviewResult,
  SchemaSlots,
} from './api/context.ts';
import { customResourceDefs, establishedStatus } from './api/custom-resources.ts';
import { handleRequest } from './api/handler.ts';
import { type ApiRequest, type ApiResponse, parseQuery } from './api/types.ts';
import { TokenAuthenticator } from './authn/tokens.ts';
import type { Clock, IdSource } from './clock.ts';
import { applyDefaults } from './defaults/apply-defaults.ts';
import { SCHEMA_ENGINE } from './openapi/schema-engine.ts';
import { updateManagedFields } from './patch/server-side-apply.ts';
import { METRICS_RESOURCES, RESOURCES } from './resources.ts';
import type { ExecRequest, ExecSession } from './runtime/exec-types.ts';
import { createMemoryStore, type MemoryStore, type StoreSnapshot } from './store/memory-store.ts';
import type { ObjectStore } from './store.ts';
import { findDuplicateFields, findTypeError } from './validation/field-validation.ts';
import { validateObject } from './validation/validate-object.ts';

/** What an in-process client gets back from {@link Cluster.callApi}. */
export interface CallResult {
  status: number;
  headers: Record<string, string | string[]>;
  /** The parsed JSON body (a Status for errors); text for non-JSON replies. */
  body: unknown;
}

/** What hooks started with the cluster receive. */
export interface StartContext {
  store: ObjectStore;
  clock: Clock;
  ids: IdSource;
  /** Calls the API as the holder of `token` (use `cluster.adminToken` for the system's own work). */
  callApi(token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): CallResult;
  adminToken: string;
  /** Issues a service account token, as the kubelet does for a pod's projected token. */
  issueServiceAccountToken: TokenAuthenticator['issueServiceAccountToken'];
}

/** How a cluster is put together: clock, ids, credentials, and the authorizer, admission and hooks to use. */
export interface ClusterOptions {
  clock: Clock;
  ids: IdSource;
  /** The admin's bearer token; generated when absent. */
  adminToken?: string;
  /** Who the admin token authenticates as. Default `kubernetes-admin` in `system:masters`, as kind's kubeconfig. */
  adminUser?: UserInfo;
  authorizer?: (attrs: RequestAttributes, store: ObjectStore) => AuthorizationDecision;
  admission?: AdmissionPlugin[];
  schema?: SchemaSlots;
  rulesReview?: (user: UserInfo, namespace: string, store: ObjectStore) => RulesReviewResult;
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook may return a stop function or nothing at all.
  onStart?: Array<(ctx: StartContext) => (() => void) | void>;
  /** Whether the API finalizes namespaces and collects garbage itself. Default: when `onStart` is empty. */
  fallbackControllers?: boolean;
  exec?: (request: ExecRequest, user: UserInfo) => ExecSession;
  attach?: (request: ExecRequest, user: UserInfo) => ExecSession;
  logs?: (args: LogsArgs) => string | LogStream;
  metrics?: { pods(namespace?: string): KubeObject[]; nodes(): KubeObject[] };
  internet?: InternetProbe;
  /** `pods/portforward` (`kubectl port-forward`). Without it: 500, as with no runtime to exec into. */
  portForward?: PortForwardPort;
  /** TCP from outside as a byte stream; carried to the runner by its host, not served by the API. */
  internetStreams?: InternetStreams;
  /** The cloud's control plane (`aws ec2 ...` through `/paranoid/v1/cloud/...`). Without it: 503. */
  cloud?: CloudControl;
  /** `pods/proxy`, `services/proxy`, `nodes/proxy` (e.g. the kubelet API through the apiserver). Without it: 503. */
  proxy?: (request: ProxyRequest, user: UserInfo) => ProxyResponse;
  /** PEM of the cluster CA, put as `ca.crt` into service account token Secrets (e.g. the controllers' `CLUSTER_CA_PEM`). */
  clusterCA?: string;
  /** Request body limit in bytes; default 3 MiB like kube-apiserver. */
  maxBodyBytes?: number;
  /**
   * Start from another cluster's {@link Cluster.snapshot} instead of an empty store: the same objects,
   * uids and resourceVersions. The `onStart` hooks still run and find the work done (bootstrap skips what
   * exists, controllers resync, the kubelet adopts running pods). Pass the same other options as the
   * cluster the snapshot came from.
   */
  from?: ClusterSnapshot;
}

/**
 * A settled cluster's state, to start clusters from cheaply ({@link ClusterOptions.from}). Plain data that
 * no clone can change. The admin token is not part of it: every clone gets its own (a host routes
 * requests by token), and the admin is authorized by group, not by token. Tokens the snapshotted cluster
 * issued are not carried over either: the clone's kubelet issues its pods' tokens anew when it adopts
 * them, and legacy token Secrets live in the store.
 */
export interface ClusterSnapshot {
  readonly store: StoreSnapshot;
  /** The CA the snapshotted cluster put into token Secrets, when it was given one. */
  readonly clusterCA?: string;
}

/** A simulated Kubernetes cluster: serves API requests and advances its controllers with the clock. */
export interface Cluster {
  /** Serves one request; pure apart from the injected clock and ids. Never throws. */
  handle(request: ApiRequest): ApiResponse;
  /** The cluster's objects, for in-process parts (controllers, grader). */
  readonly store: MemoryStore;
  readonly adminToken: string;
  /** An in-process client: `path` may carry a query string; `body` is JSON-encoded unless it is bytes. */
  callApi(token: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): CallResult;
  /** Whether a bearer token authenticates to this cluster (how a host routes un-prefixed requests). */
  authenticates(token: string): boolean;
  /** Accepts another static bearer token (e.g. a learner's) as `user`. */
  addToken(token: string, user: UserInfo): void;
  issueServiceAccountToken: TokenAuthenticator['issueServiceAccountToken'];
  /** Stops the hooks started with the cluster. */
  stop(): void;
  /** This cluster's state, to start others from (take it once the cluster has settled: timers are not kept). */
  snapshot(): ClusterSnapshot;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);
const ISSUER_PATHS = new Set(['/.well-known/openid-configuration', '/openid/v1/jwks']);
const DISCOVERY_PREFIXES = ['/api', '/apis', '/openapi'];

/**
 * The authorizer used when none is wired: `system:masters` is allowed
 * everything; anyone may GET the health and version endpoints; authenticated
 * users may read discovery and OpenAPI and create self reviews (what the
 * default `system:public-info-viewer`, `system:discovery` and
 * `system:basic-user` roles allow). Everything else is denied with no reason.
 */
export function defaultAuthorizer(attrs: RequestAttributes): AuthorizationDecision {
  const groups = attrs.user.groups;
  if (groups.includes('system:masters')) return { allowed: true, reason: '' };
  if (!attrs.resourceRequest) {
    if (attrs.verb === 'get' && PUBLIC_PATHS.has(attrs.path)) return { allowed: true, reason: '' };
    // system:service-account-issuer-discovery is bound to service accounts by default.
    if (attrs.verb === 'get' && ISSUER_PATHS.has(attrs.path) && groups.includes('system:serviceaccounts')) {
      return { allowed: true, reason: '' };
    }
    if (
      attrs.verb === 'get' &&
      groups.includes('system:authenticated') &&
      DISCOVERY_PREFIXES.some((p) => attrs.path === p || attrs.path.startsWith(`${p}/`))
    ) {
      return { allowed: true, reason: '' };
    }
    return { allowed: false, reason: '' };
  }
  if (
    attrs.verb === 'create' &&
    groups.includes('system:authenticated') &&
    ((attrs.apiGroup === 'authorization.k8s.io' &&
      (attrs.resource === 'selfsubjectaccessreviews' || attrs.resource === 'selfsubjectrulesreviews')) ||
      (attrs.apiGroup === 'authentication.k8s.io' && attrs.resource === 'selfsubjectreviews'))
  ) {
    return { allowed: true, reason: '' };
  }
  return { allowed: false, reason: '' };
}

/**
 * The schema engine with what `SCHEMA_ENGINE` (or a wrapper of it, such as the full cluster's) does not do
 * yet: the decoder's type and duplicate-field checks, managedFields for non-apply writes, validation that
 * sees the old object on updates (immutable fields, pod update rules), and Pod defaulting without the
 * admission part (field ownership is recorded between the two). Whatever the engine provides wins; a
 * schema not derived from `SCHEMA_ENGINE` (a test's stub) is used as it is.
 */
export function completeSchemaSlots(schema: SchemaSlots | undefined): SchemaSlots {
  if (!schema) return {};
  if (schema.openApiV3Document !== SCHEMA_ENGINE.openApiV3Document) return schema;
  const engineDefaults = schema.applyDefaults;
  const engineValidate = schema.validate;
  return {
    findTypeError,
    findDuplicateFields,
    updateManagedFields,
    ...schema,
    ...(engineDefaults
      ? {
          applyDefaults: (obj: KubeObject, options?: { admission?: boolean }) =>
            // A wrapper may drop the options; for Pods the engine's own defaulting is the whole story.
            options?.admission === false && obj.kind === 'Pod' && obj.apiVersion === 'v1'
              ? applyDefaults(obj, options)
              : engineDefaults(obj, options),
        }
      : {}),
    ...(engineValidate
      ? {
          validate: (obj: KubeObject, mode: 'Strict' | 'Warn' | 'Ignore', old?: KubeObject) => {
            const result = engineValidate(obj, mode, old);
            if (!old || result.errors.length > 0) return result;
            return { errors: validateObject(obj, old), warnings: result.warnings };
          },
        }
      : {}),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRDS = { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' };

/**
 * Serves the resources CustomResourceDefinitions define: discovery and REST
 * follow the CRDs in the store, a new CRD is marked Established (what the
 * apiextensions controllers do), and a deleted one takes its objects along.
 */
function serveCustomResources(ctx: ApiContext): void {
  const base = [...ctx.resources];
  const rebuild = () => {
    const custom = ctx.store.list(CRDS).flatMap(customResourceDefs);
    ctx.resources = [
      ...base,
      ...custom.filter((c) => !base.some((b) => b.group === c.group && b.resource === c.resource)),
    ];
  };
  // A cluster started from a snapshot may already hold CRDs.
  if (ctx.store.list(CRDS).length > 0) rebuild();
  ctx.store.subscribe((event) => {
    if (event.resource.group !== CRDS.group || event.resource.resource !== CRDS.resource) return;
    rebuild();
    const crd = event.object;
    if (event.type === 'ADDED') {
      ctx.clock.setTimer(0, () => {
        const current = ctx.store.get(CRDS, undefined, crd.metadata.name ?? '');
        if (!current || current.metadata.uid !== crd.metadata.uid) return;
        current.status = establishedStatus(current, new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
        ctx.store.update(CRDS, current);
      });
    }
    if (event.type === 'DELETED') {
      const spec = (crd.spec as { group?: string; names?: { plural?: string } }) ?? {};
      const gr = { group: spec.group ?? '', resource: spec.names?.plural ?? '' };
      ctx.clock.setTimer(0, () => {
        for (const o of ctx.store.list(gr)) {
          try {
            ctx.store.delete(gr, o.metadata.namespace, o.metadata.name ?? '');
          } catch {
            // Already gone.
          }
        }
      });
    }
  });
}

/** Builds a cluster; hooks in `onStart` run before this returns. */
export function createCluster(options: ClusterOptions): Cluster {
  const { clock, ids } = options;
  const store = createMemoryStore({ clock, ids, ...(options.from ? { from: options.from.store } : {}) });
  const clusterCA = options.clusterCA ?? options.from?.clusterCA;
  const tokens = new TokenAuthenticator(ids, () => clock.now());
  const adminToken = options.adminToken ?? ids.token();
  const adminUser: UserInfo = options.adminUser ?? {
    username: 'kubernetes-admin',
    groups: ['system:masters', 'system:authenticated'],
  };
  tokens.addStatic(adminToken, adminUser);
  const authorizer = options.authorizer ?? ((attrs: RequestAttributes) => defaultAuthorizer(attrs));
  const ctx: ApiContext = {
    store,
    clock,
    ids,
    resources: options.metrics ? [...RESOURCES, ...METRICS_RESOURCES] : [...RESOURCES],
    tokens,
    isAdmin: (user) => user.username === adminUser.username && user.groups.includes('system:masters'),
    authorize: (attrs) => {
      // A broken authorizer must deny, never crash the request path.
      try {
        return authorizer(attrs, store);
      } catch (error) {
        return {
          allowed: false,
          reason: `authorizer error: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    },
    admission: options.admission ?? [],
    schema: completeSchemaSlots(options.schema),
    ...(options.rulesReview ? { rulesReview: options.rulesReview } : {}),
    ...(options.exec ? { exec: options.exec } : {}),
    ...(options.attach ? { attach: options.attach } : {}),
    ...(options.logs ? { logs: options.logs } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.internet ? { internet: options.internet } : {}),
    ...(options.cloud ? { cloud: options.cloud } : {}),
    ...(options.proxy ? { proxy: options.proxy } : {}),
    ...(options.portForward ? { portForward: options.portForward } : {}),
    ...(clusterCA ? { clusterCA } : {}),
    fallbackControllers: options.fallbackControllers ?? (options.onStart ?? []).length === 0,
    maxBodyBytes: options.maxBodyBytes ?? 3 * 1024 * 1024,
  };
  serveCustomResources(ctx);
  const handle = (request: ApiRequest) => handleRequest(ctx, request);
  const callApi = (
    token: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): CallResult => {
    const q = path.indexOf('?');
    const bytes =
      body === undefined ? undefined : body instanceof Uint8Array ? body : encoder.encode(JSON.stringify(body));
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
    const response = handle({
      method,
      path: q < 0 ? path : path.slice(0, q),
      query: parseQuery(q < 0 ? '' : path.slice(q + 1)),
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(bytes ? { 'content-type': 'application/json' } : {}),
        'user-agent': 'paranoid-sim/in-process',
        ...lower,
      },
      ...(bytes ? { body: bytes } : {}),
    });
    if (response.kind !== 'body') {
      return {
        status: 400,
        headers: {},
        body: {
          kind: 'Status',
          status: 'Failure',
          message: 'streaming responses are not available in-process',
          code: 400,
        },
      };
    }
    const text = decoder.decode(response.body);
    const type = String(response.headers['content-type'] ?? '');
    let parsed: unknown = text;
    if (type.startsWith('application/json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
  const stops: (() => void)[] = [];
  const start: StartContext = {
    store,
    clock,
    ids,
    callApi,
    adminToken,
    issueServiceAccountToken: (args) => tokens.issueServiceAccountToken(args),
  };
  for (const hook of options.onStart ?? []) {
    const stop = hook(start);
    if (stop) stops.push(stop);
  }
  return {
    handle,
    store,
    adminToken,
    callApi,
    addToken: (token, user) => tokens.addStatic(token, user),
    authenticates: (token) => tokens.authenticate(token, store) !== undefined,
    issueServiceAccountToken: (args) => tokens.issueServiceAccountToken(args),
    snapshot: () => ({ store: store.snapshot(), ...(clusterCA ? { clusterCA } : {}) }),
    stop() {
      for (const s of stops.splice(0)) {
        try {
          s();
        } catch (error) {
          console.error('cluster hook failed to stop', error);
        }
      }
    },
  };
}
