import {
  type GroupResource,
  groupResourceString,
  type KubeObject,
  type OwnerReference,
  parseApiVersion,
} from '@paranoid/k8s/object.ts';
import type { StoreEvent } from '../store.ts';
import {
  deleteObject,
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  type PropagationPolicy,
  removeFinalizer,
} from './delete.ts';
import type { ControllerEnv } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { clone } from './meta.ts';
import {
  allNamespacedResources,
  CLUSTER_RESOURCES,
  isClusterScoped,
  learnKind,
  R,
  resourceForKind,
  sameResource,
} from './resources.ts';

const COMPONENT = 'garbage-collector-controller';

/** What the collector remembers of each object: enough to find owners and dependents without listing. */
interface Node {
  resource: GroupResource;
  namespace: string | undefined;
  name: string;
  uid: string;
  owners: OwnerReference[];
  deleting: boolean;
  finalizers: string[];
}

const nodeKey = (resource: GroupResource, namespace: string | undefined, name: string): string =>
  `${groupResourceString(resource)}|${namespace ?? ''}|${name}`;

const hasFinalizer = (obj: KubeObject, f: string): boolean => (obj.metadata.finalizers ?? []).includes(f);

/**
 * The garbage collector (pkg/controller/garbagecollector): keeps an owner →
 * dependents graph from store events and deletes dependents whose owners are
 * all gone (Background), deletes dependents before their owner for
 * `foregroundDeletion` (waiting for those with blockOwnerDeletion), and strips
 * owner references for `orphan`.
 */
export class GarbageCollector implements Controller {
  readonly name = COMPONENT;
  private readonly nodes = new Map<string, Node>();
  private readonly byUid = new Map<string, string>();
  private readonly dependents = new Map<string, Set<string>>();

  constructor(private readonly env: ControllerEnv) {}

  private resources(): GroupResource[] {
    const all = [...allNamespacedResources(this.env.namespacedResources?.() ?? []), ...CLUSTER_RESOURCES];
    return all.filter((r, i) => !sameResource(r, R.events) && all.findIndex((x) => sameResource(x, r)) === i);
  }

  resync(queue: WorkQueue): void {
    for (const resource of this.resources()) {
      for (const obj of this.env.store.list(resource)) this.observe({ type: 'ADDED', resource, object: obj }, queue);
    }
  }

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    if (sameResource(event.resource, R.events)) return;
    this.observe(event, queue);
  }

  private observe(event: StoreEvent, queue: WorkQueue): void {
    const { resource, object } = event;
    learnKind(parseApiVersion(object.apiVersion).group, object.kind, resource);
    const key = nodeKey(resource, object.metadata.namespace, object.metadata.name ?? '');
    const previous = this.nodes.get(key);
    if (previous) {
      for (const ref of previous.owners) this.dependents.get(ref.uid)?.delete(key);
      this.byUid.delete(previous.uid);
    }
    if (event.type === 'DELETED') {
      this.nodes.delete(key);
      // Its dependents may now be orphans; an owner waiting on it may now be free.
      for (const dep of this.dependents.get(object.metadata.uid ?? '') ?? []) queue.add(`d:${dep}`);
      for (const ref of object.metadata.ownerReferences ?? []) {
        const owner = this.byUid.get(ref.uid);
        if (owner) queue.add(`o:${owner}`);
      }
      return;
    }
    const node: Node = {
      resource,
      namespace: object.metadata.namespace,
      name: object.metadata.name ?? '',
      uid: object.metadata.uid ?? '',
      owners: object.metadata.ownerReferences ?? [],
      deleting: Boolean(object.metadata.deletionTimestamp),
      finalizers: object.metadata.finalizers ?? [],
    };
    this.nodes.set(key, node);
    this.byUid.set(node.uid, key);
    for (const ref of node.owners) {
      let set = this.dependents.get(ref.uid);
      if (!set) {
        set = new Set();
        this.dependents.set(ref.uid, set);
      }
      set.add(key);
    }
    if (
      node.deleting &&
      (node.finalizers.includes(FOREGROUND_FINALIZER) || node.finalizers.includes(ORPHAN_FINALIZER))
    ) {
      queue.add(`o:${key}`);
    }
    const ownersChanged = JSON.stringify(previous?.owners ?? []) !== JSON.stringify(node.owners);
    if (node.owners.length && (!previous || ownersChanged)) queue.add(`d:${key}`);
    // A dependent that changed while its owner waits in foreground deletion may unblock the owner.
    for (const ref of node.owners) {
      const owner = this.nodes.get(this.byUid.get(ref.uid) ?? '');
      if (owner?.deleting && owner.finalizers.includes(FOREGROUND_FINALIZER)) queue.add(`o:${this.byUid.get(ref.uid)}`);
    }
  }

  reconcile(key: string, queue: WorkQueue): void {
    const node = this.nodes.get(key.slice(2));
    if (!node) return;
    const obj = this.env.store.get(node.resource, node.namespace, node.name);
    if (!obj || obj.metadata.uid !== node.uid) return;
    if (key.startsWith('o:')) this.processDeletingOwner(node, obj, queue);
    else this.attemptToDelete(node, obj);
  }

  /** The owner, as far as it can be found: 'absent', its object, or 'unknown' (kind we cannot resolve: keep). */
  private lookupOwner(dependent: Node, ref: OwnerReference): KubeObject | 'absent' | 'unknown' {
    const known = this.nodes.get(this.byUid.get(ref.uid) ?? '');
    if (known) return this.env.store.get(known.resource, known.namespace, known.name) ?? 'absent';
    const resource = resourceForKind(parseApiVersion(ref.apiVersion).group, ref.kind);
    if (!resource) return 'unknown';
    const owner = this.env.store.get(resource, isClusterScoped(resource) ? undefined : dependent.namespace, ref.name);
    return owner && owner.metadata.uid === ref.uid ? owner : 'absent';
  }

  private attemptToDelete(node: Node, obj: KubeObject): void {
    if (obj.metadata.deletionTimestamp && !hasFinalizer(obj, FOREGROUND_FINALIZER)) return;
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = this.lookupOwner(node, ref);
      if (owner === 'absent') dangling.push(ref);
      else if (owner === 'unknown') solid.push(ref);
      else if (owner.metadata.deletionTimestamp && hasFinalizer(owner, FOREGROUND_FINALIZER)) waiting.push(ref);
      else solid.push(ref);
    }
    if (solid.length) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // Some owner still stands: only drop the references to owners that are gone or going.
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      const copy = clone(obj);
      copy.metadata.ownerReferences = refs.filter((r) => !drop.has(r.uid));
      this.env.store.update(node.resource, copy);
      return;
    }
    if (obj.metadata.deletionTimestamp) return;
    let policy: PropagationPolicy = 'Background';
    if (hasFinalizer(obj, ORPHAN_FINALIZER)) policy = 'Orphan';
    else if (hasFinalizer(obj, FOREGROUND_FINALIZER)) policy = 'Foreground';
    else if (waiting.length && (this.dependents.get(node.uid)?.size ?? 0) > 0) policy = 'Foreground';
    deleteObject(this.env.store, this.env.clock, node.resource, obj, policy);
  }

  private processDeletingOwner(node: Node, obj: KubeObject, queue: WorkQueue): void {
    if (!obj.metadata.deletionTimestamp) return;
    const deps = [...(this.dependents.get(node.uid) ?? [])]
      .map((k) => ({ key: k, dep: this.nodes.get(k) }))
      .filter((x): x is { key: string; dep: Node } => Boolean(x.dep));
    if (hasFinalizer(obj, ORPHAN_FINALIZER)) {
      for (const { dep } of deps) {
        const d = this.env.store.get(dep.resource, dep.namespace, dep.name);
        if (!d || d.metadata.uid !== dep.uid) continue;
        const kept = (d.metadata.ownerReferences ?? []).filter((r) => r.uid !== node.uid);
        if (kept.length === (d.metadata.ownerReferences ?? []).length) continue;
        if (kept.length) d.metadata.ownerReferences = kept;
        else delete d.metadata.ownerReferences;
        this.env.store.update(dep.resource, d);
      }
      removeFinalizer(this.env.store, node.resource, obj, ORPHAN_FINALIZER);
      return;
    }
    if (!hasFinalizer(obj, FOREGROUND_FINALIZER)) return;
    let blocking = 0;
    for (const { key, dep } of deps) {
      if (!dep.deleting) queue.add(`d:${key}`);
      const ref = dep.owners.find((r) => r.uid === node.uid);
      if (ref?.blockOwnerDeletion) blocking++;
    }
    if (blocking === 0) removeFinalizer(this.env.store, node.resource, obj, FOREGROUND_FINALIZER);
  }
}
