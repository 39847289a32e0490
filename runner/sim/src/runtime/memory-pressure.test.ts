import type { ImageDefinition } from '@paranoid/schema/image.ts';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { setupBootstrapped } from './testing/bootstrapped.ts';

let stop: (() => void) | undefined;
afterEach(() => stop?.());

/** An image with `stress` on its path and a small long-running process. */
const CACHE: ImageDefinition = {
  apiVersion: 'paranoid.dev/v1',
  kind: 'Image',
  repository: 'registry.lab.local/test/cache',
  tags: ['1'],
  digest: 'sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc',
  config: { entrypoint: ['/usr/local/bin/cache'] },
  userland: 'busybox',
  binaries: ['sh', 'cat', 'sleep', 'stress', 'cache'],
  processes: [{ name: 'cache', cpu: '5m', memory: '64Mi' }],
} as ImageDefinition;

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

function setup() {
  const env = setupBootstrapped({ images: [CACHE], admission: true });
  stop = () => env.cluster.stop();
  const { cluster } = env;
  const call = (method: string, path: string, body?: unknown) => cluster.callApi('admin', method, path, body);
  const pod = (name: string, opts: { resources?: Resources; priorityClassName?: string; node?: string } = {}) =>
    call('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: name } },
      spec: {
        nodeName: opts.node ?? 'paranoid-worker',
        ...(opts.priorityClassName ? { priorityClassName: opts.priorityClassName } : {}),
        containers: [
          { name, image: 'registry.lab.local/test/cache:1', ...(opts.resources ? { resources: opts.resources } : {}) },
        ],
      },
    });
  const get = (name: string) => call('GET', `/api/v1/namespaces/default/pods/${name}`).body as Pod;
  const node = (name = 'paranoid-worker') => call('GET', `/api/v1/nodes/${name}`).body as Node;
  const pressure = (n: Node) => n.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.status;
  return { ...env, call, pod, get, node, pressure };
}

describe('memory on a node', () => {
  it('evicts the lower-priority pod first when both exceed their requests, with the kubelet’s message', async () => {
    const t = setup();
    expect(
      t.call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'analytics-high' },
        value: 100000,
      }).status,
    ).toBe(201);
    t.pod('payments');
    t.pod('cache', { priorityClassName: 'analytics-high', resources: { requests: { memory: '256Mi' } } });
    await t.settle(3000);
    expect(t.get('cache').spec?.priority).toBe(100000);
    expect(t.get('payments').status?.phase).toBe('Running');

    const run = t.run('cache', ['stress', '--vm', '1', '--vm-bytes', '15G', '--timeout', '2s']);
    const result = await run;
    const victim = t.get('payments');
    expect(victim.status?.phase).toBe('Failed');
    expect(victim.status?.reason).toBe('Evicted');
    expect(victim.status?.message).toMatch(
      /^The node was low on resource: memory\. Threshold quantity: 100Mi, available: \d+Ki\. Container payments was using \d+Ki, request is 0, has larger consumption of memory\. $/,
    );
    expect(victim.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'TerminationByKubelet',
    });
    expect(t.pressure(t.node())).toBe('True');
    // The cache went too (evicted, or killed by the kernel once nothing else could go): the run failed.
    expect(result.err).toContain('got signal 9');
    // The other worker never felt it.
    expect(t.pressure(t.node('paranoid-worker2'))).toBe('False');
  });

  it('keeps a pod within its requests and evicts the one above them, whatever their priorities', async () => {
    const t = setup();
    t.call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'analytics-high' },
      value: 100000,
    });
    t.pod('payments', {
      resources: { requests: { memory: '128Mi', cpu: '100m' }, limits: { memory: '128Mi', cpu: '100m' } },
    });
    t.pod('cache', { priorityClassName: 'analytics-high' });
    await t.settle(3000);
    await t.run('cache', ['stress', '--vm', '1', '--vm-bytes', '15G', '--timeout', '2s']);
    expect(t.get('payments').status?.phase).toBe('Running');
    expect(t.get('cache').status?.reason).toBe('Evicted');
  });

  it('OOM-kills a container over its own limit and leaves the node alone', async () => {
    const t = setup();
    t.pod('payments');
    t.pod('cache', { resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } } });
    await t.settle(3000);
    const result = await t.run('cache', ['stress', '--vm', '1', '--vm-bytes', '15G', '--timeout', '2s']);
    expect(result.err).toContain('stress: FAIL');
    await t.settle(500);
    const cache = t.get('cache').status?.containerStatuses?.[0];
    expect(cache?.lastState?.terminated?.reason ?? cache?.state?.terminated?.reason).toBe('OOMKilled');
    expect(t.get('payments').status?.phase).toBe('Running');
    expect(t.pressure(t.node())).toBe('False');
  });

  it('finishes a run that fits and frees what it took', async () => {
    const t = setup();
    t.pod('cache');
    await t.settle(3000);
    const result = await t.run('cache', ['stress', '--vm', '2', '--vm-bytes', '128M', '--timeout', '1s']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/dispatching hogs: 0 cpu, 0 io, 2 vm, 0 hdd\n.*successful run completed in 1s\n$/s);
    expect(t.pressure(t.node())).toBe('False');
  });

  it('refuses a pod naming a PriorityClass that does not exist, and a user class above one billion', async () => {
    const t = setup();
    const pod = t.pod('x', { priorityClassName: 'nope' });
    expect(pod.status).toBe(403);
    expect((pod.body as { message: string }).message).toBe(
      'pods "x" is forbidden: no PriorityClass with name nope was found',
    );
    const pc = t.call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'mine' },
      value: 2000000000,
    });
    expect(pc.status).toBe(422);
    expect((pc.body as { message: string }).message).toContain(
      'maximum allowed value of a user defined priority is 1000000000',
    );
  });

  it('gives a pod without a class the globalDefault class', async () => {
    const t = setup();
    t.call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'everyone' },
      value: 42,
      globalDefault: true,
    });
    expect(t.pod('y').status).toBe(201);
    const y = t.get('y');
    expect(y.spec?.priorityClassName).toBe('everyone');
    expect(y.spec?.priority).toBe(42);
  });
});
