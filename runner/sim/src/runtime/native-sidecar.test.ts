import { afterEach, describe, expect, it } from 'vitest';
import { createTestCluster } from './testing/harness.ts';

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

/** A pod with a native sidecar (KEP-753) first, then an init container that runs to completion, then the app. */
const pod = (sidecar: Record<string, unknown> = {}) => ({
  metadata: { name: 'p' },
  spec: {
    initContainers: [
      {
        name: 'agent',
        image: 'nicolaka/netshoot',
        command: ['sleep', 'infinity'],
        restartPolicy: 'Always',
        ...sidecar,
      },
      { name: 'migrate', image: 'nicolaka/netshoot', command: ['sh', '-c', 'echo migrated'] },
    ],
    containers: [{ name: 'app', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'] }],
  },
});

describe('native sidecars: init containers with restartPolicy Always', () => {
  it('start before the next init container, keep running beside the app, and count for readiness', async () => {
    cluster = createTestCluster();
    const p = await cluster.createPod(pod(), 'paranoid-worker', 8000);
    expect(p.status?.phase).toBe('Running');
    const [agent, migrate] = p.status?.initContainerStatuses ?? [];
    expect(agent).toMatchObject({ name: 'agent', ready: true, started: true, state: { running: {} } });
    expect(migrate).toMatchObject({ name: 'migrate', ready: false, state: { terminated: { exitCode: 0 } } });
    expect(Date.parse(agent!.state!.running!.startedAt!)).toBeLessThanOrEqual(
      Date.parse(migrate!.state!.terminated!.startedAt!),
    );
    const conditions = Object.fromEntries((p.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject({ Initialized: 'True', Ready: 'True', ContainersReady: 'True' });
    // It really runs beside the app: the same pod's processes, still there.
    const r = await cluster.run({ pod: 'p', container: 'agent', command: ['hostname'] });
    expect(r.code).toBe(0);
  });

  it('holds the pod not ready while its readiness probe fails, and the app waits for it to start', async () => {
    cluster = createTestCluster();
    const p = await cluster.createPod(
      pod({ readinessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1 } }),
      'paranoid-worker',
      8000,
    );
    const agent = p.status?.initContainerStatuses?.[0];
    expect(agent).toMatchObject({ started: true, ready: false });
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', message: 'containers with unready status: [agent]' });
    expect(p.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
  });

  it('is restarted when it exits, even with exit code 0, whatever the pod restart policy', async () => {
    cluster = createTestCluster();
    const crashing = pod({ command: ['sh', '-c', 'sleep 2; exit 0'] });
    await cluster.createPod(
      { ...crashing, spec: { ...crashing.spec, restartPolicy: 'Never' } } as never,
      'paranoid-worker',
      8000,
    );
    await cluster.settle(20_000);
    const agent = cluster.getPod('p').status?.initContainerStatuses?.[0];
    expect(agent?.restartCount).toBeGreaterThan(0);
    expect(cluster.getPod('p').status?.phase).toBe('Running');
  });
});
