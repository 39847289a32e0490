import { resolve, type SchemaNode } from '../openapi/schemas.ts';
import { isObject, type JsonObject, type JsonValue } from './json.ts';

/**
 * A set of field paths in the shape of `metadata.managedFields[].fieldsV1` (structured-merge-diff's FieldsV1):
 * children keyed `f:<field>`, `k:<json of the key fields>`, `v:<json value>` or `i:<index>`; `member` marks that
 * the node itself is in the set (serialised as `".": {}` when it also has children, `{}` when it has none).
 */
export interface FieldTree {
  member: boolean;
  children: Map<string, FieldTree>;
}

/** A field set with no fields: what a manager owns before it writes anything. */
export const emptyTree = (): FieldTree => ({ member: false, children: new Map() });

/** The subtree under `key`, made on first use (a path being added to the set). */
export function child(tree: FieldTree, key: string): FieldTree {
  let c = tree.children.get(key);
  if (!c) {
    c = emptyTree();
    tree.children.set(key, c);
  }
  return c;
}

/** FieldsV1 JSON → tree. */
export function decodeFieldsV1(fields: unknown): FieldTree {
  const tree = emptyTree();
  if (!isObject(fields)) return tree;
  for (const [key, value] of Object.entries(fields)) {
    if (key === '.') {
      tree.member = true;
      continue;
    }
    const sub = decodeFieldsV1(value);
    if (sub.children.size === 0) sub.member = true;
    tree.children.set(key, sub);
  }
  return tree;
}

/** Tree → FieldsV1 JSON, keys sorted as the apiserver writes them. */
export function encodeFieldsV1(tree: FieldTree): JsonObject {
  const out: JsonObject = {};
  if (tree.member && tree.children.size > 0) out['.'] = {};
  for (const key of [...tree.children.keys()].sort()) {
    const sub = tree.children.get(key)!;
    if (!sub.member && sub.children.size === 0) continue;
    out[key] = encodeFieldsV1(sub);
  }
  return out;
}

/** Whether the set owns no field at all; a manager with an empty set is dropped from managedFields. */
export function isEmpty(tree: FieldTree): boolean {
  if (tree.member) return false;
  for (const c of tree.children.values()) if (!isEmpty(c)) return false;
  return true;
}

/** Fields in either set: what a manager owns after another apply of its own. */
export function union(a: FieldTree, b: FieldTree): FieldTree {
  const out: FieldTree = { member: a.member || b.member, children: new Map() };
  for (const key of new Set([...a.children.keys(), ...b.children.keys()])) {
    const x = a.children.get(key);
    const y = b.children.get(key);
    out.children.set(key, x && y ? union(x, y) : cloneTree((x ?? y)!));
  }
  return out;
}

/** Members of `a` that are not members of `b`. */
export function difference(a: FieldTree, b: FieldTree): FieldTree {
  const out: FieldTree = { member: a.member && !b.member, children: new Map() };
  for (const [key, x] of a.children) {
    const y = b.children.get(key);
    const d = y ? difference(x, y) : cloneTree(x);
    if (!isEmpty(d)) out.children.set(key, d);
  }
  return out;
}

/** Fields in both sets: where two managers conflict. */
export function intersection(a: FieldTree, b: FieldTree): FieldTree {
  const out: FieldTree = { member: a.member && b.member, children: new Map() };
  for (const [key, x] of a.children) {
    const y = b.children.get(key);
    if (!y) continue;
    const i = intersection(x, y);
    if (!isEmpty(i)) out.children.set(key, i);
  }
  return out;
}

function cloneTree(t: FieldTree): FieldTree {
  return { member: t.member, children: new Map([...t.children].map(([k, v]) => [k, cloneTree(v)])) };
}

/** Every member path, as lists of path elements (`f:spec`, `k:{"name":"c"}`…). */
export function memberPaths(tree: FieldTree, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  if (tree.member) out.push(prefix);
  for (const key of [...tree.children.keys()].sort())
    out.push(...memberPaths(tree.children.get(key)!, [...prefix, key]));
  return out;
}

/** structured-merge-diff's path text: `.spec.containers[name="web"].image`, `.metadata.finalizers[="x"]`. */
export function pathString(path: string[]): string {
  return path
    .map((el) => {
      const body = el.slice(2);
      if (el.startsWith('f:')) return `.${body}`;
      if (el.startsWith('v:')) return `[=${body}]`;
      if (el.startsWith('i:')) return `[${body}]`;
      const key = JSON.parse(body) as JsonObject;
      return `[${Object.keys(key)
        .map((k) => `${k}=${JSON.stringify(key[k])}`)
        .join(',')}]`;
    })
    .join('');
}

/** How server-side apply merges a list: as a whole, as a set, or as a map by key fields. */
export type ListType = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

/** The list type SSA uses: the explicit marker, else the one upstream derives from the patch strategy. */
export function listType(field: SchemaNode | undefined): ListType {
  const explicit = field?.['x-kubernetes-list-type'];
  const strategy = field?.['x-kubernetes-patch-strategy'] ?? '';
  const mergeKey = field?.['x-kubernetes-patch-merge-key'];
  if (explicit === 'map')
    return { type: 'map', keys: field?.['x-kubernetes-list-map-keys'] ?? (mergeKey ? [mergeKey] : []) };
  if (explicit === 'set') return { type: 'set' };
  if (explicit === 'atomic') return { type: 'atomic' };
  if (strategy.split(',').includes('merge')) return mergeKey ? { type: 'map', keys: [mergeKey] } : { type: 'set' };
  return { type: 'atomic' };
}

/**
 * Defaults of key fields, which upstream's schema carries (`protocol` of ports defaults to TCP), so an applied
 * `{containerPort: 80}` keys the same item as the stored, defaulted `{containerPort: 80, protocol: TCP}`.
 */
const KEY_DEFAULTS: Record<string, JsonValue> = { protocol: 'TCP' };

/** The `k:` element of an associative-list item: its key fields, sorted, as JSON. */
export function keyElement(item: JsonValue, keys: string[]): string {
  const key: JsonObject = {};
  if (isObject(item)) {
    for (const k of [...keys].sort()) {
      const v = item[k] ?? KEY_DEFAULTS[k];
      if (v !== undefined) key[k] = v;
    }
  }
  return `k:${JSON.stringify(key)}`;
}

/** The path element of a set-type list item (`v:<json>`), as structured-merge-diff names it. */
export const valueElement = (item: JsonValue): string => `v:${JSON.stringify(item)}`;

/**
 * The fields a value sets, as structured-merge-diff's `ToFieldSet` computes them for an applied
 * configuration: scalars, list items, map entries, and struct fields only when null or empty.
 */
export function fieldSetOf(value: JsonValue, schema: SchemaNode | undefined): FieldTree {
  const tree = emptyTree();
  walk(value, schema, tree);
  return tree;
}

function walk(value: JsonValue, schema: SchemaNode | undefined, node: FieldTree): void {
  const s = resolve(schema);
  if (Array.isArray(value)) {
    const lt = listType(schema);
    if (lt.type === 'atomic') {
      node.member = true;
      return;
    }
    const items = s?.items;
    for (const item of value) {
      const el = lt.type === 'set' ? valueElement(item) : keyElement(item, lt.keys);
      const c = child(node, el);
      c.member = true;
      if (lt.type === 'map') walk(item, items, c);
    }
    return;
  }
  if (isObject(value)) {
    if (
      s?.['x-kubernetes-map-type'] === 'atomic' ||
      (s && !s.properties && !s.additionalProperties && s.type !== 'object')
    ) {
      node.member = true;
      return;
    }
    if (s && s.type === 'object' && !s.properties && !s.additionalProperties) {
      // Raw JSON (RawExtension, FieldsV1) is one value.
      node.member = true;
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      const declared = s?.properties?.[key];
      const c = child(node, `f:${key}`);
      walk(v, declared ?? s?.additionalProperties, c);
      const empty = v === null || (isObject(v) && Object.keys(v).length === 0);
      if (empty || !declared) c.member = true;
    }
    return;
  }
  node.member = true;
}
