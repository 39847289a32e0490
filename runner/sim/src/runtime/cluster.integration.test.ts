import type { Pod } from 'kubernetes-types/core/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { setupBootstrapped as setup } from './testing/bootstrapped.ts';

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('the runtime in a bootstrapped cluster', () => {
  it('runs a pod, mounts a token the API accepts, and RBAC decides what it may do', async () => {
    const { cluster, settle, run } = setup();
    const created = cluster.callApi('admin', 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'toolbox' },
      spec: { containers: [{ name: 'c', image: 'bitnami/kubectl:1.32', command: ['sleep', 'infinity'] }] },
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
