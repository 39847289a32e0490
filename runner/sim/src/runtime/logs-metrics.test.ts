import type { ImageDefinition } from '@paranoid/schema/image.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { logs } from './logs.ts';
import { metricsFor } from './metrics.ts';
import { createTestCluster } from './testing/harness.ts';

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

const miner: ImageDefinition = {
  apiVersion: 'paranoid.dev/v1',
  kind: 'Image',
  repository: 'docker.io/cryptoworker/alpine-utils',
  tags: ['latest'],
  digest: `sha256:${'c'.repeat(64)}`,
  config: { entrypoint: ['/usr/bin/xmrig'], cmd: ['-o', 'stratum+tcp://pool.invalid:3333', '--threads=2'] },
  binaries: ['sh', 'ps', 'cat'],
  processes: [
    {
      name: 'xmrig',
      cpu: '1950m',
      memory: '48Mi',
      logs: ['[2026-01-01 00:00:00] net  use pool pool.invalid:3333'],
      every: { seconds: 10, line: 'speed 10s/60s/15m 1823.4 H/s' },
    },
  ],
};

describe('logs', () => {
  it('returns start lines, periodic lines, tail and timestamps', async () => {
    cluster = createTestCluster({ images: [miner] });
    await cluster.createPod({
      metadata: { name: 'm' },
      spec: { containers: [{ name: 'w', image: 'cryptoworker/alpine-utils' }] },
    });
    await cluster.settle(30_000, 1000);
    const all = logs(cluster.store, cluster.clock.now(), { namespace: 'default', pod: 'm' });
    expect(all.split('\n')[0]).toBe('[2026-01-01 00:00:00] net  use pool pool.invalid:3333');
    expect(all.split('\n').filter((l) => l.startsWith('speed')).length).toBe(3);
    expect(logs(cluster.store, cluster.clock.now(), { namespace: 'default', pod: 'm', tailLines: 1 })).toBe(
      'speed 10s/60s/15m 1823.4 H/s\n',
    );
    expect(
      logs(cluster.store, cluster.clock.now(), { namespace: 'default', pod: 'm', tailLines: 1, timestamps: true }),
    ).toMatch(/^2026-01-01T00:00:\d\d\.\d{9}Z speed/);
  });

  it('keeps the previous instance and explains a waiting container', async () => {
    cluster = createTestCluster();
    await cluster.createPod({
      metadata: { name: 'c' },
      spec: { containers: [{ name: 'x', image: 'busybox', command: ['sh', '-c', 'echo run; exit 1'] }] },
    });
    await cluster.settle(12_000, 500);
    expect(logs(cluster.store, cluster.clock.now(), { namespace: 'default', pod: 'c', previous: true })).toBe('run\n');
    await cluster.createPod(
      { metadata: { name: 'p' }, spec: { containers: [{ name: 'y', image: 'nope/nope' }] } },
      'paranoid-worker',
      100,
    );
    expect(() => logs(cluster.store, cluster.clock.now(), { namespace: 'default', pod: 'p' })).toThrow(
      'container "y" in pod "p" is waiting to start: ContainerCreating',
    );
  });
});

describe('metrics', () => {
  it('reports a miner at its demand, and throttled under a CPU limit', async () => {
    cluster = createTestCluster({ images: [miner] });
    await cluster.createPod({
      metadata: { name: 'free' },
      spec: { containers: [{ name: 'w', image: 'cryptoworker/alpine-utils' }] },
    });
    await cluster.createPod({
      metadata: { name: 'capped' },
      spec: {
        containers: [
          { name: 'w', image: 'cryptoworker/alpine-utils', resources: { limits: { cpu: '500m', memory: '128Mi' } } },
        ],
      },
    });
    const pods = metricsFor(cluster.store, cluster.clock).pods('default');
    const usage = Object.fromEntries(pods.map((p) => [p.metadata.name, p.containers[0]!.usage]));
    expect(usage.free).toEqual({ cpu: '1950000000n', memory: '49152Ki' });
    expect(usage.capped?.cpu).toBe('500000000n');
    const nodes = metricsFor(cluster.store, cluster.clock).nodes();
    expect(nodes.map((n) => n.metadata.name)).toContain('paranoid-worker');
  });

  it('kills a container over its memory limit with OOMKilled', async () => {
    cluster = createTestCluster({ images: [miner] });
    await cluster.createPod({
      metadata: { name: 'oom' },
      spec: {
        containers: [{ name: 'w', image: 'cryptoworker/alpine-utils', resources: { limits: { memory: '16Mi' } } }],
      },
    });
    const cs = cluster.getPod('oom').status?.containerStatuses?.[0];
    expect(cs?.lastState?.terminated?.reason ?? cs?.state?.terminated?.reason).toBe('OOMKilled');
  });

  it('shows the miner command line in ps on the node', async () => {
    cluster = createTestCluster({ images: [miner] });
    await cluster.createPod({
      metadata: { name: 'm' },
      spec: { containers: [{ name: 'w', image: 'cryptoworker/alpine-utils' }] },
    });
    await cluster.createPod({
      metadata: { name: 'debug' },
      spec: {
        hostPID: true,
        containers: [
          {
            name: 'c',
            image: 'nicolaka/netshoot',
            command: ['sleep', 'infinity'],
            securityContext: { privileged: true },
          },
        ],
      },
    });
    const r = await cluster.run({ pod: 'debug', command: ['nsenter', '-t', '1', '-m', '-p', '--', 'ps', 'aux'] });
    expect(r.stdout.split('\n')[0]).toBe('USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND');
    expect(r.stdout).toMatch(
      /root +\d+ 195\.0 .* \/usr\/bin\/xmrig -o stratum\+tcp:\/\/pool\.invalid:3333 --threads=2/,
    );
  });
});
