import { type GroupResource, groupResourceString, type KubeObject } from '@paranoid/k8s/object.ts';
import { alreadyExists, conflict, notFound } from '@paranoid/k8s/status.ts';
import type { Clock, IdSource } from '../../clock.ts';
import type { ObjectStore, StoreEvent } from '../../store.ts';
import { clone, deepEqual, rfc3339 } from '../meta.ts';

/**
 * A small, honest {@link ObjectStore} for the controllers' tests while the real
 * one is written: uid, resourceVersion, generation (bumped when anything but
 * metadata and status changes), creationTimestamp, copies in and out,
 * AlreadyExists / NotFound / Conflict, and synchronous events after each commit.
 * Like the registry it fills `metadata.name` from `generateName`.
 */
export class MemoryStore implements ObjectStore {
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private rv = 1;

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  private table(resource: GroupResource): Map<string, KubeObject> {
    const k = groupResourceString(resource);
    let t = this.data.get(k);
    if (!t) {
      t = new Map();
      this.data.set(k, t);
    }
    return t;
  }

  get(resource: GroupResource, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.table(resource).get(`${namespace ?? ''}/${name}`);
    return o ? clone(o) : undefined;
  }

  list(resource: GroupResource, namespace?: string): KubeObject[] {
    return [...this.table(resource).values()]
      .filter((o) => namespace === undefined || (o.metadata.namespace ?? '') === namespace)
      .sort((a, b) => {
        const ka = `${a.metadata.namespace ?? ''}\u0000${a.metadata.name}`;
        const kb = `${b.metadata.namespace ?? ''}\u0000${b.metadata.name}`;
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      })
      .map(clone);
  }

  create(resource: GroupResource, object: KubeObject): KubeObject {
    const o = clone(object);
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = o.metadata.generateName + this.ids.suffix(5);
    const name = o.metadata.name ?? '';
    const key = `${o.metadata.namespace ?? ''}/${name}`;
    const t = this.table(resource);
    if (t.has(key)) throw alreadyExists(resource.group, resource.resource, name);
    o.metadata.uid = this.ids.uid();
    o.metadata.resourceVersion = String(++this.rv);
    o.metadata.creationTimestamp = rfc3339(this.clock.now());
    o.metadata.generation = 1;
    t.set(key, o);
    this.emit({ type: 'ADDED', resource, object: clone(o) });
    return clone(o);
  }

  update(resource: GroupResource, object: KubeObject): KubeObject {
    const name = object.metadata.name ?? '';
    const key = `${object.metadata.namespace ?? ''}/${name}`;
    const t = this.table(resource);
    const old = t.get(key);
    if (!old) throw notFound(resource.group, resource.resource, name);
    const rv = object.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) {
      throw conflict(
        resource.group,
        resource.resource,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const o = clone(object);
    o.metadata.uid = old.metadata.uid;
    o.metadata.creationTimestamp = old.metadata.creationTimestamp;
    o.metadata.resourceVersion = String(++this.rv);
    const { metadata: _a, status: _b, ...specOld } = old;
    const { metadata: _c, status: _d, ...specNew } = o;
    o.metadata.generation = (old.metadata.generation ?? 1) + (deepEqual(specOld, specNew) ? 0 : 1);
    t.set(key, o);
    this.emit({ type: 'MODIFIED', resource, object: clone(o), old: clone(old) });
    return clone(o);
  }

  delete(resource: GroupResource, namespace: string | undefined, name: string): KubeObject {
    const key = `${namespace ?? ''}/${name}`;
    const t = this.table(resource);
    const old = t.get(key);
    if (!old) throw notFound(resource.group, resource.resource, name);
    t.delete(key);
    const gone = clone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ type: 'DELETED', resource, object: clone(gone), old: clone(old) });
    return gone;
  }

  resourceVersion(): string {
    return String(this.rv);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    for (const l of [...this.listeners]) l(event);
  }
}
