/**
 * Shapes: JSON in which a string starting with `$` selects a value from the
 * exchange (see @paranoid/schema/image-listen.ts). Selection only: no expressions, no
 * conditionals, so an image's behaviour stays readable as data.
 */

/** What selectors read. */
export interface ShapeScope {
  /** `$.a.b`: the API's answer. */
  api?: unknown;
  /** `$status`: the API's HTTP status. */
  status?: number;
  /** `$params.x`: the route's path parameters. */
  params?: Record<string, string>;
  /** `$body.x`: the request's JSON body. */
  body?: unknown;
  /** `$token`: the bearer token the call used. */
  token?: string;
  /** `$item.x`: the current element inside `{ $each, as }`. */
  item?: unknown;
}

/** Deeper shapes than this are refused: an image is data, not a program. */
const MAX_DEPTH = 32;
/** At most this many elements are mapped by one `$each` (an API list can be long). */
const MAX_EACH = 5000;

/** Follows `a.b.c` through own properties only (and `length` of arrays and strings). */
function walk(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.').filter(Boolean)) {
    if (cur === null || cur === undefined) return undefined;
    if (key === 'length' && (Array.isArray(cur) || typeof cur === 'string')) {
      cur = cur.length;
      continue;
    }
    if (typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** One selector's value, or undefined when it finds nothing. */
export function select(selector: string, scope: ShapeScope): unknown {
  if (selector === '$status') return scope.status;
  if (selector === '$token') return scope.token;
  if (selector === '$' || selector.startsWith('$.')) return walk(scope.api, selector.slice(2));
  const m = selector.match(/^\$(params|body|item)(?:\.(.*))?$/);
  if (!m) throw new Error(`failed to read selector ${JSON.stringify(selector)}: unknown root`);
  return walk(scope[m[1] as 'params' | 'body' | 'item'], m[2] ?? '');
}

/** Builds a value from a shape; keys whose selector finds nothing are dropped. */
export function render(shape: unknown, scope: ShapeScope, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new Error(`failed to render shape: deeper than ${MAX_DEPTH}`);
  if (typeof shape === 'string') {
    if (shape.startsWith('$$')) return shape.slice(1);
    return shape.startsWith('$') ? select(shape, scope) : shape;
  }
  if (Array.isArray(shape)) {
    return shape.map((s) => render(s, scope, depth + 1)).filter((v) => v !== undefined);
  }
  if (shape && typeof shape === 'object') {
    const o = shape as Record<string, unknown>;
    if ('$each' in o) {
      const list = render(o.$each, scope, depth + 1);
      if (!Array.isArray(list)) return [];
      return list.slice(0, MAX_EACH).map((item) => render(o.as ?? '$item', { ...scope, item }, depth + 1));
    }
    if ('$words' in o) {
      const text = render(o.$words, scope, depth + 1);
      return typeof text === 'string' ? text.split(/\s+/).filter(Boolean) : undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      const r = render(v, scope, depth + 1);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return shape;
}
