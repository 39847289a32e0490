import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { groupResourceString } from '@paranoid/k8s/object.ts';
import { alreadyExists, conflict, invalid, notFound, StatusError, type StatusReason } from '@paranoid/k8s/status.ts';
import type { Clock, IdSource } from '../clock.ts';
import { clone, jsonEqual } from '../patch/json.ts';
import type { ObjectStore, StoreEvent } from '../store.ts';

/**
 * Resources whose objects carry `metadata.generation` in Kubernetes 1.32 (the
 * registry strategies that bump it when the spec changes). Pods, Services,
 * Namespaces and most core kinds do not.
 */
const GENERATION_TRACKED = new Set([
  'deployments.apps',
  'replicasets.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'jobs.batch',
  'cronjobs.batch',
  'networkpolicies.networking.k8s.io',
  'ingresses.networking.k8s.io',
  'poddisruptionbudgets.policy',
  'horizontalpodautoscalers.autoscaling',
  'validatingadmissionpolicies.admissionregistration.k8s.io',
  'validatingadmissionpolicybindings.admissionregistration.k8s.io',
  'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  'validatingwebhookconfigurations.admissionregistration.k8s.io',
  'customresourcedefinitions.apiextensions.k8s.io',
  'replicationcontrollers',
  'priorityclasses.scheduling.k8s.io',
]);

/** A store that also remembers its recent events, so watches can resume from a resourceVersion. */
export interface MemoryStore extends ObjectStore {
  /** Events with a resourceVersion above `rv`, oldest first; undefined when `rv` is older than the history kept. */
  eventsSince(rv: number): StoreEvent[] | undefined;
  /** How many objects are stored (for tests and benchmarks). */
  size(): number;
  /**
   * The stored objects themselves, in `list` order, without copying: for read-only paths (list responses,
   * Tables) where copying every object dominated. Callers must never change what they get.
   */
  scan(resource: GroupResource, namespace?: string): readonly Readonly<KubeObject>[];
  /** A deep copy of every object and the revision, to start other stores from (`from`). */
  snapshot(): StoreSnapshot;
}

/**
 * What {@link MemoryStore.snapshot} captures: the objects (as JSON, so every store started from it parses its
 * own copies and none shares an object with another) and the revision. Watch history is not kept.
 */
export interface StoreSnapshot {
  readonly revision: number;
  readonly count: number;
  /** `[groupResource, JSON of [key, object][]]` per table. */
  readonly tables: readonly (readonly [string, string])[];
}

/** What the in-memory store needs: a clock and ids to stamp objects, and how much watch history to keep. */
export interface MemoryStoreOptions {
  clock: Clock;
  ids: IdSource;
  /** How many events to keep for watch resumption. */
  historySize?: number;
  /**
   * Start with these objects and this revision (same uids and resourceVersions). Watches from a
   * resourceVersion older than it get 410 Expired, as after an etcd compaction.
   */
  from?: StoreSnapshot;
  /** What one cluster may hold; see {@link STORE_LIMITS}. */
  limits?: Partial<StoreLimits>;
}

/** Bounds on what a learner can store, so one cluster cannot take the runner's memory. */
export interface StoreLimits {
  /** etcd's `--max-request-bytes` (1.5 MiB): a larger object is refused as etcd refuses it. */
  maxObjectBytes: number;
  /** Objects in the whole cluster. */
  maxObjects: number;
  /** Bytes of all objects together, as etcd's `--quota-backend-bytes`. */
  maxTotalBytes: number;
  /**
   * Fields (map entries and list items, at any depth) in one object. Upstream has no such
   * number, but here every write walks the object several times (managed fields, validation)
   * on a thread other clusters share: 120,000 labels took seconds. This keeps one write short.
   */
  maxObjectFields: number;
}

/** Bounds on objects and the store as a whole, so one cluster cannot take the host's memory. */
export const STORE_LIMITS: StoreLimits = {
  maxObjectBytes: 1.5 * 1024 * 1024,
  maxObjects: 20_000,
  maxTotalBytes: 128 * 1024 * 1024,
  maxObjectFields: 10_000,
};

/** Whether `value` has more than `max` fields (map entries and list items), counting no further than needed. */
export function exceedsFields(value: unknown, max: number): boolean {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    const children = Array.isArray(v) ? v : Object.values(v as object);
    count += children.length;
    if (count > max) return true;
    for (const child of children) if (child !== null && typeof child === 'object') stack.push(child);
  }
  return false;
}

/** The refusal of an object with too many fields. */
export const tooManyFields = (max: number) =>
  new StatusError(
    413,
    'RequestEntityTooLarge',
    `Request entity too large: the object has more than ${max} fields, the most one object may have in this simulated cluster`,
  );

/** etcd's own errors reach kubectl with no reason: `Error from server: etcdserver: ...`. */
const storageError = (message: string) => new StatusError(500, '' as StatusReason, message);
const SPACE_EXCEEDED = 'etcdserver: mvcc: database space exceeded';

const copy = clone;

/** Whether anything besides metadata and status differs: the apiserver's rule for bumping generation. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const { metadata: _ma, status: _sa, ...restA } = a;
  const { metadata: _mb, status: _sb, ...restB } = b;
  return !jsonEqual(restA, restB);
}

/**
 * The registry deletes an object on update once it is being deleted, its grace
 * period is over (0) and nothing holds it: no finalizers, and for a namespace
 * no `spec.finalizers` either.
 */
function shouldDeleteDuringUpdate(resource: GroupResource, existing: KubeObject, next: KubeObject): boolean {
  if (!existing.metadata.deletionTimestamp) return false;
  if ((next.metadata.finalizers ?? []).length > 0) return false;
  if ((existing.metadata.deletionGracePeriodSeconds ?? 0) > 0) return false;
  if (resource.group === '' && resource.resource === 'namespaces') {
    const fin = (next.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    if (fin.length > 0) return false;
  }
  return true;
}

/**
 * An event whose `object` and `old` are copied on first read: each listener gets its own copies, but most
 * listeners look only at `resource` and return, so most events are never copied at all.
 */
function lazyCopies(event: StoreEvent): StoreEvent {
  const out = { type: event.type, resource: event.resource } as StoreEvent;
  const field = (key: 'object' | 'old', source: KubeObject) => {
    let value: KubeObject | undefined;
    let read = false;
    Object.defineProperty(out, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        if (!read) {
          value = copy(source);
          read = true;
        }
        return value;
      },
      set: (v: KubeObject) => {
        value = v;
        read = true;
      },
    });
  };
  field('object', event.object);
  if (event.old) field('old', event.old);
  return out;
}

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/**
 * The in-memory {@link ObjectStore}: one global resourceVersion counter, as etcd's
 * revision, and a bounded event history for watch resumption.
 */
export function createMemoryStore(options: MemoryStoreOptions): MemoryStore {
  const { clock, ids } = options;
  const historySize = options.historySize ?? 2000;
  const tables = new Map<string, Map<string, KubeObject>>();
  const listeners = new Set<(event: StoreEvent) => void>();
  const history: { rv: number; event: StoreEvent }[] = [];
  let revision = options.from?.revision ?? 1;
  let count = options.from?.count ?? 0;
  const limits = { ...STORE_LIMITS, ...options.limits };
  /** Stored size of each object by table and key, to keep the total under `maxTotalBytes`. */
  const sizes = new Map<string, number>();
  let totalBytes = 0;
  /** The object as stored, refused when etcd would refuse it; the JSON text doubles as the copy's source. */
  const admit = (object: KubeObject, sizeKey: string, creating: boolean): [KubeObject, number] => {
    const text = JSON.stringify(object);
    if (text.length > limits.maxObjectBytes) throw storageError('etcdserver: request is too large');
    if (exceedsFields(object, limits.maxObjectFields)) throw tooManyFields(limits.maxObjectFields);
    if (creating && count >= limits.maxObjects) throw storageError(SPACE_EXCEEDED);
    if (totalBytes - (sizes.get(sizeKey) ?? 0) + text.length > limits.maxTotalBytes) {
      throw storageError(SPACE_EXCEEDED);
    }
    return [JSON.parse(text) as KubeObject, text.length];
  };
  const account = (sizeKey: string, size: number | undefined) => {
    totalBytes += (size ?? 0) - (sizes.get(sizeKey) ?? 0);
    if (size === undefined) sizes.delete(sizeKey);
    else sizes.set(sizeKey, size);
  };
  // The oldest resourceVersion whose later events this store can replay.
  const floor = revision;
  for (const [k, json] of options.from?.tables ?? []) {
    tables.set(k, new Map(JSON.parse(json) as [string, KubeObject][]));
    // Counted by table, not by object: cheap, and a little over rather than under.
    totalBytes += json.length;
  }

  const table = (resource: GroupResource) => {
    const k = groupResourceString(resource);
    let t = tables.get(k);
    if (!t) {
      t = new Map();
      tables.set(k, t);
    }
    return t;
  };

  const now = () => new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');

  function emit(event: StoreEvent) {
    history.push({ rv: revision, event });
    if (history.length > historySize) history.splice(0, history.length - historySize);
    for (const listener of [...listeners]) {
      try {
        listener(lazyCopies(event));
      } catch (error) {
        console.error('store listener failed', error);
      }
    }
  }

  function remove(resource: GroupResource, namespace: string | undefined, name: string): KubeObject {
    const t = table(resource);
    const key = keyOf(namespace, name);
    const existing = t.get(key);
    if (!existing) throw notFound(resource.group, resource.resource, name);
    t.delete(key);
    account(`${groupResourceString(resource)}|${key}`, undefined);
    count--;
    revision++;
    const gone = copy(existing);
    gone.metadata.resourceVersion = String(revision);
    emit({ type: 'DELETED', resource, object: gone, old: existing });
    return copy(gone);
  }

  function scan(resource: GroupResource, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of table(resource).values()) {
      if (namespace === undefined || (o.metadata.namespace ?? '') === namespace) out.push(o);
    }
    // Byte order, as etcd keys sort (and much faster than localeCompare).
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return out.sort(
      (a, b) =>
        cmp(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
        cmp(a.metadata.name ?? '', b.metadata.name ?? ''),
    );
  }

  return {
    get(resource, namespace, name) {
      const found = table(resource).get(keyOf(namespace, name));
      return found ? copy(found) : undefined;
    },
    list(resource, namespace) {
      return scan(resource, namespace).map(copy);
    },
    scan,
    create(resource, object, assigned) {
      const key0 = `${groupResourceString(resource)}|${keyOf(object.metadata?.namespace, object.metadata?.name ?? '')}`;
      const [o, size] = admit(object, key0, true);
      const meta = o.metadata ?? {};
      o.metadata = meta;
      if (!meta.name && meta.generateName) meta.name = meta.generateName + ids.suffix(5);
      if (!meta.name) {
        throw invalid(resource.group, o.kind, '', [
          {
            field: 'metadata.name',
            message: 'Required value: name or generateName is required',
            reason: 'FieldValueRequired',
          },
        ]);
      }
      const t = table(resource);
      const key = keyOf(meta.namespace, meta.name);
      if (t.has(key)) throw alreadyExists(resource.group, resource.resource, meta.name);
      revision++;
      meta.uid = assigned?.uid ?? ids.uid();
      meta.resourceVersion = String(revision);
      meta.creationTimestamp = now();
      if (
        GENERATION_TRACKED.has(groupResourceString(resource)) ||
        (resource.group.includes('.') && o.spec !== undefined && !resource.group.endsWith('k8s.io'))
      ) {
        meta.generation = 1;
      } else {
        delete meta.generation;
      }
      t.set(key, o);
      account(`${groupResourceString(resource)}|${key}`, size);
      count++;
      emit({ type: 'ADDED', resource, object: o });
      return copy(o);
    },
    update(resource, object) {
      const name = object.metadata?.name ?? '';
      const key = keyOf(object.metadata?.namespace, name);
      const [o, size] = admit(object, `${groupResourceString(resource)}|${key}`, false);
      const t = table(resource);
      const existing = t.get(key);
      if (!existing) throw notFound(resource.group, resource.resource, name);
      const rv = o.metadata.resourceVersion;
      if (rv && rv !== existing.metadata.resourceVersion) {
        throw conflict(
          resource.group,
          resource.resource,
          name,
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      }
      // Identity fields are the registry's, never the writer's.
      o.metadata.uid = existing.metadata.uid;
      o.metadata.creationTimestamp = existing.metadata.creationTimestamp;
      if (existing.metadata.deletionTimestamp) {
        o.metadata.deletionTimestamp = existing.metadata.deletionTimestamp;
        if (existing.metadata.deletionGracePeriodSeconds !== undefined) {
          o.metadata.deletionGracePeriodSeconds = existing.metadata.deletionGracePeriodSeconds;
        }
      }
      if (existing.metadata.generation !== undefined) {
        o.metadata.generation = existing.metadata.generation + (specChanged(existing, o) ? 1 : 0);
      }
      if (shouldDeleteDuringUpdate(resource, existing, o)) {
        // The last finalizer went away on an object being deleted: the registry deletes it now.
        t.set(key, o);
        return remove(resource, o.metadata.namespace, name);
      }
      if (
        jsonEqual(
          { ...o, metadata: { ...o.metadata, resourceVersion: '' } },
          { ...existing, metadata: { ...existing.metadata, resourceVersion: '' } },
        )
      ) {
        // A no-op write keeps the resourceVersion, as the apiserver does.
        return copy(existing);
      }
      revision++;
      o.metadata.resourceVersion = String(revision);
      t.set(key, o);
      account(`${groupResourceString(resource)}|${key}`, size);
      emit({ type: 'MODIFIED', resource, object: o, old: existing });
      return copy(o);
    },
    delete(resource, namespace, name) {
      return remove(resource, namespace, name);
    },
    resourceVersion() {
      return String(revision);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    eventsSince(rv) {
      if (options.from && rv < floor) return undefined;
      const oldest = history[0];
      if (oldest && rv < oldest.rv - 1 && history.length >= historySize) return undefined;
      return history.filter((h) => h.rv > rv).map((h) => ({ ...h.event, object: copy(h.event.object) }));
    },
    size() {
      return count;
    },
    snapshot() {
      return {
        revision,
        count,
        tables: [...tables].map(([k, t]) => [k, JSON.stringify([...t])] as const),
      };
    },
  };
}
