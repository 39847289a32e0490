import type { ImageDefinition } from '@paranoid/schema/image.ts';
import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { setupBootstrapped } from '../testing/bootstrapped.ts';

/**
 * Behaviours written only as image data, served by a real bootstrapped cluster:
 * the dashboard's backend (routes, a CSRF guard, a proxy to the API with token
 * sources, creating from a manifest) and an image a scenario could define.
 */

const CSRF = 'paranoid-dashboard-csrf-token';

async function withDashboard(args: string[], extraImages: ImageDefinition[] = []) {
  const env = setupBootstrapped({ images: extraImages });
  const { cluster, settle } = env;
  const post = (path: string, body: unknown) => {
    const r = cluster.callApi('admin', 'POST', path, body);
    if (r.status >= 300) throw new Error(`failed to create ${path}: ${JSON.stringify(r.body)}`);
  };
  post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubernetes-dashboard' } });
  post('/api/v1/namespaces/kubernetes-dashboard/serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'kubernetes-dashboard' },
  });
  post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'dashboard-admin' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'kubernetes-dashboard', namespace: 'kubernetes-dashboard' }],
  });
  post('/api/v1/namespaces/default/secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'prod-db' },
    data: { password: btoa('hunter2') },
  });
  post('/api/v1/namespaces/kubernetes-dashboard/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'dashboard' },
    spec: {
      serviceAccountName: 'kubernetes-dashboard',
      containers: [{ name: 'dashboard', image: 'kubernetesui/dashboard:v2.7.0', args }],
    },
  });
  post('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'toolbox' },
    spec: {
      automountServiceAccountToken: false,
      containers: [{ name: 'c', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'] }],
    },
  });
  await settle(6000);
  const pod = cluster.callApi('admin', 'GET', '/api/v1/namespaces/kubernetes-dashboard/pods/dashboard').body as Pod;
  const ip = pod.status?.podIP;
  expect(pod.status?.phase).toBe('Running');
  const curl = async (path: string, ...flags: string[]) => {
    const r = await env.run('toolbox', ['curl', '-sk', ...flags, `https://${ip}:8443${path}`]);
    return r.out;
  };
  return { ...env, curl, ip };
}

describe('the dashboard, as data', () => {
  it('with skip-login, answers with its own account: lists and reads secrets anonymously', async () => {
    const { curl } = await withDashboard(['--enable-skip-login']);
    expect(JSON.parse(await curl('/api/v1/login/skippable'))).toEqual({ skippable: true });
    const list = JSON.parse(await curl('/api/v1/secret/default'));
    expect(list.secrets.map((s: { objectMeta: { name: string } }) => s.objectMeta.name)).toContain('prod-db');
    expect(list.listMeta.totalItems).toBe(list.secrets.length);
    const one = JSON.parse(await curl('/api/v1/secret/default/prod-db'));
    expect(atob(one.data.password)).toBe('hunter2');
    expect(await curl('/')).toContain('<title>Kubernetes Dashboard</title>');
  });

  it('with skip-login turned off later on the command line (the last flag wins), refuses without a token', async () => {
    const { curl } = await withDashboard(['--enable-skip-login', '--enable-skip-login=false']);
    expect(JSON.parse(await curl('/api/v1/login/skippable'))).toEqual({ skippable: false });
    expect(JSON.parse(await curl('/api/v1/secret/default'))).toEqual({
      status: 401,
      message: 'MSG_LOGIN_UNAUTHORIZED_ERROR',
    });
    const login = JSON.parse(await curl('/api/v1/login', '-X', 'POST', '-d', '{"token":"not-a-token"}'));
    expect(login.errors[0].ErrStatus.message).toBe('MSG_LOGIN_UNAUTHORIZED_ERROR');
  });

  it('deploys from a manifest only with the CSRF token, through the API with its account', async () => {
    const { curl, cluster } = await withDashboard(['--enable-skip-login']);
    const manifest = JSON.stringify({
      namespace: 'default',
      content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted\ndata:\n  by: dashboard\n',
    });
    expect(await curl('/api/v1/appdeployment/deployfromfile', '-X', 'POST', '-d', manifest)).toBe(
      'MSG_CSRF_VALIDATION_FAILED_ERROR\n',
    );
    expect(cluster.callApi('admin', 'GET', '/api/v1/namespaces/default/configmaps/planted').status).toBe(404);
    await curl('/api/v1/appdeployment/deployfromfile', '-X', 'POST', '-H', `X-CSRF-TOKEN: ${CSRF}`, '-d', manifest);
    const planted = cluster.callApi('admin', 'GET', '/api/v1/namespaces/default/configmaps/planted');
    expect(planted).toMatchObject({ status: 200, body: { data: { by: 'dashboard' } } });
  });

  it('answers API refusals as the dashboard does, and keeps path parameters inside the declared API paths', async () => {
    const { curl } = await withDashboard(['--enable-skip-login']);
    const missing = JSON.parse(await curl('/api/v1/secret/default/nope'));
    expect(missing.ErrStatus).toMatchObject({ status: 'Failure', reason: 'NotFound', code: 404 });
    const traversal = JSON.parse(await curl('/api/v1/_raw/secret/namespace/..%2F..%2Fapis/name/x'));
    expect(traversal.ErrStatus.code).toBe(400);
    expect(await curl('/api/v1/_raw/node/name/x')).toBe('404 page not found\n');
  });
});

describe('an image a scenario defines with no TypeScript', () => {
  const app: ImageDefinition = {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'registry.lab.local/test/app',
    tags: ['1.0'],
    digest: `sha256:${'d'.repeat(64)}`,
    files: { '/srv/config.json': '{"db":"postgres://app@db"}\n' },
    processes: [
      {
        name: 'app',
        listen: {
          port: 8080,
          kind: 'http',
          http: {
            server: 'app/1.0',
            routes: [
              { path: '/config', file: '/srv/config.json' },
              { path: '/hello/{who}', json: { greeting: 'hello', who: '$params.who', missing: '$params.nope' } },
              {
                path: '/whoami',
                proxy: {
                  path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
                  method: 'POST',
                  send: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
                  token: [{ serviceAccount: true }],
                  respond: { json: { user: '$.status.userInfo.username' } },
                },
              },
            ],
          },
        },
        alsoListen: [
          { port: 6379, kind: 'redis', redis: { data: { flag: 'PARANOID{kv}' } } },
          { port: 2222, kind: 'tcp', banner: 'SSH-2.0-OpenSSH_9.6\r\n' },
          { port: 6380, kind: 'kv', kv: { data: { k: 'v' }, passwordFromEnv: 'LEDGER_PASSWORD' } },
        ],
      },
    ],
  };

  it('serves files, JSON shapes, the API with its own token, a key/value store and a banner', async () => {
    const env = setupBootstrapped({ images: [app] });
    env.cluster.callApi('admin', 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'app' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'registry.lab.local/test/app:1.0',
            env: [{ name: 'LEDGER_PASSWORD', value: 'from-the-pod' }],
          },
        ],
      },
    });
    env.cluster.callApi('admin', 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'toolbox' },
      spec: { containers: [{ name: 'c', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'] }] },
    });
    // Upstream netshoot has no redis-cli: the key/value store is asked from the redis image.
    env.cluster.callApi('admin', 'POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'redis-client' },
      spec: { containers: [{ name: 'c', image: 'redis:7', command: ['sleep', 'infinity'] }] },
    });
    await env.settle(6000);
    const ip = (env.cluster.callApi('admin', 'GET', '/api/v1/namespaces/default/pods/app').body as Pod).status?.podIP;
    const sh = async (cmd: string) =>
      (await env.run(cmd.startsWith('redis-cli') ? 'redis-client' : 'toolbox', ['sh', '-c', cmd])).out;
    expect(await sh(`curl -s http://${ip}:8080/config`)).toBe('{"db":"postgres://app@db"}\n');
    expect(JSON.parse(await sh(`curl -s http://${ip}:8080/hello/ana`))).toEqual({ greeting: 'hello', who: 'ana' });
    expect(await sh(`curl -sI http://${ip}:8080/config`)).toContain('Server: app/1.0');
    expect(JSON.parse(await sh(`curl -s http://${ip}:8080/whoami`))).toEqual({
      user: 'system:serviceaccount:default:default',
    });
    expect(await sh(`redis-cli -h ${ip} GET flag`)).toBe('PARANOID{kv}\n');
    expect(await sh(`echo | nc ${ip} 2222`)).toBe('SSH-2.0-OpenSSH_9.6\r\n');
    expect(await sh(`redis-cli -h ${ip} -p 6380 GET k`)).toBe('(error) NOAUTH Authentication required.\n');
    expect(await sh(`redis-cli -h ${ip} -p 6380 -a wrong GET k`)).toBe('(error) NOAUTH Authentication required.\n');
    expect(await sh(`redis-cli -h ${ip} -p 6380 -a from-the-pod GET k`)).toBe('v\n');
  });
});
