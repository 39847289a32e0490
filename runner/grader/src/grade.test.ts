import type { KubeObject } from '@paranoid/k8s/object.ts';
import { type Scenario, ScenarioSchema } from '@paranoid/schema/scenario.ts';
import { describe, expect, it } from 'vitest';
import { grade, runAttacks } from './grade.ts';
import { FakeKubeApi } from './testing/fake-kube-api.ts';

const deployment = (name: string, namespace: string, spec: Record<string, unknown>, replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec } },
});

function scenario(checks: unknown[], attack: unknown[] = []): Scenario {
  return ScenarioSchema.parse({
    id: 'test',
    title: 't',
    summary: 's',
    difficulty: 'beginner',
    minutes: 5,
    cks: ['Cluster Setup'],
    incident: { title: 'i', summary: 's', sources: [{ title: 'x', url: 'https://example.com/' }] },
    steps: [{ id: 'fix', title: 'f', kind: 'fix', file: 'steps/fix.md' }],
    attack:
      attack.length > 0
        ? attack
        : [{ id: 'a', title: 'a', probe: { kind: 'exec', pod: { namespace: 'x', name: 'y' }, command: ['true'] } }],
    checks,
  });
}

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

describe('grade', () => {
  it('judges running pods and workload templates, and says where it failed', async () => {
    const api = new FakeKubeApi();
    api.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
      deployment('web', 'app', { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] }),
    ]);
    const result = await grade(scenario([noPrivileged]), api);
    expect(result.passed).toBe(false);
    expect(result.checks[0]!.message).toBe('A container is privileged. Found: Deployment app/web; Pod app/web-abc12.');
  });

  it('still fails on a template when no pod runs (scaled to zero)', async () => {
    const api = new FakeKubeApi();
    api.apply([
      deployment('web', 'app', { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] }, 0),
    ]);
    const result = await grade(scenario([noPrivileged]), api);
    expect(result.checks[0]!.message).toContain('Deployment app/web');
    expect(result.checks[0]!.message).not.toContain('Pod ');
  });

  it('ignores the old ReplicaSets a Deployment keeps and finished pods', async () => {
    const api = new FakeKubeApi();
    api.apply([
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: 'web-old',
          namespace: 'app',
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u', controller: true }],
        },
        spec: {
          replicas: 0,
          template: { spec: { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] } },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'done', namespace: 'app' },
        spec: { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] },
        status: { phase: 'Succeeded' },
      },
    ]);
    expect((await grade(scenario([noPrivileged]), api)).passed).toBe(true);
  });

  it('fails a check whose `min` is not met, so deleting the app is not a fix', async () => {
    const check = {
      id: 'ready',
      title: 'web is ready',
      failure: 'web must run.',
      object: { resource: 'deployments.apps', select: "object.metadata.name == 'web'", min: 1, rule: 'true' },
    };
    const result = await grade(scenario([check]), new FakeKubeApi());
    expect(result.checks[0]).toMatchObject({
      passed: false,
      message: 'web must run. Found: nothing matched (expected at least 1 deployments.apps).',
    });
  });

  it('reports a CEL error against the object instead of passing', async () => {
    const check = { ...noPrivileged, object: { resource: 'podspecs', rule: 'object.spec.nope.deeper' } };
    const api = new FakeKubeApi();
    api.apply([deployment('web', 'app', { containers: [{ name: 'c', image: 'x' }] })]);
    const result = await grade(scenario([check]), api);
    expect(result.checks[0]!.passed).toBe(false);
    expect(result.checks[0]!.message).toContain('could not be evaluated');
  });

  it('passes when MUST checks pass even if SHOULD checks fail', async () => {
    const should = { ...noPrivileged, id: 'advice', level: 'SHOULD', object: { resource: 'podspecs', rule: 'false' } };
    const api = new FakeKubeApi();
    api.apply([deployment('web', 'app', { containers: [{ name: 'c', image: 'x' }] })]);
    const result = await grade(scenario([noPrivileged, should]), api);
    expect(result.passed).toBe(true);
    expect(result.checks.find((c) => c.id === 'advice')!.passed).toBe(false);
  });
});

describe('probes', () => {
  const execCheck = (expect: 'succeed' | 'fail') => ({
    id: 'flag',
    title: 'the flag is safe',
    failure: 'The flag can be read.',
    probe: {
      kind: 'exec',
      pod: { namespace: 'app', selector: { app: 'web' } },
      command: ['redis-cli', 'GET', 'flag'],
      succeedsWhen: { stdoutContains: 'PARANOID{' },
    },
    expect,
  });

  it('fails an expect-fail probe that worked, naming the pod and the output', async () => {
    const api = new FakeKubeApi();
    api.apply([deployment('web', 'app', { containers: [{ name: 'c', image: 'x' }] })]);
    api.execHook = () => ({ stdout: 'PARANOID{x}\n', stderr: '', exitCode: 0 });
    const result = await grade(scenario([execCheck('fail')]), api);
    expect(result.checks[0]!.message).toBe(
      'The flag can be read. Found: `redis-cli GET flag` in pod app/web-abc12 exited 0: PARANOID{x}.',
    );
  });

  it('counts a missing tool (exit 127) as a probe that could not run, never as a blocked attack', async () => {
    const api = new FakeKubeApi();
    api.apply([deployment('web', 'app', { containers: [{ name: 'c', image: 'x' }] })]);
    api.execHook = () => ({ stdout: '', stderr: 'sh: redis-cli: not found', exitCode: 127 });
    const result = await grade(scenario([execCheck('fail')]), api);
    expect(result.checks[0]).toMatchObject({ passed: false, error: true });
    expect(result.checks[0]!.message).toContain('could not run');
  });

  it('fails a probe whose source pod is gone, so deleting the attacker is not a fix', async () => {
    const result = await grade(scenario([execCheck('fail')]), new FakeKubeApi());
    expect(result.checks[0]!.message).toContain('no running pod matches app=web in namespace app');
  });

  it('asks access reviews in every namespace and names the binding that allows', async () => {
    const api = new FakeKubeApi();
    api.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } },
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
    const result = await grade(scenario([check]), api);
    expect(result.checks[0]!.message).toBe(
      'The account can read secrets. Found: it can list secrets in namespace team (RBAC: allowed by RoleBinding "oops").',
    );
  });

  it('reports an attack as working when any run of it works', async () => {
    const api = new FakeKubeApi();
    api.apply([
      deployment('web', 'app', { containers: [{ name: 'c', image: 'x' }] }, 1),
      deployment('web2', 'app', { containers: [{ name: 'c', image: 'x' }] }, 1),
    ]);
    api.execHook = (call) => ({ stdout: call.pod.startsWith('web2') ? 'PARANOID{x}' : '', stderr: '', exitCode: 0 });
    const s = scenario(
      [noPrivileged],
      [
        {
          id: 'dump',
          title: 'dump',
          probe: {
            kind: 'exec',
            pod: { namespace: 'app', selector: {} },
            command: ['redis-cli'],
            succeedsWhen: { stdoutContains: 'PARANOID' },
          },
        },
      ],
    );
    const [attack] = await runAttacks(s, api);
    expect(attack).toMatchObject({ id: 'dump', succeeded: true });
  });

  it('treats a Service that is not published as unreachable from the internet', async () => {
    const api = new FakeKubeApi();
    api.apply([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'dash', namespace: 'd' },
        spec: { type: 'ClusterIP', ports: [{ port: 443 }] },
      },
    ]);
    let asked = false;
    api.internetHook = () => {
      asked = true;
      return { ok: true, status: 200, headers: {}, body: '' };
    };
    const check = {
      id: 'closed',
      title: 'closed',
      failure: 'It is open.',
      probe: { kind: 'internet', to: { service: { namespace: 'd', name: 'dash' }, port: 443 } },
      expect: 'fail',
    };
    expect((await grade(scenario([check]), api)).passed).toBe(true);
    expect(asked).toBe(false);
  });

  it('sends the request to a node address and the nodePort of a NodePort Service', async () => {
    const api = new FakeKubeApi();
    api.apply([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'dash', namespace: 'd' },
        spec: { type: 'NodePort', ports: [{ port: 443, nodePort: 31337 }] },
      },
    ]);
    api.internetHook = (r) => ({ ok: true, status: 200, headers: {}, body: `${r.host}:${r.port}${r.path}` });
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
    const result = await grade(scenario([check]), api);
    expect(result.checks[0]!.message).toContain('GET https://172.18.0.2:31337/api from the internet answered 200');
  });
});
