import type { HttpRoute } from '@paranoid/schema/image.ts';
import { viewOf } from '../container-setup.ts';
import type { Proc, RuntimeState } from '../types.ts';
import { joinPath } from '../vfs.ts';
import { proxyToApi } from './api-proxy.ts';
import { type HttpRequest, type HttpResponse, header, json } from './http.ts';
import { matchPath, type RouteMatch } from './routes.ts';
import { render } from './shape.ts';

/** Answers an HTTP request to a listening process by what its image says it does. */
export function serveHttp(state: RuntimeState, proc: Proc, req: HttpRequest): HttpResponse {
  const listen = proc.listen;
  if (!listen) return { status: 502, headers: {}, body: '' };
  if (listen.kind === 'kv') {
    // A RESP server answers an HTTP request line as an unknown command and closes: curl sees no HTTP at all.
    return {
      status: 0,
      headers: {},
      body: `-ERR unknown command '${req.method}', with args beginning with: '${req.path}' 'HTTP/1.1' \r\n`,
    };
  }
  if (listen.kind === 'tcp') return { status: 0, headers: {}, body: listen.banner ?? '' };
  const http = listen.http ?? { routes: [] };
  const server: Record<string, string> = http.server ? { Server: http.server } : {};
  const path = req.path.split('?')[0] ?? '/';
  const withServer = (res: HttpResponse): HttpResponse => ({ ...res, headers: { ...server, ...res.headers } });
  for (const route of http.routes) {
    if (route.method && route.method.toUpperCase() !== req.method.toUpperCase()) continue;
    const match = matchPath(route, path);
    if (!match) continue;
    return withServer(answer(state, proc, route, req, match));
  }
  if (http.root && proc.container) {
    const view = viewOf(proc.container.mounts);
    let file = joinPath(http.root, path);
    if (view.stat(file)?.type === 'dir') file = joinPath(file, 'index.html');
    const e = view.stat(file);
    if (e?.type === 'file') {
      return withServer({ status: 200, headers: { 'Content-Type': contentType(file) }, body: e.content });
    }
  }
  return withServer({
    status: http.notFound?.status ?? 404,
    headers: { 'Content-Type': 'text/html' },
    body: http.notFound?.body ?? '404 page not found\n',
  });
}

function contentType(file: string): string {
  if (file.endsWith('.html')) return 'text/html; charset=utf-8';
  if (file.endsWith('.json')) return 'application/json';
  if (file.endsWith('.js')) return 'application/javascript';
  if (file.endsWith('.css')) return 'text/css';
  return 'text/plain; charset=utf-8';
}

function answer(
  state: RuntimeState,
  proc: Proc,
  route: HttpRoute,
  req: HttpRequest,
  { params, mapped }: RouteMatch,
): HttpResponse {
  const headers = route.headers ?? {};
  if (route.require && header(req.headers, route.require.header) !== route.require.equals) {
    return {
      status: route.require.status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: route.require.body,
    };
  }
  let body: unknown;
  if (req.body && (route.proxy || route.json !== undefined)) {
    try {
      body = JSON.parse(req.body);
    } catch {
      return json(400, { message: 'invalid JSON' });
    }
  }
  if (route.proxy) {
    const res = proxyToApi(state.deps.callApi, route.proxy, proc, req, { params, mapped }, body);
    return { ...res, headers: { ...res.headers, ...headers } };
  }
  if (route.fetch) {
    const query = new URLSearchParams(req.path.includes('?') ? req.path.slice(req.path.indexOf('?') + 1) : '');
    const target = query.get(route.fetch.query);
    if (!target) {
      return {
        status: 400,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
        body: `missing query parameter "${route.fetch.query}"\n`,
      };
    }
    if (!proc.container || !state.fetchUrl) return { status: 502, headers: {}, body: 'no network\n' };
    const res = state.fetchUrl(proc.container, target, route.fetch, state.deps.clock.now());
    return { ...res, headers: { ...res.headers, ...headers } };
  }
  if (route.json !== undefined) {
    const res = json(route.status, render(route.json, { params, body }));
    return { ...res, headers: { ...res.headers, ...headers } };
  }
  if (route.file !== undefined) {
    const e = proc.container ? viewOf(proc.container.mounts).stat(route.file) : undefined;
    if (e?.type !== 'file')
      return { status: 404, headers: { 'Content-Type': 'text/plain' }, body: '404 page not found\n' };
    return { status: route.status, headers: { 'Content-Type': contentType(route.file), ...headers }, body: e.content };
  }
  return {
    status: route.status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
    body: route.body ?? '',
  };
}
