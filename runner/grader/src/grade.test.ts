import type { KubeObject } from '@paranoid/k8s/object.ts';
import { RESOURCES } from '@paranoid/schema/resources.ts';
import { describe, expect, it, vi } from 'vitest';
import { grade, runAttacks } from './grade.ts';
import { namespaceFirst } from './probes.ts';
import { listedObjects } from './testing/listed-objects.ts';
import { simClustersForFile } from './testing/sim-cluster.ts';
import { testScenario } from './testing/test-scenario.ts';

const deployment = (name: string, namespace: string, spec: Record<string, unknown>, replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } },
});

const noPrivileged = {
  id: 'no-privileged',
  title: 'No privileged container',
  failure: 'A container is privileged.',
  object: {
    resource: 'podspecs',
    namespaces: ['app'],
    rule: 'object.containers.all(c, c.?securityContext.?privileged.orValue(false) == false)',
  },
};

// One real simulated cluster per test (a copy of a settled bare one), served in this process: objects are
// created through the API, and the RBAC, admission, controllers and kubelet are the ones learners get.
const sim = simClustersForFile();
// Tests run concurrently, each on its own cluster: most of a test is waiting for pods to start.
vi.setConfig({ testTimeout: 20_000 });

/** A fresh cluster with these objects applied and rolled out; the host stops it after the file. */
async function clusterWith(objects: KubeObject[]) {
  const c = sim.cluster();
  if (objects.length > 0) await c.apply(objects);
  return c;
}

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const PODS = RESOURCES.get('pods')!;
const RS = RESOURCES.get('replicasets.apps')!;
const phaseOf = (pods: KubeObject[], name: string) =>
  (pods.find((p) => p.metadata.name === name)?.status as { phase?: string } | undefined)?.phase;
const POD_OF = (deployment: string) => `${deployment}-[a-z0-9]+-[a-z0-9]{5}`;

describe.concurrent('grade', () => {
  it('judges running pods and workload templates, and says where it failed', async () => {
    const c = await clusterWith([
      ns('app'),
      deployment('web', 'app', { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] }),
    ]);
    const result = await grade(testScenario([noPrivileged]), c.api());
    expect(result.passed).toBe(false);
    expect(result.checks[0]!.message).toMatch(
      new RegExp(`^A container is privileged\\. Found: Deployment app/web; Pod app/${POD_OF('web')}\\.$`),
    );
  });

  it('still fails on a template when no pod runs (scaled to zero)', async () => {
    const c = await clusterWith([
      ns('app'),
      deployment(
        'web',
        'app',
        { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] },
        0,
      ),
    ]);
    const result = await grade(testScenario([noPrivileged]), c.api());
    expect(result.checks[0]!.message).toContain('Deployment app/web');
    expect(result.checks[0]!.message).not.toContain('Pod ');
  });

  it('ignores the old ReplicaSets a Deployment keeps and finished pods', async () => {
    const privileged = { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] };
    const c = await clusterWith([
      ns('app'),
      deployment('web', 'app', privileged),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'done', namespace: 'app' },
        spec: { restartPolicy: 'Never', containers: [{ ...privileged.containers[0]!, command: ['true'] }] },
      },
    ]);
    // The fix: the template is no longer privileged; the Deployment keeps the old ReplicaSet, scaled to 0.
    await c.apply([deployment('web', 'app', { containers: [{ name: 'c', image: 'nginx' }] })]);
    const api = c.api();
    const replicaSets = await api.list(RS, 'app');
    expect(
      replicaSets
        .map((rs) => [(rs.spec as { replicas: number }).replicas, JSON.stringify(rs).includes('"privileged":true')])
        .sort(),
    ).toEqual([
      [0, true],
      [1, false],
    ]);
    await expect.poll(async () => phaseOf(await api.list(PODS, 'app'), 'done'), { timeout: 10_000 }).toBe('Succeeded');
    expect((await grade(testScenario([noPrivileged]), api)).passed).toBe(true);
  });

  it('still judges a pod that restarts Always but claims to have Succeeded: its phase was forged', async () => {
    // A real kubelet writes the phase back at once (tests/integration/grader-truth.test.ts), so the forged
    // state is given as a fixed object list: what the grader would see between the patch and the kubelet.
    const api = listedObjects([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'backdoor', namespace: 'app' },
        spec: { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] },
        status: { phase: 'Succeeded' },
      },
    ]);
    const result = await grade(testScenario([noPrivileged]), api);
    expect(result.checks[0]!.message).toBe('A container is privileged. Found: Pod app/backdoor.');
  });

  it('still judges a pod whose phase a cluster-admin patched to Succeeded', async () => {
    const c = await clusterWith([
      ns('app'),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'backdoor', namespace: 'app' },
        spec: { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] },
      },
    ]);
    await c.patchStatus('/api/v1/namespaces/app/pods/backdoor', { phase: 'Succeeded' });
    const result = await grade(testScenario([noPrivileged]), c.api());
    expect(result.checks[0]!.message).toBe('A container is privileged. Found: Pod app/backdoor.');
  });

  it('fails a check whose `min` is not met, so deleting the app is not a fix', async () => {
    const check = {
      id: 'ready',
      title: 'web is ready',
      failure: 'web must run.',
      object: { resource: 'deployments.apps', select: "object.metadata.name == 'web'", min: 1, rule: 'true' },
    };
    const c = await clusterWith([]);
    const result = await grade(testScenario([check]), c.api());
    expect(result.checks[0]).toMatchObject({
      passed: false,
      message: 'web must run. Found: nothing matched (expected at least 1 deployments.apps).',
    });
  });

  it('reports a CEL error against the object instead of passing', async () => {
    const check = { ...noPrivileged, object: { resource: 'podspecs', rule: 'object.spec.nope.deeper' } };
    const c = await clusterWith([ns('app'), deployment('web', 'app', { containers: [{ name: 'c', image: 'nginx' }] })]);
    const result = await grade(testScenario([check]), c.api());
    expect(result.checks[0]!.passed).toBe(false);
    expect(result.checks[0]!.message).toContain('could not be evaluated');
  });

  it('passes when MUST checks pass even if SHOULD checks fail', async () => {
    const should = { ...noPrivileged, id: 'advice', level: 'SHOULD', object: { resource: 'podspecs', rule: 'false' } };
    const c = await clusterWith([ns('app'), deployment('web', 'app', { containers: [{ name: 'c', image: 'nginx' }] })]);
    const result = await grade(testScenario([noPrivileged, should]), c.api());
    expect(result.passed).toBe(true);
    expect(result.checks.find((c) => c.id === 'advice')!.passed).toBe(false);
  });
});

describe.concurrent('probes', () => {
  const execCheck = (expect: 'succeed' | 'fail', command = ['sh', '-c', 'echo $FLAG']) => ({
    id: 'flag',
    title: 'the flag is safe',
    failure: 'The flag can be read.',
    probe: {
      kind: 'exec',
      pod: { namespace: 'app', selector: { app: 'web' } },
      command,
      succeedsWhen: { stdoutContains: 'PARANOID{' },
    },
    expect,
  });
  /** A container whose environment holds `flag`: the exec probe prints it. */
  const holding = (flag: string) => ({
    containers: [{ name: 'c', image: 'nginx', env: [{ name: 'FLAG', value: flag }] }],
  });

  it('fails an expect-fail probe that worked, naming the pod and the output', async () => {
    const c = await clusterWith([ns('app'), deployment('web', 'app', holding('PARANOID{x}'))]);
    const result = await grade(testScenario([execCheck('fail')]), c.api());
    expect(result.checks[0]!.message).toMatch(
      new RegExp(
        `^The flag can be read\\. Found: \`sh -c echo \\$FLAG\` in pod app/${POD_OF('web')} exited 0: PARANOID\\{x\\}\\.$`,
      ),
    );
  });

  it('counts a missing tool (exit 127) as a probe that could not run, never as a blocked attack', async () => {
    const c = await clusterWith([ns('app'), deployment('web', 'app', holding('PARANOID{x}'))]);
    const result = await grade(testScenario([execCheck('fail', ['redis-cli', 'GET', 'flag'])]), c.api());
    expect(result.checks[0]).toMatchObject({ passed: false, error: true });
    expect(result.checks[0]!.message).toContain('could not run');
  });

  it('fails a probe whose source pod is gone, so deleting the attacker is not a fix', async () => {
    const c = await clusterWith([]);
    const result = await grade(testScenario([execCheck('fail')]), c.api());
    expect(result.checks[0]!.message).toContain('no running pod matches app=web in namespace app');
  });

  it('asks access reviews in every namespace and names the binding that allows', async () => {
    const c = await clusterWith([
      ns('team'),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'oops', namespace: 'team' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'Group', name: 'system:serviceaccounts:dash', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    ]);
    const check = {
      id: 'rbac',
      title: 'least privilege',
      failure: 'The account can read secrets.',
      probe: {
        kind: 'access-review',
        subject: { serviceAccount: { namespace: 'dash', name: 'dash' } },
        namespaces: 'all',
        attempts: [{ verb: 'list', resource: 'secrets' }],
      },
      expect: 'fail',
    };
    const result = await grade(testScenario([check]), c.api());
    expect(result.checks[0]!.message).toBe(
      'The account can read secrets. Found: it can list secrets in namespace team (RBAC: allowed by RoleBinding "team/oops" of ClusterRole "edit" to Group "system:serviceaccounts:dash").',
    );
  });

  it('follows the image to whatever account its pods run as, unless no token is mounted', async () => {
    const c = await clusterWith([
      ns('dash'),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'admin', namespace: 'dash' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'admin', namespace: 'dash' }],
      },
      deployment('ui', 'dash', {
        serviceAccountName: 'admin',
        containers: [{ name: 'c', image: 'kubernetesui/dashboard:v2.7.0' }],
      }),
    ]);
    const check = {
      id: 'rbac',
      title: 'least privilege',
      failure: 'The dashboard holds a powerful token.',
      probe: {
        kind: 'access-review',
        subject: { serviceAccountsOf: { image: 'docker.io/kubernetesui/dashboard' } },
        attempts: [{ verb: 'list', resource: 'secrets' }],
      },
      expect: 'fail',
    };
    let result = await grade(testScenario([check]), c.api());
    expect(result.checks[0]!.passed).toBe(false);
    expect(result.checks[0]!.message).toContain(
      'Found: dash/admin (the account of Deployment dash/ui): it can list secrets cluster-wide',
    );
    await c.apply([
      deployment('ui', 'dash', {
        serviceAccountName: 'admin',
        automountServiceAccountToken: false,
        containers: [{ name: 'c', image: 'kubernetesui/dashboard:v2.7.0' }],
      }),
    ]);
    result = await grade(testScenario([check]), c.api());
    expect(result.checks[0]!.passed).toBe(true);
  });

  it('names a RoleBinding namespace first in what the learner reads, as every other message does', () => {
    expect(
      namespaceFirst(
        'RBAC: allowed by RoleBinding "oops/team" of ClusterRole "edit" to Group "system:serviceaccounts:dash"',
      ),
    ).toBe('RBAC: allowed by RoleBinding "team/oops" of ClusterRole "edit" to Group "system:serviceaccounts:dash"');
    expect(namespaceFirst('RBAC: allowed by ClusterRoleBinding "admin" of ClusterRole "cluster-admin"')).toBe(
      'RBAC: allowed by ClusterRoleBinding "admin" of ClusterRole "cluster-admin"',
    );
  });

  it('reports an attack as working when any run of it works', async () => {
    // Only web2's pod holds the flag.
    const c = await clusterWith([
      ns('app'),
      deployment('web', 'app', holding('nothing'), 1),
      deployment('web2', 'app', holding('PARANOID{x}'), 1),
    ]);
    const s = testScenario(
      [noPrivileged],
      [
        {
          id: 'dump',
          title: 'dump',
          probe: {
            kind: 'exec',
            pod: { namespace: 'app', selector: {} },
            command: ['sh', '-c', 'echo $FLAG'],
            succeedsWhen: { stdoutContains: 'PARANOID' },
          },
        },
      ],
    );
    const [attack] = await runAttacks(s, c.api());
    expect(attack).toMatchObject({ id: 'dump', succeeded: true });
  });

  it('treats a Service that is not published as unreachable from the internet', async () => {
    const c = await clusterWith([
      ns('d'),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'dash', namespace: 'd' },
        spec: { type: 'ClusterIP', ports: [{ port: 443 }] },
      },
    ]);
    // The internet is the provider's edge; this one only records that it was asked.
    let asked = false;
    const api = c.api(async () => {
      asked = true;
      return { ok: true, status: 200, headers: {}, body: '' };
    });
    const check = {
      id: 'closed',
      title: 'closed',
      failure: 'It is open.',
      probe: { kind: 'internet', to: { service: { namespace: 'd', name: 'dash' }, port: 443 } },
      expect: 'fail',
    };
    expect((await grade(testScenario([check]), api)).passed).toBe(true);
    expect(asked).toBe(false);
  });

  it('sends the request to a node address and the nodePort of a NodePort Service', async () => {
    const c = await clusterWith([
      ns('d'),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'dash', namespace: 'd' },
        spec: { type: 'NodePort', ports: [{ port: 443, nodePort: 31337 }] },
      },
    ]);
    // An internet that answers with where it was sent: the address is the real control-plane node's.
    const api = c.api(async (r) => ({ ok: true, status: 200, headers: {}, body: `${r.host}:${r.port}${r.path}` }));
    const check = {
      id: 'closed',
      title: 'closed',
      failure: 'It is open.',
      probe: {
        kind: 'internet',
        to: { service: { namespace: 'd', name: 'dash' }, port: 443 },
        scheme: 'https',
        path: '/api',
        succeedsWhen: { bodyContains: '172.18.0.2:31337/api' },
      },
      expect: 'fail',
    };
    const result = await grade(testScenario([check]), api);
    expect(result.checks[0]!.message).toContain('GET https://172.18.0.2:31337/api from the internet answered 200');
  });
});

describe.concurrent('sequence probes', () => {
  const web = () => clusterWith([ns('app'), deployment('web', 'app', { containers: [{ name: 'c', image: 'nginx' }] })]);
  const step = (command: string, stdoutContains?: string) => ({
    kind: 'exec',
    pod: { namespace: 'app', selector: { app: 'web' } },
    command: ['sh', '-c', command],
    ...(stdoutContains ? { succeedsWhen: { stdoutContains } } : {}),
  });

  it('runs its steps in order, each seeing what the one before left', async () => {
    const c = await web();
    const s = testScenario(
      [noPrivileged],
      [
        {
          id: 'staged',
          title: 's',
          probe: { kind: 'sequence', steps: [step('echo mark > /tmp/m'), step('cat /tmp/m', 'mark')] },
        },
      ],
    );
    const [attack] = await runAttacks(s, c.api());
    expect(attack).toMatchObject({ id: 'staged', succeeded: true });
  });

  it('stops at the first step that does not work, and says which', async () => {
    const c = await web();
    const s = testScenario(
      [noPrivileged],
      [{ id: 'staged', title: 's', probe: { kind: 'sequence', steps: [step('exit 3'), step('echo never', 'never')] } }],
    );
    const [attack] = await runAttacks(s, c.api());
    expect(attack!.succeeded).toBe(false);
    expect(attack!.detail).toMatch(/^step 1 of 2 did not work: `sh -c exit 3` in pod app\/web-\S+ exited 3$/);
  });

  it('runs a staged check after the quiet ones, so what it changes is not what they see', async () => {
    const c = await web();
    const quiet = {
      id: 'marker-there',
      title: 'm',
      failure: 'The marker is gone.',
      probe: step('cat /usr/share/nginx/html/index.html', 'nginx'),
      expect: 'succeed',
    };
    const staged = {
      id: 'staged-removes-it',
      title: 's',
      failure: 'f',
      probe: { kind: 'sequence', steps: [step('rm /usr/share/nginx/html/index.html; true'), step('true')] },
      expect: 'succeed',
    };
    const result = await grade(testScenario([staged, quiet]), c.api());
    expect(result.checks.map((r) => [r.id, r.passed])).toEqual([
      ['staged-removes-it', true],
      ['marker-there', true],
    ]);
    // The staged check really changed the pod: graded again, the quiet check now fails.
    expect((await grade(testScenario([quiet]), c.api())).checks[0]!.passed).toBe(false);
  });
});
