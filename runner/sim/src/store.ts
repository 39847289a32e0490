import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';

/** What happened to an object in a watch event. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A change to a stored object, as a watch delivers it. */
export interface StoreEvent {
  type: WatchEventType;
  resource: GroupResource;
  object: KubeObject;
  /** The object before the change, for MODIFIED and DELETED. */
  old?: KubeObject;
}

/**
 * The cluster's objects: what etcd is to a real apiserver. Keys are group and
 * plural resource; each kind is stored in one version. Writes assign `uid`,
 * `resourceVersion`, `creationTimestamp` and `generation` exactly as the
 * apiserver's registry does, and throw {@link StatusError}s (NotFound,
 * AlreadyExists, Conflict on a stale resourceVersion). Objects handed out are
 * copies: mutating one never changes the store.
 *
 * Controllers, the runtime, admission and the grader's in-process paths read and
 * write the cluster only through this interface.
 */
export interface ObjectStore {
  get(resource: GroupResource, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Every object of a resource, in one namespace or (namespace undefined) all. Sorted by namespace, then name. */
  list(resource: GroupResource, namespace?: string): KubeObject[];
  /**
   * Stores a new object with a fresh `uid`, or with `assigned.uid` where the API's registry gave it
   * one before validation (a Job, whose generated selector names its uid).
   */
  create(resource: GroupResource, object: KubeObject, assigned?: { uid: string }): KubeObject;
  /** Replaces the object; a non-empty `metadata.resourceVersion` must match the stored one. */
  update(resource: GroupResource, object: KubeObject): KubeObject;
  /** Removes the object now (finalizers and graceful deletion are the API layer's business). */
  delete(resource: GroupResource, namespace: string | undefined, name: string): KubeObject;
  /** The current resourceVersion of the whole store. */
  resourceVersion(): string;
  /** Calls `listener` after every committed change; returns an unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
}
