import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { StatusError } from '@paranoid/k8s/status.ts';
import type { Clock } from '../clock.ts';
import type { ObjectStore } from '../store.ts';
import { rfc3339 } from './meta.ts';

/** What happens to an object's dependents when it is deleted. */
export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/** The finalizer that holds an owner until its dependents are deleted (propagationPolicy Foreground). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/**
 * The finalizer that holds an owner until its dependents' ownerReferences to it are removed
 * (propagationPolicy Orphan).
 */
export const ORPHAN_FINALIZER = 'orphan';

const isNotFound = (e: unknown): boolean => e instanceof StatusError && e.code === 404;

/**
 * Deletes an object as the API does for a controller's DELETE: with finalizers
 * it only gains a deletionTimestamp (plus the propagation finalizer for
 * Foreground and Orphan) and the finalizers' owners finish the job; without
 * them it is removed now. Pods skip the grace period: the sim's kubelet stops
 * their containers when they vanish. Returns false if it was already gone.
 */
export function deleteObject(
  store: ObjectStore,
  clock: Clock,
  resource: GroupResource,
  obj: KubeObject,
  policy: PropagationPolicy = 'Background',
): boolean {
  const current = store.get(resource, obj.metadata.namespace, obj.metadata.name ?? '');
  if (!current || (obj.metadata.uid && current.metadata.uid !== obj.metadata.uid)) return false;
  const finalizers = [...(current.metadata.finalizers ?? [])];
  if (policy === 'Foreground' && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
  if (policy === 'Orphan' && !finalizers.includes(ORPHAN_FINALIZER)) finalizers.push(ORPHAN_FINALIZER);
  if (finalizers.length === 0) {
    try {
      store.delete(resource, current.metadata.namespace, current.metadata.name ?? '');
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
    return true;
  }
  if (current.metadata.deletionTimestamp && finalizers.length === (current.metadata.finalizers ?? []).length)
    return true;
  current.metadata.finalizers = finalizers;
  current.metadata.deletionTimestamp ??= rfc3339(clock.now());
  current.metadata.deletionGracePeriodSeconds ??= 0;
  store.update(resource, current);
  return true;
}

/**
 * Removes one finalizer; an object being deleted whose last finalizer goes is
 * removed from the store, as the registry does on that update.
 */
export function removeFinalizer(store: ObjectStore, resource: GroupResource, obj: KubeObject, finalizer: string): void {
  const current = store.get(resource, obj.metadata.namespace, obj.metadata.name ?? '');
  if (!current || current.metadata.uid !== obj.metadata.uid) return;
  const finalizers = current.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) return;
  current.metadata.finalizers = finalizers.filter((f) => f !== finalizer);
  if (current.metadata.finalizers.length === 0) delete current.metadata.finalizers;
  const updated = store.update(resource, current);
  finishIfUnblocked(store, resource, updated);
}

/** Removes an object that is being deleted and has no finalizers left, if the store kept it. */
export function finishIfUnblocked(store: ObjectStore, resource: GroupResource, obj: KubeObject): void {
  if (!obj.metadata.deletionTimestamp || (obj.metadata.finalizers ?? []).length > 0) return;
  try {
    store.delete(resource, obj.metadata.namespace, obj.metadata.name ?? '');
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
