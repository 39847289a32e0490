import type { KubeObject } from '@paranoid/k8s/object.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCluster } from './testing/harness.ts';

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

const events = (c: typeof cluster, pod: string) =>
  c.store
    .list({ group: '', resource: 'events' }, 'default')
    .filter((e) => (e.involvedObject as { name: string }).name === pod)
    .map((e) => `${e.type} ${e.reason} ${e.message}`);

describe('kubelet', () => {
  it('runs nginx: pod IP from the node CIDR, Running, Ready, image digest', async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod({
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
    });
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.podIP).toMatch(/^10\.244\.1\.\d+$/);
    expect(pod.status?.hostIP).toBe('172.18.0.3');
    const cs = pod.status?.containerStatuses?.[0];
    expect(cs?.ready).toBe(true);
    expect(cs?.image).toBe('docker.io/library/nginx:latest');
    expect(cs?.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(cs?.state?.running?.startedAt).toBeDefined();
    expect(pod.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      'PodReadyToStartContainers=True',
      'Initialized=True',
      'Ready=True',
      'ContainersReady=True',
      'PodScheduled=True',
    ]);
    expect(events(cluster, 'web')).toEqual(
      expect.arrayContaining([
        'Normal Pulling Pulling image "nginx"',
        expect.stringMatching(/^Normal Pulled Successfully pulled image "nginx" in/),
        'Normal Created Created container: nginx',
        'Normal Started Started container nginx',
      ]),
    );
  });

  it('reports ErrImagePull then ImagePullBackOff for an unknown image', async () => {
    cluster = createTestCluster();
    await cluster.createPod(
      { metadata: { name: 'bad' }, spec: { containers: [{ name: 'c', image: 'nginx:doesnotexist' }] } },
      'paranoid-worker',
      900,
    );
    let cs = cluster.getPod('bad').status?.containerStatuses?.[0];
    expect(cs?.state?.waiting?.reason).toBe('ErrImagePull');
    expect(cs?.state?.waiting?.message).toContain('Failed to pull image "nginx:doesnotexist"');
    expect(cs?.state?.waiting?.message).toContain('docker.io/library/nginx:doesnotexist: not found');
    await cluster.settle(1500);
    cs = cluster.getPod('bad').status?.containerStatuses?.[0];
    expect(cs?.state?.waiting).toEqual({
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "nginx:doesnotexist"',
    });
    expect(cluster.getPod('bad').status?.phase).toBe('Pending');
  });

  it('refuses a root image under runAsNonRoot with CreateContainerConfigError', async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod({
      metadata: { name: 'nonroot' },
      spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'nginx:1.27' }] },
    });
    const w = pod.status?.containerStatuses?.[0]?.state?.waiting;
    expect(w?.reason).toBe('CreateContainerConfigError');
    expect(w?.message).toBe(
      `container has runAsNonRoot and image will run as root (pod: "nonroot_default(${pod.metadata?.uid})", container: app)`,
    );
  });

  it('reports a missing secret key as CreateContainerConfigError', async () => {
    cluster = createTestCluster();
    cluster.store.create(
      { group: '', resource: 'secrets' },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'default' },
        data: { user: btoa('admin') },
      },
    );
    const pod = await cluster.createPod({
      metadata: { name: 'envpod' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'busybox',
            command: ['sleep', '3600'],
            env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
          },
        ],
      },
    });
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: "couldn't find key password in Secret default/db",
    });
  });

  it('puts secret values into the environment', async () => {
    cluster = createTestCluster();
    cluster.store.create(
      { group: '', resource: 'secrets' },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'default' },
        data: { password: btoa('s3cr3t') },
      },
    );
    await cluster.createPod({
      metadata: { name: 'envpod' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'busybox',
            command: ['sleep', '3600'],
            env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
          },
        ],
      },
    });
    const r = await cluster.run({ pod: 'envpod', command: ['printenv', 'DB_PASSWORD'] });
    expect(r).toMatchObject({ stdout: 's3cr3t\n', code: 0 });
  });

  it('restarts a container that exits into CrashLoopBackOff with restartCount', async () => {
    cluster = createTestCluster();
    await cluster.createPod({
      metadata: { name: 'crash' },
      spec: { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo boom; exit 3'] }] },
    });
    let cs = cluster.getPod('crash').status?.containerStatuses?.[0];
    expect(cs?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(cs?.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    await cluster.settle(11_000, 500);
    cs = cluster.getPod('crash').status?.containerStatuses?.[0];
    expect(cs?.restartCount).toBeGreaterThanOrEqual(1);
  });

  it('completes a run-to-completion pod as Succeeded', async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod({
      metadata: { name: 'job' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['echo', 'done'] }] },
    });
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('reports StartError for a command the image lacks', async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod({
      metadata: { name: 'nobin' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['python3', 'app.py'] }] },
    });
    const t = pod.status?.containerStatuses?.[0]?.state?.terminated;
    expect(t?.reason).toBe('StartError');
    expect(t?.message).toContain('exec: "python3": executable file not found in $PATH');
  });

  it('mounts a real service account token at the standard path', async () => {
    cluster = createTestCluster();
    await cluster.createPod({
      metadata: { name: 'sa' },
      spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1d'] }] },
    });
    const r = await cluster.run({
      pod: 'sa',
      command: [
        'cat',
        '/var/run/secrets/kubernetes.io/serviceaccount/token',
        '/var/run/secrets/kubernetes.io/serviceaccount/namespace',
      ],
    });
    expect(r.stdout).toBe('token-default-builderdefault');
    const ls = await cluster.run({ pod: 'sa', command: ['ls', '/var/run/secrets/kubernetes.io/serviceaccount'] });
    expect(ls.stdout).toBe('ca.crt\nnamespace\ntoken\n');
  });

  it('mounts no token when automountServiceAccountToken is false', async () => {
    cluster = createTestCluster();
    await cluster.createPod({
      metadata: { name: 'nosa' },
      spec: {
        automountServiceAccountToken: false,
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1d'] }],
      },
    });
    const r = await cluster.run({
      pod: 'nosa',
      command: ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'],
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "cat: can't open '/var/run/secrets/kubernetes.io/serviceaccount/token': No such file or directory\n",
    );
  });

  it('gives a hostNetwork pod the node IP', async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod({
      metadata: { name: 'hn' },
      spec: { hostNetwork: true, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1d'] }] },
    });
    expect(pod.status?.podIP).toBe('172.18.0.3');
  });

  it('deletes a pod marked for deletion after stopping it', async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod({
      metadata: { name: 'gone' },
      spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1d'] }] },
    });
    cluster.store.update(
      { group: '', resource: 'pods' },
      {
        ...(pod as object as KubeObject),
        metadata: {
          ...pod.metadata,
          deletionTimestamp: '2026-01-01T00:00:10Z',
          deletionGracePeriodSeconds: 30,
        } as KubeObject['metadata'],
      },
    );
    await cluster.settle(2000);
    expect(cluster.getPod('gone')).toBeUndefined();
  });
});

describe('kubelet updates', () => {
  it('restarts a container whose image changed', async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod({
      metadata: { name: 'upd' },
      spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] },
    });
    cluster.store.update({ group: '', resource: 'pods' }, {
      ...(pod as object as KubeObject),
      spec: { ...pod.spec, containers: [{ name: 'web', image: 'nginx:1.27' }] },
    } as KubeObject);
    await cluster.settle(3000);
    const cs = cluster.getPod('upd').status?.containerStatuses?.[0];
    expect(cs?.image).toBe('docker.io/library/nginx:1.27');
    expect(cs?.restartCount).toBe(1);
    expect(cs?.state?.running).toBeDefined();
  });
});
