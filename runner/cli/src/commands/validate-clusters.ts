import type { LoadedScenario } from '@paranoid/catalog/load.ts';
import { clusterReuse, resetCluster } from '@paranoid/catalog/reset.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import type { ClusterHandle, ClusterProvider } from '@paranoid/providers/provider.ts';

/** A cluster lent to one case: where it came from, so the log can say so. */
export interface ClusterLease {
  handle: ClusterHandle;
  /** True when a previous case of the same scenario ran on it and it was reset since. */
  reused: boolean;
}

let sessions = 0;

/**
 * Where validate's cases get their clusters. Without reuse, each case gets a fresh one
 * and deletes it after. With reuse (kind, where a cluster costs minutes), a case of a
 * scenario whose reset is sound (see `clusterReuse`) gives its cluster back reset, and
 * the next case of that scenario takes it; a reset that fails, or a case that could not
 * run, retires the cluster. Scenarios whose reset is not sound always get fresh ones.
 */
export class ClusterLeases {
  private readonly idle = new Map<string, ClusterHandle[]>();
  private readonly sound = new Map<string, boolean>();

  constructor(
    private readonly provider: ClusterProvider,
    private readonly options: { reuse: boolean; resetTimeoutMs: number; log: (line: string) => void },
  ) {}

  /** Whether cases of this scenario share clusters; says why not, once, when reuse is on. */
  private reusable(loaded: LoadedScenario): boolean {
    const id = loaded.scenario.id;
    let sound = this.sound.get(id);
    if (sound === undefined) {
      const verdict = clusterReuse(loaded);
      sound = verdict.sound;
      this.sound.set(id, sound);
      if (this.options.reuse && !verdict.sound) this.options.log(`${id}: a fresh cluster per case: ${verdict.reason}`);
    }
    return this.options.reuse && sound;
  }

  async acquire(loaded: LoadedScenario): Promise<ClusterLease> {
    const id = loaded.scenario.id;
    const waiting = this.reusable(loaded) ? this.idle.get(id)?.pop() : undefined;
    if (waiting) return { handle: waiting, reused: true };
    // A new cluster is coming: the ones other scenarios left waiting go first, so that no more
    // clusters live at once than cases run at once (kind clusters take GiBs each).
    for (const [other, handles] of this.idle) {
      if (other === id) continue;
      this.idle.delete(other);
      await Promise.all(handles.map((h) => this.provider.delete(h.id).catch(() => {})));
    }
    // Session ids are short (providers name clusters after them); the scenario id rides along as data.
    const handle = await this.provider.create({ sessionId: `validate-${(sessions++).toString(36)}`, scenarioId: id });
    return { handle, reused: false };
  }

  /** Takes a cluster back after a case: reset for the scenario's next case, or deleted. */
  async release(loaded: LoadedScenario, handle: ClusterHandle, { healthy }: { healthy: boolean }): Promise<void> {
    if (healthy && this.reusable(loaded)) {
      const client = new KubeClient(handle.kubeconfig);
      const started = performance.now();
      try {
        await resetCluster(client, loaded, this.options.resetTimeoutMs);
        const list = this.idle.get(loaded.scenario.id) ?? [];
        list.push(handle);
        this.idle.set(loaded.scenario.id, list);
        this.options.log(
          `${loaded.scenario.id}: cluster reset for the next case in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
        return;
      } catch (error) {
        this.options.log(
          `${loaded.scenario.id}: failed to reset a cluster, deleting it: ${error instanceof Error ? error.message : String(error)}`,
        );
      } finally {
        client.close();
      }
    }
    await this.provider.delete(handle.id).catch(() => {});
  }

  /** Deletes the clusters still waiting for a case. */
  async close(): Promise<void> {
    const waiting = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(waiting.map((h) => this.provider.delete(h.id).catch(() => {})));
  }
}
