import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { KubeClient } from '@paranoid/kube/client.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import { parseManifests } from '@paranoid/kube/manifests.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_NAMESPACES,
  type SimHostCluster,
  startSimHostCluster,
  typeInShell,
} from '../testing/sim-host-cluster.ts';
import { PodTerminals, reapTerminalPods } from './pod-terminals.ts';

/**
 * Terminal pods on a simulated cluster acting as the cluster the runner runs in: the
 * simulator enforces Pod Security admission on the terminals namespace, runs the pods,
 * serves exec over WebSocket and enforces NetworkPolicy, so what passes here is the host's word.
 */

const WEB = (name: string, namespace: string, labels: string) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${namespace}, labels: { ${labels} } }
spec:
  securityContext: { runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: RuntimeDefault } }
  containers:
    - name: web
      image: nginx:1.27
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
`;

const SETUP = parseManifests(`
${CHART_NAMESPACES}
---
apiVersion: v1
kind: Namespace
metadata: { name: elsewhere }
---
${WEB('runner', 'paranoid', 'app.kubernetes.io/name: paranoid')}
---
${WEB('other', 'elsewhere', 'app: other')}
---
${WEB('lookalike', 'elsewhere', 'app.kubernetes.io/name: paranoid')}
`) as unknown as KubeObject[];

const SESSION_KUBECONFIG = kubeconfigYaml({
  server: 'http://paranoid.paranoid.svc:80/api/sessions/s1/kube',
  token: 'only-s1',
});

let hostCluster: SimHostCluster;
let admin: KubeClient;
let terminals: PodTerminals;
const now = 5_000_000;
const ips: Record<string, string> = {};

beforeAll(async () => {
  hostCluster = await startSimHostCluster();
  admin = hostCluster.admin;
  for (const o of SETUP) await admin.send('POST', await admin.path(o.apiVersion, o.kind, o.metadata.namespace), o);
  for (const [ns, pod] of [
    ['paranoid', 'runner'],
    ['elsewhere', 'other'],
    ['elsewhere', 'lookalike'],
  ] as const) {
    for (let i = 0; i < 100 && !ips[pod]; i++) {
      const p = (await admin.send('GET', `/api/v1/namespaces/${ns}/pods/${pod}`)) as {
        status?: { podIP?: string; phase?: string };
      };
      if (p.status?.phase === 'Running' && p.status.podIP) ips[pod] = p.status.podIP;
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  terminals = new PodTerminals({
    hostKubeconfig: hostCluster.kubeconfig,
    namespace: 'paranoid-terminals',
    image: 'nicolaka/netshoot:v0.13',
    ttlMs: 60 * 60_000,
    owner: 'runner-a.1.abc123',
    runner: { namespace: 'paranoid', podLabels: { 'app.kubernetes.io/name': 'paranoid' }, port: 80 },
    now: () => now,
    readyTimeoutMs: 30_000,
  });
}, 60_000);

afterAll(async () => {
  await terminals?.close();
  await hostCluster?.close();
});

/** Types a line in a new login shell of the session's terminal pod and returns what it printed. */
const type = (session: string, line: string) =>
  typeInShell(() => terminals.open(session, { cols: 200, rows: 50 }), line);

describe('terminal pods on the cluster the runner runs in', () => {
  beforeAll(async () => {
    await terminals.start('s1', SESSION_KUBECONFIG);
  }, 60_000);

  it('runs each shell in a pod that Pod Security restricted admits, with no token but its session kubeconfig, owned by the pod', async () => {
    const pod = (await admin.send('GET', '/api/v1/namespaces/paranoid-terminals/pods/term-s1')) as {
      metadata: KubeObject['metadata'];
      spec: Record<string, unknown> & { containers: Record<string, unknown>[] };
      status: { phase: string };
    };
    expect(pod.status.phase).toBe('Running');
    expect(pod.metadata.labels).toMatchObject({
      'paranoid.dev/managed-by': 'paranoid-terminals',
      'paranoid.dev/session': 's1',
    });
    expect(pod.metadata.annotations?.['paranoid.dev/expires-at']).toBe(String(now + 60 * 60_000));
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.containers[0]?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    const secret = (await admin.send('GET', '/api/v1/namespaces/paranoid-terminals/secrets/term-s1')) as KubeObject;
    expect(secret.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Pod', name: 'term-s1', uid: pod.metadata.uid }),
    ]);
    // What the namespace enforces: the same pod made root is refused.
    const root = structuredClone(pod) as unknown as KubeObject & { spec: { securityContext: Record<string, unknown> } };
    root.metadata = { name: 'root', namespace: 'paranoid-terminals' };
    root.spec.securityContext = { runAsUser: 0 };
    const refused = await admin.raw('POST', '/api/v1/namespaces/paranoid-terminals/pods', {
      ...root,
      status: undefined,
    });
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toContain('violates PodSecurity "restricted:latest"');
  });

  it('streams a login shell through the exec API, as the learner, with only the session kubeconfig', async () => {
    const out = await type('s1', 'id -u; cat "$KUBECONFIG"; ls /var/run/secrets/kubernetes.io 2>&1 | head -1');
    expect(out).toMatch(/\r?\n1000\r?\n/);
    expect(out).toContain('server: http://paranoid.paranoid.svc:80/api/sessions/s1/kube');
    expect(out).toContain('token: only-s1');
    expect(out).toMatch(/No such file or directory/);
    expect(out).toContain('__done 0');
  });

  it("reaches the runner's port and nothing else, not even a pod that wears the runner's labels elsewhere", async () => {
    const runner = await type('s1', `wget -T 2 -q -O /tmp/page http://${ips.runner}:80/`);
    expect(runner).toContain('__done 0');
    const other = await type('s1', `wget -T 2 -q -O /tmp/page http://${ips.other}:80/`);
    expect(other).toContain('wget: download timed out');
    const lookalike = await type('s1', `wget -T 2 -q -O /tmp/page http://${ips.lookalike}:80/`);
    expect(lookalike).toContain('wget: download timed out');
  });

  it('deletes the pod and its Secret when the session ends', async () => {
    await terminals.start('s2', SESSION_KUBECONFIG);
    await terminals.stop('s2');
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-terminals/pods/term-s2')).status).toBe(404);
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-terminals/secrets/term-s2')).status).toBe(404);
  }, 60_000);

  it('reaps a terminal pod past its TTL, and spares a live one', async () => {
    const base = {
      client: admin,
      namespace: 'paranoid-terminals',
      owner: 'runner-a.1.abc123',
      ownerMayBeAlive: () => true,
    };
    expect(await reapTerminalPods({ ...base, now, isActive: (s) => s === 's1' })).toEqual([]);
    expect(await reapTerminalPods({ ...base, now: now + 61 * 60_000, isActive: () => true })).toEqual(['term-s1']);
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-terminals/pods/term-s1')).status).toBe(404);
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-terminals/secrets/term-s1')).status).toBe(404);
  });

  it('reaps the terminal pods of a replica whose lease ran out, by their replica label, long before their TTL', async () => {
    const of = (replica: string, owner: string) =>
      new PodTerminals({
        hostKubeconfig: hostCluster.kubeconfig,
        namespace: 'paranoid-terminals',
        image: 'nicolaka/netshoot:v0.13',
        ttlMs: 60 * 60_000,
        owner,
        replica,
        runner: { namespace: 'paranoid', podLabels: { 'app.kubernetes.io/name': 'paranoid' }, port: 80 },
        now: () => now,
        readyTimeoutMs: 30_000,
      });
    const dead = of('replica-b-1', 'runner-b.1.bbbbbb');
    const living = of('replica-c-1', 'runner-c.1.cccccc');
    await dead.start('s3', SESSION_KUBECONFIG);
    await living.start('s4', SESSION_KUBECONFIG);
    const pod = (await admin.send('GET', '/api/v1/namespaces/paranoid-terminals/pods/term-s3')) as KubeObject;
    expect(pod.metadata.labels?.['paranoid.dev/replica']).toBe('replica-b-1');
    // Seen from replica a, on another node: no process of theirs can be seen, so only the map can tell.
    const base = {
      client: admin,
      namespace: 'paranoid-terminals',
      owner: 'runner-a.1.abc123',
      now,
      isActive: (s: string) => s === 's1',
      ownerMayBeAlive: () => true,
    };
    // A map that does not list this replica itself is not believed: nothing goes.
    const unread = { self: 'replica-a-1', live: async () => new Set<string>() };
    expect(await reapTerminalPods({ ...base, replicas: unread })).toEqual([]);
    // Both replicas live: both pods stay.
    const all = { self: 'replica-a-1', live: async () => new Set(['replica-a-1', 'replica-b-1', 'replica-c-1']) };
    expect(await reapTerminalPods({ ...base, replicas: all })).toEqual([]);
    // b's lease ran out: its pod and Secret go now, c's stay.
    const bGone = { self: 'replica-a-1', live: async () => new Set(['replica-a-1', 'replica-c-1']) };
    expect(await reapTerminalPods({ ...base, replicas: bGone })).toEqual(['term-s3']);
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-terminals/pods/term-s3')).status).toBe(404);
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-terminals/secrets/term-s3')).status).toBe(404);
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-terminals/pods/term-s4')).status).toBe(200);
    expect((await admin.raw('GET', '/api/v1/namespaces/paranoid-terminals/secrets/term-s4')).status).toBe(200);
    await living.close();
    await dead.close();
  }, 90_000);
});
