import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { selfSignedCertificate } from './tls.ts';
import type {
  InternetListening,
  InternetRequest,
  InternetResponse,
  InternetStreamChunk,
  InternetStreamOpened,
  InternetStreams,
  WorkerData,
  WorkerReady,
  WorkerReply,
  WorkerRequest,
} from './worker-protocol.ts';

/** Where the pool's workers listen and how many there are. */
export interface SimWorkerPoolOptions {
  host?: string;
  /** Worker threads; default: one per core, at least two. */
  workers?: number;
  /** Makes each cluster's options inside its worker (see {@link WorkerData.clusterOptions}). */
  clusterOptions?: { module: string; arg?: unknown };
  /** Heap of each worker, in MiB: a cluster that fills it ends its own worker, not the runner. */
  maxHeapMb?: number;
}

/** A cluster in a worker, as the sim provider sees it. */
export interface PooledCluster {
  id: string;
  server: string;
  token: string;
  certificateAuthority: string;
}

/** Simulated clusters spread over worker threads, so a busy cluster holds one core at most. */
export interface SimWorkerPool {
  readonly size: number;
  addCluster(options: { scenarioId?: string }): Promise<PooledCluster>;
  removeCluster(id: string): Promise<void>;
  requestFromInternet(id: string, request: InternetRequest): Promise<InternetResponse>;
  /** TCP from outside into one cluster, as a byte stream (the terminal's `nc`, `redis-cli`). */
  internetStreams(id: string): InternetStreams;
  /** Clusters on each worker, for the bench and tests. */
  placement(): number[];
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  url: string;
  clusters: Set<string>;
  pending: Map<number, { resolve(value: unknown): void; reject(error: Error): void }>;
  dead: boolean;
}

/**
 * Simulated clusters on worker threads, several per worker, so the runner's own event
 * loop (the site, the API, every terminal) never runs a cluster's request, and the
 * clusters use every core. A new cluster goes to the worker with the fewest. A worker
 * that dies (a heap exhausted, say) takes only its own clusters with it, and is replaced.
 */
export async function createSimWorkerPool(options: SimWorkerPoolOptions = {}): Promise<SimWorkerPool> {
  const count = Math.max(1, options.workers ?? Math.max(2, availableParallelism()));
  const tls = selfSignedCertificate();
  const host = options.host ?? '127.0.0.1';
  const data: WorkerData = {
    entry: new URL('./worker.ts', import.meta.url).href,
    host,
    tls: { key: tls.key, cert: tls.cert },
    ...(options.clusterOptions ? { clusterOptions: options.clusterOptions } : {}),
  };
  let seq = 0;
  let closing = false;
  const owner = new Map<string, Slot>();

  const spawn = () =>
    new Promise<Slot>((resolve, reject) => {
      const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
        workerData: data,
        resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 2048 },
        // The runner's own flags (tsx's loader among them) are not the worker's to inherit.
        execArgv: [],
      });
      const slot: Slot = { worker, url: '', clusters: new Set(), pending: new Map(), dead: false };
      worker.on('message', (message: WorkerReply | WorkerReady) => {
        if ('ready' in message) {
          slot.url = message.url;
          resolve(slot);
          return;
        }
        const waiter = slot.pending.get(message.seq);
        slot.pending.delete(message.seq);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(new Error(message.error));
      });
      worker.on('error', (error) => {
        if (!slot.url) reject(new Error(`failed to start a simulator worker: ${error.message}`));
        else process.stderr.write(`sim worker: ${error.stack ?? error.message}\n`);
      });
      worker.on('exit', (code) => {
        slot.dead = true;
        for (const waiter of slot.pending.values()) {
          waiter.reject(new Error(`the simulator worker stopped (exit code ${code})`));
        }
        slot.pending.clear();
        for (const id of slot.clusters) owner.delete(id);
        if (!slot.url) reject(new Error(`failed to start a simulator worker: exit code ${code}`));
        else if (!closing) replace(slot);
      });
    });

  const slots: Slot[] = await Promise.all(Array.from({ length: count }, spawn));

  function replace(dead: Slot) {
    process.stderr.write(`sim worker: a worker stopped with ${dead.clusters.size} cluster(s); starting another\n`);
    spawn().then(
      (fresh) => {
        const at = slots.indexOf(dead);
        if (at >= 0 && !closing) slots[at] = fresh;
        else void fresh.worker.terminate();
      },
      (error: Error) => process.stderr.write(`sim worker: ${error.message}\n`),
    );
  }

  function call(
    slot: Slot,
    request: WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'seq'> : never) : never,
  ) {
    if (slot.dead) return Promise.reject(new Error('the simulator worker of this cluster stopped'));
    const n = ++seq;
    return new Promise<unknown>((resolve, reject) => {
      slot.pending.set(n, { resolve, reject });
      slot.worker.postMessage({ ...request, seq: n });
    });
  }

  return {
    get size() {
      return slots.length;
    },
    async addCluster({ scenarioId }) {
      const live = slots.filter((s) => !s.dead);
      if (live.length === 0) throw new Error('failed to add a cluster: no simulator worker is running');
      const slot = live.reduce((a, b) => (b.clusters.size < a.clusters.size ? b : a));
      const added = (await call(slot, { op: 'add', ...(scenarioId ? { scenarioId } : {}) })) as {
        id: string;
        token: string;
        server: string;
      };
      slot.clusters.add(added.id);
      owner.set(added.id, slot);
      return { ...added, certificateAuthority: tls.cert };
    },
    async removeCluster(id) {
      const slot = owner.get(id);
      if (!slot) return;
      owner.delete(id);
      slot.clusters.delete(id);
      await call(slot, { op: 'remove', clusterId: id }).catch(() => undefined);
    },
    async requestFromInternet(id, request) {
      const slot = owner.get(id);
      if (!slot) return { ok: false, error: 'this cluster is gone' } as InternetResponse;
      return (await call(slot, { op: 'internet', clusterId: id, request })) as InternetResponse;
    },
    internetStreams(id) {
      const slotOf = () => {
        const slot = owner.get(id);
        if (!slot) throw new Error('failed to reach the cluster: it is gone');
        return slot;
      };
      return {
        open: async ({ host, port }) =>
          (await call(slotOf(), { op: 'stream-open', clusterId: id, host, port })) as InternetStreamOpened,
        send: async (stream, data) =>
          (await call(slotOf(), { op: 'stream-send', clusterId: id, stream, data })) as InternetStreamChunk,
        close: async (stream) => {
          await call(slotOf(), { op: 'stream-close', clusterId: id, stream });
        },
        listening: async () => (await call(slotOf(), { op: 'stream-listening', clusterId: id })) as InternetListening,
      };
    },
    placement: () => slots.map((s) => s.clusters.size),
    async close() {
      closing = true;
      await Promise.all(
        slots.map(async (slot) => {
          await Promise.race([
            call(slot, { op: 'close' }).catch(() => undefined),
            new Promise((r) => setTimeout(r, 2000).unref()),
          ]);
          await slot.worker.terminate();
        }),
      );
    },
  };
}
