import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { LoadedScenario } from '@paranoid/catalog/load.ts';
import type { SimCluster } from '@paranoid/providers/sim-provider.ts';
import type { Cluster, ClusterSnapshot } from '@paranoid/sim/cluster.ts';
import type { Pod } from 'kubernetes-types/core/v1';

// The simulator hosts validate makes its clusters on: HTTPS hosts in worker threads, so building
// and running clusters uses a second core while the main thread drives the cases and grades,
// or one host in this thread where workers cannot start.

/** A host of simulated clusters, in this thread or a worker. */
export interface SimHost {
  addCluster(scenarioId?: string): Promise<SimCluster> | SimCluster;
  removeCluster(id: string): Promise<void> | void;
  close(): Promise<void>;
}

/** What a simulator host needs to know of a scenario to make its clusters (plain data, for a worker). */
export interface SimScenarioData {
  id: string;
  images: LoadedScenario['imageDefinitions'];
  internet: LoadedScenario['scenario']['internet'];
  preload: string[];
}

interface SimHostWorkerData {
  paranoidValidateSimHost: true;
  scenarios: SimScenarioData[];
}

type SimHostOp = { op: 'add'; scenarioId?: string } | { op: 'remove'; id: string } | { op: 'close' };
type SimHostRequest = { seq: number } & SimHostOp;
type SimHostReply = { seq: number } & ({ ok: true; cluster?: SimCluster } | { ok: false; error: string });

const PODS = { group: '', resource: 'pods' };

/**
 * Whether a fresh cluster has come to rest: every pod runs with all its containers ready, and nothing was
 * written for a few polls in a row. Resolves false when that takes longer than `timeoutMs`.
 */
async function cameToRest(cluster: Cluster, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  let quiet = 0;
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    const rv = cluster.store.resourceVersion();
    const pods = cluster.store.scan(PODS) as readonly Pod[];
    const running =
      pods.length > 0 &&
      pods.every((p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready));
    quiet = running && rv === last ? quiet + 1 : 0;
    last = rv;
    if (quiet >= 8) return true;
  }
  return false;
}

/**
 * One simulator HTTPS host with clusters made from these scenarios' data; what a validate
 * worker thread runs, and the in-process fallback.
 */
export async function simHostFor(scenarios: SimScenarioData[]): Promise<SimHost> {
  const { createSimHost } = await import('@paranoid/sim-server/host.ts');
  const { realClock, randomIds } = await import('@paranoid/sim-server/real-clock.ts');
  const { simulatedClusterOptions } = await import('@paranoid/sim/assemble.ts');
  const { preloadImages } = await import('@paranoid/sim/runtime/index.ts');
  const { createCluster } = await import('@paranoid/sim/cluster.ts');
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const host = await createSimHost({ host: '127.0.0.1', port: 0 });
  const optionsFor = (data: SimScenarioData | undefined) =>
    simulatedClusterOptions({
      clock: realClock,
      ids: randomIds,
      images: data?.images ?? [],
      internet: data?.internet ?? [],
    });
  // Every case starts from a copy of one settled bare cluster per scenario, built with the same options:
  // bootstrapping, aggregating RBAC and bringing up the system pods once instead of once per case.
  // Where that cluster never settles, cases get fully built clusters as before.
  const templates = new Map<string, Promise<ClusterSnapshot | undefined>>();
  const templateFor = (data: SimScenarioData | undefined) => {
    const key = data?.id ?? '';
    let template = templates.get(key);
    if (!template) {
      template = (async () => {
        const cluster = createCluster(optionsFor(data));
        try {
          return (await cameToRest(cluster, 15_000)) ? cluster.snapshot() : undefined;
        } finally {
          cluster.stop();
        }
      })().catch(() => undefined);
      templates.set(key, template);
    }
    return template;
  };
  return {
    async addCluster(scenarioId?: string): Promise<SimCluster> {
      const data = scenarioId ? byId.get(scenarioId) : undefined;
      const from = await templateFor(data);
      const c = host.addCluster({ ...optionsFor(data), ...(from ? { from } : {}) });
      if (data) preloadImages(c.cluster.store, data.preload);
      return { id: c.id, server: c.server, token: c.token, certificateAuthority: host.caCertificate };
    },
    removeCluster: (id: string) => host.removeCluster(id),
    close: () => host.close(),
  };
}

/** Serves {@link simHostFor} to the thread that started this one. */
async function serveSimHost(data: SimHostWorkerData): Promise<void> {
  const port = parentPort!;
  const host = await simHostFor(data.scenarios);
  port.on('message', async (m: SimHostRequest) => {
    const reply = (r: SimHostReply) => port.postMessage(r);
    try {
      if (m.op === 'add') reply({ seq: m.seq, ok: true, cluster: await host.addCluster(m.scenarioId) });
      else if (m.op === 'remove') {
        host.removeCluster(m.id);
        reply({ seq: m.seq, ok: true });
      } else {
        await host.close();
        reply({ seq: m.seq, ok: true });
      }
    } catch (error) {
      reply({ seq: m.seq, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
  port.postMessage({ seq: 0, ok: true });
}

if (!isMainThread && (workerData as Partial<SimHostWorkerData> | undefined)?.paranoidValidateSimHost) {
  void serveSimHost(workerData as SimHostWorkerData);
}

/** A simulator host in a worker thread: this module again, with TypeScript loaded as the main thread has it. */
export async function startSimHostWorker(scenarios: SimScenarioData[]): Promise<SimHost> {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const data: SimHostWorkerData = { paranoidValidateSimHost: true, scenarios };
  const worker = new Worker(code, { eval: true, workerData: data });
  const pending = new Map<number, { resolve: (r: SimHostReply) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('message', (r: SimHostReply) => {
    const p = pending.get(r.seq);
    pending.delete(r.seq);
    p?.resolve(r);
  });
  worker.on('error', (error) => failAll(new Error(`the simulator worker failed: ${error.message}`)));
  worker.on('exit', (code) => failAll(new Error(`the simulator worker exited (${code})`)));
  const wait = (n: number) =>
    new Promise<SimHostReply>((resolve, reject) => {
      if (failure) reject(failure);
      else pending.set(n, { resolve, reject });
    });
  const ask = async (request: SimHostOp): Promise<SimCluster | undefined> => {
    const n = ++seq;
    const answer = wait(n);
    worker.postMessage({ ...request, seq: n });
    const r = await answer;
    if (!r.ok) throw new Error(r.error);
    return r.cluster;
  };
  const ready = await Promise.race([
    wait(0),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the simulator worker did not start')), 30_000).unref(),
    ),
  ]);
  if (!ready.ok) throw new Error(ready.error);
  return {
    addCluster: async (scenarioId?: string) => (await ask({ op: 'add', scenarioId }))!,
    removeCluster: async (id: string) => {
      await ask({ op: 'remove', id });
    },
    close: async () => {
      await ask({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}

/**
 * Starts `workers` simulator hosts in worker threads (none below two: one worker only adds a
 * TLS server and a second copy of the modules), falling back to one host in this thread when
 * there are none or they cannot start.
 */
export async function startSimHosts(scenarios: SimScenarioData[], workers: number): Promise<SimHost[]> {
  let hosts: SimHost[];
  try {
    hosts = workers < 2 ? [] : await Promise.all(Array.from({ length: workers }, () => startSimHostWorker(scenarios)));
  } catch {
    hosts = [];
  }
  if (hosts.length === 0) hosts = [await simHostFor(scenarios)];
  return hosts;
}
