import { gvkOf, resolve, type SchemaNode, schemaFor } from '../openapi/schemas.ts';

/** `?fieldValidation=`: kubectl sends Strict by default, Ignore with `--validate=false`; the server default is Warn. */
export type FieldValidationMode = 'Strict' | 'Warn' | 'Ignore';

/** A field the schema does not know or that appears twice, reported per fieldValidation. */
export interface FieldProblem {
  /** Path as upstream prints it: `spec.containers[0].imagePullPolice`. */
  field: string;
  /** `unknown field "spec.containers[0].imagePullPolice"` */
  message: string;
  reason: 'FieldValueUnknown' | 'FieldValueDuplicate';
}

/**
 * Finds fields the kind's schema does not declare, as the apiserver's strict decoder does. With `Strict` they are
 * `errors` (the request fails: see `strictDecodingMessage`); with `Warn` they are `warnings`, one
 * `Warning: 299` header each; with `Ignore` neither. Kinds without a schema are not checked.
 */
export function validateFields(
  obj: unknown,
  mode: FieldValidationMode,
): { errors: FieldProblem[]; warnings: string[] } {
  if (mode === 'Ignore' || typeof obj !== 'object' || obj === null) return { errors: [], warnings: [] };
  const schema = schemaFor(gvkOf(obj as { apiVersion?: unknown; kind?: unknown }));
  if (!schema) return { errors: [], warnings: [] };
  const problems: FieldProblem[] = [];
  walk(obj, schema, '', problems);
  return mode === 'Strict'
    ? { errors: problems, warnings: [] }
    : { errors: [], warnings: problems.map((p) => p.message) };
}

function walk(value: unknown, schema: SchemaNode | undefined, path: string, out: FieldProblem[]): void {
  const s = resolve(schema);
  if (!s || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, s.items, `${path}[${i}]`, out);
    });
    return;
  }
  if (s.additionalProperties) {
    for (const [k, v] of Object.entries(value)) walk(v, s.additionalProperties, `${path}${path ? '.' : ''}${k}`, out);
    return;
  }
  // No declared fields: raw JSON (RawExtension, FieldsV1) takes anything.
  if (!s.properties || Object.keys(s.properties).length === 0) return;
  for (const [k, v] of Object.entries(value)) {
    const field = `${path}${path ? '.' : ''}${k}`;
    const prop = s.properties[k];
    if (!prop) {
      out.push({ field, message: `unknown field "${field}"`, reason: 'FieldValueUnknown' });
      continue;
    }
    walk(v, prop, field, out);
  }
}

/**
 * Duplicate keys in a JSON request body, which `JSON.parse` silently collapses: `duplicate field "spec.replicas"`.
 * (kubectl sends JSON even for YAML input.)
 */
export function findDuplicateFields(rawJson: string): FieldProblem[] {
  const out: FieldProblem[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < rawJson.length && ' \t\n\r'.includes(rawJson[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < rawJson.length && rawJson[i] !== '"') i += rawJson[i] === '\\' ? 2 : 1;
    i++;
    try {
      return JSON.parse(rawJson.slice(start, i)) as string;
    } catch {
      return rawJson.slice(start + 1, i - 1);
    }
  };
  const value = (path: string): void => {
    ws();
    const c = rawJson[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (rawJson[i] === '}') {
        i++;
        return;
      }
      while (i < rawJson.length) {
        ws();
        const key = str();
        const field = `${path}${path ? '.' : ''}${key}`;
        if (seen.has(key)) out.push({ field, message: `duplicate field "${field}"`, reason: 'FieldValueDuplicate' });
        seen.add(key);
        ws();
        i++; // ':'
        value(field);
        ws();
        if (rawJson[i] === ',') {
          i++;
          continue;
        }
        i++; // '}'
        return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (rawJson[i] === ']') {
        i++;
        return;
      }
      let n = 0;
      while (i < rawJson.length) {
        value(`${path}[${n++}]`);
        ws();
        if (rawJson[i] === ',') {
          i++;
          continue;
        }
        i++; // ']'
        return;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < rawJson.length && !',}] \t\n\r'.includes(rawJson[i]!)) i++;
    }
  };
  value('');
  return out;
}

/** `strict decoding error: unknown field "spec.foo", duplicate field "spec.replicas"` */
export function strictDecodingMessage(problems: FieldProblem[]): string {
  return `strict decoding error: ${problems.map((p) => p.message).join(', ')}`;
}

/**
 * The create/update wording around a decoding error:
 * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`.
 * (A patch answers the bare `strict decoding error: …`.)
 */
export function cannotBeHandledMessage(obj: { apiVersion?: unknown; kind?: unknown }, cause: string): string {
  const { version, kind } = gvkOf(obj);
  return `${kind} in version "${version}" cannot be handled as a ${kind}: ${cause}`;
}

/**
 * The first value of the wrong JSON type, as Go's decoder reports it (it stops at the first):
 * `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`.
 * The apiserver answers 400 with `cannotBeHandledMessage(obj, <this>)` whatever the fieldValidation.
 */
export function findTypeError(obj: unknown): string | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const schema = schemaFor(gvkOf(obj as { apiVersion?: unknown; kind?: unknown }));
  if (!schema) return undefined;
  return typeWalk(obj, schema, shortName(schemaName(obj)), []);
}

function schemaName(obj: unknown): string {
  const o = obj as { kind?: unknown };
  return typeof o.kind === 'string' ? o.kind : '';
}

const shortName = (ref: string): string => ref.slice(ref.lastIndexOf('.') + 1);

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return typeof v;
}

function goType(node: SchemaNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.$ref) {
    const target = resolve(node);
    if (target?.properties) return `v1.${shortName(node.$ref)}`;
    return goType(target);
  }
  switch (node.type) {
    case 'integer':
      return node.format === 'int64' ? 'int64' : 'int32';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'string':
      return node.format === 'int-or-string' || node.format === 'byte' ? undefined : 'string';
    case 'array':
      return node.items ? `[]${goType(node.items) ?? 'interface {}'}` : undefined;
    case 'object':
      if (node.additionalProperties) return `map[string]${goType(node.additionalProperties) ?? 'interface {}'}`;
      return node.properties ? 'struct' : undefined;
  }
  return undefined;
}

function typeWalk(value: unknown, node: SchemaNode | undefined, struct: string, path: string[]): string | undefined {
  if (value === null || value === undefined || !node) return undefined;
  const s = resolve(node);
  if (!s) return undefined;
  const want = goType(node);
  const fail = (): string =>
    `json: cannot unmarshal ${jsonKind(value)}${typeof value === 'number' ? ` ${value}` : ''} into Go struct field ${struct}.${path.join('.')} of type ${want}`;
  // Quantity and IntOrString decode themselves; raw JSON takes anything.
  if (node.$ref === 'io.k8s.apimachinery.pkg.api.resource.Quantity' || s.format === 'int-or-string') return undefined;
  if (s.type === 'integer') {
    if (typeof value !== 'number' || !Number.isInteger(value)) return want ? fail() : undefined;
    return undefined;
  }
  if (s.type === 'number') return typeof value === 'number' ? undefined : fail();
  if (s.type === 'boolean') return typeof value === 'boolean' ? undefined : fail();
  if (s.type === 'string') return typeof value === 'string' || !want ? undefined : fail();
  if (s.type === 'array' || s.items) {
    if (!Array.isArray(value)) return want ? fail() : undefined;
    for (const item of value) {
      const e = typeWalk(item, s.items, struct, path);
      if (e) return e;
    }
    return undefined;
  }
  if (s.additionalProperties) {
    if (typeof value !== 'object' || Array.isArray(value)) return want ? fail() : undefined;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const e = typeWalk(v, s.additionalProperties, struct, [...path, k]);
      if (e) return e;
    }
    return undefined;
  }
  if (s.properties && Object.keys(s.properties).length > 0) {
    if (typeof value !== 'object' || Array.isArray(value)) return want ? fail() : undefined;
    const inner = node.$ref ? shortName(node.$ref) : struct;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const e = typeWalk(v, s.properties[k], inner, [...path, k]);
      if (e) return e;
    }
  }
  return undefined;
}
