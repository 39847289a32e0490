import type { Taint, Toleration } from 'kubernetes-types/core/v1';
import type { StoreEvent } from '../store.ts';
import { deleteObject } from './delete.ts';
import type { ControllerEnv } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { clone, deepEqual, objectKey, parseTime, rfc3339, splitKey } from './meta.ts';
import { R, sameResource } from './resources.ts';
import { tolerates } from './taints.ts';
import type { NodeObject, PodObject } from './types.ts';

const COMPONENT = 'taint-eviction-controller';
const NODE = 'node:';

/**
 * The taint eviction controller: pods on a node with a NoExecute taint they do
 * not tolerate are deleted at once; those that tolerate it for
 * tolerationSeconds are deleted when that runs out. Each gets a
 * DisruptionTarget condition and a TaintManagerEviction event first.
 */
export class TaintEvictionController implements Controller {
  readonly name = COMPONENT;
  /** When each NoExecute taint was first seen, for taints written without timeAdded. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    if (sameResource(event.resource, R.nodes)) {
      const n = event.object as NodeObject;
      const o = event.old as NodeObject | undefined;
      if (event.type !== 'DELETED' && !deepEqual(n.spec?.taints, o?.spec?.taints))
        queue.add(`${NODE}${n.metadata.name}`);
    } else if (sameResource(event.resource, R.pods) && event.type !== 'DELETED') {
      const p = event.object as PodObject;
      const o = event.old as PodObject | undefined;
      if (
        p.spec?.nodeName &&
        (p.spec.nodeName !== o?.spec?.nodeName || !deepEqual(p.spec.tolerations, o?.spec?.tolerations))
      ) {
        queue.add(objectKey(p));
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const n of this.env.store.list(R.nodes)) queue.add(`${NODE}${n.metadata.name}`);
  }

  reconcile(key: string, queue: WorkQueue): void {
    if (key.startsWith(NODE)) {
      const node = key.slice(NODE.length);
      for (const p of this.env.lister.list(R.pods) as PodObject[])
        if (p.spec.nodeName === node) queue.add(objectKey(p));
      return;
    }
    const { namespace, name } = splitKey(key);
    const pod = this.env.store.get(R.pods, namespace, name) as PodObject | undefined;
    if (!pod?.spec.nodeName || pod.metadata.deletionTimestamp) return;
    const node = this.env.store.get(R.nodes, undefined, pod.spec.nodeName) as NodeObject | undefined;
    const taints = (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    const now = this.env.clock.now();
    let evictAt = Number.POSITIVE_INFINITY;
    for (const taint of taints) {
      const matching = (pod.spec.tolerations ?? []).filter((t: Toleration) => tolerates(t, taint));
      if (matching.length === 0) {
        evictAt = now;
        break;
      }
      // Tolerated forever unless every matching toleration is time-limited.
      if (matching.some((t) => t.tolerationSeconds === undefined || t.tolerationSeconds === null)) continue;
      const seconds = Math.min(...matching.map((t) => t.tolerationSeconds ?? 0));
      evictAt = Math.min(evictAt, this.added(pod.spec.nodeName, taint, now) + Math.max(0, seconds) * 1000);
    }
    if (evictAt === Number.POSITIVE_INFINITY) return;
    if (evictAt > now) {
      queue.addAfter(key, evictAt - now);
      return;
    }
    this.evict(pod);
  }

  private added(node: string, taint: Taint, now: number): number {
    const fromTaint = parseTime(taint.timeAdded);
    if (fromTaint !== undefined) return fromTaint;
    const id = `${node}\u0000${taint.key}\u0000${taint.value ?? ''}`;
    if (!this.seen.has(id)) this.seen.set(id, now);
    return this.seen.get(id) ?? now;
  }

  private evict(pod: PodObject): void {
    const { store, clock, recorder } = this.env;
    const marked = clone(pod);
    marked.status = {
      ...(marked.status ?? {}),
      conditions: [
        ...(marked.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByTaintManager',
          message: 'Taint manager: deleting due to NoExecute taint',
          lastProbeTime: null as unknown as string,
          lastTransitionTime: rfc3339(clock.now()),
        },
      ],
    };
    const updated = store.update(R.pods, marked);
    recorder.event(
      updated,
      'Normal',
      'TaintManagerEviction',
      `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`,
      COMPONENT,
    );
    deleteObject(store, clock, R.pods, updated);
  }
}
