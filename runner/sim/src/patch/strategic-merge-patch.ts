import { StatusError } from '@paranoid/k8s/status.ts';
import { type GroupVersionKind, resolve, type SchemaNode, schemaFor } from '../openapi/schemas.ts';
import { clone, deepEqual, isObject, type JsonObject, type JsonValue } from './json.ts';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/**
 * Applies a strategic merge patch (`application/strategic-merge-patch+json`) to a built-in kind, driven by its
 * OpenAPI schema: lists with `x-kubernetes-patch-strategy: merge` merge by `x-kubernetes-patch-merge-key`
 * (or as sets for primitives), other lists are replaced; `null` deletes; and the directives kubectl's
 * three-way patches carry are honoured: `$patch: replace|delete|merge`, `$retainKeys`,
 * `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` (upstream `strategicpatch.StrategicMergePatch`).
 *
 * Throws 415 for a kind without a schema (custom resources take JSON or merge patches only) and 400 for a
 * malformed patch. The inputs are not changed.
 */
export function applyStrategicMergePatch<T>(live: T, patch: unknown, gvk: GroupVersionKind): T {
  const schema = schemaFor(gvk);
  if (!schema) {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  }
  if (!isObject(patch))
    throw new StatusError(400, 'BadRequest', 'invalid JSON document: a strategic merge patch must be an object');
  return mergeMap(clone(live) as unknown as JsonObject, patch, schema) as unknown as T;
}

interface ListMeta {
  merge: boolean;
  retainKeys: boolean;
  mergeKey?: string;
}

function listMeta(field: SchemaNode | undefined): ListMeta {
  const strategy = field?.['x-kubernetes-patch-strategy'] ?? '';
  const parts = strategy.split(',');
  return {
    merge: parts.includes('merge'),
    retainKeys: parts.includes('retainKeys'),
    ...(field?.['x-kubernetes-patch-merge-key'] ? { mergeKey: field['x-kubernetes-patch-merge-key'] } : {}),
  };
}

function fieldSchema(schema: SchemaNode | undefined, key: string): SchemaNode | undefined {
  const resolved = resolve(schema);
  return resolved?.properties?.[key] ?? resolved?.additionalProperties;
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: SchemaNode | undefined): JsonObject {
  const directive = patch[DIRECTIVE];
  if (directive !== undefined) {
    if (directive === 'replace') return stripDirectives(withoutKey(patch, DIRECTIVE)) as JsonObject;
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw new StatusError(400, 'BadRequest', `Unknown patch type: ${String(directive)}`);
  }
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new StatusError(400, 'BadRequest', 'invalid $retainKeys: must be a list');
    for (const key of Object.keys(patch)) {
      if (!key.startsWith('$') && patch[key] !== null && !retain.includes(key))
        throw new StatusError(400, 'BadRequest', `The patch key ${key} is not in the $retainKeys list`);
    }
    for (const key of Object.keys(original)) if (!retain.includes(key)) delete original[key];
  }
  for (const [rawKey, value] of Object.entries(patch)) {
    if (rawKey.startsWith(DELETE_PRIMITIVE)) {
      const key = rawKey.slice(DELETE_PRIMITIVE.length);
      const current = original[key];
      if (Array.isArray(current) && Array.isArray(value)) {
        const kept = current.filter((item) => !value.some((v) => deepEqual(v, item)));
        if (kept.length > 0) original[key] = kept;
        else delete original[key];
      }
    }
  }
  // `$setElementOrder` orders against the live list as it was before this patch.
  const liveOrder = new Map<string, JsonValue[]>();
  for (const rawKey of Object.keys(patch)) {
    if (!rawKey.startsWith(SET_ORDER)) continue;
    const key = rawKey.slice(SET_ORDER.length);
    const current = original[key];
    liveOrder.set(key, Array.isArray(current) ? [...current] : []);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete original[key];
      continue;
    }
    const field = fieldSchema(schema, key);
    const current = original[key];
    if (isObject(value)) {
      if (value[DIRECTIVE] === 'delete' && Object.keys(value).length === 1) {
        delete original[key];
        continue;
      }
      original[key] = mergeMap(isObject(current) ? current : {}, value, field);
    } else if (Array.isArray(value)) {
      const meta = listMeta(field);
      if (meta.merge) {
        const merged = mergeList(Array.isArray(current) ? current : [], value, resolve(field)?.items, meta);
        if (merged === undefined) delete original[key];
        else original[key] = merged;
      } else {
        original[key] = stripDirectives(value);
      }
    } else {
      original[key] = value;
    }
  }
  for (const [rawKey, order] of Object.entries(patch)) {
    if (!rawKey.startsWith(SET_ORDER) || !Array.isArray(order)) continue;
    const key = rawKey.slice(SET_ORDER.length);
    const list = original[key];
    if (Array.isArray(list)) {
      original[key] = applyOrder(list, order, liveOrder.get(key) ?? [], listMeta(fieldSchema(schema, key)).mergeKey);
    }
  }
  return original;
}

/** Merges a patch list into a list with merge strategy; undefined means the list is to be removed. */
function mergeList(
  original: JsonValue[],
  patch: JsonValue[],
  itemSchema: SchemaNode | undefined,
  meta: ListMeta,
): JsonValue[] | undefined {
  if (patch.some((p) => isObject(p) && p[DIRECTIVE] === 'replace')) {
    return stripDirectives(patch.filter((p) => !(isObject(p) && p[DIRECTIVE] === 'replace'))) as JsonValue[];
  }
  if (patch.some((p) => isObject(p) && p[DIRECTIVE] === 'delete' && Object.keys(p).length === 1)) return undefined;
  const primitive = !patch.some(isObject) && !original.some(isObject);
  if (primitive) {
    const out = [...original];
    for (const item of patch) if (!out.some((o) => deepEqual(o, item))) out.push(item);
    return out;
  }
  const key = meta.mergeKey;
  if (!key) {
    // A merge strategy without a key cannot match maps: upstream treats this as an error.
    throw new StatusError(400, 'BadRequest', 'merging an object in json but data type is not struct, instead is: map');
  }
  const out = [...original];
  for (const item of patch) {
    if (!isObject(item))
      throw new StatusError(
        400,
        'BadRequest',
        `unable to find api field in struct for the patch list item ${JSON.stringify(item)}`,
      );
    if (!Object.hasOwn(item, key)) {
      throw new StatusError(400, 'BadRequest', `map: ${goMap(item)} does not contain declared merge key: ${key}`);
    }
    const at = out.findIndex((o) => isObject(o) && deepEqual(o[key], item[key]));
    if (item[DIRECTIVE] === 'delete') {
      if (at >= 0) out.splice(at, 1);
      // Every element with that key goes, as upstream's deleteMatchingEntries does.
      for (let i = out.length - 1; i >= 0; i--) {
        const o = out[i];
        if (isObject(o) && deepEqual(o[key], item[key])) out.splice(i, 1);
      }
      continue;
    }
    if (at >= 0) out[at] = mergeMap(out[at] as JsonObject, item, itemSchema);
    else out.push(mergeMap({}, item, itemSchema));
  }
  return out;
}

/**
 * Orders a merged list by `$setElementOrder` (upstream `normalizeElementOrder`): the listed elements in the listed
 * order, and the elements only the server has, in their live order, slotted in before a listed element only when
 * both were in the live list and the server-only one came first. Precedence: `$setElementOrder` > live order.
 */
function applyOrder(
  list: JsonValue[],
  order: JsonValue[],
  live: JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  const id = (v: JsonValue): JsonValue => (mergeKey && isObject(v) ? (v[mergeKey] ?? null) : v);
  const liveIndex = (v: JsonValue): number => live.findIndex((l) => deepEqual(id(l), id(v)));
  const wanted = order.map((o) => id(o));
  const patchItems: JsonValue[] = [];
  for (const w of wanted) {
    const found = list.find((item) => deepEqual(id(item), w));
    if (found !== undefined && !patchItems.includes(found)) patchItems.push(found);
  }
  const serverOnly = list.filter((item) => !patchItems.includes(item));
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (i >= serverOnly.length) out.push(patchItems[j++]!);
    else if (j >= patchItems.length) out.push(serverOnly[i++]!);
    else {
      const li = liveIndex(serverOnly[i]!);
      const ri = liveIndex(patchItems[j]!);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]!);
      else out.push(patchItems[j++]!);
    }
  }
  return out;
}

function withoutKey(o: JsonObject, key: string): JsonObject {
  const out = { ...o };
  delete out[key];
  return out;
}

/** Removes patch directives from a value that is taken whole. */
function stripDirectives(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    out[k] = stripDirectives(val);
  }
  return out;
}

/** Go's `%v` of a map, for error texts: `map[name:web]`. */
function goMap(o: JsonObject): string {
  const parts = Object.keys(o)
    .sort()
    .map((k) => `${k}:${isObject(o[k]) ? goMap(o[k] as JsonObject) : String(o[k])}`);
  return `map[${parts.join(' ')}]`;
}
