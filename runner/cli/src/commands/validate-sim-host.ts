import { type ClusterTime, provisionScenario, wallTime } from '@paranoid/catalog/apply.ts';
import type { LoadedScenario } from '@paranoid/catalog/load.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import { type SimCluster, simKubeconfig } from '@paranoid/providers/sim-provider.ts';
import type { Clock } from '@paranoid/sim/clock.ts';
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
  /** The time to wait for a cluster of this host in: its own simulated clock, or the wall clock's. */
  timeOf(id: string): ClusterTime;
  /** How many clusters ran on simulated clocks, and how often those skipped ahead to a timer something waited for. */
  clockStats(): { clusters: number; skips: number };
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
  /**
   * `simulated`: each cluster has its own {@link SimulatedClock}, starting at the same instant, which skips
   * to the next timer whenever something waits and nothing is due; `wall`: the real clock (as `serve`).
   */
  clock: 'simulated' | 'wall';
}

const PODS = { group: '', resource: 'pods' };

/** How long a scenario's setup may take to come to rest (as validate waits for each case's). */
const SETTLE_TIMEOUT_MS = 5_000;

/**
 * Whether a cluster has come to rest: every pod runs with all its containers ready (or has finished), and
 * nothing was written for a few polls in a row. Resolves false when that takes longer than `timeoutMs`.
 */
async function cameToRest(cluster: Cluster, timeoutMs: number, time: ClusterTime): Promise<boolean> {
  const deadline = time.now() + timeoutMs;
  let last = '';
  let quiet = 0;
  while (time.now() < deadline) {
    await time.sleep(25);
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

/** A snapshot of a cluster at rest, and the time on its clock when it was taken (a copy's clock starts there). */
interface TimedSnapshot {
  snapshot: ClusterSnapshot;
  at: number;
}

/** One simulator HTTPS host with clusters made from these scenarios' data. */
export async function simHostFor(scenarios: SimScenarioData[], options: SimHostOptions): Promise<SimHost> {
  const { createSimHost } = await import('@paranoid/sim-server/host.ts');
  const { realClock, randomIds } = await import('@paranoid/sim-server/real-clock.ts');
  const { SimulatedClock, SIMULATED_EPOCH } = await import('@paranoid/sim-server/simulated-clock.ts');
  const { simulatedClusterOptions } = await import('@paranoid/sim/assemble.ts');
  const { preloadImages } = await import('@paranoid/sim/runtime/index.ts');
  const { createCluster } = await import('@paranoid/sim/cluster.ts');
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const host = await createSimHost({ host: '127.0.0.1', port: 0 });
  const simulated = options.clock === 'simulated';
  // Each cluster's own clock, so that one case's waits never move another's time.
  const clocks = new Map<string, { clock: InstanceType<typeof SimulatedClock>; cluster: Cluster }>();
  const totals = { clusters: 0, skips: 0 };
  const newClock = (at: number) => (simulated ? new SimulatedClock(at) : realClock);
  // In this process, a wait reads the store's resourceVersion (it changes with every write) instead of listing.
  const timeFor = (clock: Clock, cluster: Cluster): ClusterTime =>
    clock instanceof SimulatedClock
      ? { now: () => clock.now(), sleep: (ms) => clock.sleep(ms), writes: () => cluster.store.resourceVersion() }
      : wallTime;
  const optionsFor = (data: SimScenarioData | undefined, clock: Clock) =>
    simulatedClusterOptions({
      clock,
      ids: randomIds,
      images: data?.images ?? [],
      internet: data?.internet ?? [],
    });
  const stopClock = (clock: Clock) => {
    if (!(clock instanceof SimulatedClock)) return;
    const stats = clock.stats();
    clock.stop();
    totals.clusters++;
    totals.skips += stats.skips;
  };
  // Every case starts from a copy of one settled bare cluster per scenario, built with the same options:
  // bootstrapping, aggregating RBAC and bringing up the system pods once instead of once per case.
  // Where that cluster never settles, cases get fully built clusters as before.
  const templates = new Map<string, Promise<TimedSnapshot | undefined>>();
  const templateFor = (data: SimScenarioData | undefined) => {
    const key = data?.id ?? '';
    let template = templates.get(key);
    if (!template) {
      template = (async () => {
        const clock = newClock(SIMULATED_EPOCH);
        const cluster = createCluster(optionsFor(data, clock));
        try {
          return (await cameToRest(cluster, 15_000, timeFor(clock, cluster)))
            ? { snapshot: cluster.snapshot(), at: clock.now() }
            : undefined;
        } finally {
          cluster.stop();
          stopClock(clock);
        }
      })().catch(() => undefined);
      templates.set(key, template);
    }
    return template;
  };
  const hosted = (data: SimScenarioData | undefined, from: TimedSnapshot | undefined): SimCluster => {
    const clock = newClock(from?.at ?? SIMULATED_EPOCH);
    const c = host.addCluster({ ...optionsFor(data, clock), ...(from ? { from: from.snapshot } : {}) });
    if (clock instanceof SimulatedClock) clocks.set(c.id, { clock, cluster: c.cluster });
    // What a node has pulled is the kubelet's, not the store's: a copy's nodes get the same images.
    if (data) preloadImages(c.cluster.store, data.preload);
    return { id: c.id, server: c.server, token: c.token, certificateAuthority: host.caCertificate };
  };
  const removeCluster = (id: string) => {
    host.removeCluster(id);
    const entry = clocks.get(id);
    clocks.delete(id);
    if (entry) stopClock(entry.clock);
  };
  const timeOf = (id: string): ClusterTime => {
    const entry = clocks.get(id);
    return entry ? timeFor(entry.clock, entry.cluster) : wallTime;
  };
  const addCluster = async (scenarioId?: string): Promise<SimCluster> => {
    const data = scenarioId ? byId.get(scenarioId) : undefined;
    return hosted(data, await templateFor(data));
  };
  // One cluster per scenario gets its setup as every case's did (server-side apply over HTTPS, then the
  // rollout); once at rest, its state is what the scenario's cases start from. The kubelet of a copy adopts
  // the running pods and starts their processes again, as after a node restart.
  const settled = new Map<string, Promise<TimedSnapshot>>();
  const settledFor = (data: SimScenarioData) => {
    let snapshot = settled.get(data.id);
    if (!snapshot) {
      snapshot = (async () => {
        const made = await addCluster(data.id);
        const client = new KubeClient(simKubeconfig('validate-setup', made));
        const time = timeOf(made.id);
        try {
          const stuck = await provisionScenario(client, data.setup, { settleTimeoutMs: SETTLE_TIMEOUT_MS, time });
          if (stuck.length > 0) throw new Error(`${stuck.slice(0, 3).join(', ')} still rolling out`);
          const cluster = host.clusters().find((h) => h.id === made.id)?.cluster;
          if (!cluster || !(await cameToRest(cluster, SETTLE_TIMEOUT_MS, time)))
            throw new Error('its pods never came to rest');
          return { snapshot: cluster.snapshot(), at: time.now() };
        } finally {
          client.close();
          removeCluster(made.id);
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
      let from: TimedSnapshot;
      try {
        from = await settledFor(data);
      } catch (error) {
        throw new Error(
          `failed to bring the setup of ${scenarioId} to rest: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return hosted(data, from);
    },
    removeCluster,
    timeOf,
    clockStats: () => ({ ...totals }),
    close: async () => {
      for (const id of [...clocks.keys()]) removeCluster(id);
      await host.close();
    },
  };
}
