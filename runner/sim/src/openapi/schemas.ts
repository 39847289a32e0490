import { DEFINITIONS_DATA } from './data/definitions.ts';
import type { GroupVersionKind, SchemaNode } from './definitions-data.ts';

export type { GroupVersionKind, SchemaNode } from './definitions-data.ts';

/** Every definition, keyed by name (`io.k8s.api.core.v1.Pod`). */
export const DEFINITIONS: Readonly<Record<string, SchemaNode>> = DEFINITIONS_DATA.definitions;

/** The npm packages and versions the definitions were generated from. */
export const DEFINITIONS_SOURCE = DEFINITIONS_DATA.source;

const byGvk = new Map<string, string>();
for (const [name, schema] of Object.entries(DEFINITIONS)) {
  const gvks = schema['x-kubernetes-group-version-kind'];
  // Meta types (DeleteOptions, WatchEvent…) list every group; only a single GVK names a kind's own schema.
  if (gvks?.length === 1) byGvk.set(gvkKey(gvks[0]!), name);
}

function gvkKey({ group, version, kind }: GroupVersionKind): string {
  return `${group}/${version}/${kind}`;
}

/** The definition name of a kind, e.g. `{group:'apps',version:'v1',kind:'Deployment'}` → `io.k8s.api.apps.v1.Deployment`. */
export function definitionNameFor(gvk: GroupVersionKind): string | undefined {
  return byGvk.get(gvkKey(gvk));
}

/** The schema of a kind, or undefined for a kind the simulator has no schema for (a CRD). */
export function schemaFor(gvk: GroupVersionKind): SchemaNode | undefined {
  const name = definitionNameFor(gvk);
  return name ? DEFINITIONS[name] : undefined;
}

/** Splits an object's `apiVersion` and `kind` into a GVK. */
export function gvkOf(obj: { apiVersion?: unknown; kind?: unknown }): GroupVersionKind {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: typeof obj.kind === 'string' ? obj.kind : '',
  };
}

/** Follows `$ref`s until a schema with content; an unknown ref resolves to an open object. */
export function resolve(node: SchemaNode | undefined): SchemaNode | undefined {
  let current = node;
  for (let hops = 0; current?.$ref && hops < 8; hops++) {
    const target: SchemaNode | undefined = DEFINITIONS[current.$ref];
    if (!target) return { type: 'object' };
    current = target;
  }
  return current;
}

/** The (resolved) schema of a property of an object schema. */
export function propertySchema(node: SchemaNode | undefined, field: string): SchemaNode | undefined {
  const resolved = resolve(node);
  const prop = resolved?.properties?.[field];
  if (prop) return prop;
  return resolved?.additionalProperties;
}

/** Whether a schema node (after resolving) accepts any field: a map, an open object, or raw JSON. */
export function isOpenObject(node: SchemaNode | undefined): boolean {
  const resolved = resolve(node);
  if (!resolved) return true;
  if (resolved.additionalProperties) return true;
  return resolved.type === 'object' && !resolved.properties;
}
