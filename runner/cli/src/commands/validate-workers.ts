import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ChangeSet, LoadedScenario } from '@paranoid/catalog/load.ts';
import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import { pickCase, type WaitingCase } from './validate-affinity.ts';
import { type CaseClusters, type CaseStart, runCase } from './validate-case.ts';
import { ClusterLeases } from './validate-clusters.ts';
import type { CaseRun } from './validate-proof.ts';
import { simValidateProvider } from './validate-sim.ts';
import type { SimHostOptions } from './validate-sim-host.ts';

// validate's worker threads: each runs whole cases (its own simulator host, client and grader),
// so every core grades as well as simulates, and nothing but a case's name and its verdicts
// crosses between threads. The simulator is pure and in-process, so a worker needs nothing
// the main thread has but the scenarios.

interface CaseWorkerData {
  paranoidValidateCases: true;
  scenarios: LoadedScenario[];
  clock: SimHostOptions['clock'];
  /** Cases one worker runs at once. */
  concurrency: number;
}

type CaseOp =
  | { op: 'run'; scenario: string; change: string; expected: 'pass' | 'fail'; how: CaseStart }
  | { op: 'close' };
type CaseRequest = { seq: number } & CaseOp;
type CaseReply = { seq: number } & ({ ok: true; run?: CaseRun } | { ok: false; error: string });

/** Runs the cases the main thread sends, on clusters of this thread's own simulator host. */
async function serveCases(data: CaseWorkerData): Promise<void> {
  const port = parentPort!;
  const env = await simValidateProvider(data.scenarios, { clock: data.clock, concurrency: data.concurrency });
  const leases = (provider: ClusterProvider) =>
    new ClusterLeases(provider, { reuse: false, resetTimeoutMs: 30_000, log: () => {} });
  const clusters: CaseClusters = { fresh: leases(env.provider), settled: leases(env.settledSetup) };
  const byId = new Map(data.scenarios.map((s) => [s.scenario.id, s]));
  port.on('message', async (m: CaseRequest) => {
    const reply = (r: CaseReply) => port.postMessage(r);
    try {
      if (m.op === 'close') {
        await Promise.all([clusters.fresh.close(), clusters.settled?.close()]);
        await env.close();
        reply({ seq: m.seq, ok: true });
        return;
      }
      const loaded = byId.get(m.scenario);
      const change: ChangeSet | undefined =
        m.change === 'solution' ? loaded?.solution : loaded?.variants.find((v) => v.name === m.change);
      if (!loaded || !change) throw new Error(`no case ${m.scenario} / ${m.change} in this worker`);
      reply({ seq: m.seq, ok: true, run: await runCase(env, clusters, loaded, change, m.expected, m.how) });
    } catch (error) {
      reply({ seq: m.seq, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
  port.postMessage({ seq: 0, ok: true });
}

if (!isMainThread && (workerData as Partial<CaseWorkerData> | undefined)?.paranoidValidateCases) {
  void serveCases(workerData as CaseWorkerData);
}

/** One worker thread running validate cases. */
interface CaseWorker {
  inFlight: number;
  ask(request: CaseOp): Promise<CaseReply>;
  terminate(): Promise<number>;
}

/** Starts one worker: this module again, with TypeScript loaded as the main thread has it. */
async function startWorker(data: CaseWorkerData): Promise<CaseWorker> {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(code, { eval: true, workerData: data });
  const pending = new Map<number, { resolve: (r: CaseReply) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on('message', (r: CaseReply) => {
    const p = pending.get(r.seq);
    pending.delete(r.seq);
    p?.resolve(r);
  });
  worker.on('error', (error) => failAll(new Error(`the validate worker failed: ${error.message}`)));
  worker.on('exit', (code) => failAll(new Error(`the validate worker exited (${code})`)));
  const wait = (n: number) =>
    new Promise<CaseReply>((resolve, reject) => {
      if (failure) reject(failure);
      else pending.set(n, { resolve, reject });
    });
  const ready = await Promise.race([
    wait(0),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the validate worker did not start')), 60_000).unref(),
    ),
  ]).catch(async (error: Error) => {
    await worker.terminate();
    throw error;
  });
  if (!ready.ok) throw new Error(ready.error);
  return {
    inFlight: 0,
    ask(request) {
      const n = ++seq;
      const answer = wait(n);
      worker.postMessage({ ...request, seq: n });
      return answer;
    },
    terminate: () => worker.terminate(),
  };
}

/** Cases run in worker threads: what {@link ValidateProvider.runCase} needs, and how to stop them. */
export interface CaseWorkers {
  runCase(loaded: LoadedScenario, change: ChangeSet, expected: 'pass' | 'fail', how: CaseStart): Promise<CaseRun>;
  close(): Promise<void>;
}

/**
 * Starts `jobs` worker threads, each with its own simulator host running up to `concurrency`
 * cases at once. Cases wait in one queue; a worker with a free slot takes the one that
 * {@link pickCase} chooses for it. Rejects when a worker
 * cannot start (no tsx loader to find, as under vitest), having stopped those that did.
 */
export async function startCaseWorkers(
  scenarios: LoadedScenario[],
  options: { jobs: number; clock: SimHostOptions['clock']; concurrency: number },
): Promise<CaseWorkers> {
  const data: CaseWorkerData = {
    paranoidValidateCases: true,
    scenarios,
    clock: options.clock,
    concurrency: options.concurrency,
  };
  const started = await Promise.allSettled(Array.from({ length: options.jobs }, () => startWorker(data)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw failed.reason;
  }
  // Cases wait here, not in validate's limiter, so that a free worker can choose the case whose
  // scenario it has already settled (validate-affinity.ts): each setup is then made in one worker.
  const settled = new Map<CaseWorker, Set<string>>(workers.map((w) => [w, new Set()]));
  const waiting: (WaitingCase & { start(worker: CaseWorker): void })[] = [];
  const pump = () => {
    for (const worker of workers) {
      while (worker.inFlight < options.concurrency && waiting.length > 0) {
        const others = workers.filter((w) => w !== worker).map((w) => ({ settled: settled.get(w)! }));
        const [next] = waiting.splice(pickCase(waiting, { settled: settled.get(worker)! }, others), 1);
        next!.start(worker);
      }
    }
  };
  const run = async (worker: CaseWorker, request: CaseOp & { op: 'run' }): Promise<CaseRun> => {
    const started = performance.now();
    try {
      const r = await worker.ask(request);
      if (!r.ok) throw new Error(r.error);
      return r.run!;
    } catch (error) {
      // As in this thread, a case that cannot run is a problem of the case, never a throw.
      const why = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        problems: [`could not run: ${why}`],
        fingerprint: 'not-run',
        ms: performance.now() - started,
      };
    }
  };
  return {
    runCase(loaded, change, expected, how) {
      const scenario = loaded.scenario.id;
      return new Promise<CaseRun>((resolve) => {
        waiting.push({
          scenario,
          fromSettledSetup: how.fromSettledSetup,
          start(worker) {
            worker.inFlight++;
            if (how.fromSettledSetup) settled.get(worker)!.add(scenario);
            void run(worker, { op: 'run', scenario, change: change.name, expected, how })
              .then(resolve)
              .finally(() => {
                worker.inFlight--;
                pump();
              });
          },
        });
        pump();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.ask({ op: 'close' }).catch(() => undefined)));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
