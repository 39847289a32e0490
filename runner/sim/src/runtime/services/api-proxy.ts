import type { ApiProxy, TokenSource } from '@paranoid/schema/image.ts';
import { parseAllDocuments } from 'yaml';
import { viewOf } from '../container-setup.ts';
import type { CallApi, Proc } from '../types.ts';
import { type HttpRequest, type HttpResponse, header, json } from './http.ts';
import type { RouteMatch } from './routes.ts';
import { render, type ShapeScope } from './shape.ts';

/** At most this many objects are created from one manifest stream. */
const MAX_MANIFEST_OBJECTS = 50;

/**
 * Whether a Go boolean flag is on in a command line: the last occurrence wins,
 * as with Go's flag package (`--x --x=false` is off).
 */
export function flagOn(argv: string[], flag: string): boolean {
  const name = flag.replace(/^-+/, '');
  let on = false;
  for (const arg of argv) {
    const m = arg.match(/^--?([^=]+)(?:=(.*))?$/);
    if (!m || m[1] !== name) continue;
    on = m[2] === undefined || ['true', '1', 't', 'T', 'TRUE', 'True'].includes(m[2]);
  }
  return on;
}

/** The token the first source yields, or '' when none does. */
export function tokenFrom(sources: TokenSource[], proc: Proc, req: HttpRequest, body: unknown): string {
  for (const source of sources) {
    if ('header' in source) {
      let value = header(req.headers, source.header)?.trim();
      if (value && source.scheme) {
        const prefix = new RegExp(`^${source.scheme.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+`, 'i');
        value = prefix.test(value) ? value.replace(prefix, '') : undefined;
      }
      if (value) return value;
    } else if ('bodyField' in source) {
      const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[source.bodyField] : undefined;
      if (typeof value === 'string' && value) return value;
    } else {
      const inst = proc.container;
      if (!inst) continue;
      if (source.whenArg && !flagOn(inst.argv ?? proc.argv, source.whenArg)) continue;
      const token = viewOf(inst.mounts).stat('/var/run/secrets/kubernetes.io/serviceaccount/token')?.content.trim();
      if (token) return token;
    }
  }
  return '';
}

function shaped(
  spec: { status?: number | string; json?: unknown; body?: string; headers?: Record<string, string> } | undefined,
  scope: ShapeScope,
  fallbackStatus: number,
  fallbackJson: unknown,
): HttpResponse {
  const status = typeof spec?.status === 'string' ? Number(render(spec.status, scope)) : spec?.status;
  if (spec?.body !== undefined) {
    return {
      status: status || fallbackStatus,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', ...(spec.headers ?? {}) },
      body: spec.body,
    };
  }
  const res = json(status || fallbackStatus, spec?.json === undefined ? fallbackJson : render(spec.json, scope));
  return { ...res, headers: { ...res.headers, ...(spec?.headers ?? {}) } };
}

/**
 * Fills a path template: a `where`-mapped parameter first stands for its mapped
 * text (`{kind}` → `/api/v1/namespaces/{namespace}/secrets`), then every `{param}`
 * takes its value; a value with `/`, `?`, `#` or `..` is refused, so a request
 * cannot reach another API path than the image declares.
 */
function fill(template: string, { params, mapped }: RouteMatch): string | undefined {
  let bad = false;
  const expanded = template.replace(/\{([^}]+)\}/g, (whole, name: string) => mapped[name] ?? whole);
  const out = expanded.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name] ?? '';
    if (!v || /[/?#]|\.\./.test(v)) bad = true;
    return encodeURIComponent(v);
  });
  return bad ? undefined : out;
}

/** The collection path of an object, from the API's own discovery (as kubectl finds it). */
function collectionOf(
  api: (m: string, p: string) => { status: number; body: unknown },
  obj: Record<string, unknown>,
  ns: string,
) {
  const apiVersion = String(obj.apiVersion ?? '');
  const kind = String(obj.kind ?? '');
  const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  const res = api('GET', base);
  const resources = (res.body as { resources?: Array<{ name: string; kind: string; namespaced: boolean }> })?.resources;
  const r = res.status === 200 ? resources?.find((x) => x.kind === kind && !x.name.includes('/')) : undefined;
  if (!r) return undefined;
  return r.namespaced ? `${base}/namespaces/${encodeURIComponent(ns)}/${r.name}` : `${base}/${r.name}`;
}

/** Answers a route by calling the cluster's API with the token its sources yield. */
export function proxyToApi(
  callApi: CallApi | undefined,
  spec: ApiProxy,
  proc: Proc,
  req: HttpRequest,
  match: RouteMatch,
  body: unknown,
): HttpResponse {
  const { params } = match;
  if (!callApi) return json(503, { message: 'the simulated cluster gave this process no API access' });
  const token = tokenFrom(spec.token, proc, req, body);
  const scope: ShapeScope = { params, body, token };
  if (!token) return shaped(spec.unauthorized, scope, 401, { message: 'Unauthorized' });
  const api = (m: string, p: string, b?: unknown) => callApi(token, m, p, b);
  const fail = (status: number, answer: unknown) =>
    shaped(spec.error, { ...scope, status, api: answer }, status, answer);

  if (spec.create) {
    const text = render(spec.create.manifests, scope);
    const ns = (spec.create.namespace ? render(spec.create.namespace, scope) : undefined) ?? 'default';
    let docs: Record<string, unknown>[];
    try {
      docs = parseAllDocuments(typeof text === 'string' ? text : '')
        .map((d) => d.toJSON() as Record<string, unknown>)
        .filter((d) => d && typeof d === 'object');
    } catch (e) {
      return fail(400, { message: `error converting YAML to JSON: ${(e as Error).message}` });
    }
    if (docs.length > MAX_MANIFEST_OBJECTS) {
      return fail(413, { message: `a manifest may hold at most ${MAX_MANIFEST_OBJECTS} objects` });
    }
    let last: unknown;
    for (const doc of docs) {
      const meta = (doc.metadata ?? {}) as { namespace?: string };
      const path = collectionOf(api, doc, meta.namespace ?? String(ns));
      if (!path) return fail(400, { message: `the server doesn't have a resource type "${String(doc.kind ?? '')}"` });
      const res = api('POST', path, doc);
      if (res.status >= 300) return fail(res.status, res.body);
      last = res.body;
    }
    return shaped(spec.respond, { ...scope, status: 201, api: last }, 200, last);
  }

  const path = fill(spec.path!, match);
  if (!path) return fail(400, { message: 'invalid path parameter' });
  const method = (spec.method ?? req.method).toUpperCase();
  const send = spec.send === 'request' ? body : spec.send === undefined ? undefined : render(spec.send, scope);
  const res = api(method, path, send);
  if (res.status >= 300) return fail(res.status, res.body);
  return shaped(spec.respond, { ...scope, status: res.status, api: res.body }, 200, res.body);
}
