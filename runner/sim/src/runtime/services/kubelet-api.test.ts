import type { KubeObject } from '@paranoid/k8s/object.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { simulatedClusterOptions } from '../../assemble.ts';
import { ManualClock, SequentialIds } from '../../clock.ts';
import { type Cluster, createCluster } from '../../cluster.ts';
import { kubeletAttributes } from './kubelet-api.ts';

const ADMIN = 'admin-token';
const NODE = 'paranoid-worker';
const NODE_IP = '172.18.0.3';

const OPEN_CONFIG = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: AlwaysAllow
cgroupDriver: systemd
`;

const running: Cluster[] = [];
afterEach(() => {
  for (const c of running.splice(0)) c.stop();
});

async function settle(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t <= ms; t += 250) {
    for (let i = 0; i < 30; i++) await Promise.resolve();
    clock.advance(250);
  }
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

/** A full simulated cluster with an attacker pod and a victim pod on the worker, and a node-admin pod. */
async function lab() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const options = simulatedClusterOptions({ clock, ids: new SequentialIds(), adminToken: ADMIN });
  const cluster = createCluster(options);
  running.push(cluster);
  await settle(clock, 3000);
  const pod = (name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: NODE, ...spec },
  });
  const create = (o: KubeObject) => {
    const res = cluster.callApi(ADMIN, 'POST', '/api/v1/namespaces/default/pods', o);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };
  create(
    pod('attacker', { containers: [{ name: 'shell', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'] }] }),
  );
  create(
    pod('victim', {
      containers: [
        {
          name: 'app',
          image: 'nicolaka/netshoot',
          command: ['sleep', 'infinity'],
          env: [{ name: 'DB_PASSWORD', value: 'hunter2-ledger' }],
        },
      ],
    }),
  );
  create(
    pod('node-admin', {
      hostPID: true,
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
      containers: [
        {
          name: 'shell',
          image: 'nicolaka/netshoot',
          command: ['sleep', 'infinity'],
          securityContext: { privileged: true },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        },
      ],
    }),
  );
  await settle(clock, 5000);
  const run = async (name: string, command: string[]) => {
    const session = options.exec!(
      { namespace: 'default', pod: name, container: '', command, stdin: false, tty: false },
      { username: 'admin', groups: ['system:masters'] },
    );
    let out = '';
    let err = '';
    let code: number | undefined;
    const dec = new TextDecoder();
    session.onStdout((d) => {
      out += dec.decode(d);
    });
    session.onStderr((d) => {
      err += dec.decode(d);
    });
    session.onExit((c) => {
      code = c;
    });
    for (let i = 0; i < 200 && code === undefined; i++) {
      for (let j = 0; j < 50 && code === undefined; j++) await Promise.resolve();
      clock.advance(50);
    }
    return { out, err, code };
  };
  /** Writes the worker's kubelet config file (and restarts the kubelet unless told not to). */
  const configure = async (config: string, restart = true) => {
    const b64 = btoa(config);
    const r = await run('node-admin', [
      'sh',
      '-c',
      `echo ${b64} | base64 -d > /host/var/lib/kubelet/config.yaml${restart ? ' && chroot /host systemctl restart kubelet' : ''}`,
    ]);
    return r;
  };
  const wget = (path: string, extra: string[] = []) =>
    run('attacker', ['sh', '-c', `curl -sk -w '\\n%{http_code}' ${extra.join(' ')} https://${NODE_IP}:10250${path}`]);
  return { cluster, run, configure, wget };
}

describe('the kubelet API on :10250', () => {
  it("refuses anonymous requests with kind's default config (anonymous off, Webhook)", async () => {
    const { wget } = await lab();
    const r = await wget('/pods');
    expect(r.out).toBe('Unauthorized\n401');
  });

  it('reads its config only when it starts: an edited file changes nothing until systemctl restart', async () => {
    const { configure, wget } = await lab();
    expect((await configure(OPEN_CONFIG, false)).code).toBe(0);
    expect((await wget('/pods')).out).toBe('Unauthorized\n401');
    const restarted = await configure(OPEN_CONFIG);
    expect(restarted.err).toBe('');
    expect(restarted.code).toBe(0);
    const r = await wget('/pods');
    expect(r.out).toMatch(/^\{"kind":"PodList","apiVersion":"v1"/);
    expect(r.out).toContain('"name":"victim"');
    expect(r.out.endsWith('\n200')).toBe(true);
  });

  it('with anonymous and AlwaysAllow, runs a command in any pod on the node through /run', async () => {
    const { configure, wget } = await lab();
    await configure(OPEN_CONFIG);
    const r = await wget('/run/default/victim/app', ['-X', 'POST', '-d', 'cmd=env']);
    expect(r.out).toContain('DB_PASSWORD=hunter2-ledger');
    expect(r.out.endsWith('\n200')).toBe(true);
    expect((await wget('/run/default/nobody/app', ['-X', 'POST', '-d', 'cmd=env'])).out).toBe(
      'pod does not exist\n404',
    );
  });

  it('with anonymous on and Webhook authorization, forbids system:anonymous by a SubjectAccessReview', async () => {
    const { configure, wget } = await lab();
    await configure(OPEN_CONFIG.replace('mode: AlwaysAllow', 'mode: Webhook'));
    expect((await wget('/pods')).out).toBe(
      'Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource=proxy)\n403',
    );
    expect((await wget('/run/default/victim/app', ['-X', 'POST', '-d', 'cmd=env'])).out).toBe(
      'Forbidden (user=system:anonymous, verb=create, resource=nodes, subresource=proxy)\n403',
    );
  });

  it('authenticates a service account token by TokenReview when webhook authentication is on', async () => {
    const { configure, run, cluster } = await lab();
    await configure(
      OPEN_CONFIG.replace('enabled: true', 'enabled: false')
        .replace('webhook:\n    enabled: false', 'webhook:\n    enabled: true')
        .replace('mode: AlwaysAllow', 'mode: Webhook'),
    );
    const withToken = `curl -sk -w '\\n%{http_code}' -H "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" https://${NODE_IP}:10250/pods`;
    expect((await run('attacker', ['sh', '-c', withToken])).out).toBe(
      'Forbidden (user=system:serviceaccount:default:default, verb=get, resource=nodes, subresource=proxy)\n403',
    );
    const bound = cluster.callApi(ADMIN, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'default-kubelet-api' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kubelet-api-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
    });
    expect(bound.status).toBe(201);
    expect((await run('attacker', ['sh', '-c', withToken])).out).toMatch(/"kind":"PodList"[\s\S]*\n200$/);
    const forged = `curl -sk -w '\\n%{http_code}' -H "Authorization: Bearer not-a-token" https://${NODE_IP}:10250/pods`;
    expect((await run('attacker', ['sh', '-c', forged])).out).toBe('Unauthorized\n401');
  });

  it('serves its running config through nodes/proxy/configz, which the API server reaches with its own credentials', async () => {
    const { configure, cluster } = await lab();
    const before = cluster.callApi(ADMIN, 'GET', `/api/v1/nodes/${NODE}/proxy/configz`);
    expect(before.status).toBe(200);
    const cfg = (before.body as { kubeletconfig: Record<string, unknown> }).kubeletconfig;
    expect(cfg.authentication).toEqual({
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: '0s' },
      x509: { clientCAFile: '/etc/kubernetes/pki/ca.crt' },
    });
    expect((cfg.authorization as { mode: string }).mode).toBe('Webhook');
    expect(cfg.readOnlyPort).toBe(0);
    await configure(OPEN_CONFIG);
    const after = cluster.callApi(ADMIN, 'GET', `/api/v1/nodes/${NODE}/proxy/configz`);
    const open = (after.body as { kubeletconfig: { authorization: { mode: string } } }).kubeletconfig;
    expect(open.authorization.mode).toBe('AlwaysAllow');
  });

  it('stays down on a config it cannot load: systemctl says so, the port refuses, the proxy answers 503', async () => {
    const { configure, wget, cluster } = await lab();
    const r = await configure(OPEN_CONFIG.replace('mode: AlwaysAllow', 'mode: Sometimes'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('Job for kubelet.service failed');
    expect((await wget('/pods')).code).toBe(7);
    expect(cluster.callApi(ADMIN, 'GET', `/api/v1/nodes/${NODE}/proxy/configz`).status).toBe(503);
  });

  it('is not restarted by systemctl from a container that only made its own bus file', async () => {
    const { run } = await lab();
    const r = await run('attacker', [
      'sh',
      '-c',
      'mkdir -p /run/systemd && touch /run/systemd/private; systemctl restart kubelet',
    ]);
    expect(r.code).not.toBe(0);
  });
});

describe('kubeletAttributes', () => {
  it('maps methods to verbs and paths to node subresources as the kubelet does', () => {
    expect(kubeletAttributes('GET', '/pods')).toEqual({ verb: 'get', subresource: 'proxy' });
    expect(kubeletAttributes('POST', '/run/a/b/c')).toEqual({ verb: 'create', subresource: 'proxy' });
    expect(kubeletAttributes('GET', '/stats/summary')).toEqual({ verb: 'get', subresource: 'stats' });
    expect(kubeletAttributes('GET', '/logs/')).toEqual({ verb: 'get', subresource: 'log' });
    expect(kubeletAttributes('GET', '/metrics/cadvisor')).toEqual({ verb: 'get', subresource: 'metrics' });
  });
});
