import { provisionScenario } from '@paranoid/catalog/apply.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import type { Manifest } from '@paranoid/kube/manifests.ts';
import type {
  ClusterHandle,
  ClusterProvider,
  CreateClusterOptions,
  InternetRequest,
  InternetResponse,
  InternetStreams,
  ProviderInfo,
} from './provider.ts';

/**
 * What the sim provider needs from the simulator's HTTP host (runner/sim-server/src):
 * one server, many clusters, each reached at its own URL with its own admin token.
 */
export interface SimHost {
  addCluster(options: { name: string; scenarioId?: string }): Promise<SimCluster> | SimCluster;
  removeCluster(id: string): Promise<void> | void;
  /** Replays a request from the simulated internet into one cluster. */
  requestFromInternet?(clusterId: string, request: InternetRequest): Promise<InternetResponse>;
  /** TCP from outside into one cluster, as a byte stream. */
  internetStreams?(clusterId: string): InternetStreams;
}

/** A cluster the simulator's host made: its URL and admin token. */
export interface SimCluster {
  id: string;
  /** The cluster's API server URL, e.g. `http://127.0.0.1:41234/clusters/abc`. */
  server: string;
  /** A bearer token with cluster-admin rights. */
  token: string;
  /** PEM of the CA when the server speaks TLS. */
  certificateAuthority?: string;
}

/** The simulator host the sim provider uses and how it finds a scenario's setup. */
export interface SimProviderOptions {
  host: SimHost;
  /** The scenario's setup manifests, applied through the API as any client would. */
  setup?: (scenarioId: string) => Promise<Manifest[]>;
  /**
   * Keep one cluster per recently started scenario made ahead of time, so Start hands out
   * a ready cluster instead of building one (default true).
   */
  warmPool?: boolean;
  /**
   * Clusters made at once (default 4). A burst of Starts queues here instead of sending
   * every cluster's setup at the simulator together, where each would time out.
   */
  maxParallelCreates?: number;
  /** How long a new cluster's setup may take to come to rest before the cluster is handed out anyway. */
  settleTimeoutMs?: number;
  now?: () => number;
}

const REFILL_DELAY_MS = 1500;

interface Prepared {
  cluster: SimCluster;
  kubeconfig: string;
}

/** Clusters from the in-process simulator: no Docker, ready in milliseconds. */
export class SimProvider implements ClusterProvider {
  private readonly clusters = new Map<string, { sessionId: string; scenarioId?: string; createdAt: number }>();
  /** Clusters made ahead of time, per scenario, oldest first. */
  private readonly warm = new Map<string, Promise<Prepared>[]>();
  /** How many clusters each scenario keeps made ahead (`reserve`); 1 once a scenario is prewarmed or started. */
  private readonly reserved = new Map<string, number>();
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly options: SimProviderOptions) {}

  /** Runs `make` when fewer than `maxParallelCreates` others are running. */
  private async limited<T>(make: () => Promise<T>): Promise<T> {
    if (this.running >= (this.options.maxParallelCreates ?? 4)) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.running++;
    try {
      return await make();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  info(): ProviderInfo {
    return { name: 'sim', realNetwork: false, warnings: [] };
  }

  async create(options: CreateClusterOptions): Promise<ClusterHandle> {
    options.onProgress?.({ step: 'creating cluster', fraction: 0 });
    const key = options.scenarioId ?? '';
    const pooled = this.warm.get(key)?.shift();
    const prepared = (pooled ? await pooled.catch(() => null) : null) ?? (await this.prepare(options.scenarioId));
    if (this.options.warmPool !== false) {
      if (!this.reserved.has(key)) this.reserved.set(key, 1);
      this.refill(key, options.scenarioId);
    }
    this.clusters.set(prepared.cluster.id, {
      sessionId: options.sessionId,
      scenarioId: options.scenarioId,
      createdAt: (this.options.now ?? Date.now)(),
    });
    options.onProgress?.({ step: 'ready', fraction: 1 });
    const host = this.options.host;
    const id = prepared.cluster.id;
    return {
      id,
      sessionId: options.sessionId,
      scenarioId: options.scenarioId,
      kubeconfig: prepared.kubeconfig,
      requestFromInternet: async (request) =>
        host.requestFromInternet
          ? host.requestFromInternet(id, request)
          : { ok: false, error: 'the simulator does not model the internet yet' },
      ...(host.internetStreams ? { internetStreams: host.internetStreams(id) } : {}),
    };
  }

  /** Makes one cluster ahead of time for each of these scenarios, one after another. */
  prewarm(scenarioIds: string[]): void {
    if (this.options.warmPool === false) return;
    let chain: Promise<unknown> = Promise.resolve();
    for (const id of scenarioIds) {
      if (!this.reserved.has(id)) this.reserved.set(id, 1);
      if ((this.warm.get(id)?.length ?? 0) > 0) continue;
      const next = chain.then(() => this.prepare(id));
      next.catch(() => undefined);
      this.pool(id).push(next);
      chain = next.catch(() => undefined);
    }
  }

  /**
   * Keeps `count` clusters of this scenario ready (at least the one any started scenario
   * keeps). The missing ones are made now, at most `maxParallelCreates` at once; extra ones
   * beyond a lowered count are deleted.
   */
  reserve(scenarioId: string, count: number): void {
    if (this.options.warmPool === false) return;
    const target = Math.max(1, Math.floor(count));
    this.reserved.set(scenarioId, target);
    const pool = this.pool(scenarioId);
    while (pool.length < target) {
      const next = this.prepare(scenarioId);
      next.catch(() => undefined);
      pool.push(next);
    }
    for (const extra of pool.splice(target)) void this.discard(extra);
  }

  /** The scenario's queue of clusters made ahead. */
  private pool(key: string): Promise<Prepared>[] {
    let pool = this.warm.get(key);
    if (!pool) {
      pool = [];
      this.warm.set(key, pool);
    }
    return pool;
  }

  /** Deletes a cluster made ahead that nobody will take. */
  private async discard(pending: Promise<Prepared>): Promise<void> {
    const prepared = await pending.catch(() => null);
    if (prepared) await this.options.host.removeCluster(prepared.cluster.id);
  }

  /** Deletes the clusters made ahead of time (the sessions' own are deleted with them). */
  async dispose(): Promise<void> {
    const pending = [...this.warm.values()].flat();
    this.warm.clear();
    this.reserved.clear();
    for (const p of pending) {
      // A refill whose timer has not fired yet made nothing: do not wait for it.
      const prepared = await Promise.race([p.catch(() => null), new Promise<null>((r) => setTimeout(r, 50, null))]);
      if (prepared) await this.options.host.removeCluster(prepared.cluster.id);
    }
  }

  /**
   * Tops the scenario's pool back up to its reserved count once the session just started
   * has its prompt: the simulator may run in this process, so building a cluster right away
   * would hold up the very terminal the learner is waiting for.
   */
  private refill(key: string, scenarioId: string | undefined) {
    const pool = this.pool(key);
    const target = this.reserved.get(key) ?? 1;
    while (pool.length < target) {
      const next = new Promise<Prepared>((resolve, reject) => {
        const timer = setTimeout(() => this.prepare(scenarioId).then(resolve, reject), REFILL_DELAY_MS);
        timer.unref();
      });
      // A failure shows when the pooled cluster is taken; until then it must not go unhandled.
      next.catch(() => undefined);
      pool.push(next);
    }
  }

  /** A new cluster with the scenario's setup applied; a failure part-way deletes what was made. */
  private prepare(scenarioId: string | undefined): Promise<Prepared> {
    return this.limited(() => this.prepareNow(scenarioId));
  }

  private async prepareNow(scenarioId: string | undefined): Promise<Prepared> {
    const cluster = await this.options.host.addCluster({ name: SIM_CONTEXT, scenarioId });
    const kubeconfig = simKubeconfig(SIM_CONTEXT, cluster);
    try {
      if (scenarioId && this.options.setup) {
        const manifests = (await this.options.setup(scenarioId)) as unknown as KubeObject[];
        const client = new KubeClient(kubeconfig);
        try {
          await provisionScenario(client, manifests, { settleTimeoutMs: this.options.settleTimeoutMs ?? 0 });
        } finally {
          client.close();
        }
      }
    } catch (error) {
      await this.options.host.removeCluster(cluster.id);
      throw error;
    }
    return { cluster, kubeconfig };
  }

  async delete(id: string): Promise<void> {
    if (!this.clusters.delete(id)) return;
    await this.options.host.removeCluster(id);
  }

  async list() {
    return [...this.clusters.entries()].map(([id, c]) => ({ id, ...c }));
  }
}

/**
 * The kubeconfig context of every sim cluster, as kind names its own: clusters are
 * made before a session claims them, and each is found by its id, never by this name.
 */
export const SIM_CONTEXT = 'paranoid';

/** A kubeconfig for one simulated cluster, with its admin token. */
export function simKubeconfig(name: string, cluster: SimCluster): string {
  return kubeconfigYaml({
    server: cluster.server,
    token: cluster.token,
    context: name,
    user: `${name}-admin`,
    namespace: 'default',
    ...(cluster.certificateAuthority ? { certificateAuthority: cluster.certificateAuthority } : {}),
  });
}
