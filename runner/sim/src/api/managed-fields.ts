import type { KubeObject, ManagedFieldsEntry } from '@paranoid/k8s/object.ts';

type FieldSet = Record<string, unknown>;
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The FieldsV1 set of everything `value` sets, with list items keyed as the apiserver keys them. */
function fieldsOf(value: unknown): FieldSet {
  const out: FieldSet = {};
  if (!isObj(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (isObj(v)) {
      const inner = fieldsOf(v);
      out[`f:${k}`] = Object.keys(inner).length ? { '.': {}, ...inner } : {};
    } else if (Array.isArray(v) && v.length > 0 && v.every((x) => isObj(x) && typeof x.name === 'string')) {
      const list: FieldSet = { '.': {} };
      for (const item of v as Record<string, unknown>[]) {
        list[`k:${JSON.stringify({ name: item.name })}`] = { '.': {}, ...fieldsOf(item) };
      }
      out[`f:${k}`] = list;
    } else {
      out[`f:${k}`] = {};
    }
  }
  return out;
}

/** What changed from `old` to `next`, as a field set; everything when there is no `old`. */
function changed(old: unknown, next: unknown): FieldSet {
  if (!isObj(next)) return {};
  if (!isObj(old)) return fieldsOf(next);
  const out: FieldSet = {};
  for (const [k, v] of Object.entries(next)) {
    const o = old[k];
    if (JSON.stringify(o) === JSON.stringify(v)) continue;
    if (isObj(v) && isObj(o)) {
      const inner = changed(o, v);
      if (Object.keys(inner).length) out[`f:${k}`] = inner;
    } else if (isObj(v)) out[`f:${k}`] = { '.': {}, ...fieldsOf(v) };
    else out[`f:${k}`] = Array.isArray(v) ? (fieldsOf({ [k]: v })[`f:${k}`] as FieldSet) : {};
  }
  return out;
}

function mergeSets(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isObj(out[k]) && isObj(v) ? mergeSets(out[k] as FieldSet, v as FieldSet) : v;
  }
  return out;
}

function tracked(o: KubeObject | undefined, subresource: string): unknown {
  if (!o) return undefined;
  const { metadata, status, apiVersion: _a, kind: _k, ...rest } = o;
  const meta: Record<string, unknown> = {};
  for (const k of ['labels', 'annotations', 'ownerReferences', 'finalizers'] as const) {
    if (metadata[k] !== undefined) meta[k] = metadata[k];
  }
  if (subresource === 'status') return status === undefined ? {} : { status };
  return { ...(Object.keys(meta).length ? { metadata: meta } : {}), ...rest };
}

/**
 * Records an `Update` managedFields entry for a non-apply write, as the
 * apiserver's field manager does: the manager gains the fields it changed.
 */
export function recordUpdate(
  next: KubeObject,
  old: KubeObject | undefined,
  manager: string,
  subresource: string,
  now: string,
): void {
  const delta = changed(tracked(old, subresource), tracked(next, subresource));
  const entries: ManagedFieldsEntry[] = (old?.metadata.managedFields ?? next.metadata.managedFields ?? []).filter(
    (e) => e && typeof e === 'object',
  );
  if (Object.keys(delta).length === 0 && old) {
    next.metadata.managedFields = entries.length ? entries : undefined;
    if (!next.metadata.managedFields) delete next.metadata.managedFields;
    return;
  }
  const idx = entries.findIndex(
    (e) => e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === subresource,
  );
  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Update',
    apiVersion: next.apiVersion,
    time: now,
    fieldsType: 'FieldsV1',
    fieldsV1: idx >= 0 ? mergeSets((entries[idx]!.fieldsV1 as FieldSet) ?? {}, delta) : delta,
    ...(subresource ? { subresource } : {}),
  };
  if (idx >= 0) entries[idx] = entry;
  else entries.push(entry);
  next.metadata.managedFields = entries;
}

/** The field manager of a request: `fieldManager`, else the User-Agent's program name, as the apiserver derives it. */
export function managerName(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const ua = userAgent ?? 'unknown';
  return ua.split('/')[0]!.slice(0, 128) || 'unknown';
}
