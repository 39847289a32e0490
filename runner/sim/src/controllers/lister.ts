import { type GroupResource, groupResourceString, type KubeObject } from '@paranoid/k8s/object.ts';
import type { ObjectStore, StoreEvent } from '../store.ts';

/**
 * A read cache over the store, kept current from its events: client-go's
 * informer listers. Lists hand out the cached objects themselves (no copy), so
 * callers must treat them as read-only and clone before changing anything.
 * A resource is loaded from the store the first time it is listed.
 */
export class Lister {
  private readonly tables = new Map<string, Map<string, KubeObject>>();

  constructor(private readonly store: ObjectStore) {}

  /** Applies a committed change; the manager calls this before any controller sees the event. */
  observe(event: StoreEvent): void {
    const table = this.tables.get(groupResourceString(event.resource));
    if (!table) return;
    const key = `${event.object.metadata.namespace ?? ''}\u0000${event.object.metadata.name ?? ''}`;
    if (event.type === 'DELETED') table.delete(key);
    else table.set(key, event.object);
  }

  /** Objects of a resource, in one namespace or all, sorted by namespace then name like the store. Read-only. */
  list(resource: GroupResource, namespace?: string): readonly KubeObject[] {
    const id = groupResourceString(resource);
    let table = this.tables.get(id);
    if (!table) {
      table = new Map();
      for (const o of this.store.list(resource))
        table.set(`${o.metadata.namespace ?? ''}\u0000${o.metadata.name ?? ''}`, o);
      this.tables.set(id, table);
    }
    const out: [string, KubeObject][] = [];
    for (const [k, o] of table)
      if (namespace === undefined || (o.metadata.namespace ?? '') === namespace) out.push([k, o]);
    out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return out.map(([, o]) => o);
  }
}
