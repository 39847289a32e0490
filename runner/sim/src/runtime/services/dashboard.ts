import { parseAllDocuments } from 'yaml';
import { viewOf } from '../container-setup.ts';
import type { Proc, RuntimeState } from '../types.ts';
import { type HttpRequest, type HttpResponse, header, json } from './http.ts';

/**
 * Kubernetes Dashboard v2.7.0's backend API, the subset an attacker uses. Every
 * call is a real API request made with a token: the one in the request
 * (`Authorization: Bearer`, or the `jweToken` header as the UI sends it after
 * login), or, with `--enable-skip-login` and no token, the dashboard's own
 * service account token — which is the hole: RBAC on that account decides.
 */

const INDEX = `<!--
Copyright 2017 The Kubernetes Authors.
--><!DOCTYPE html><html lang="en" dir="ltr"><head>
  <meta charset="utf-8">
  <title>Kubernetes Dashboard</title>
  <link rel="icon" type="image/png" href="assets/images/kubernetes-logo.png">
  <meta name="viewport" content="width=device-width">
<link rel="stylesheet" href="styles.f66c655a05a456ae30f8.css"></head>
<body>
  <kd-root></kd-root>
<script src="runtime.fb7fb9bb628f2208f9e9.js" defer></script><script src="polyfills.49104fe38e0ae7955ebb.js" defer></script><script src="scripts.72d8a72221658f3278d3.js" defer></script><script src="en.main.0bf75cd6c71fc0efa001.js" defer></script>
</body></html>
`;

const CSRF = 'paranoid-dashboard-csrf-token';

const RESOURCE_PATHS: Record<string, { group: string; plural: string; namespaced: boolean }> = {
  Pod: { group: 'api/v1', plural: 'pods', namespaced: true },
  Secret: { group: 'api/v1', plural: 'secrets', namespaced: true },
  ConfigMap: { group: 'api/v1', plural: 'configmaps', namespaced: true },
  Service: { group: 'api/v1', plural: 'services', namespaced: true },
  ServiceAccount: { group: 'api/v1', plural: 'serviceaccounts', namespaced: true },
  Namespace: { group: 'api/v1', plural: 'namespaces', namespaced: false },
  Deployment: { group: 'apis/apps/v1', plural: 'deployments', namespaced: true },
  DaemonSet: { group: 'apis/apps/v1', plural: 'daemonsets', namespaced: true },
  Job: { group: 'apis/batch/v1', plural: 'jobs', namespaced: true },
  CronJob: { group: 'apis/batch/v1', plural: 'cronjobs', namespaced: true },
  Role: { group: 'apis/rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true },
  RoleBinding: { group: 'apis/rbac.authorization.k8s.io/v1', plural: 'rolebindings', namespaced: true },
  ClusterRole: { group: 'apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { group: 'apis/rbac.authorization.k8s.io/v1', plural: 'clusterrolebindings', namespaced: false },
};

/** Dashboard URL kinds (`/api/v1/<kind>/<ns>/<name>`) to API collection paths. */
const DASHBOARD_KINDS: Record<string, string> = {
  pod: 'Pod',
  secret: 'Secret',
  configmap: 'ConfigMap',
  service: 'Service',
  serviceaccount: 'ServiceAccount',
  namespace: 'Namespace',
  deployment: 'Deployment',
  daemonset: 'DaemonSet',
  job: 'Job',
  cronjob: 'CronJob',
  role: 'Role',
  rolebinding: 'RoleBinding',
  clusterrole: 'ClusterRole',
  clusterrolebinding: 'ClusterRoleBinding',
};

function collectionPath(kind: string, ns?: string): string | undefined {
  const r = RESOURCE_PATHS[kind];
  if (!r) return undefined;
  return r.namespaced && ns ? `/${r.group}/namespaces/${ns}/${r.plural}` : `/${r.group}/${r.plural}`;
}

interface Obj {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    uid?: string;
  };
  [k: string]: unknown;
}

const objectMeta = (o: Obj) => ({
  name: o.metadata?.name,
  ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
  ...(o.metadata?.labels ? { labels: o.metadata.labels } : {}),
  ...(o.metadata?.annotations ? { annotations: o.metadata.annotations } : {}),
  creationTimestamp: o.metadata?.creationTimestamp,
  uid: o.metadata?.uid,
});

function apiError(status: number, body: unknown): HttpResponse {
  const message = (body as { message?: string })?.message ?? `the server responded with status ${status}`;
  const reason = (body as { reason?: string })?.reason ?? 'Unknown';
  return json(status, { ErrStatus: { metadata: {}, status: 'Failure', message, reason, code: status } });
}

export function dashboardResponse(state: RuntimeState, proc: Proc, req: HttpRequest): HttpResponse {
  const inst = proc.container;
  const argv = inst?.argv ?? proc.argv;
  const cfg = proc.listen?.['kubernetes-dashboard'];
  const skipLogin =
    cfg?.skipLogin === 'from-args' || cfg?.skipLogin === undefined
      ? argv.includes('--enable-skip-login') || argv.includes('--enable-skip-login=true')
      : cfg.skipLogin;
  const path = req.path.split('?')[0] ?? '/';
  const method = req.method.toUpperCase();
  const auth = header(req.headers, 'authorization')?.replace(/^Bearer\s+/i, '') ?? header(req.headers, 'jwetoken');
  const ownToken = () => {
    if (!inst) return '';
    const view = viewOf(inst.mounts);
    return view.stat('/var/run/secrets/kubernetes.io/serviceaccount/token')?.content.trim() ?? '';
  };

  if (method === 'GET' && (path === '/' || path === '/index.html')) {
    return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: INDEX };
  }
  if (path === '/api/v1/login/modes') return json(200, { modes: ['token'] });
  if (path === '/api/v1/login/skippable') return json(200, { skippable: skipLogin });
  if (path === '/api/v1/login/status') {
    return json(200, {
      tokenPresent: !!auth,
      headerPresent: !!header(req.headers, 'authorization'),
      httpsMode: true,
      impersonationPresent: false,
      impersonatedUser: '',
    });
  }
  if (path.startsWith('/api/v1/csrftoken/') || path === '/api/v1/csrftoken') return json(200, { token: CSRF });
  if (path === '/api/v1/settings/global')
    return json(200, {
      clusterName: '',
      itemsPerPage: 10,
      logsAutoRefreshTimeInterval: 5,
      resourceAutoRefreshTimeInterval: 5,
      disableAccessDeniedNotifications: false,
    });
  if (path === '/api/v1/systembanner') return json(200, { message: '', severity: 'INFO' });

  const callApi = state.deps.callApi;
  if (!callApi) return json(503, { message: 'the simulated cluster gave the dashboard no API access' });

  if (method === 'POST' && path === '/api/v1/login') {
    let body: { token?: string } = {};
    try {
      body = JSON.parse(req.body || '{}') as { token?: string };
    } catch {
      return json(400, { message: 'invalid JSON' });
    }
    if (!body.token)
      return json(200, {
        jweToken: '',
        errors: [{ ErrStatus: { message: 'MSG_LOGIN_UNAUTHORIZED_ERROR', code: 401 } }],
      });
    const res = callApi(body.token, 'GET', '/api', undefined);
    if (res.status === 401)
      return json(200, {
        jweToken: '',
        errors: [{ ErrStatus: { message: 'MSG_LOGIN_UNAUTHORIZED_ERROR', code: 401, reason: 'Unauthorized' } }],
      });
    return json(200, { jweToken: body.token, errors: [] });
  }

  if (method !== 'GET' && header(req.headers, 'x-csrf-token') !== CSRF) {
    return { status: 401, headers: { 'Content-Type': 'text/plain' }, body: 'MSG_CSRF_VALIDATION_FAILED_ERROR\n' };
  }
  const token = auth || (skipLogin ? ownToken() : '');
  if (!token) return json(401, { status: 401, message: 'MSG_LOGIN_UNAUTHORIZED_ERROR' });
  const api = (m: string, p: string, b?: unknown) => callApi(token, m, p, b);

  if (method === 'POST' && path === '/api/v1/appdeployment/deployfromfile') {
    let spec: { namespace?: string; content?: string };
    try {
      spec = JSON.parse(req.body || '{}');
    } catch {
      return json(400, { message: 'invalid JSON' });
    }
    let docs: Obj[];
    try {
      docs = parseAllDocuments(spec.content ?? '')
        .map((d) => d.toJSON() as Obj)
        .filter(Boolean);
    } catch (e) {
      return json(400, { message: `error converting YAML to JSON: ${(e as Error).message}` });
    }
    for (const doc of docs) {
      const kind = String(doc.kind ?? '');
      const ns = doc.metadata?.namespace ?? spec.namespace ?? 'default';
      const p = collectionPath(kind, ns);
      if (!p) return json(400, { message: `the server doesn't have a resource type "${kind}"` });
      const res = api('POST', p, doc);
      if (res.status >= 300) return apiError(res.status, res.body);
    }
    return json(200, { name: '', namespace: spec.namespace ?? 'default', content: spec.content ?? '', validate: true });
  }
  if (method === 'POST' && path === '/api/v1/appdeployment') {
    let spec: {
      name?: string;
      namespace?: string;
      containerImage?: string;
      replicas?: number;
      runAsPrivileged?: boolean;
      containerCommand?: string;
      containerCommandArgs?: string;
    };
    try {
      spec = JSON.parse(req.body || '{}');
    } catch {
      return json(400, { message: 'invalid JSON' });
    }
    const name = spec.name ?? 'app';
    const ns = spec.namespace ?? 'default';
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels: { 'k8s-app': name } },
      spec: {
        replicas: spec.replicas ?? 1,
        selector: { matchLabels: { 'k8s-app': name } },
        template: {
          metadata: { name, labels: { 'k8s-app': name } },
          spec: {
            containers: [
              {
                name,
                image: spec.containerImage,
                ...(spec.containerCommand ? { command: [spec.containerCommand] } : {}),
                ...(spec.containerCommandArgs ? { args: spec.containerCommandArgs.split(' ') } : {}),
                securityContext: { privileged: spec.runAsPrivileged === true },
              },
            ],
          },
        },
      },
    };
    const res = api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment);
    if (res.status >= 300) return apiError(res.status, res.body);
    return json(200, spec);
  }

  const raw = path.match(/^\/api\/v1\/_raw\/([a-z]+)\/(?:namespace\/([^/]+)\/)?name\/([^/]+)$/);
  if (raw) {
    const kind = DASHBOARD_KINDS[raw[1]!];
    const p = kind && collectionPath(kind, raw[2]);
    if (!p) return json(404, { message: 'unknown resource' });
    const res = api(
      method === 'PUT' ? 'PUT' : method === 'DELETE' ? 'DELETE' : 'GET',
      `${p}/${raw[3]}`,
      method === 'PUT' ? JSON.parse(req.body || '{}') : undefined,
    );
    return res.status >= 300 ? apiError(res.status, res.body) : json(200, res.body);
  }

  const m = path.match(/^\/api\/v1\/([a-z]+)(?:\/([^/]+))?(?:\/([^/]+))?\/?$/);
  const kind = m && DASHBOARD_KINDS[m[1]!];
  if (!m || !kind) return json(404, { message: '404 page not found' });
  const namespaced = RESOURCE_PATHS[kind]!.namespaced;
  const ns = namespaced ? m[2] : undefined;
  const name = namespaced ? m[3] : m[2];
  const p = collectionPath(kind, ns)!;
  if (name) {
    const res = api('GET', `${p}/${name}`);
    if (res.status >= 300) return apiError(res.status, res.body);
    const o = res.body as Obj;
    if (kind === 'Secret')
      return json(200, { objectMeta: objectMeta(o), typeMeta: { kind: 'secret' }, data: o.data ?? {}, type: o.type });
    if (kind === 'Pod') {
      const spec = (o.spec ?? {}) as {
        containers?: Array<Record<string, unknown>>;
        nodeName?: string;
        serviceAccountName?: string;
      };
      const status = (o.status ?? {}) as { phase?: string; podIP?: string };
      return json(200, {
        objectMeta: objectMeta(o),
        typeMeta: { kind: 'pod' },
        podPhase: status.phase,
        podIP: status.podIP,
        nodeName: spec.nodeName,
        serviceAccountName: spec.serviceAccountName,
        containers: (spec.containers ?? []).map((c) => ({
          name: c.name,
          image: c.image,
          env: ((c.env as Array<{ name: string; value?: string; valueFrom?: unknown }>) ?? []).map((e) => ({
            name: e.name,
            value: e.value ?? '',
            valueFrom: e.valueFrom ?? null,
          })),
          commands: c.command ?? null,
          args: c.args ?? null,
          securityContext: c.securityContext ?? null,
        })),
        errors: [],
      });
    }
    return json(200, { objectMeta: objectMeta(o), typeMeta: { kind: kind.toLowerCase() }, ...o });
  }
  const res = api('GET', p);
  if (res.status >= 300) return apiError(res.status, res.body);
  const items = ((res.body as { items?: Obj[] })?.items ?? []).map((o) => ({
    objectMeta: objectMeta(o),
    typeMeta: { kind: kind.toLowerCase() },
    ...(kind === 'Secret' ? { type: o.type } : {}),
  }));
  const listKey =
    kind === 'Secret'
      ? 'secrets'
      : kind === 'Pod'
        ? 'pods'
        : kind === 'Namespace'
          ? 'namespaces'
          : `${kind[0]!.toLowerCase()}${kind.slice(1)}s`;
  return json(200, { listMeta: { totalItems: items.length }, [listKey]: items, errors: [] });
}
