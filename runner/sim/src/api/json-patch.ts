import { StatusError } from '@paranoid/k8s/status.ts';

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw failed(`JSON Pointer "${path}" must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

// The apiserver wraps patch errors in 422 Invalid-less plain 500s for some failures and
// 422 for others; kubectl shows the message either way. 422 matches "the server rejected our request".
const failed = (message: string) => new StatusError(422, 'Invalid', message);

function parentOf(doc: unknown, tokens: string[]): { parent: unknown; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[t];
    else cur = undefined;
    if (cur === undefined) throw failed(`doc is missing path: "/${tokens.join('/')}": missing value`);
  }
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function get(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[t];
    else return undefined;
  }
  return cur;
}

function arrayIndex(arr: unknown[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^\d+$/.test(key)) throw failed(`Unable to access invalid index: ${key}`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw failed(`Unable to access invalid index: ${i}`);
  return i;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return clone(value);
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, clone(value));
  else if (parent && typeof parent === 'object') (parent as Record<string, unknown>)[key] = clone(value);
  else throw failed(`doc is missing path: "${path}": missing value`);
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const tokens = pointer(path);
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (parent && typeof parent === 'object' && Object.hasOwn(parent, key))
    delete (parent as Record<string, unknown>)[key];
  else throw failed(`Unable to remove nonexistent key: ${key}: missing value`);
  return doc;
}

/** Applies an RFC 6902 JSON patch to a copy of `doc`. */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch))
    throw new StatusError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let out = clone(doc);
  for (const raw of patch as JsonPatchOperation[]) {
    const op = raw?.op;
    if (typeof raw?.path !== 'string') throw failed(`Unexpected kind: ${op}`);
    switch (op) {
      case 'add':
        out = add(out, raw.path, raw.value);
        break;
      case 'remove':
        out = remove(out, raw.path);
        break;
      case 'replace':
        if (get(out, raw.path) === undefined)
          throw failed(`replace operation does not apply: doc is missing key: ${raw.path}: missing value`);
        out = remove(out, raw.path);
        out = add(out, raw.path, raw.value);
        break;
      case 'move': {
        const v = get(out, raw.from ?? '');
        if (v === undefined)
          throw failed(`move operation does not apply: doc is missing from path: ${raw.from}: missing value`);
        out = remove(out, raw.from ?? '');
        out = add(out, raw.path, v);
        break;
      }
      case 'copy': {
        const v = get(out, raw.from ?? '');
        if (v === undefined)
          throw failed(`copy operation does not apply: doc is missing from path: ${raw.from}: missing value`);
        out = add(out, raw.path, v);
        break;
      }
      case 'test':
        if (JSON.stringify(get(out, raw.path)) !== JSON.stringify(raw.value)) {
          throw failed(`testing value ${raw.path} failed: test failed`);
        }
        break;
      default:
        throw failed(`Unexpected kind: ${String(op)}`);
    }
  }
  return out;
}
