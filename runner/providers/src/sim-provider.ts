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
}

export interface SimCluster {
  id: string;
  /** The cluster's API server URL, e.g. `http://127.0.0.1:41234/clusters/abc`. */
  server: string;
  /** A bearer token with cluster-admin rights. */
  token: string;
  /** PEM of the CA when the server speaks TLS. */
  certificateAuthority?: string;
}

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
  private readonly warm = new Map<string, Promise<Prepared>>();
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
    const pooled = this.warm.get(key);
    this.warm.delete(key);
    const prepared = (pooled ? await pooled.catch(() => null) : null) ?? (await this.prepare(options.scenarioId));
    if (this.options.warmPool !== false) this.refill(key, options.scenarioId);
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
    };
  }

  /** Makes one cluster ahead of time for each of these scenarios, one after another. */
  prewarm(scenarioIds: string[]): void {
    if (this.options.warmPool === false) return;
    let chain: Promise<unknown> = Promise.resolve();
    for (const id of scenarioIds) {
      if (this.warm.has(id)) continue;
      const next = chain.then(() => this.prepare(id));
      next.catch(() => undefined);
      this.warm.set(id, next);
      chain = next.catch(() => undefined);
    }
  }

  /** Deletes the clusters made ahead of time (the sessions' own are deleted with them). */
  async dispose(): Promise<void> {
    const pending = [...this.warm.values()];
    this.warm.clear();
    for (const p of pending) {
      // A refill whose timer has not fired yet made nothing: do not wait for it.
      const prepared = await Promise.race([p.catch(() => null), new Promise<null>((r) => setTimeout(r, 50, null))]);
      if (prepared) await this.options.host.removeCluster(prepared.cluster.id);
    }
  }

  /**
   * Makes the next cluster for this scenario once the session just started has its prompt:
   * the simulator runs in this process, so building a cluster right away would hold up
   * the very terminal the learner is waiting for.
   */
  private refill(key: string, scenarioId: string | undefined) {
    const next = new Promise<Prepared>((resolve, reject) => {
      const timer = setTimeout(() => this.prepare(scenarioId).then(resolve, reject), REFILL_DELAY_MS);
      timer.unref();
    });
    // A failure shows when the pooled cluster is taken; until then it must not go unhandled.
    next.catch(() => undefined);
    this.warm.set(key, next);
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
