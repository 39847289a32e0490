import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import { clone, deepEqual, stableStringify } from './meta.ts';

/** The label that tells a Deployment's ReplicaSets apart by the hash of their pod template. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** The alphabet rand.SafeEncodeString maps to: no vowels, no look-alike digits. */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** apimachinery's rand.SafeEncodeString: each character to one of {@link SAFE}. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE[s.charCodeAt(i) % SAFE.length];
  return out;
}

/** 32-bit FNV-1a over the UTF-8 bytes of `s`. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A template as Go sees it after decoding: nulls, empty lists and empty maps
 * are the same as absent (kubectl sends `creationTimestamp: null` back on
 * `rollout undo`; Semantic.DeepEqual treats nil and empty alike).
 */
export function normalizeTemplate(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalizeTemplate);
    return items.length ? items : undefined;
  }
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const n = normalizeTemplate(v);
    if (n !== undefined) out[k] = n;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * The `pod-template-hash` of a template (controller.ComputeHash): FNV-32a of the
 * template's canonical form plus the collision count, printed in decimal and
 * safe-encoded. Stable across runs, so names like `web-7d4b9c5f8` reproduce.
 */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let text = stableStringify(normalizeTemplate(template) ?? {});
  if (collisionCount) text += `#${collisionCount}`;
  return safeEncode(String(fnv32a(text)));
}

/** Whether two templates are equal once the pod-template-hash label is ignored (EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined) => {
    const c = clone(t ?? {});
    if (c.metadata?.labels) {
      delete c.metadata.labels[POD_TEMPLATE_HASH];
      if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    }
    return c;
  };
  return deepEqual(normalizeTemplate(strip(a)) ?? {}, normalizeTemplate(strip(b)) ?? {});
}
