import { performance } from 'node:perf_hooks';
import { provisionScenario } from '@paranoid/catalog/apply.ts';
import type { LoadedScenario } from '@paranoid/catalog/load.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import { type SimCluster, simKubeconfig } from '@paranoid/providers/sim-provider.ts';
import type { Cluster, ClusterSnapshot } from '@paranoid/sim/cluster.ts';
import type { Pod } from 'kubernetes-types/core/v1';

// The simulator host validate makes its clusters on: one HTTPS host in the thread that runs the
// cases (the main thread with --jobs 1, else each of validate's worker threads).

/** A host of simulated clusters. */
export interface SimHost {
  addCluster(scenarioId?: string): Promise<SimCluster> | SimCluster;
  /**
   * A cluster that starts with the scenario's setup applied and at rest: a copy of one cluster the
   * setup was applied to as the learner's editor applies it. Rejects when that cluster never came to rest.
   */
  addSettledCluster(scenarioId: string): Promise<SimCluster>;
  removeCluster(id: string): Promise<void> | void;
  close(): Promise<void>;
}

/** What a simulator host needs to know of a scenario to make its clusters. */
export interface SimScenarioData {
  id: string;
  images: LoadedScenario['imageDefinitions'];
  internet: LoadedScenario['scenario']['internet'];
  preload: string[];
  /** The scenario's setup manifests. */
  setup: KubeObject[];
}

/** How a validate simulator host runs its clusters' time. */
export interface SimHostOptions {
  /** How many times faster than the wall clock the clusters' clock runs (1: real time). */
  speed: number;
}

const PODS = { group: '', resource: 'pods' };

/** How long a scenario's setup may take to come to rest (as validate waits for each case's). */
const SETTLE_TIMEOUT_MS = 5_000;

/**
 * Whether a cluster has come to rest: every pod runs with all its containers ready (or has finished), and
 * nothing was written for a few polls in a row. Resolves false when that takes longer than `timeoutMs`.
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
      pods.every(
        (p) =>
          p.status?.phase === 'Succeeded' ||
          p.status?.phase === 'Failed' ||
          (p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready)),
      );
    quiet = running && rv === last ? quiet + 1 : 0;
    last = rv;
    if (quiet >= 8) return true;
  }
  return false;
}

/** One simulator HTTPS host with clusters made from these scenarios' data. */
export async function simHostFor(scenarios: SimScenarioData[], options: SimHostOptions): Promise<SimHost> {
  const { createSimHost } = await import('@paranoid/sim-server/host.ts');
  const { acceleratedClock, realClock, randomIds } = await import('@paranoid/sim-server/real-clock.ts');
  const { simulatedClusterOptions } = await import('@paranoid/sim/assemble.ts');
  const { preloadImages } = await import('@paranoid/sim/runtime/index.ts');
  const { createCluster } = await import('@paranoid/sim/cluster.ts');
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const host = await createSimHost({ host: '127.0.0.1', port: 0 });
  const clock = options.speed === 1 ? realClock : acceleratedClock(options.speed);
  const optionsFor = (data: SimScenarioData | undefined) =>
    simulatedClusterOptions({
      clock,
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
  const addCluster = async (scenarioId?: string): Promise<SimCluster> => {
    const data = scenarioId ? byId.get(scenarioId) : undefined;
    const from = await templateFor(data);
    const c = host.addCluster({ ...optionsFor(data), ...(from ? { from } : {}) });
    if (data) preloadImages(c.cluster.store, data.preload);
    return { id: c.id, server: c.server, token: c.token, certificateAuthority: host.caCertificate };
  };
  // One cluster per scenario gets its setup as every case's did (server-side apply over HTTPS, then the
  // rollout); once at rest, its state is what the scenario's cases start from. The kubelet of a copy adopts
  // the running pods and starts their processes again, as after a node restart.
  const settled = new Map<string, Promise<ClusterSnapshot>>();
  const settledFor = (data: SimScenarioData) => {
    let snapshot = settled.get(data.id);
    if (!snapshot) {
      snapshot = (async () => {
        const made = await addCluster(data.id);
        const client = new KubeClient(simKubeconfig('validate-setup', made));
        try {
          const stuck = await provisionScenario(client, data.setup, { settleTimeoutMs: SETTLE_TIMEOUT_MS });
          if (stuck.length > 0) throw new Error(`${stuck.slice(0, 3).join(', ')} still rolling out`);
          const cluster = host.clusters().find((h) => h.id === made.id)?.cluster;
          if (!cluster || !(await cameToRest(cluster, SETTLE_TIMEOUT_MS)))
            throw new Error('its pods never came to rest');
          return cluster.snapshot();
        } finally {
          client.close();
          host.removeCluster(made.id);
        }
      })();
      settled.set(data.id, snapshot);
    }
    return snapshot;
  };
  return {
    addCluster,
    async addSettledCluster(scenarioId: string): Promise<SimCluster> {
      const data = byId.get(scenarioId);
      if (!data) throw new Error(`failed to make a cluster: no scenario ${scenarioId} on this host`);
      let from: ClusterSnapshot;
      try {
        from = await settledFor(data);
      } catch (error) {
        throw new Error(
          `failed to bring the setup of ${scenarioId} to rest: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const c = host.addCluster({ ...optionsFor(data), from });
      // What a node has pulled is the kubelet's, not the store's: the copy's nodes get the same images.
      preloadImages(c.cluster.store, data.preload);
      return { id: c.id, server: c.server, token: c.token, certificateAuthority: host.caCertificate };
    },
    removeCluster: (id: string) => host.removeCluster(id),
    close: () => host.close(),
  };
}
