/**
 * The simulator's figures, all on the FULL kind-like cluster (`simulatedClusterOptions`:
 * RBAC, admission, schemas, bootstrap, controllers, kubelet): `paranoid sim` start to
 * ready, kubectl wall time against the sim and against a trivial stub in the same run,
 * request rates and p95 on one cluster, and memory per idle cluster and for 200 in one
 * process. Every loop is bounded.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { writeKubeconfig } from '@paranoid/kube/kubeconfig.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import { createSimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';
import { selfSignedCertificate } from '@paranoid/sim-server/tls.ts';
import type { Figure } from './main.ts';

const KUBECTL = '/usr/bin/kubectl';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The full cluster every figure measures. */
const full = () => simulatedClusterOptions({ clock: realClock, ids: randomIds });

/** `paranoid sim --kubeconfig F` as a user runs it: process start to the "ready" line. */
function paranoidSimStart(kubeconfig: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'runner/cli/src/main.ts', 'sim', '--kubeconfig', kubeconfig],
      {
        cwd: ROOT,
      },
    );
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`paranoid sim did not get ready: ${out}`));
    }, 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (/ready/.test(out)) {
        const ms = performance.now() - started;
        clearTimeout(timer);
        child.once('exit', () => resolve(ms));
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
  });
}

function gc(): void {
  setFlagsFromString('--expose_gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
  collect();
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const median = (values: number[]) => percentile(values, 50);

function kubectl(kubeconfig: string, cache: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(
      KUBECTL,
      [`--cache-dir=${cache}`, ...args],
      { env: { PATH: process.env.PATH ?? '', KUBECONFIG: kubeconfig, HOME: cache }, timeout: 30_000 },
      (error) => (error ? reject(error) : resolve(performance.now() - started)),
    ),
  );
}

function fetchJson(
  agent: Agent,
  ca: string,
  url: string,
  method = 'GET',
  body?: string,
  type = 'application/json',
  token = '',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, ca, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': type } : {}) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function rate(
  name: string,
  total: number,
  concurrency: number,
  one: (i: number) => Promise<number>,
): Promise<Figure[]> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        const status = await one(i);
        if (status >= 400) failures++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return [
    {
      name: `${name} requests/s (HTTPS, ${concurrency} concurrent)`,
      value: total / seconds,
      unit: 'req/s',
      goal: '> 1000',
    },
    { name: `${name} p95 latency`, value: percentile(latencies, 95), unit: 'ms', goal: '< 20 ms' },
    ...(failures ? [{ name: `${name} failed requests`, value: failures, unit: '' }] : []),
  ];
}

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'paranoid-bench-'));
  try {
    // 1. Start to ready: `paranoid sim` as a process, and in-process (host + full cluster + first /readyz).
    const cliTimes: number[] = [];
    for (let i = 0; i < 3; i++) cliTimes.push(await paranoidSimStart(join(dir, `cli-${i}.kubeconfig`)));
    figures.push({
      name: 'paranoid sim: process start to "ready" (full cluster, median of 3)',
      value: median(cliTimes),
      unit: 'ms',
      goal: '< 3000 ms',
    });
    const startTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const h = await createSimHost({ port: 0 });
      const c = h.addCluster(full());
      const agent = new Agent({ keepAlive: false });
      await fetchJson(agent, h.caCertificate, `${c.server}/readyz`, 'GET', undefined, undefined, c.token);
      startTimes.push(performance.now() - t);
      await h.close();
    }
    figures.push({
      name: 'full cluster start to ready in-process (host + cluster + /readyz)',
      value: median(startTimes),
      unit: 'ms',
      goal: '< 200 ms',
    });

    // 2. kubectl get pods against the sim and against a stub serving canned replies.
    const host = await createSimHost({ port: 0 });
    const hosted = host.addCluster(full());
    const call = (m: string, p: string, b?: unknown) => hosted.cluster.callApi(hosted.token, m, p, b);
    for (let i = 0; i < 20; i++) {
      call('POST', '/api/v1/namespaces/default/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `p${i}` },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      });
    }
    const simConfig = join(dir, 'sim.kubeconfig');
    writeKubeconfig(simConfig, {
      server: hosted.server,
      token: hosted.token,
      certificateAuthority: host.caCertificate,
    });
    const canned = new Map<string, { type: string; body: Buffer }>();
    for (const [path, accept] of [
      ['/version', 'application/json'],
      ['/api', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'],
      ['/apis', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'],
      ['/api/v1/namespaces/default/pods', 'application/json;as=Table;v=v1;g=meta.k8s.io'],
    ] as const) {
      const r = hosted.cluster.handle({
        method: 'GET',
        path,
        query: {},
        headers: { authorization: `Bearer ${hosted.token}`, accept },
      });
      if (r.kind === 'body') canned.set(path, { type: String(r.headers['content-type']), body: Buffer.from(r.body) });
    }
    const tls = selfSignedCertificate();
    const stub = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const hit = canned.get((req.url ?? '').split('?')[0]!);
      res.writeHead(hit ? 200 : 404, { 'content-type': hit?.type ?? 'application/json' });
      res.end(hit?.body ?? '{}');
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', () => r()));
    const stubPort = (stub.address() as { port: number }).port;
    const stubConfig = join(dir, 'stub.kubeconfig');
    writeKubeconfig(stubConfig, {
      server: `https://127.0.0.1:${stubPort}`,
      token: 'x',
      certificateAuthority: tls.cert,
    });
    const simRuns: number[] = [];
    const stubRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      simRuns.push(await kubectl(simConfig, join(dir, `c-sim-${i}`), ['get', 'pods']));
      stubRuns.push(await kubectl(stubConfig, join(dir, `c-stub-${i}`), ['get', 'pods']));
    }
    stub.close();
    figures.push({
      name: 'kubectl get pods against the sim (cold cache, median of 5)',
      value: median(simRuns),
      unit: 'ms',
    });
    figures.push({ name: 'kubectl get pods against a canned stub (same run)', value: median(stubRuns), unit: 'ms' });
    figures.push({
      name: 'sim overhead over the stub',
      value: median(simRuns) - median(stubRuns),
      unit: 'ms',
      goal: '< 50 ms',
    });
    figures.push({
      name: 'kubectl get pods: sim / stub',
      value: median(simRuns) / median(stubRuns),
      unit: 'x',
      goal: '< 1.5x',
    });

    // 3a. The pure core alone: cluster.handle() in-process, no sockets.
    const inProcess = (name: string, total: number, one: (i: number) => void) => {
      const latencies: number[] = [];
      const started = performance.now();
      for (let i = 0; i < total; i++) {
        const t = performance.now();
        one(i);
        latencies.push(performance.now() - t);
      }
      const seconds = (performance.now() - started) / 1000;
      figures.push({
        name: `${name} requests/s (in-process handle())`,
        value: total / seconds,
        unit: 'req/s',
        goal: '> 5000',
      });
      figures.push({
        name: `${name} p95 latency (in-process)`,
        value: percentile(latencies, 95),
        unit: 'ms',
        goal: '< 1 ms',
      });
    };
    const auth = { authorization: `Bearer ${hosted.token}` };
    inProcess('get pod', 5000, () =>
      hosted.cluster.handle({ method: 'GET', path: '/api/v1/namespaces/default/pods/p1', query: {}, headers: auth }),
    );
    inProcess('list 20 pods as Table', 2000, () =>
      hosted.cluster.handle({
        method: 'GET',
        path: '/api/v1/namespaces/default/pods',
        query: { limit: ['500'] },
        headers: { ...auth, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
      }),
    );
    inProcess('apply (server-side) configmap', 2000, (i) =>
      hosted.cluster.callApi(
        hosted.token,
        'PATCH',
        `/api/v1/namespaces/default/configmaps/ip${i % 50}?fieldManager=bench`,
        new TextEncoder().encode(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `ip${i % 50}` },
            data: { i: String(i) },
          }),
        ),
        { 'content-type': 'application/apply-patch+yaml' },
      ),
    );

    // 3b. Request rates over HTTPS on one cluster (client and server share this process's one thread).
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const base = `${hosted.server}/api/v1/namespaces/default`;
    figures.push(
      ...(await rate('get pod', 2000, 8, () =>
        fetchJson(agent, host.caCertificate, `${base}/pods/p1`, 'GET', undefined, undefined, hosted.token),
      )),
    );
    figures.push(
      ...(await rate('list 20 pods', 1000, 8, () =>
        fetchJson(agent, host.caCertificate, `${base}/pods`, 'GET', undefined, undefined, hosted.token),
      )),
    );
    figures.push(
      ...(await rate('apply (server-side) configmap', 1000, 8, (i) =>
        fetchJson(
          agent,
          host.caCertificate,
          `${base}/configmaps/cm${i % 50}?fieldManager=bench`,
          'PATCH',
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `cm${i % 50}` },
            data: { i: String(i) },
          }),
          'application/apply-patch+yaml',
          hosted.token,
        ),
      )),
    );
    agent.destroy();
    await host.close();

    // 4. Memory: one idle full cluster, then 200 of them in one process (heap after the controllers settle).
    gc();
    const before = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    const many = await createSimHost({ port: 0 });
    const t200 = performance.now();
    for (let i = 0; i < 200; i++) many.addCluster(full());
    const made = performance.now() - t200;
    await new Promise((r) => setTimeout(r, 3000));
    gc();
    const after = process.memoryUsage().heapUsed;
    const rssAfter = process.memoryUsage().rss;
    const objects = many.clusters()[0]?.cluster.store.size() ?? 0;
    figures.push({ name: '200 full clusters: create each', value: made / 200, unit: 'ms' });
    figures.push({
      name: '200 idle full clusters in one process (heap)',
      value: (after - before) / 2 ** 20,
      unit: 'MiB',
      goal: '< 4000 MiB',
    });
    figures.push({
      name: '200 idle full clusters in one process (RSS growth)',
      value: (rssAfter - rssBefore) / 2 ** 20,
      unit: 'MiB',
    });
    figures.push({
      name: `heap per idle full cluster (${objects} objects)`,
      value: (after - before) / 200 / 2 ** 20,
      unit: 'MiB',
      goal: '< 20 MiB',
    });
    await many.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
