import type { ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1';
import type { StoreEvent } from '../store.ts';
import { claim } from './claim.ts';
import { deleteObject } from './delete.ts';
import { type ControllerEnv, createAs, errorMessage } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { controllerRef, deepEqual, keyOf, objectKey, rfc3339, splitKey } from './meta.ts';
import {
  isPodActive,
  isPodAvailable,
  isPodReady,
  msUntilAvailable,
  podFromTemplate,
  sortForDeletion,
} from './pod-util.ts';
import { R, sameResource } from './resources.ts';
import { matchesLabelSelector } from './selector.ts';
import type { PodObject, ReplicaSetObject } from './types.ts';

const COMPONENT = 'replicaset-controller';
/** Most pods created in one sync (controller's burstReplicas). */
const BURST = 500;

/** True when a MODIFIED event changed nothing but status (and bookkeeping metadata). */
export function statusOnlyChange(event: StoreEvent): boolean {
  if (event.type !== 'MODIFIED' || !event.old) return false;
  const strip = (o: Record<string, unknown>) => {
    const { status: _s, metadata, ...rest } = o as { status?: unknown; metadata: Record<string, unknown> };
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata;
    return { ...rest, meta };
  };
  return deepEqual(strip(event.object), strip(event.old));
}

/** Exponential per-key backoff as client-go's default item rate limiter: 5ms doubling to 1000s. */
export class Backoff {
  private failures = new Map<string, number>();
  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(1_000_000, 5 * 2 ** n);
  }
  reset(key: string): void {
    this.failures.delete(key);
  }
}

/** Enqueues the owner named by each pod's controllerRef, or every same-namespace owner for orphans. */
export function enqueueOwners(event: StoreEvent, kind: string, queue: WorkQueue, orphans: () => string[]): void {
  const objects = event.old ? [event.object, event.old] : [event.object];
  let orphan = false;
  for (const o of objects) {
    const ref = controllerRef(o);
    if (ref?.kind === kind) queue.add(keyOf(o.metadata.namespace, ref.name));
    else if (!ref) orphan = true;
  }
  if (orphan && event.type !== 'DELETED') for (const k of orphans()) queue.add(k);
}

/** ReplicaSet → Pods (pkg/controller/replicaset). */
export class ReplicaSetController implements Controller {
  readonly name = COMPONENT;
  private backoff = new Backoff();

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    if (sameResource(event.resource, R.replicasets)) {
      if (!statusOnlyChange(event)) queue.add(objectKey(event.object));
    } else if (sameResource(event.resource, R.pods)) {
      enqueueOwners(event, 'ReplicaSet', queue, () =>
        this.env.lister
          .list(R.replicasets, event.object.metadata.namespace)
          .filter((rs) => matchesLabelSelector((rs as ReplicaSetObject).spec?.selector, event.object.metadata.labels))
          .map(objectKey),
      );
    }
  }

  resync(queue: WorkQueue): void {
    for (const rs of this.env.store.list(R.replicasets)) queue.add(objectKey(rs));
  }

  reconcile(key: string, queue: WorkQueue): void {
    const { namespace, name } = splitKey(key);
    const { store, clock, recorder } = this.env;
    const rs = store.get(R.replicasets, namespace, name) as ReplicaSetObject | undefined;
    if (!rs) return;
    const pods = claim(this.env, R.pods, rs, rs.spec.selector, this.env.lister.list(R.pods, namespace) as PodObject[]);
    const active = pods.filter(isPodActive);
    const desired = rs.spec.replicas ?? 1;
    let failure: string | undefined;

    if (!rs.metadata.deletionTimestamp) {
      const diff = active.length - desired;
      if (diff < 0) {
        failure = this.createPods(rs, Math.min(-diff, BURST));
        if (failure) queue.addAfter(key, this.backoff.next(key));
        else this.backoff.reset(key);
      } else if (diff > 0) {
        for (const pod of sortForDeletion(active).slice(0, diff)) {
          if (deleteObject(store, clock, R.pods, pod)) {
            recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
          }
        }
      }
    }

    const now = clock.now();
    const minReady = rs.spec.minReadySeconds ?? 0;
    const templateLabels = rs.spec.template?.metadata?.labels ?? {};
    const status: ReplicaSetStatus = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) =>
        Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
      ).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    let conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
    const existing = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    if (failure) {
      const cond: ReplicaSetCondition = existing ?? {
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message: failure,
        lastTransitionTime: rfc3339(now),
      };
      conditions = [...conditions, cond];
    }
    if (conditions.length) status.conditions = conditions;
    for (const p of active) {
      const wait = msUntilAvailable(p, minReady, now);
      if (wait !== undefined) queue.addAfter(key, wait);
    }
    const next = normaliseStatus(status);
    if (!deepEqual(next, normaliseStatus(rs.status))) {
      const fresh = store.get(R.replicasets, namespace, name) as ReplicaSetObject | undefined;
      if (!fresh) return;
      fresh.status = next;
      store.update(R.replicasets, fresh);
    }
  }

  /** Creates pods in doubling batches, stopping at the first error (slowStartBatch). Returns the error text. */
  private createPods(rs: ReplicaSetObject, count: number): string | undefined {
    const { recorder } = this.env;
    let remaining = count;
    let batch = 1;
    while (remaining > 0) {
      const size = Math.min(batch, remaining);
      for (let i = 0; i < size; i++) {
        const pod = podFromTemplate(rs.spec.template, rs, `${rs.metadata.name}-`);
        try {
          const created = createAs(this.env, COMPONENT, R.pods, pod);
          recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, COMPONENT);
        } catch (e) {
          const message = errorMessage(e);
          recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${message}`, COMPONENT);
          return message;
        }
      }
      remaining -= size;
      batch *= 2;
    }
    return undefined;
  }
}

/** `replicas` always prints; the other counts are omitempty in the API. */
function normaliseStatus(status: ReplicaSetStatus | undefined): ReplicaSetStatus {
  const out: Record<string, unknown> = { replicas: status?.replicas ?? 0 };
  for (const [k, v] of Object.entries(status ?? {})) {
    if (k === 'replicas' || v === undefined || v === 0 || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as unknown as ReplicaSetStatus;
}
