import { afterEach, describe, expect, it } from 'vitest';
import { requestFromInternet } from './internet.ts';
import { createTestCluster } from './testing/harness.ts';

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

const toolbox = {
  metadata: { name: 'intruder' },
  spec: { containers: [{ name: 'c', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'] }] },
};

/** Upstream netshoot has neither redis-cli nor kubectl: pods that need them run the images that do. */
const redisClient = {
  metadata: { name: 'client' },
  spec: { containers: [{ name: 'c', image: 'redis:7', command: ['sleep', 'infinity'] }] },
};
const kubectlPod = (name: string, serviceAccountName?: string) => ({
  metadata: { name },
  spec: {
    ...(serviceAccountName ? { serviceAccountName } : {}),
    containers: [{ name: 'c', image: 'bitnami/kubectl:1.32', command: ['sleep', 'infinity'] }],
  },
});

async function shop(c: typeof cluster) {
  c.store.create(
    { group: '', resource: 'pods' },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db', namespace: 'shop', labels: { app: 'db' } },
      spec: {
        nodeName: 'paranoid-worker2',
        containers: [{ name: 'redis', image: 'redis:7', ports: [{ containerPort: 6379 }] }],
      },
    },
  );
  c.createService('db', 'shop', '10.96.100.10', { app: 'db' }, [{ port: 6379 }]);
  await c.createPod(toolbox);
  await c.createPod(redisClient);
}

describe('the network from inside a pod', () => {
  it('reaches redis through the Service DNS name with redis-cli', async () => {
    cluster = createTestCluster();
    await shop(cluster);
    expect(
      (
        await cluster.run({
          pod: 'client',
          command: ['redis-cli', '-h', 'db.shop.svc.cluster.local', 'SET', 'flag', 'PARANOID{x}'],
        })
      ).stdout,
    ).toBe('OK\n');
    const r = await cluster.run({
      pod: 'client',
      command: ['redis-cli', '-h', 'db.shop.svc.cluster.local', 'GET', 'flag'],
    });
    expect(r).toMatchObject({ stdout: 'PARANOID{x}\n', code: 0 });
    const keys = await cluster.run({ pod: 'client', command: ['redis-cli', '-h', 'db.shop', 'KEYS', '*'] });
    expect(keys.stdout).toBe('flag\n');
  });

  it('resolves names with nslookup as busybox prints them', async () => {
    cluster = createTestCluster();
    await shop(cluster);
    const r = await cluster.run({ pod: 'intruder', command: ['nslookup', 'db.shop'] });
    expect(r.stdout).toBe(
      'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tdb.shop.svc.cluster.local\nAddress: 10.96.100.10\n\n',
    );
    const bad = await cluster.run({ pod: 'intruder', command: ['nslookup', 'nope.invalid'] });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("** server can't find nope.invalid: NXDOMAIN");
  });

  it('is stopped by a NetworkPolicy when the policy engine decides', async () => {
    cluster = createTestCluster({ policyNetwork: true });
    await shop(cluster);
    expect(
      (await cluster.run({ pod: 'intruder', command: ['nc', '-zv', 'db.shop.svc.cluster.local', '6379'] })).stderr,
    ).toBe('db.shop.svc.cluster.local (10.96.100.10:6379) open\n');
    cluster.store.create(
      { group: 'networking.k8s.io', resource: 'networkpolicies' },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'db-deny', namespace: 'shop' },
        spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] },
      },
    );
    const r = await cluster.run({
      pod: 'client',
      command: ['redis-cli', '-h', 'db.shop.svc.cluster.local', 'GET', 'flag'],
    });
    expect(r).toMatchObject({
      stderr: 'Could not connect to Redis at db.shop.svc.cluster.local:6379: Connection timed out\n',
      code: 1,
    });
  });

  it('times DNS out when an egress policy drops the query to kube-dns', async () => {
    cluster = createTestCluster({ policyNetwork: true });
    await shop(cluster);
    const ok = await cluster.run({ pod: 'intruder', command: ['nslookup', 'db.shop'] });
    expect(ok.stdout).toContain('Name:\tdb.shop.svc.cluster.local\nAddress: 10.96.100.10');
    cluster.store.create(
      { group: 'networking.k8s.io', resource: 'networkpolicies' },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'deny-egress', namespace: 'default' },
        spec: { podSelector: {}, policyTypes: ['Egress'] },
      },
    );
    const r = await cluster.run({ pod: 'intruder', command: ['nslookup', 'db.shop'] });
    expect(r).toMatchObject({ stdout: ';; connection timed out; no servers could be reached\n\n', code: 1 });
    const curl = await cluster.run({ pod: 'intruder', command: ['curl', '-sS', 'http://db.shop:6379'] });
    expect(curl.stderr).toBe('curl: (6) Could not resolve host: db.shop\n');
  });

  it('serves nginx and a defaced page with curl and wget', async () => {
    cluster = createTestCluster();
    cluster.store.create(
      { group: '', resource: 'pods' },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
        spec: { nodeName: 'paranoid-worker', containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
      },
    );
    cluster.createService('web', 'default', '10.96.50.50', { app: 'web' }, [{ port: 80 }]);
    await cluster.createPod(toolbox);
    const page = await cluster.run({ pod: 'intruder', command: ['curl', '-s', 'http://web'] });
    expect(page.stdout).toContain('<title>Welcome to nginx!</title>');
    await cluster.run({ pod: 'web', command: ['sh', '-c', 'echo hacked > /usr/share/nginx/html/index.html'] });
    expect(
      (await cluster.run({ pod: 'intruder', command: ['wget', '-qO-', 'http://web.default.svc.cluster.local/'] }))
        .stdout,
    ).toBe('hacked\n');
    const missing = await cluster.run({ pod: 'intruder', command: ['wget', '-qO-', 'http://web/nope'] });
    expect(missing).toMatchObject({ stderr: 'wget: server returned error: HTTP/1.1 404 Not Found\n', code: 1 });
    const refused = await cluster.run({ pod: 'intruder', command: ['curl', '-sS', 'http://web:8080/'] });
    expect(refused.code).toBe(7);
  });

  it('reads fake node credentials from the metadata endpoint', async () => {
    cluster = createTestCluster();
    await cluster.createPod(toolbox);
    const role = await cluster.run({
      pod: 'intruder',
      command: ['curl', '-s', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
    });
    expect(role.stdout).toBe('paranoid-node-role');
    const creds = await cluster.run({
      pod: 'intruder',
      command: ['curl', '-s', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/paranoid-node-role'],
    });
    expect(JSON.parse(creds.stdout)).toMatchObject({ Code: 'Success', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
  });

  it('calls the API with the pod token: curl and in-pod kubectl, as RBAC allows', async () => {
    cluster = createTestCluster({
      allow: (user, verb, path) =>
        user === 'system:serviceaccount:default:reader' && verb === 'list' && path.includes('/secrets'),
    });
    cluster.store.create(
      { group: '', resource: 'secrets' },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db-creds', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
        type: 'Opaque',
        data: { password: btoa('hunter2') },
      },
    );
    await cluster.createPod({
      ...toolbox,
      metadata: { name: 'reader' },
      spec: { ...toolbox.spec, serviceAccountName: 'reader' },
    });
    await cluster.createPod(kubectlPod('reader-kubectl', 'reader'));
    await cluster.createPod(kubectlPod('someone'));
    const curl = await cluster.run({
      pod: 'reader',
      command: [
        'sh',
        '-c',
        'curl -s --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt -H "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" https://kubernetes.default.svc/api/v1/namespaces/default/secrets',
      ],
    });
    expect(curl.stdout).toContain('"db-creds"');
    const noCa = await cluster.run({ pod: 'reader', command: ['curl', '-s', 'https://kubernetes.default.svc/api'] });
    expect(noCa.code).toBe(60);
    const get = await cluster.run({ pod: 'reader-kubectl', command: ['kubectl', 'get', 'secrets'] });
    expect(get.stdout).toMatch(/^NAME {7}TYPE {5}DATA {3}AGE\ndb-creds {3}Opaque {3}1 {6}\d+s\n$/);
    const denied = await cluster.run({ pod: 'someone', command: ['kubectl', 'get', 'secrets'] });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe(
      'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:default:default" cannot list resource "secrets" in API group "" in the namespace "default"\n',
    );
    const canI = await cluster.run({ pod: 'reader-kubectl', command: ['kubectl', 'auth', 'can-i', 'list', 'secrets'] });
    expect(canI.stdout).toBe('no\n');
  });
});

describe('requests from the internet', () => {
  it('reaches the dashboard through its NodePort and lists secrets with its service account when skip-login is on', async () => {
    cluster = createTestCluster({
      allow: (user) => user === 'system:serviceaccount:kubernetes-dashboard:kubernetes-dashboard',
    });
    cluster.store.create(
      { group: '', resource: 'namespaces' },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubernetes-dashboard' } },
    );
    cluster.store.create(
      { group: '', resource: 'secrets' },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'prod-db', namespace: 'default' },
        type: 'Opaque',
        data: { password: btoa('hunter2') },
      },
    );
    cluster.store.create(
      { group: '', resource: 'pods' },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'kubernetes-dashboard-7f8d',
          namespace: 'kubernetes-dashboard',
          labels: { 'k8s-app': 'kubernetes-dashboard' },
        },
        spec: {
          nodeName: 'paranoid-worker',
          serviceAccountName: 'kubernetes-dashboard',
          containers: [
            {
              name: 'kubernetes-dashboard',
              image: 'kubernetesui/dashboard:v2.7.0',
              args: ['--auto-generate-certificates', '--namespace=kubernetes-dashboard', '--enable-skip-login'],
            },
          ],
        },
      },
    );
    cluster.createService(
      'kubernetes-dashboard',
      'kubernetes-dashboard',
      '10.96.7.7',
      { 'k8s-app': 'kubernetes-dashboard' },
      [{ port: 443, targetPort: 8443, nodePort: 30443 }],
      'NodePort',
    );
    await cluster.settle(3000);
    const list = requestFromInternet(cluster.deps, {
      host: '172.18.0.4',
      port: 30443,
      path: '/api/v1/secret/default',
      scheme: 'https',
    });
    expect(list).toMatchObject({ ok: true, status: 200 });
    expect(list.ok && JSON.parse(list.body).secrets[0].objectMeta.name).toBe('prod-db');
    const detail = requestFromInternet(cluster.deps, {
      host: '172.18.0.4',
      port: 30443,
      path: '/api/v1/secret/default/prod-db',
      scheme: 'https',
    });
    expect(detail.ok && JSON.parse(detail.body).data.password).toBe(btoa('hunter2'));
    expect(cluster.calls.at(-1)).toEqual({
      user: 'system:serviceaccount:kubernetes-dashboard:kubernetes-dashboard',
      method: 'GET',
      path: '/api/v1/namespaces/default/secrets/prod-db',
    });
    const http = requestFromInternet(cluster.deps, { host: '172.18.0.4', port: 30443, path: '/', scheme: 'http' });
    expect(http).toMatchObject({ ok: true, status: 400 });
    const closed = requestFromInternet(cluster.deps, { host: '172.18.0.4', port: 30444, path: '/' });
    expect(closed.ok).toBe(false);
  });
});

describe('lateral movement with in-pod kubectl exec', () => {
  it('execs into another pod when RBAC grants pods/exec, and is refused otherwise', async () => {
    cluster = createTestCluster({
      allow: (user, verb, what) =>
        user === 'system:serviceaccount:default:ops' &&
        ((verb === 'create' && what === 'pods') || (verb === 'get' && what.endsWith('/pods/target'))),
    });
    await cluster.createPod({
      metadata: { name: 'target' },
      spec: {
        containers: [
          { name: 'app', image: 'busybox', command: ['sleep', '1d'], env: [{ name: 'API_KEY', value: 'k-123' }] },
        ],
      },
    });
    await cluster.createPod(kubectlPod('ops', 'ops'));
    await cluster.createPod(kubectlPod('intruder'));
    const ok = await cluster.run({ pod: 'ops', command: ['kubectl', 'exec', 'target', '--', 'printenv', 'API_KEY'] });
    expect(ok).toMatchObject({ stdout: 'k-123\n', code: 0 });
    const denied = await cluster.run({ pod: 'intruder', command: ['kubectl', 'exec', 'target', '--', 'id'] });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('cannot create resource "pods/exec"');
  });
});
