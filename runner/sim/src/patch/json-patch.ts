import { StatusError } from '@paranoid/k8s/status.ts';
import { clone, deepEqual, isObject, type JsonValue } from './json.ts';

/**
 * Applies an RFC 6902 JSON patch (`application/json-patch+json`) and returns the new document; the input is not
 * changed. A malformed patch is a 400 BadRequest and an operation that does not apply is a 422 with the cause in
 * `details.causes`, as the apiserver answers (`endpoints/handlers/patch.go` over evanphx/json-patch).
 */
export function applyJsonPatch<T>(doc: T, ops: unknown): T {
  if (!Array.isArray(ops))
    throw new StatusError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let root = clone(doc) as unknown as JsonValue;
  for (const raw of ops) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badPatch('invalid operation');
    const op = raw as { op?: unknown; path?: unknown; from?: unknown; value?: unknown };
    const kind = op.op;
    if (typeof op.path !== 'string')
      throw notApplied(`${String(kind)} operation does not apply: doc is missing path: "": missing value`);
    const path = op.path;
    switch (kind) {
      case 'add':
        if (!('value' in op)) throw notApplied('missing value');
        root = add(root, path, clone(op.value as JsonValue), 'add');
        break;
      case 'remove':
        root = remove(root, path).doc;
        break;
      case 'replace': {
        if (!('value' in op)) throw notApplied('missing value');
        if (path === '') {
          root = clone(op.value as JsonValue);
          break;
        }
        const { parent, key } = locate(root, path, 'replace');
        if (Array.isArray(parent)) {
          const i = index(key, parent.length, false, path, 'replace');
          parent[i] = clone(op.value as JsonValue);
        } else {
          if (!Object.hasOwn(parent, key))
            throw notApplied(`replace operation does not apply: doc is missing key: ${path}: missing value`);
          parent[key] = clone(op.value as JsonValue);
        }
        break;
      }
      case 'move': {
        if (typeof op.from !== 'string') throw notApplied('move operation does not apply: missing from');
        const taken = remove(root, op.from);
        root = add(taken.doc, path, taken.value, 'move');
        break;
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw notApplied('copy operation does not apply: missing from');
        root = add(root, path, clone(get(root, op.from, 'copy')), 'copy');
        break;
      }
      case 'test': {
        const actual = path === '' ? root : getOptional(root, path);
        if (!deepEqual(actual, op.value ?? null)) throw notApplied(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw badPatch(`Unexpected kind: ${String(kind)}`);
    }
  }
  return root as unknown as T;
}

function badPatch(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

/** apiserver: `NewGenericServerResponse(422, ...)` with the library's error as the one cause. */
function notApplied(message: string): StatusError {
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message }],
  });
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function tokens(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw notApplied(`JSON pointer must be empty or start with a "/": ${path}`);
  return path.slice(1).split('/').map(unescapeToken);
}

function locate(
  root: JsonValue,
  path: string,
  op: string,
): { parent: JsonValue[] | Record<string, JsonValue>; key: string } {
  const parts = tokens(path);
  const key = parts.pop();
  if (key === undefined)
    throw notApplied(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  let node: JsonValue = root;
  for (const part of parts) {
    let next: JsonValue | undefined;
    if (Array.isArray(node)) next = node[Number(part)];
    else if (isObject(node)) next = Object.hasOwn(node, part) ? node[part] : undefined;
    if (next === undefined || next === null || typeof next !== 'object')
      throw notApplied(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    node = next;
  }
  if (node === null || typeof node !== 'object')
    throw notApplied(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return { parent: node, key };
}

function index(key: string, length: number, forAdd: boolean, path: string, op: string): number {
  if (forAdd && key === '-') return length;
  const i = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : Number.NaN;
  if (Number.isNaN(i) || i < 0 || i > length || (!forAdd && i === length))
    throw notApplied(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return i;
}

function add(root: JsonValue, path: string, value: JsonValue, op: string): JsonValue {
  if (path === '') return value;
  const { parent, key } = locate(root, path, op);
  if (Array.isArray(parent)) parent.splice(index(key, parent.length, true, path, op), 0, value);
  else parent[key] = value;
  return root;
}

function remove(root: JsonValue, path: string): { doc: JsonValue; value: JsonValue } {
  const { parent, key } = locate(root, path, 'remove');
  if (Array.isArray(parent)) {
    const i = index(key, parent.length, false, path, 'remove');
    const [value] = parent.splice(i, 1);
    return { doc: root, value: value as JsonValue };
  }
  if (!Object.hasOwn(parent, key)) throw notApplied(`Unable to remove nonexistent key: ${key}: missing value`);
  const value = parent[key] as JsonValue;
  delete parent[key];
  return { doc: root, value };
}

function getOptional(root: JsonValue, path: string): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const part of tokens(path)) {
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isObject(node)) node = Object.hasOwn(node, part) ? node[part] : undefined;
    else return undefined;
  }
  return node;
}

function get(root: JsonValue, path: string, op: string): JsonValue {
  const v = getOptional(root, path);
  if (v === undefined)
    throw notApplied(`${op} operation does not apply: doc is missing from path: ${path}: missing value`);
  return v;
}
