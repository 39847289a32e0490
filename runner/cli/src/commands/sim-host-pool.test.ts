import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimHost, startSimHosts } from './sim-host-pool.ts';

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

// The worker-thread hosts cannot start under vitest (no import.meta.resolve to find tsx's loader);
// `paranoid validate`, which runs under tsx, starts them (see the report of PARANOID_SIM_WORKERS=2).
describe('startSimHosts', () => {
  it('keeps one host in this thread when fewer than two workers are asked for', async () => {
    hosts = await startSimHosts([], 1);
    expect(hosts).toHaveLength(1);
    const cluster = await hosts[0]!.addCluster();
    const res = await get(cluster, '/api/v1/namespaces/kube-system');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).metadata.name).toBe('kube-system');
    await hosts[0]!.removeCluster(cluster.id);
    expect((await get(cluster, '/api/v1/namespaces/kube-system')).status).toBe(404);
  }, 120_000);
});
