import { hostname } from 'node:os';
import { deleteKindCluster } from './create-cluster.ts';
import type { DockerEngine, LabelledContainer } from './docker-engine.ts';
import type { KindCli } from './kind-cli.ts';
import { LABELS, ownerMayBeAlive, readSessionLabels } from './labels.ts';
import { hostIptables, type Iptables, sweepStaleFenceRules } from './toolbox-fence.ts';

/** Owners on this host are checked by pid; owners elsewhere are assumed alive. */
export function ownerOnThisHostMayBeAlive(owner: string): boolean {
  return ownerMayBeAlive(owner, {
    host: hostname(),
    isRunning: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  });
}

/** The session network a cluster's objects record, if any. */
export function networkOf(containers: LabelledContainer[]): string | undefined {
  return containers.map((c) => c.labels[LABELS.network]).find((n) => n);
}

/**
 * What the kind reaper needs: the engine, the CLI, the time now, which sessions are live and whether another
 * runner that owns a cluster may still be alive.
 */
export interface ReapOptions {
  docker: DockerEngine;
  kind: KindCli;
  now: number;
  /** Whether the runner still serves this session. At start-up nothing is active. */
  isActive(session: string): boolean;
  /** This runner instance (see `runnerInstanceId`). */
  owner: string;
  /** Whether another owner may still run; its clusters are then left to its own reaper. */
  ownerMayBeAlive(owner: string): boolean;
  /** The host's firewall, where the toolboxes' fence rules are (default: `iptables` on this host). */
  iptables?: Iptables;
}

/** What a reap removed, for the log. */
export interface ReapResult {
  /** kind clusters deleted, by name. */
  clusters: string[];
  /** Paranoid containers removed (anchors, toolboxes). */
  containers: number;
  /** Toolbox fence rules removed because their toolbox no longer runs (any runner's, a crashed one's too). */
  fenceRules: number;
  /** Why the fence rules could not be swept (no iptables, not root); the clusters were reaped all the same. */
  fenceError?: string;
}

/**
 * Deletes everything labelled by Paranoid whose session is gone or whose TTL has
 * passed: the kind cluster, its toolbox, its network, and last its anchor, so a
 * reaper that is itself interrupted leaves the anchor for the next run to find. A
 * kind cluster Paranoid did not label is never touched, nor one that another runner
 * still running owns (a validate beside a serve), and a pooled cluster does not
 * expire while its runner lives.
 *
 * Then, even when that failed part-way, it sweeps the host's toolbox fence rules
 * whose toolbox no longer runs (see toolbox-fence.ts): a runner that died never took
 * them back, and this pass removed toolboxes without doing so either. Rules are
 * iptables state, not Docker's, so they are judged by whether their container runs,
 * not by owner. A failed sweep is reported in the result, never thrown: the
 * provider works on without it.
 */
export async function reap(options: ReapOptions): Promise<ReapResult> {
  const result: ReapResult = { clusters: [], containers: 0, fenceRules: 0 };
  try {
    await reapClusters(options, result);
  } finally {
    try {
      const swept = await sweepStaleFenceRules(
        () => options.docker.runningContainerIds(),
        options.iptables ?? hostIptables,
      );
      result.fenceRules = swept.removed.length;
    } catch (error) {
      result.fenceError = error instanceof Error ? error.message : String(error);
    }
  }
  return result;
}

async function reapClusters(options: ReapOptions, result: ReapResult): Promise<void> {
  const ours = await options.docker.listByLabels({ [LABELS.managed]: 'paranoid-kind' });
  const byCluster = new Map<string, LabelledContainer[]>();
  for (const c of ours) {
    const labels = readSessionLabels(c.labels);
    if (!labels || c.labels[LABELS.component] === 'image') continue;
    byCluster.set(labels.cluster, [...(byCluster.get(labels.cluster) ?? []), c]);
  }
  for (const [cluster, containers] of byCluster) {
    const anchors = containers.filter((c) => c.labels[LABELS.component] === 'anchor');
    const owners = anchors.map((a) => readSessionLabels(a.labels)?.owner ?? '');
    if (owners.some((o) => o !== '' && o !== options.owner && options.ownerMayBeAlive(o))) continue;
    const alive = anchors.some((a) => {
      const l = readSessionLabels(a.labels)!;
      return l.owner === options.owner && options.isActive(l.session) && (l.pooled || l.expiresAt > options.now);
    });
    if (alive) continue;
    await deleteKindCluster(options.docker, options.kind, cluster);
    result.clusters.push(cluster);
    const ordered = [...containers.filter((c) => !anchors.includes(c)), ...anchors];
    for (const c of ordered) {
      await options.docker.remove(c.id);
      result.containers++;
    }
    const network = networkOf(containers);
    if (network) await options.docker.removeNetwork(network);
  }
}

/**
 * Runs the reaper now (the kind provider's start) and then every `intervalMs`; returns a stop
 * function. Errors go to `onError`, never crash; a fence sweep that fails says so once, and
 * again only when its reason changes (a host without iptables would say it every minute).
 */
export function startReaper(
  options: Omit<ReapOptions, 'now' | 'ownerMayBeAlive'> & {
    intervalMs: number;
    onError(e: unknown): void;
    /** What each pass removed, for the log. */
    onReap?(result: ReapResult): void;
    ownerMayBeAlive?: (owner: string) => boolean;
  },
): () => void {
  let running = false;
  let fenceError: string | undefined;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const result = await reap({ ownerMayBeAlive: ownerOnThisHostMayBeAlive, ...options, now: Date.now() });
      if (result.fenceError && result.fenceError !== fenceError) options.onError(new Error(result.fenceError));
      fenceError = result.fenceError;
      options.onReap?.(result);
    } catch (error) {
      options.onError(error);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
