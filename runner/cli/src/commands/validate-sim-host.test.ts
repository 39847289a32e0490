import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
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

// Worker threads load this module again through tsx's loader, which they find with
// import.meta.resolve: vitest has none, so the worker case runs in a child Node under tsx,
// as `paranoid validate` runs.
const inTsx = (script: string) =>
  new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('../../../..', import.meta.url)), timeout: 100_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });

describe('startSimHosts', () => {
  it('hosts clusters in two worker threads, each its own HTTPS server that answers as the API', async () => {
    const pool = JSON.stringify(new URL('./sim-host-pool.ts', import.meta.url).href);
    const out = await inTsx(`
      import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
      import { startSimHosts } from ${pool};
      const get = (c, path) => new Promise((resolve, reject) => {
        const req = request(new URL(path, c.server), { ca: c.certificateAuthority, headers: { authorization: 'Bearer ' + c.token } },
          (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
        req.on('error', reject);
        req.end();
      });
      const hosts = await startSimHosts([], 2);
      const clusters = await Promise.all(hosts.map((h) => h.addCluster()));
      const statuses = [];
      for (const c of clusters) statuses.push(await get(c, '/api/v1/namespaces/kube-system'));
      await hosts[0].removeCluster(clusters[0].id);
      statuses.push(await get(clusters[0], '/api/v1/namespaces/kube-system'));
      await Promise.all(hosts.map((h) => h.close()));
      console.log(JSON.stringify({ hosts: hosts.length, ports: new Set(clusters.map((c) => new URL(c.server).port)).size, statuses }));
    `);
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ hosts: 2, ports: 2, statuses: [200, 200, 404] });
  }, 120_000);

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
