import type { KubeObject, ManagedFieldsEntry } from '@paranoid/k8s/object.ts';
import { StatusError } from '@paranoid/k8s/status.ts';
import { type GroupVersionKind, gvkOf, resolve, type SchemaNode, schemaFor } from '../openapi/schemas.ts';
import {
  decodeFieldsV1,
  difference,
  emptyTree,
  encodeFieldsV1,
  type FieldTree,
  fieldSetOf,
  intersection,
  isEmpty,
  keyElement,
  listType,
  memberPaths,
  pathString,
  union,
  valueElement,
} from './field-set.ts';
import { clone, deepEqual, isObject, type JsonObject, type JsonValue } from './json.ts';

/** What `PATCH` with `application/apply-patch+yaml` brings. */
export interface ServerSideApplyInput {
  /** The stored object; absent when the apply creates it. */
  live?: KubeObject;
  /** The applied configuration (the request body, decoded). */
  applied: KubeObject;
  /** `?fieldManager=` (kubectl sends `kubectl`). */
  manager: string;
  /** `?force=true` (`kubectl apply --server-side --force-conflicts`). */
  force: boolean;
  /** RFC 3339 time for the managedFields entry. */
  now: string;
  /** Defaults to the applied object's apiVersion and kind. */
  gvk?: GroupVersionKind;
  /** `status` when applying to the status subresource. */
  subresource?: string;
}

/**
 * Server-side apply (structured-merge-diff semantics over the kind's OpenAPI schema): merges the applied
 * configuration into the live object, removes fields this manager applied before and no longer applies (unless
 * another manager owns them too), and records ownership in `metadata.managedFields`. A changed field that
 * another manager owns is a conflict: 409 `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply"
 * using apps/v1: .spec.replicas` unless `force`, which takes the field over. Defaulting and validation of the
 * result are the caller's. The inputs are not changed.
 */
export function serverSideApply(input: ServerSideApplyInput): { object: KubeObject } {
  const { live, manager, force, now, subresource } = input;
  const applied = clone(input.applied);
  if (applied.metadata?.managedFields !== undefined)
    throw new StatusError(400, 'BadRequest', 'metadata.managedFields must be nil');
  const gvk = input.gvk ?? gvkOf(applied);
  const schema = schemaFor(gvk);
  if (schema) {
    // Apply always decodes against the schema, whatever fieldValidation says (structured-merge-diff).
    const undeclared = undeclaredFields(applied as unknown as JsonValue, schema);
    if (undeclared.length > 0) {
      const namespace = applied.metadata?.namespace ?? live?.metadata.namespace ?? '';
      const name = applied.metadata?.name ?? live?.metadata.name ?? '';
      const gvkText = `${gvk.group}/${gvk.version}, Kind=${gvk.kind}`;
      throw new StatusError(
        400,
        'BadRequest',
        `failed to create typed patch object (${namespace}/${name}; ${gvkText}): ${undeclared
          .map((p) => `${pathString(p)}: field not declared in schema`)
          .join('\n')}`,
      );
    }
  }
  const appliedSet = ownedFields(applied as unknown as JsonObject, schema, subresource);
  const entries = (live?.metadata.managedFields ?? []).map(decodeEntry);
  const self = (e: DecodedEntry): boolean =>
    e.manager === manager && e.operation === 'Apply' && (e.subresource ?? '') === (subresource ?? '');
  const previous = entries.find(self)?.set ?? emptyTree();
  const others = entries.filter((e) => !self(e));

  const base = live ? stripForMerge(clone(live) as unknown as JsonObject) : {};
  // The main resource ignores status and the status subresource everything else (apiserver resetFields).
  const body = stripForMerge(clone(applied) as unknown as JsonObject);
  if (subresource === 'status') {
    for (const k of Object.keys(body)) if (k !== 'status' && k !== 'metadata') delete body[k];
  } else {
    delete body.status;
  }
  let merged = mergeApplied(base, body, schema);
  const changed = changedFields(base, merged, schema);

  const conflicts: { manager: string; path: string[] }[] = [];
  for (const other of others) {
    for (const path of memberPaths(intersection(changed, other.set)))
      conflicts.push({ manager: identity(other), path });
  }
  if (conflicts.length > 0 && !force) throw applyConflict(conflicts);

  // Fields this manager stops applying go, unless someone else still owns them.
  let othersOwn = emptyTree();
  for (const o of others) othersOwn = union(othersOwn, o.set);
  const dropped = difference(difference(previous, appliedSet), othersOwn);
  for (const path of memberPaths(dropped)) removePath(merged, path, schema);

  const takenOver = intersection(changed, unionAll(others.map((o) => o.set)));
  const kept = others
    .map((o) => ({ ...o, set: force ? difference(o.set, takenOver) : o.set }))
    .filter((o) => !isEmpty(o.set));
  const mine: DecodedEntry = {
    manager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time: now,
    set: appliedSet,
    ...(subresource ? { subresource } : {}),
  };
  merged = restoreIdentity(merged, live, applied);
  const object = merged as unknown as KubeObject;
  object.metadata.managedFields = encodeEntries([...kept, mine]);
  return { object };
}

/**
 * Records a non-apply write (create, update, patch) in `metadata.managedFields`, as the apiserver does: the
 * manager's `Update` entry gains every field the write added or changed, other managers lose those fields, and
 * removed fields leave every entry. Returns a copy of `updated` with the new managedFields.
 */
export function updateManagedFields(
  old: KubeObject | undefined,
  updated: KubeObject,
  manager: string,
  operation: 'Update',
  now: string,
  subresource?: string,
): KubeObject {
  const out = clone(updated);
  const schema = schemaFor(gvkOf(updated));
  const before = old ? ownedFields(old as unknown as JsonObject, schema, subresource) : emptyTree();
  const after = ownedFields(out as unknown as JsonObject, schema, subresource);
  const oldBody = old ? stripForMerge(clone(old) as unknown as JsonObject) : {};
  const newBody = stripForMerge(clone(out) as unknown as JsonObject);
  const changed = union(changedFields(oldBody, newBody, schema), addedContainers(oldBody, newBody, schema));
  const removed = difference(before, after);
  // Entries come from the incoming object when the writer sent them (kubectl edit), else from the old one.
  const source = updated.metadata.managedFields ?? old?.metadata.managedFields ?? [];
  const entries = source.map(decodeEntry);
  const self = (e: DecodedEntry): boolean =>
    e.manager === manager &&
    e.operation === operation &&
    e.apiVersion === updated.apiVersion &&
    (e.subresource ?? '') === (subresource ?? '');
  const previous = entries.find(self);
  const others = entries
    .filter((e) => e !== previous)
    .map((e) => ({ ...e, set: difference(difference(e.set, changed), removed) }))
    .filter((e) => !isEmpty(e.set));
  const mineSet = difference(union(previous?.set ?? emptyTree(), changed), removed);
  const list = [...others];
  if (!isEmpty(mineSet)) {
    const unchanged =
      previous && isEmpty(difference(changed, previous.set)) && isEmpty(intersection(removed, previous.set));
    list.push({
      manager,
      operation,
      apiVersion: updated.apiVersion,
      time: unchanged && previous?.time ? previous.time : now,
      set: mineSet,
      ...(subresource ? { subresource } : {}),
    });
  }
  out.metadata.managedFields = encodeEntries(list);
  if (out.metadata.managedFields.length === 0) delete out.metadata.managedFields;
  return out;
}

interface DecodedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldTree;
}

function decodeEntry(e: ManagedFieldsEntry): DecodedEntry {
  return {
    manager: e.manager ?? '',
    operation: e.operation ?? 'Update',
    apiVersion: e.apiVersion ?? '',
    ...(e.time ? { time: e.time } : {}),
    ...(e.subresource ? { subresource: e.subresource } : {}),
    set: decodeFieldsV1(e.fieldsV1),
  };
}

/** Apply before Update, then by time, manager, apiVersion (apiserver `sortEncodedManagedFields`). */
function encodeEntries(entries: DecodedEntry[]): ManagedFieldsEntry[] {
  const sorted = [...entries].sort(
    (a, b) =>
      cmp(a.operation, b.operation) ||
      cmp(a.time ?? '', b.time ?? '') ||
      cmp(a.manager, b.manager) ||
      cmp(a.apiVersion, b.apiVersion) ||
      cmp(a.subresource ?? '', b.subresource ?? ''),
  );
  return sorted.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.time ? { time: e.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: encodeFieldsV1(e.set),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function unionAll(sets: FieldTree[]): FieldTree {
  return sets.reduce(union, emptyTree());
}

/** apiserver `printManager`: `"kubectl"` for appliers, `"kubectl-edit" using apps/v1` for updaters. */
function identity(e: DecodedEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

function applyConflict(conflicts: { manager: string; path: string[] }[]): StatusError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${c.manager}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${conflicts[0]!.manager}: ${pathString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), pathString(c.path)]);
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${m}:`);
      for (const p of byManager.get(m)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

const STRIPPED_META = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** The object without what field management never tracks (apiserver `stripMeta` and status reset). */
function stripForMerge(obj: JsonObject): JsonObject {
  delete obj.apiVersion;
  delete obj.kind;
  if (isObject(obj.metadata)) {
    for (const k of STRIPPED_META) delete obj.metadata[k];
  }
  return obj;
}

/** The fields an object sets that field management tracks; status only for the status subresource. */
function ownedFields(obj: JsonObject, schema: SchemaNode | undefined, subresource?: string): FieldTree {
  const body = stripForMerge(clone(obj));
  if (subresource === 'status') {
    for (const k of Object.keys(body)) if (k !== 'status' && k !== 'metadata') delete body[k];
  } else {
    delete body.status;
  }
  if (isObject(body.metadata) && Object.keys(body.metadata).length === 0) delete body.metadata;
  return fieldSetOf(body, schema);
}

function restoreIdentity(merged: JsonObject, live: KubeObject | undefined, applied: KubeObject): JsonObject {
  const meta = isObject(merged.metadata) ? merged.metadata : {};
  const source = live ?? applied;
  const out: JsonObject = { apiVersion: applied.apiVersion, kind: applied.kind, ...merged };
  const identity: JsonObject = {};
  for (const k of STRIPPED_META) {
    const v = (source.metadata as Record<string, unknown>)[k];
    if (v !== undefined && k !== 'managedFields') identity[k] = v as JsonValue;
  }
  out.metadata = { ...identity, ...meta };
  return out;
}

/** SSA merge: structs and granular maps merge, associative lists merge by key, sets union, the rest is replaced. */
function mergeApplied(live: JsonValue, applied: JsonValue, schema: SchemaNode | undefined): JsonObject {
  return mergeValue(live, applied, schema) as JsonObject;
}

function mergeValue(live: JsonValue | undefined, applied: JsonValue, schema: SchemaNode | undefined): JsonValue {
  const s = resolve(schema);
  if (Array.isArray(applied)) {
    const lt = listType(schema);
    if (lt.type === 'atomic' || !Array.isArray(live)) return applied;
    if (lt.type === 'set') return [...live, ...applied.filter((a) => !live.some((l) => deepEqual(l, a)))];
    const out = [...live];
    for (const item of applied) {
      const at = out.findIndex((l) => keyElement(l, lt.keys) === keyElement(item, lt.keys));
      if (at >= 0) out[at] = mergeValue(out[at], item, s?.items);
      else out.push(item);
    }
    return out;
  }
  if (isObject(applied)) {
    if (!isObject(live) || s?.['x-kubernetes-map-type'] === 'atomic') return applied;
    const out: JsonObject = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = mergeValue(out[k], v, s?.properties?.[k] ?? s?.additionalProperties);
    }
    return out;
  }
  return applied;
}

/** Fields whose value `after` adds or changes relative to `before` (leaves and list items). */
function changedFields(before: JsonObject, after: JsonObject, schema: SchemaNode | undefined): FieldTree {
  const out = emptyTree();
  const visit = (node: FieldTree, path: string[]): void => {
    if (node.member) {
      const old = valueAt(before, path, schema);
      // A list item or map entry with tracked children changes through them; only its appearance counts here.
      const changed =
        node.children.size > 0 ? old === undefined : old === undefined || !deepEqual(old, valueAt(after, path, schema));
      if (changed) markPath(out, path);
    }
    for (const [el, c] of node.children) visit(c, [...path, el]);
  };
  visit(fieldSetOf(after, schema), []);
  return out;
}

/**
 * Maps and optional structs a write newly creates: the apiserver's compare reports them as added, which is
 * why an Update entry shows `f:labels: {.: {}, f:app: {}}`. Structs Go always serialises are never "added".
 */
const ALWAYS_PRESENT = new Set(['metadata', 'spec', 'status', 'template', 'strategy', 'updateStrategy', 'jobTemplate']);

function addedContainers(before: JsonValue, after: JsonValue, schema: SchemaNode | undefined): FieldTree {
  const out = emptyTree();
  const visit = (b: JsonValue | undefined, a: JsonValue, s: SchemaNode | undefined, path: string[]): void => {
    const r = resolve(s);
    if (isObject(a)) {
      if (r?.['x-kubernetes-map-type'] === 'atomic') return;
      for (const [k, v] of Object.entries(a)) {
        const fs = r?.properties?.[k] ?? r?.additionalProperties;
        const old = isObject(b) ? b[k] : undefined;
        const p = [...path, `f:${k}`];
        if (isObject(v) && Object.keys(v).length > 0 && old === undefined && !ALWAYS_PRESENT.has(k)) {
          const fr = resolve(fs);
          if (fr?.['x-kubernetes-map-type'] !== 'atomic') markPath(out, p);
        }
        visit(old, v, fs, p);
      }
    } else if (Array.isArray(a)) {
      const lt = listType(s);
      if (lt.type !== 'map') return;
      for (const item of a) {
        const el = keyElement(item, lt.keys);
        const old = Array.isArray(b) ? b.find((x) => keyElement(x, lt.keys) === el) : undefined;
        visit(old, item, r?.items, [...path, el]);
      }
    }
  };
  visit(before, after, schema, []);
  return out;
}

function markPath(tree: FieldTree, path: string[]): void {
  let node = tree;
  for (const el of path) {
    let c = node.children.get(el);
    if (!c) {
      c = emptyTree();
      node.children.set(el, c);
    }
    node = c;
  }
  node.member = true;
}

function valueAt(obj: JsonValue, path: string[], schema: SchemaNode | undefined): JsonValue | undefined {
  let node: JsonValue | undefined = obj;
  let s = schema;
  for (const el of path) {
    const r = resolve(s);
    if (el.startsWith('f:')) {
      if (!isObject(node)) return undefined;
      const k = el.slice(2);
      node = node[k];
      s = r?.properties?.[k] ?? r?.additionalProperties;
    } else if (Array.isArray(node)) {
      const lt = listType(s);
      node = el.startsWith('v:')
        ? node.find((x) => valueElement(x) === el)
        : node.find((x) => lt.type === 'map' && keyElement(x, lt.keys) === el);
      s = r?.items;
    } else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function removePath(obj: JsonObject, path: string[], schema: SchemaNode | undefined): void {
  if (path.length === 0) return;
  const parentPath = path.slice(0, -1);
  const parent = valueAt(obj, parentPath, schema);
  const last = path[path.length - 1]!;
  if (last.startsWith('f:') && isObject(parent)) {
    delete parent[last.slice(2)];
    return;
  }
  if (Array.isArray(parent)) {
    let s = schema;
    for (const el of parentPath)
      s = el.startsWith('f:')
        ? (resolve(s)?.properties?.[el.slice(2)] ?? resolve(s)?.additionalProperties)
        : resolve(s)?.items;
    const lt = listType(s);
    const at = parent.findIndex((x) =>
      last.startsWith('v:') ? valueElement(x) === last : lt.type === 'map' && keyElement(x, lt.keys) === last,
    );
    if (at >= 0) parent.splice(at, 1);
  }
}

/** Paths (structured-merge-diff style, list items by key) of fields the schema does not declare. */
function undeclaredFields(value: JsonValue, schema: SchemaNode | undefined, path: string[] = []): string[][] {
  const s = resolve(schema);
  if (!s || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) {
    const lt = listType(schema);
    return value.flatMap((item, i) =>
      undeclaredFields(item, s.items, [
        ...path,
        lt.type === 'map' ? keyElement(item, lt.keys) : lt.type === 'set' ? valueElement(item) : `i:${i}`,
      ]),
    );
  }
  if (s.additionalProperties)
    return Object.entries(value).flatMap(([k, v]) => undeclaredFields(v, s.additionalProperties, [...path, `f:${k}`]));
  if (!s.properties || Object.keys(s.properties).length === 0) return [];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(value)) {
    const prop = s.properties[k];
    if (!prop) out.push([...path, `f:${k}`]);
    else out.push(...undeclaredFields(v, prop, [...path, `f:${k}`]));
  }
  return out;
}
