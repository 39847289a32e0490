import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { Pod } from 'kubernetes-types/core/v1';
import { configz, type KubeletConfig } from '../kubelet-config.ts';
import type { NodeHost, RuntimeState } from '../types.ts';
import { type HttpRequest, type HttpResponse, header } from './http.ts';

/** The most output `/run` returns, as the API's exec limits a session's output. */
const MAX_RUN_OUTPUT = 1 << 20;
/** How long `/run` waits for its command, in the cluster's clock, before it answers with what it has. */
const RUN_TIMEOUT_MS = 30_000;

const text = (status: number, body: string): HttpResponse => ({
  status,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
  body,
});

/** The kubelet's answers are compact JSON, as Go's encoder writes them. */
const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** The request attributes the kubelet authorizes (`GetRequestAttributes`, without the 1.32 alpha fine-grained gate). */
export function kubeletAttributes(method: string, path: string): { verb: string; subresource: string } {
  const verb =
    { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[
      method.toUpperCase()
    ] ?? '';
  const first = path.split('?')[0]!.split('/')[1] ?? '';
  const subresource =
    { stats: 'stats', metrics: 'metrics', logs: 'log', spec: 'spec', checkpoint: 'checkpoint' }[first] ?? 'proxy';
  return { verb, subresource };
}

type Authn = { ok: true; user: UserInfo } | { ok: false };

/**
 * The kubelet's authenticator: x509 (not modelled: curl sends no client certificate
 * here), a bearer token through a TokenReview when webhook authentication is on,
 * and anonymous last when enabled. A token that fails review is a 401 even with
 * anonymous on, as upstream's union fails on error; a token with webhook off is
 * ignored, so the request is anonymous.
 */
function authenticate(state: RuntimeState, config: KubeletConfig, req: HttpRequest): Authn {
  const token = header(req.headers, 'authorization')
    ?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
    ?.trim();
  if (token && config.authentication.webhook.enabled) {
    const admin = kubeletCredential(state);
    const res = admin
      ? state.deps.callApi?.(admin, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token },
        })
      : undefined;
    const status = (res?.body as { status?: { authenticated?: boolean; user?: UserInfo } } | undefined)?.status;
    if (res && res.status < 300 && status?.authenticated && status.user?.username) {
      return {
        ok: true,
        user: {
          username: status.user.username,
          groups: status.user.groups ?? [],
          ...(status.user.uid ? { uid: status.user.uid } : {}),
        },
      };
    }
    return { ok: false };
  }
  return config.authentication.anonymous.enabled ? { ok: true, user: ANONYMOUS } : { ok: false };
}

/**
 * The credential the kubelet asks the API with. On a real node it is the node's client
 * certificate, allowed to create TokenReviews and SubjectAccessReviews; the simulator's
 * in-process stand-in is the cluster's admin token, used for those two reviews only.
 */
function kubeletCredential(state: RuntimeState): string | undefined {
  const admin = state.deps.adminToken?.();
  return typeof admin === 'string' ? admin : undefined;
}

/** Webhook authorization: a SubjectAccessReview on `nodes/<subresource>` of this node. */
function authorize(
  state: RuntimeState,
  host: NodeHost,
  config: KubeletConfig,
  user: UserInfo,
  attrs: { verb: string; subresource: string },
): boolean {
  if (config.authorization.mode === 'AlwaysAllow') return true;
  const admin = kubeletCredential(state);
  const res = admin
    ? state.deps.callApi?.(admin, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          groups: user.groups,
          ...(user.uid ? { uid: user.uid } : {}),
          resourceAttributes: {
            verb: attrs.verb,
            group: '',
            version: 'v1',
            resource: 'nodes',
            subresource: attrs.subresource,
            name: host.name,
          },
        },
      })
    : undefined;
  return !!res && res.status < 300 && (res.body as { status?: { allowed?: boolean } }).status?.allowed === true;
}

/** The pods this node runs, as the kubelet's pod manager holds them. */
function podsOn(state: RuntimeState, host: NodeHost): Pod[] {
  return (state.deps.store.list({ group: '', resource: 'pods' }) as Pod[])
    .filter((p) => p.spec?.nodeName === host.name)
    .sort((a, b) =>
      `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`),
    );
}

/** `cmd` from the query or a form body, split on white space as the kubelet does (no shell). */
function runCommand(req: HttpRequest): string[] {
  const q = req.path.indexOf('?');
  const fromQuery = q < 0 ? null : new URLSearchParams(req.path.slice(q + 1)).get('cmd');
  const type = header(req.headers, 'content-type') ?? '';
  const fromForm =
    req.body && (type === '' || type.startsWith('application/x-www-form-urlencoded'))
      ? new URLSearchParams(req.body).get('cmd')
      : null;
  return (fromQuery ?? fromForm ?? '').split(/\s+/).filter(Boolean);
}

/** `POST /run/{namespace}/{pod}[/{uid}]/{container}`: runs `cmd` in the container, answers its output. */
async function run(state: RuntimeState, host: NodeHost, parts: string[], req: HttpRequest): Promise<HttpResponse> {
  const [namespace, name] = parts;
  const container = parts[parts.length - 1]!;
  const pod = podsOn(state, host).find((p) => p.metadata?.namespace === namespace && p.metadata?.name === name);
  if (!pod || (parts.length === 4 && pod.metadata?.uid !== parts[2])) return text(404, 'pod does not exist');
  const command = runCommand(req);
  if (command.length === 0) return text(500, 'failed to run in container - Exec setup failed - missing command');
  if (!state.execIn) return text(500, 'failed to run in container: the runtime is not started');
  let session: ReturnType<NonNullable<RuntimeState['execIn']>>;
  try {
    session = state.execIn({ namespace: namespace!, pod: name!, container, command, stdin: false, tty: false });
  } catch (e) {
    return text(500, `failed to run in container: ${(e as Error).message}`);
  }
  const dec = new TextDecoder();
  let out = '';
  const take = (data: Uint8Array) => {
    if (out.length < MAX_RUN_OUTPUT) out += dec.decode(data, { stream: true });
  };
  session.onStdout(take);
  session.onStderr(take);
  const code = await new Promise<number>((resolve) => {
    const cancel = state.deps.clock.setTimer(RUN_TIMEOUT_MS, () => {
      session.kill();
      resolve(137);
    });
    session.onExit((c) => {
      cancel();
      resolve(c);
    });
  });
  out = out.slice(0, MAX_RUN_OUTPUT);
  if (code !== 0 && code !== 137) {
    return text(
      500,
      `${out}failed to run in container: command terminated with non-zero exit code: exit status ${code}`,
    );
  }
  return text(200, out);
}

/**
 * The kubelet's API on :10250 as the node's running configuration sets it:
 * authentication (401 `Unauthorized`), authorization (403 with the attributes
 * it asked about), then `/healthz`, `/pods`, `/runningpods/`, `/configz`,
 * `/run/...`; `/exec`, `/attach` and `/portForward` need a stream upgrade.
 */
export async function kubeletResponse(state: RuntimeState, host: NodeHost, req: HttpRequest): Promise<HttpResponse> {
  const config = host.kubelet.config;
  if (!config) return text(503, 'the kubelet is not running');
  const authn = authenticate(state, config, req);
  if (!authn.ok) return text(401, 'Unauthorized');
  const attrs = kubeletAttributes(req.method, req.path);
  if (!authorize(state, host, config, authn.user, attrs)) {
    return text(
      403,
      `Forbidden (user=${authn.user.username}, verb=${attrs.verb}, resource=nodes, subresource=${attrs.subresource})`,
    );
  }
  const routed = route(state, host, config, req);
  return routed === 'run' ? run(state, host, req.path.split('?')[0]!.split('/').filter(Boolean).slice(1), req) : routed;
}

/**
 * The routes behind authentication and authorization, answered at once; `'run'`
 * for `/run/...`, which waits on its command.
 */
function route(state: RuntimeState, host: NodeHost, config: KubeletConfig, req: HttpRequest): HttpResponse | 'run' {
  const path = req.path.split('?')[0]!;
  const parts = path.split('/').filter(Boolean);
  const method = req.method.toUpperCase();
  const get = method === 'GET' || method === 'HEAD';
  switch (parts[0]) {
    case 'healthz':
      return get ? text(200, 'ok') : text(405, 'Method Not Allowed');
    case 'pods':
    case 'runningpods':
      if (!get) return text(405, 'Method Not Allowed');
      return json(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: podsOn(state, host) });
    case 'configz':
      return get ? json(200, configz(config)) : text(405, 'Method Not Allowed');
    case 'run':
      if (method !== 'POST') return text(405, 'Method Not Allowed');
      if (parts.length !== 4 && parts.length !== 5) return text(404, '404 page not found');
      return 'run';
    case 'exec':
    case 'attach':
    case 'portForward':
      return text(400, 'Upgrade request required');
    default:
      return text(404, '404 page not found');
  }
}

/**
 * `nodes/<name>/proxy/<path>` through the API server: the API server authenticates
 * to the kubelet with its own client certificate (kubeadm's
 * `apiserver-kubelet-client`, allowed everything on nodes), so the kubelet's
 * anonymous and authorization settings do not apply to it; RBAC on `nodes/proxy`
 * already decided. A kubelet that is down is a 503, as the API server cannot dial it.
 * `/run` is not proxied by the simulator: it answers 501.
 */
export function proxiedResponse(state: RuntimeState, host: NodeHost, req: HttpRequest): HttpResponse {
  const config = host.kubelet.config;
  if (!config) {
    // The API server's own answer when it cannot dial: a Status, as kubectl and clients read it.
    return json(503, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `error trying to reach service: dial tcp ${host.ip}:10250: connect: connection refused`,
      reason: 'ServiceUnavailable',
      code: 503,
    });
  }
  const routed = route(state, host, config, req);
  return routed === 'run' ? text(501, "the simulated API server does not proxy the kubelet's /run") : routed;
}
