import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { ImageDefinition } from '@paranoid/schema/image.ts';
import type { Pod } from 'kubernetes-types/core/v1';
import { ManualClock, SequentialIds } from '../../clock.ts';
import { createPolicyNetworkPort } from '../../network/runtime-adapter.ts';
import { createMemoryStore } from '../../store/memory-store.ts';
import type { ExecRequest } from '../exec-types.ts';
import { builtinImages } from '../images/builtin.ts';
import { createImageRegistry } from '../images/registry.ts';
import { startKubelet } from '../kubelet.ts';
import { createExec } from '../shell/exec.ts';
import type { CallApi, RuntimeDeps } from '../types.ts';

/**
 * A small cluster for the runtime's tests: a memory store with three kind-like
 * nodes, the kubelet, and a stand-in for the API (`callApi`) that knows tokens
 * issued here and lets `allow` decide — enough to show that the runtime asks with
 * the right identity. The real API server is tested elsewhere.
 */
export function createTestCluster(
  opts: {
    images?: ImageDefinition[];
    allow?: (user: string, verb: string, path: string) => boolean;
    policyNetwork?: boolean;
  } = {},
) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const ids = new SequentialIds();
  const store = createMemoryStore({ clock, ids });
  const registry = createImageRegistry([...builtinImages, ...(opts.images ?? [])]);
  const nodes: Array<[string, string, string, boolean]> = [
    ['paranoid-control-plane', '172.18.0.2', '10.244.0.0/24', true],
    ['paranoid-worker', '172.18.0.3', '10.244.1.0/24', false],
    ['paranoid-worker2', '172.18.0.4', '10.244.2.0/24', false],
  ];
  for (const [name, ip, cidr, cp] of nodes) {
    store.create(
      { group: '', resource: 'nodes' },
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: { 'kubernetes.io/hostname': name, ...(cp ? { 'node-role.kubernetes.io/control-plane': '' } : {}) },
        },
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
        status: {
          addresses: [
            { type: 'InternalIP', address: ip },
            { type: 'Hostname', address: name },
          ],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      },
    );
  }
  for (const ns of ['default', 'kube-system', 'shop']) {
    store.create(
      { group: '', resource: 'namespaces' },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    );
  }
  store.create(
    { group: '', resource: 'services' },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default' },
      spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    },
  );
  if (opts.policyNetwork) {
    // The policy engine resolves names through kube-dns, as a pod's resolver does.
    store.create(
      { group: '', resource: 'pods' },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'coredns-668d6bf9bc-abcde', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          nodeName: 'paranoid-control-plane',
          containers: [
            {
              name: 'coredns',
              image: 'registry.k8s.io/coredns/coredns:v1.11.3',
              ports: [
                { containerPort: 53, protocol: 'UDP' },
                { containerPort: 53, protocol: 'TCP' },
              ],
            },
          ],
        },
      },
    );
    store.create(
      { group: '', resource: 'services' },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kube-dns', namespace: 'kube-system' },
        spec: {
          clusterIP: '10.96.0.10',
          clusterIPs: ['10.96.0.10'],
          selector: { 'k8s-app': 'kube-dns' },
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
            { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          ],
        },
      },
    );
  }
  const tokens = new Map<string, string>();
  const calls: Array<{ user: string; method: string; path: string }> = [];
  const callApi: CallApi = (token, method, path, body) => {
    const user = tokens.get(token);
    calls.push({ user: user ?? 'system:anonymous', method, path });
    if (!user)
      return {
        status: 401,
        body: { kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
      };
    if (path === '/version') return { status: 200, body: { major: '1', minor: '32', gitVersion: 'v1.32.2' } };
    if (path.endsWith('/selfsubjectaccessreviews')) {
      const attrs = (body as { spec?: { resourceAttributes?: { verb?: string; resource?: string } } }).spec
        ?.resourceAttributes;
      return {
        status: 201,
        body: { status: { allowed: opts.allow?.(user, attrs?.verb ?? '', attrs?.resource ?? '') ?? false } },
      };
    }
    const verb =
      method === 'GET' ? (/\/secrets$|\/pods$/.test(path.split('?')[0]!) ? 'list' : 'get') : method.toLowerCase();
    if (!(opts.allow?.(user, verb, path) ?? false)) {
      const resource =
        path
          .split('?')[0]!
          .split('/')
          .filter(Boolean)
          .find(
            (p, i, a) => a[i - 1] !== 'namespaces' && ['secrets', 'pods', 'configmaps', 'deployments'].includes(p),
          ) ?? 'resources';
      return {
        status: 403,
        body: {
          kind: 'Status',
          status: 'Failure',
          reason: 'Forbidden',
          code: 403,
          message: `${resource} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "" in the namespace "${path.split('/namespaces/')[1]?.split('/')[0] ?? ''}"`,
        },
      };
    }
    const m = path.split('?')[0]!.match(/^\/api\/v1\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/);
    if (m && method === 'GET') {
      const res = { group: '', resource: m[2]! };
      if (m[3]) {
        const o = store.get(res, m[1], m[3]);
        return o
          ? { status: 200, body: o }
          : { status: 404, body: { message: `${m[2]} "${m[3]}" not found`, reason: 'NotFound' } };
      }
      return { status: 200, body: { kind: 'List', items: store.list(res, m[1]) } };
    }
    if (m && method === 'POST') {
      try {
        return {
          status: 201,
          body: store.create(
            { group: '', resource: m[2]! },
            { ...(body as KubeObject), metadata: { ...(body as KubeObject).metadata, namespace: m[1] } },
          ),
        };
      } catch (e) {
        return { status: 409, body: { message: (e as Error).message, reason: 'AlreadyExists' } };
      }
    }
    return { status: 404, body: { message: 'the server could not find the requested resource', reason: 'NotFound' } };
  };
  const deps: RuntimeDeps = {
    store,
    clock,
    ids,
    registry,
    callApi,
    issueToken: (ns, sa) => {
      const t = `token-${ns}-${sa}`;
      tokens.set(t, `system:serviceaccount:${ns}:${sa}`);
      return t;
    },
    ...(opts.policyNetwork ? { network: createPolicyNetworkPort(store) } : {}),
    adminToken: () => {
      tokens.set('admin-token', 'kubernetes-admin');
      return 'admin-token';
    },
  };
  const stop = startKubelet(deps);
  const exec = createExec(deps);

  const flush = async () => {
    for (let i = 0; i < 50; i++) await Promise.resolve();
  };
  /** Moves the clock in steps, letting promises run in between. */
  const settle = async (ms = 3000, step = 100) => {
    for (let t = 0; t < ms; t += step) {
      await flush();
      clock.advance(step);
    }
    await flush();
  };
  const createPod = async (
    pod: Partial<Pod> & { metadata: { name: string; namespace?: string } },
    node = 'paranoid-worker',
    ms = 3000,
  ) => {
    store.create({ group: '', resource: 'pods' }, {
      apiVersion: 'v1',
      kind: 'Pod',
      ...pod,
      metadata: { namespace: 'default', ...pod.metadata },
      spec: { nodeName: node, ...(pod.spec as object) },
    } as unknown as KubeObject);
    await settle(ms);
    return getPod(pod.metadata.name, pod.metadata.namespace ?? 'default');
  };
  const getPod = (name: string, namespace = 'default') =>
    store.get({ group: '', resource: 'pods' }, namespace, name) as unknown as Pod;

  /** Runs a command in a container to completion (bounded); stdin optional. */
  const run = async (req: Partial<ExecRequest> & { pod: string; command: string[] }, stdin?: string) => {
    const session = exec(
      { namespace: 'default', container: '', stdin: stdin !== undefined, tty: false, ...req },
      { username: 'test', groups: [] },
    );
    let stdout = '';
    let stderr = '';
    let code: number | undefined;
    const dec = new TextDecoder();
    session.onStdout((d) => {
      stdout += dec.decode(d);
    });
    session.onStderr((d) => {
      stderr += dec.decode(d);
    });
    session.onExit((c) => {
      code = c;
    });
    if (stdin !== undefined) {
      session.writeStdin(new TextEncoder().encode(stdin));
      session.closeStdin();
    }
    for (let i = 0; i < 2000 && code === undefined; i++) {
      for (let j = 0; j < 100 && code === undefined; j++) await flush();
      if (code === undefined) clock.advance(100);
    }
    return { stdout, stderr, code };
  };
  const createService = (
    name: string,
    namespace: string,
    clusterIP: string,
    selector: Record<string, string>,
    ports: Array<{ port: number; targetPort?: number | string; nodePort?: number }>,
    type = 'ClusterIP',
  ) =>
    store.create(
      { group: '', resource: 'services' },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace },
        spec: {
          type,
          clusterIP,
          clusterIPs: [clusterIP],
          selector,
          ports: ports.map((p) => ({ protocol: 'TCP', targetPort: p.port, ...p })),
        },
      },
    );
  return {
    clock,
    ids,
    store,
    registry,
    deps,
    stop,
    exec,
    settle,
    flush,
    createPod,
    getPod,
    run,
    calls,
    tokens,
    createService,
  };
}
