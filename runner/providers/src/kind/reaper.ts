import { deleteKindCluster } from './create-cluster.ts';
import type { DockerEngine, LabelledContainer } from './docker-engine.ts';
import type { KindCli } from './kind-cli.ts';
import { LABELS, readSessionLabels } from './labels.ts';

export interface ReapOptions {
  docker: DockerEngine;
  kind: KindCli;
  now: number;
  /** Whether the runner still serves this session. At start-up nothing is active. */
  isActive(session: string): boolean;
}

export interface ReapResult {
  /** kind clusters deleted, by name. */
  clusters: string[];
  /** Paranoid containers removed (anchors, toolboxes). */
  containers: number;
}

/**
 * Deletes everything labelled by Paranoid whose session is gone or whose TTL has
 * passed: the kind cluster, its toolbox, and last its anchor, so a reaper that is
 * itself interrupted leaves the anchor for the next run to find. A kind cluster
 * Paranoid did not label is never touched.
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
    const alive = anchors.some((a) => {
      const l = readSessionLabels(a.labels)!;
      return options.isActive(l.session) && l.expiresAt > options.now;
    });
    if (alive) continue;
    await deleteKindCluster(options.docker, options.kind, cluster);
    result.clusters.push(cluster);
    const ordered = [...containers.filter((c) => !anchors.includes(c)), ...anchors];
    for (const c of ordered) {
      await options.docker.remove(c.id);
      result.containers++;
    }
  }
  return result;
}

/** Runs the reaper now and then every `intervalMs`; returns a stop function. Errors go to `onError`, never crash. */
export function startReaper(
  options: Omit<ReapOptions, 'now'> & { intervalMs: number; onError(e: unknown): void },
): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await reap({ ...options, now: Date.now() });
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
