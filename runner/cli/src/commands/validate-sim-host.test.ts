import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimHost, simHostFor } from './validate-sim-host.ts';

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
    hosts = [await simHostFor([], { speed: 1 })];
    const cluster = await hosts[0]!.addCluster();
    const res = await get(cluster, '/api/v1/namespaces/kube-system');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).metadata.name).toBe('kube-system');
    await hosts[0]!.removeCluster(cluster.id);
    expect((await get(cluster, '/api/v1/namespaces/kube-system')).status).toBe(404);
  }, 120_000);
});
