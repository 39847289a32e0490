/**
 * Evaluates a compiled condition (macros inlined, lists expanded) against one event.
 * The cost is linear in the tree, which the loader bounds; glob matching is the
 * iterative wildcard algorithm, so no pattern can backtrack exponentially.
 */
import type { Condition } from './condition.ts';
import type { SyscallEvent } from './event.ts';
import { type FieldValue, NUMERIC_FIELDS, readField } from './fields.ts';

const text = (v: FieldValue) => (typeof v === 'boolean' ? String(v) : String(v));

/** fnmatch(3) without flags: `*` and `?` match any character, `/` included; `[...]` classes. */
export function globMatch(pattern: string, s: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? s.toLowerCase() : s;
  let pi = 0;
  let ti = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    const c = p[pi];
    if (c === '*') {
      starP = pi++;
      starT = ti;
      continue;
    }
    if (c !== undefined) {
      const cls = c === '[' ? matchClass(p, pi, t[ti]!) : undefined;
      if (cls !== undefined ? cls.ok : c === '?' || (c === '\\' ? p[pi + 1] === t[ti] : c === t[ti])) {
        pi = cls !== undefined ? cls.next : c === '\\' ? pi + 2 : pi + 1;
        ti++;
        continue;
      }
    }
    if (starP < 0) return false;
    pi = starP + 1;
    ti = ++starT;
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

function matchClass(p: string, start: number, ch: string): { ok: boolean; next: number } | undefined {
  let i = start + 1;
  const negate = p[i] === '!' || p[i] === '^';
  if (negate) i++;
  let ok = false;
  let first = true;
  while (i < p.length && (first || p[i] !== ']')) {
    first = false;
    if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']') {
      if (ch >= p[i]! && ch <= p[i + 2]!) ok = true;
      i += 3;
    } else {
      if (p[i] === ch) ok = true;
      i++;
    }
  }
  // No closing bracket: `[` is a literal, as fnmatch treats it.
  if (i >= p.length) return undefined;
  return { ok: ok !== negate, next: i + 1 };
}

/** Falco's pmatch: some path in the list is the value or a directory above it; components may be globs. */
export function pathMatch(prefixes: string[], path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  return prefixes.some((prefix) => {
    const want = prefix.split('/').filter(Boolean);
    if (want.length > parts.length) return false;
    return want.every((w, i) => globMatch(w, parts[i]!));
  });
}

function compare(field: string, op: string, value: FieldValue, want: string): boolean {
  if (value === undefined) return false;
  if (NUMERIC_FIELDS.has(field) || typeof value === 'number') {
    const a = Number(value);
    const b = Number(want);
    if (Number.isNaN(b)) return op === '!=';
    switch (op) {
      case '=':
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
    }
  }
  const v = text(value);
  switch (op) {
    case '=':
    case '==':
      return v === want;
    case '!=':
      return v !== want;
    case '<':
      return v < want;
    case '<=':
      return v <= want;
    case '>':
      return v > want;
    case '>=':
      return v >= want;
    case 'contains':
    case 'bcontains':
      return v.includes(want);
    case 'icontains':
      return v.toLowerCase().includes(want.toLowerCase());
    case 'startswith':
    case 'bstartswith':
      return v.startsWith(want);
    case 'endswith':
      return v.endsWith(want);
    case 'glob':
      return globMatch(want, v);
    case 'iglob':
      return globMatch(want, v, true);
  }
  return false;
}

/** True when the event satisfies the (compiled) condition. */
export function evaluate(c: Condition, ev: SyscallEvent): boolean {
  switch (c.t) {
    case 'and':
      return c.items.every((i) => evaluate(i, ev));
    case 'or':
      return c.items.some((i) => evaluate(i, ev));
    case 'not':
      return !evaluate(c.expr, ev);
    case 'macro':
      // The loader inlines every macro; one left here is a loader bug, and matching nothing is the safe answer.
      return false;
    case 'cmp': {
      const value = readField(ev, c.field, c.arg);
      if (c.op === 'exists') return value !== undefined && value !== '';
      if (c.list) {
        if (value === undefined) return false;
        if (c.op === 'pmatch') return pathMatch(c.list, text(value));
        // For single-valued fields `intersects` is `in`.
        return c.list.some((item) => compare(c.field, '=', value, item));
      }
      // `!=` on a missing field is true upstream only for some fields; the simulator keeps it false like `=`.
      return compare(c.field, c.op, value, c.value ?? '');
    }
  }
}
