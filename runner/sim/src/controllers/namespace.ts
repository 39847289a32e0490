import type { GroupResource } from '@paranoid/k8s/object.ts';
import type { NamespaceCondition } from 'kubernetes-types/core/v1';
import type { StoreEvent } from '../store.ts';
import { deleteObject, finishIfUnblocked } from './delete.ts';
import type { ControllerEnv } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { clone, deepEqual, rfc3339 } from './meta.ts';
import { allNamespacedResources, R, sameResource } from './resources.ts';
import type { NamespaceObject } from './types.ts';

const COMPONENT = 'namespace-controller';
const FINALIZER = 'kubernetes';
/** How often a namespace still waiting on content is looked at again, besides the events that wake it. */
const RECHECK_MS = 5000;

/** `pods.` for the core group, `deployments.apps` otherwise, as the namespace controller prints them. */
const grName = (r: GroupResource): string => `${r.resource}.${r.group}`;

/**
 * The namespace controller: a namespace with a deletionTimestamp is emptied of
 * every namespaced object, reports progress in its status conditions as
 * upstream does, then loses its `kubernetes` finalizer and disappears.
 */
export class NamespaceController implements Controller {
  readonly name = COMPONENT;
  private readonly terminating = new Set<string>();

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    const { object } = event;
    if (sameResource(event.resource, R.namespaces)) {
      const name = object.metadata.name ?? '';
      if (event.type !== 'DELETED' && object.metadata.deletionTimestamp) {
        this.terminating.add(name);
        queue.add(name);
      } else this.terminating.delete(name);
      return;
    }
    const ns = object.metadata.namespace;
    if (ns && this.terminating.has(ns) && event.type !== 'ADDED') queue.add(ns);
  }

  resync(queue: WorkQueue): void {
    for (const ns of this.env.store.list(R.namespaces)) {
      if (ns.metadata.deletionTimestamp) {
        this.terminating.add(ns.metadata.name ?? '');
        queue.add(ns.metadata.name ?? '');
      }
    }
  }

  private resources(): GroupResource[] {
    return allNamespacedResources(this.env.namespacedResources?.() ?? []);
  }

  reconcile(name: string, queue: WorkQueue): void {
    const { store, clock } = this.env;
    const ns = store.get(R.namespaces, undefined, name) as NamespaceObject | undefined;
    if (!ns?.metadata.deletionTimestamp) return;
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    for (const resource of this.resources()) {
      for (const obj of store.list(resource, name)) {
        if (!obj.metadata.deletionTimestamp) deleteObject(store, clock, resource, obj);
        const still = store.get(resource, name, obj.metadata.name ?? '');
        if (!still) continue;
        remaining.set(grName(resource), (remaining.get(grName(resource)) ?? 0) + 1);
        for (const f of still.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
      }
    }
    const now = rfc3339(clock.now());
    const cond = (type: string, status: string, reason: string, message: string): NamespaceCondition => ({
      type,
      status,
      lastTransitionTime: now,
      reason,
      message,
    });
    const list = (m: Map<string, number>, fmt: (k: string, n: number) => string) =>
      [...m]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, n]) => fmt(k, n))
        .join(', ');
    const wanted: NamespaceCondition[] = [
      cond(
        'NamespaceDeletionDiscoveryFailure',
        'False',
        'ResourcesDiscovered',
        'All resources successfully discovered',
      ),
      cond(
        'NamespaceDeletionGroupVersionParsingFailure',
        'False',
        'ParsedGroupVersions',
        'All legacy kube types successfully parsed',
      ),
      cond(
        'NamespaceDeletionContentFailure',
        'False',
        'ContentDeleted',
        'All content successfully deleted, may be waiting on finalization',
      ),
      remaining.size
        ? cond(
            'NamespaceContentRemaining',
            'True',
            'SomeResourcesRemain',
            `Some resources are remaining: ${list(remaining, (k, n) => `${k} has ${n} resource instances`)}`,
          )
        : cond('NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed'),
      finalizers.size
        ? cond(
            'NamespaceFinalizersRemaining',
            'True',
            'SomeFinalizersRemain',
            `Some content in the namespace has finalizers remaining: ${list(finalizers, (k, n) => `${k} in ${n} resource instances`)}`,
          )
        : cond(
            'NamespaceFinalizersRemaining',
            'False',
            'ContentHasNoFinalizers',
            'All content-preserving finalizers finished',
          ),
    ];
    const current = store.get(R.namespaces, undefined, name) as NamespaceObject | undefined;
    if (!current) return;
    const next = clone(current);
    const old = current.status?.conditions ?? [];
    const conditions = wanted.map((c) => {
      const prev = old.find((o) => o.type === c.type);
      return prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message ? prev : c;
    });
    next.status = { ...(next.status ?? {}), phase: 'Terminating', conditions };
    if (remaining.size === 0) {
      next.spec = { ...(next.spec ?? {}), finalizers: (next.spec?.finalizers ?? []).filter((f) => f !== FINALIZER) };
    }
    const updated = deepEqual(next, current) ? current : store.update(R.namespaces, next);
    if (remaining.size > 0) {
      queue.addAfter(name, RECHECK_MS);
      return;
    }
    if ((updated.spec as NamespaceObject['spec'])?.finalizers?.length) return;
    finishIfUnblocked(store, R.namespaces, updated);
  }
}
