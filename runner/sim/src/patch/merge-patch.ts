import { clone, isObject, type JsonValue } from './json.ts';

/**
 * Applies an RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge key by key, `null`
 * deletes, anything else (lists included) replaces. The inputs are not changed.
 */
export function applyMergePatch<T>(doc: T, patch: unknown): T {
  return merge(clone(doc) as unknown as JsonValue, patch as JsonValue) as unknown as T;
}

function merge(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  const out = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = merge(out[key], value);
  }
  return out;
}
