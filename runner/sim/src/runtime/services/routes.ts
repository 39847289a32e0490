import type { HttpRoute } from '@paranoid/schema/image.ts';

/** A route's match: its path parameters, and the text each `where`-mapped one stands for. */
export interface RouteMatch {
  params: Record<string, string>;
  mapped: Record<string, string>;
}

/** Matches a route's path (`{name}` matches one segment) against a request path. */
export function matchPath(route: HttpRoute, path: string): RouteMatch | undefined {
  const want = route.path.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  const mapped: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    const name = w.match(/^\{([^}]+)\}$/)?.[1];
    if (name === undefined) {
      if (w !== g) return undefined;
      continue;
    }
    let value: string;
    try {
      value = decodeURIComponent(g);
    } catch {
      return undefined;
    }
    if (!value) return undefined;
    const allowed = route.where?.[name];
    if (allowed) {
      if (!Object.hasOwn(allowed, value)) return undefined;
      mapped[name] = allowed[value]!;
    }
    params[name] = value;
  }
  return { params, mapped };
}
