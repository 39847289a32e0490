import { hostname } from 'node:os';
import { deleteKindCluster } from './create-cluster.ts';
import type { DockerEngine, LabelledContainer } from './docker-engine.ts';
import type { KindCli } from './kind-cli.ts';
import { LABELS, ownerMayBeAlive, readSessionLabels } from './labels.ts';

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
}

/** What a reap removed, for the log. */
export interface ReapResult {
  /** kind clusters deleted, by name. */
  clusters: string[];
  /** Paranoid containers removed (anchors, toolboxes). */
  containers: number;
}

/**
 * Deletes everything labelled by Paranoid whose session is gone or whose TTL has
 * passed: the kind cluster, its toolbox, its network, and last its anchor, so a
 * reaper that is itself interrupted leaves the anchor for the next run to find. A
 * kind cluster Paranoid did not label is never touched, nor one that another runner
 * still running owns (a validate beside a serve), and a pooled cluster does not
 * expire while its runner lives.
 */
export async function reap(options: ReapOptions): Promise<ReapResult> {
  const ours = await options.docker.listByLabels({ [LABELS.managed]: 'paranoid-kind' });
  const byCluster = new Map<string, LabelledContainer[]>();
  for (const c of ours) {
    const labels = readSessionLabels(c.labels);
    if (!labels || c.labels[LABELS.component] === 'image') continue;
    byCluster.set(labels.cluster, [...(byCluster.get(labels.cluster) ?? []), c]);
  }
  const result: ReapResult = { clusters: [], containers: 0 };
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
  return result;
}

/** Runs the reaper now and then every `intervalMs`; returns a stop function. Errors go to `onError`, never crash. */
export function startReaper(
  options: Omit<ReapOptions, 'now' | 'ownerMayBeAlive'> & {
    intervalMs: number;
    onError(e: unknown): void;
    ownerMayBeAlive?: (owner: string) => boolean;
  },
): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await reap({ ownerMayBeAlive: ownerOnThisHostMayBeAlive, ...options, now: Date.now() });
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
