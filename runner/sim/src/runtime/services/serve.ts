import { viewOf } from '../container-setup.ts';
import type { Proc, RuntimeState } from '../types.ts';
import { joinPath } from '../vfs.ts';
import { dashboardResponse } from './dashboard.ts';
import { type HttpRequest, type HttpResponse, header } from './http.ts';

/** Answers an HTTP request to a listening process by what its image says it does. */
export function serveHttp(state: RuntimeState, proc: Proc, req: HttpRequest): HttpResponse {
  const listen = proc.listen;
  if (!listen) return { status: 502, headers: {}, body: '' };
  if (listen.kind === 'kubernetes-dashboard') return dashboardResponse(state, proc, req);
  if (listen.kind === 'redis') {
    // redis answers an HTTP request line as an unknown command and closes: curl sees no HTTP at all.
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
  const route = http.routes.find(
    (r) => r.path === path && (!r.method || r.method.toUpperCase() === req.method.toUpperCase()),
  );
  if (route) {
    return {
      status: route.status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', ...server, ...(route.headers ?? {}) },
      body: route.body,
    };
  }
  if (http.root && proc.container) {
    const view = viewOf(proc.container.mounts);
    let file = joinPath(http.root, path);
    if (view.stat(file)?.type === 'dir') file = joinPath(file, 'index.html');
    const e = view.stat(file);
    if (e?.type === 'file') {
      const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.json') ? 'application/json' : 'text/plain';
      return { status: 200, headers: { 'Content-Type': type, ...server }, body: e.content };
    }
  }
  void header;
  return {
    status: http.notFound?.status ?? 404,
    headers: { 'Content-Type': 'text/html', ...server },
    body: http.notFound?.body ?? '404 page not found\n',
  };
}

/** A redis server's reply to one command, as a RESP value. */
export type RespValue = string | number | null | RespValue[] | { error: string } | { status: string };

export function redisCommand(proc: Proc, args: string[], authed: { ok: boolean }): RespValue {
  proc.redis ??= new Map();
  const data = proc.redis;
  const cmd = (args[0] ?? '').toUpperCase();
  const password = proc.listen?.redis?.password;
  if (cmd === 'AUTH') {
    if (!password)
      return {
        error:
          'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      };
    if (args[args.length - 1] === password) {
      authed.ok = true;
      return { status: 'OK' };
    }
    return { error: 'WRONGPASS invalid username-password pair or user is disabled.' };
  }
  if (password && !authed.ok && cmd !== 'PING') return { error: 'NOAUTH Authentication required.' };
  switch (cmd) {
    case 'PING':
      return { status: args[1] ?? 'PONG' };
    case 'GET':
      return data.get(args[1] ?? '') ?? null;
    case 'SET':
      data.set(args[1] ?? '', args[2] ?? '');
      return { status: 'OK' };
    case 'DEL': {
      let n = 0;
      for (const k of args.slice(1)) if (data.delete(k)) n++;
      return n;
    }
    case 'EXISTS':
      return args.slice(1).filter((k) => data.has(k)).length;
    case 'KEYS': {
      const pattern = args[1] ?? '*';
      const re = new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
      return [...data.keys()].filter((k) => re.test(k)).sort();
    }
    case 'DBSIZE':
      return data.size;
    case 'CONFIG':
      if ((args[1] ?? '').toUpperCase() === 'GET')
        return [args[2] ?? '', args[2] === 'requirepass' ? (password ?? '') : ''];
      return { status: 'OK' };
    case 'INFO':
      return `# Server\r\nredis_version:7.4.1\r\nredis_mode:standalone\r\nos:Linux 6.8.0 x86_64\r\ntcp_port:6379\r\nexecutable:/data/redis-server\r\n\r\n# Clients\r\nconnected_clients:1\r\n\r\n# Keyspace\r\n${data.size ? `db0:keys=${data.size},expires=0,avg_ttl=0\r\n` : ''}`;
    case 'COMMAND':
      return [];
    case 'QUIT':
      return { status: 'OK' };
    case 'FLUSHALL':
    case 'FLUSHDB':
      data.clear();
      return { status: 'OK' };
    default:
      return {
        error: `ERR unknown command '${args[0] ?? ''}', with args beginning with: ${args
          .slice(1)
          .map((a) => `'${a}' `)
          .join('')}`,
      };
  }
}

/** RESP wire encoding (what `nc` prints). */
export function encodeResp(v: RespValue): string {
  if (v === null) return '$-1\r\n';
  if (typeof v === 'number') return `:${v}\r\n`;
  if (typeof v === 'string') return `$${new TextEncoder().encode(v).length}\r\n${v}\r\n`;
  if (Array.isArray(v)) return `*${v.length}\r\n${v.map(encodeResp).join('')}`;
  if ('error' in v) return `-${v.error}\r\n`;
  return `+${v.status}\r\n`;
}
