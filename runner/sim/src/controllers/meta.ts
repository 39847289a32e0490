import type { KubeObject, OwnerReference } from '@paranoid/k8s/object.ts';
import { clone as jsonClone } from '../patch/json.ts';

/** A deep copy of plain JSON data. */
export function clone<T>(value: T): T {
  return jsonClone(value);
}

/** JSON with object keys sorted, so equal data always prints the same. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/** Equality of JSON data regardless of key order: how controllers tell a real change from a rewrite. */
export const deepEqual = (a: unknown, b: unknown): boolean => stableStringify(a) === stableStringify(b);

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Epoch ms of a metav1.Time string; undefined when the field is unset. */
export const parseTime = (t: string | undefined): number | undefined => (t ? Date.parse(t) : undefined);

/** `namespace/name`, or `name` for cluster-scoped objects: the work-queue key. */
export const keyOf = (namespace: string | undefined, name: string): string =>
  namespace ? `${namespace}/${name}` : name;

/** The work-queue key of an object (`namespace/name`), as cache.MetaNamespaceKeyFunc makes it. */
export const objectKey = (obj: KubeObject): string => keyOf(obj.metadata.namespace, obj.metadata.name ?? '');

/** The namespace and name back from a work-queue key (cache.SplitMetaNamespaceKey). */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The ownerReference with controller=true, if any. */
export const controllerRef = (obj: KubeObject): OwnerReference | undefined =>
  obj.metadata.ownerReferences?.find((r) => r.controller === true);

/** Whether `owner` is `obj`'s controller (metav1.IsControlledBy): the uid decides, not the name. */
export const isControlledBy = (obj: KubeObject, owner: KubeObject): boolean =>
  controllerRef(obj)?.uid === owner.metadata.uid;

/** The reference a controller puts on what it creates (metav1.NewControllerRef). */
export function newControllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether deletion has begun (a deletionTimestamp is set): controllers stop counting such objects. */
export const isTerminating = (obj: KubeObject): boolean => Boolean(obj.metadata.deletionTimestamp);

/** Oldest first, ties broken by name, as controller.ByCreationTimestamp does. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = parseTime(a.metadata.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** A status condition as the workload APIs share it. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
}

/**
 * Sets a condition the way the workload controllers do: no change when status and
 * reason already match; otherwise the old one is removed and the new one appended,
 * keeping lastTransitionTime when only the reason changed.
 */
export function setCondition<C extends Condition>(conditions: C[] | undefined, next: C): C[] {
  const list = conditions ?? [];
  const current = list.find((c) => c.type === next.type);
  if (current && current.status === next.status && current.reason === next.reason) return list;
  const merged = { ...next };
  if (current && current.status === next.status && current.lastTransitionTime) {
    merged.lastTransitionTime = current.lastTransitionTime;
  }
  return [...list.filter((c) => c.type !== next.type), merged];
}

/** The conditions without those of `type`, as the workload controllers drop one. */
export const removeCondition = <C extends Condition>(conditions: C[] | undefined, type: string): C[] =>
  (conditions ?? []).filter((c) => c.type !== type);

/** The condition of `type`, if the object reports one. */
export const getCondition = <C extends Condition>(conditions: C[] | undefined, type: string): C | undefined =>
  conditions?.find((c) => c.type === type);

/** Integer from an IntOrString that may be a percentage of `total`, as intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(
  value: number | string | undefined,
  total: number,
  roundUp: boolean,
  fallback: number,
): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    const n = Number.parseInt(value, 10);
    return Number.isNaN(n) ? fallback : n;
  }
  const pct = Number(m[1]);
  return roundUp ? Math.ceil((pct * total) / 100) : Math.floor((pct * total) / 100);
}
