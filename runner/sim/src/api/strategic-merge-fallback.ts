/**
 * A strategic merge patch for when no schema-driven implementation is wired
 * (`schema.strategicMergePatch` of `createCluster`). It knows the merge keys of
 * the lists kubectl's 3-way patches touch most (containers by name, ports by
 * containerPort, ...) and honours the `$patch`, `$setElementOrder`, `$retainKeys`
 * and `$deleteFromPrimitiveList` directives; every other list is replaced.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  secrets: 'name',
};
/** Lists merged as sets of scalars. */
const MERGED_SCALAR_LISTS = new Set(['finalizers']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

function mergeKeyFor(field: string, path: string[], items: unknown[]): string | undefined {
  if (field === 'ports') {
    // Container ports merge on containerPort, Service ports on port.
    const sample = items.find(isObj);
    if (sample && 'containerPort' in sample) return 'containerPort';
    if (sample && 'port' in sample) return 'port';
    return path.includes('containers') || path.includes('initContainers') ? 'containerPort' : 'port';
  }
  return MERGE_KEYS[field];
}

function mergeList(
  field: string,
  path: string[],
  live: unknown,
  patch: unknown[],
  order: unknown[] | undefined,
): unknown[] {
  const liveList = Array.isArray(live) ? live : [];
  if (patch.some((p) => isObj(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObj(p) && p.$patch === 'replace')).map(stripDirectives);
  }
  const key = mergeKeyFor(field, path, [...patch, ...liveList]);
  if (MERGED_SCALAR_LISTS.has(field)) {
    const out = [...liveList];
    for (const p of patch) if (!out.includes(p)) out.push(p);
    return out;
  }
  if (!key || !patch.every(isObj)) return patch.map(stripDirectives);
  const out: Obj[] = liveList.filter(isObj).map((o) => clone(o));
  for (const item of patch as Obj[]) {
    const k = item[key];
    const idx = out.findIndex((o) => o[key] === k);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = mergeObject(out[idx], item, [...path, field]) as Obj;
    else out.push(mergeObject(undefined, item, [...path, field]) as Obj);
  }
  if (order) {
    const rank = (o: Obj) => {
      const i = order.findIndex((e) => isObj(e) && e[key] === o[key]);
      return i < 0 ? order.length : i;
    };
    return out
      .map((o, i) => ({ o, i }))
      .sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i)
      .map(({ o }) => o);
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

function mergeObject(live: unknown, patch: Obj, path: string[]): unknown {
  if (patch.$patch === 'replace') return stripDirectives(patch);
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isObj(live) ? clone(live) : {};
  const retain = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      const order = patch[`$setElementOrder/${k}`];
      out[k] = mergeList(k, path, out[k], v, Array.isArray(order) ? order : undefined);
    } else if (isObj(v)) {
      const merged = mergeObject(out[k], v, [...path, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = v;
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    // An order list with no list beside it still reorders the live list.
    if (k.startsWith('$setElementOrder/') && Array.isArray(v)) {
      const field = k.slice('$setElementOrder/'.length);
      if (!(field in patch) && Array.isArray(out[field])) out[field] = mergeList(field, path, out[field], [], v);
    }
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

/** Applies a strategic merge patch using the built-in table of merge keys. */
export function applyStrategicMergeFallback<T>(live: T, patch: unknown): T {
  if (!isObj(patch)) return clone(patch) as T;
  return mergeObject(live, patch, []) as T;
}
