import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, scratchFile, seedNamespaces, startSim } from '../support/sim.ts';

let sim: StartedSim;
beforeAll(async () => {
  sim = await startSim();
  seedNamespaces(sim, 'default');
});
afterAll(() => sim?.close());

const json = async (args: string[]) => {
  const r = await sim.kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};

// These generators use client-go's typed clients, which send protobuf bodies.
describe('kubectl create generators (protobuf request bodies)', () => {
  it('creates a namespace', async () => {
    expect((await sim.kubectl(['create', 'namespace', 'dev'])).stdout.trim()).toBe('namespace/dev created');
    const ns = await json(['get', 'ns', 'dev']);
    expect(ns.status.phase).toBe('Active');
    expect(ns.metadata.labels['kubernetes.io/metadata.name']).toBe('dev');
  });

  it('creates a deployment with replicas and a port', async () => {
    const r = await sim.kubectl([
      'create',
      'deployment',
      'web',
      '--image=nginx:1.27',
      '--replicas=2',
      '--port=80',
      '-n',
      'dev',
    ]);
    expect(r.stdout.trim()).toBe('deployment.apps/web created');
    const d = await json(['get', 'deploy', 'web', '-n', 'dev']);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(d.spec.template.spec.containers[0]).toMatchObject({
      name: 'nginx',
      image: 'nginx:1.27',
      ports: [{ containerPort: 80 }],
    });
  });

  it('creates service accounts, roles, bindings, cluster roles and cluster role bindings', async () => {
    expect((await sim.kubectl(['create', 'serviceaccount', 'builder', '-n', 'dev'])).code).toBe(0);
    expect(
      (await sim.kubectl(['create', 'role', 'reader', '--verb=get,list', '--resource=pods,secrets', '-n', 'dev'])).code,
    ).toBe(0);
    expect(
      (
        await sim.kubectl([
          'create',
          'rolebinding',
          'rb',
          '--role=reader',
          '--serviceaccount=dev:builder',
          '--user=alice',
          '-n',
          'dev',
        ])
      ).code,
    ).toBe(0);
    expect((await sim.kubectl(['create', 'clusterrole', 'nodes', '--verb=get', '--resource=nodes'])).code).toBe(0);
    expect(
      (await sim.kubectl(['create', 'clusterrolebinding', 'crb', '--clusterrole=nodes', '--group=ops'])).code,
    ).toBe(0);
    const role = await json(['get', 'role', 'reader', '-n', 'dev']);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'list'] }]);
    const rb = await json(['get', 'rolebinding', 'rb', '-n', 'dev']);
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' });
    expect(rb.subjects).toEqual(
      expect.arrayContaining([
        { kind: 'ServiceAccount', name: 'builder', namespace: 'dev' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
      ]),
    );
    const wide = await sim.kubectl(['get', 'rolebinding', 'rb', '-n', 'dev', '-o', 'wide']);
    expect(wide.stdout).toMatch(/rb\s+Role\/reader\s+\S+\s+alice\s+dev\/builder/);
  });

  it('creates secrets and config maps from literals', async () => {
    expect(
      (await sim.kubectl(['create', 'secret', 'generic', 'db', '--from-literal=password=s3cret', '-n', 'dev'])).code,
    ).toBe(0);
    expect((await sim.kubectl(['create', 'configmap', 'cfg', '--from-literal=mode=prod', '-n', 'dev'])).code).toBe(0);
    expect((await json(['get', 'secret', 'db', '-n', 'dev'])).data).toEqual({ password: btoa('s3cret') });
    expect((await json(['get', 'cm', 'cfg', '-n', 'dev'])).data).toEqual({ mode: 'prod' });
  });

  it('issues a service account token that authenticates as the service account', async () => {
    const r = await sim.kubectl(['create', 'token', 'builder', '-n', 'dev']);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const who = await sim.kubectl(['auth', 'whoami', '--token', token, '-o', 'jsonpath={.status.userInfo.username}']);
    expect(who.stdout).toBe('system:serviceaccount:dev:builder');
  });

  it('fills a service account token Secret with a token that works until the account goes', async () => {
    const file = scratchFile(
      sim,
      'sa-secret.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: builder-token\n  namespace: dev\n  annotations: {kubernetes.io/service-account.name: builder}\ntype: kubernetes.io/service-account-token\n',
    );
    expect((await sim.kubectl(['create', '-f', file])).code).toBe(0);
    const secret = await json(['get', 'secret', 'builder-token', '-n', 'dev']);
    expect(Object.keys(secret.data).sort()).toEqual(['namespace', 'token']);
    const token = atob(secret.data.token);
    const who = await sim.kubectl(['auth', 'whoami', '--token', token, '-o', 'jsonpath={.status.userInfo.username}']);
    expect(who.stdout).toBe('system:serviceaccount:dev:builder');
  });

  it('runs a pod and exposes a deployment', async () => {
    expect(
      (
        await sim.kubectl(['run', 'shell', '--image=busybox', '-n', 'dev', '--labels=app=shell', '--', 'sleep', '3600'])
      ).stdout.trim(),
    ).toBe('pod/shell created');
    const pod = await json(['get', 'pod', 'shell', '-n', 'dev']);
    expect(pod.spec.containers[0].args).toEqual(['sleep', '3600']);
    expect(
      (
        await sim.kubectl(['expose', 'deployment', 'web', '--port=80', '--target-port=8080', '-n', 'dev'])
      ).stdout.trim(),
    ).toBe('service/web exposed');
    const svc = await json(['get', 'svc', 'web', '-n', 'dev']);
    expect(svc.spec).toMatchObject({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    expect(svc.spec.clusterIP).toMatch(/^10\.96\./);
  });

  it('creates jobs and cronjobs', async () => {
    expect((await sim.kubectl(['create', 'job', 'once', '--image=busybox', '-n', 'dev', '--', 'date'])).code).toBe(0);
    expect(
      (
        await sim.kubectl([
          'create',
          'cronjob',
          'tick',
          '--image=busybox',
          '--schedule=*/5 * * * *',
          '-n',
          'dev',
          '--',
          'date',
        ])
      ).code,
    ).toBe(0);
    const cj = await sim.kubectl(['get', 'cronjobs', '-n', 'dev']);
    expect(cj.stdout).toMatch(/tick\s+\*\/5 \* \* \* \*\s+<none>\s+False\s+0\s+<none>/);
  });
});
