import type { Pod } from 'kubernetes-types/core/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapCluster } from '../bootstrap/index.ts';
import { ManualClock, SequentialIds } from '../clock.ts';
import { type Cluster, createCluster } from '../cluster.ts';
import { apiCreator, startControllers } from '../controllers/index.ts';
import { createPolicyNetworkPort } from '../network/runtime-adapter.ts';
import { SCHEMA_ENGINE } from '../openapi/schema-engine.ts';
import { authorize } from '../rbac/authorizer.ts';
import { rulesReview } from '../rbac/rules-review.ts';
import { startRbac } from '../rbac/start.ts';
import { createRuntime } from './create-runtime.ts';

/**
 * The runtime inside a whole simulated cluster (bootstrap, controllers, RBAC,
 * the policy network): the tokens it mounts are real, RBAC decides.
 */
function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const runtime = createRuntime({ network: (store) => createPolicyNetworkPort(store) });
  const cluster: Cluster = createCluster({
    clock,
    ids: new SequentialIds(),
    adminToken: 'admin',
    schema: SCHEMA_ENGINE as never,
    authorizer: authorize,
    rulesReview: rulesReview as never,
    onStart: [
      (ctx) => startRbac(ctx),
      (ctx) => {
        bootstrapCluster(ctx);
        return undefined;
      },
      (ctx) =>
        startControllers({
          ...ctx,
          createThroughApi: apiCreator({ callApi: ctx.callApi, adminToken: ctx.adminToken }),
        } as never),
      (ctx) => runtime.onStart(ctx as never),
    ],
    exec: (r, u) => runtime.exec(r, u),
    logs: (a) => runtime.logs(a as never) as never,
    metrics: runtime.metrics,
    internet: (r) => runtime.internet(r),
  });
  const settle = async (ms: number) => {
    for (let t = 0; t < ms; t += 250) {
      for (let i = 0; i < 50; i++) await Promise.resolve();
      clock.advance(250);
    }
    for (let i = 0; i < 50; i++) await Promise.resolve();
  };
  const run = async (pod: string, command: string[]) => {
    const s = runtime.exec(
      { namespace: 'default', pod, container: '', command, stdin: false, tty: false },
      { username: 'admin', groups: [] },
    );
    let out = '';
    let err = '';
    let code: number | undefined;
    s.onStdout((d) => {
      out += new TextDecoder().decode(d);
    });
    s.onStderr((d) => {
      err += new TextDecoder().decode(d);
    });
    s.onExit((c) => {
      code = c;
    });
    for (let i = 0; i < 200 && code === undefined; i++) {
      for (let j = 0; j < 200 && code === undefined; j++) await Promise.resolve();
      clock.advance(50);
    }
    return { out, err, code };
  };
  return { clock, cluster, runtime, settle, run };
}

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('the runtime in a bootstrapped cluster', () => {
  it('runs a pod, mounts a token the API accepts, and RBAC decides what it may do', async () => {
    const { cluster, settle, run } = setup();
    const created = cluster.callApi('admin', 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'toolbox' },
      spec: { containers: [{ name: 'c', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'] }] },
    });
    expect(created.status).toBe(201);
    await settle(5000);
    const pod = cluster.callApi('admin', 'GET', '/api/v1/namespaces/default/pods/toolbox').body as Pod;
    expect(pod.status?.phase).toBe('Running');
    expect(pod.spec?.nodeName).toMatch(/^paranoid-worker2?$/);

    const denied = await run('toolbox', ['kubectl', 'get', 'secrets']);
    expect(denied.err).toContain(
      'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:default" cannot list resource "secrets"',
    );

    cluster.callApi('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'secret-reader' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list', 'get'] }],
    });
    cluster.callApi('admin', 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'default-reads-secrets' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secret-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
    });
    const allowed = await run('toolbox', ['kubectl', 'auth', 'can-i', 'list', 'secrets']);
    expect(allowed.out).toBe('yes\n');
  });

  it('serves pods/log and pods/exec through the API', async () => {
    const { cluster, settle } = setup();
    cluster.callApi('admin', 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'talker' },
      spec: {
        containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo hello from the pod; sleep 3600'] }],
      },
    });
    await settle(5000);
    const log = cluster.callApi('admin', 'GET', '/api/v1/namespaces/default/pods/talker/log');
    expect(log.status).toBe(200);
    expect(log.body).toBe('hello from the pod\n');
  });
});
