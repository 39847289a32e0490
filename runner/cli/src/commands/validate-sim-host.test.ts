import { request } from 'node:https';
import { applyAsLearner } from '@paranoid/catalog/apply.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import { simKubeconfig } from '@paranoid/providers/sim-provider.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimHost, type SimScenarioData, simHostFor } from './validate-sim-host.ts';

let hosts: SimHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  hosts = [];
});

/** GET `path` from a cluster's API server as its admin, trusting only its CA. */
const get = (cluster: { server: string; token: string; certificateAuthority?: string }, path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      new URL(path, cluster.server),
      { ca: cluster.certificateAuthority, headers: { authorization: `Bearer ${cluster.token}` } },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });

describe('simHostFor', () => {
  it('hosts clusters on one HTTPS server that answers as the API, and forgets a removed one', async () => {
    hosts = [await simHostFor([], { clock: 'wall' })];
    const cluster = await hosts[0]!.addCluster();
    const res = await get(cluster, '/api/v1/namespaces/kube-system');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).metadata.name).toBe('kube-system');
    await hosts[0]!.removeCluster(cluster.id);
    expect((await get(cluster, '/api/v1/namespaces/kube-system')).status).toBe(404);
  }, 120_000);
});

/** A scenario whose setup is a CronJob every five minutes, as cryptominer-image's cache warmer. */
const everyFiveMinutes: SimScenarioData = {
  id: 'cron',
  images: [],
  internet: [],
  preload: ['busybox:1.36'],
  setup: [
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'warmer', namespace: 'default' },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'warm', image: 'busybox:1.36', command: ['true'] }],
              },
            },
          },
        },
      },
    } as KubeObject,
  ],
};

/** The Jobs a cluster's CronJob made, by name (which carries the scheduled minute) and creation time. */
async function jobsOf(client: KubeClient): Promise<string[]> {
  const list = (await client.send('GET', '/apis/batch/v1/namespaces/default/jobs')) as { items: KubeObject[] };
  return list.items.map((j) => `${j.metadata.name} ${j.metadata.creationTimestamp}`).sort();
}

describe('simHostFor on simulated time', () => {
  it('runs a CronJob at the same cluster times in every cluster, however long the client takes in real time', async () => {
    const host = await simHostFor([everyFiveMinutes], { clock: 'simulated' });
    hosts = [host];
    const seen: string[][] = [];
    for (const realPause of [0, 300]) {
      const made = await host.addCluster('cron');
      const client = new KubeClient(simKubeconfig('cron', made));
      const time = host.timeOf(made.id);
      try {
        await applyAsLearner(client, everyFiveMinutes.setup);
        // Real time the client spends elsewhere (a loaded machine) is no time on the cluster's clock.
        const before = time.now();
        await new Promise((resolve) => setTimeout(resolve, realPause));
        expect(time.now()).toBe(before);
        expect(await jobsOf(client)).toEqual([]);
        // Waiting twelve minutes of cluster time: the schedule fires at minutes 5 and 10, in any cluster.
        await time.sleep(12 * 60_000);
        seen.push(await jobsOf(client));
      } finally {
        client.close();
        await host.removeCluster(made.id);
      }
    }
    expect(seen[0]).toHaveLength(2);
    expect(seen[0]![0]).toMatch(/^warmer-\d+ 2026-01-01T00:05:00Z$/);
    expect(seen[1]).toEqual(seen[0]);
  }, 120_000);
});
