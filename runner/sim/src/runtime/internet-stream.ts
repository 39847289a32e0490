import type {
  InternetListening,
  InternetStreamChunk,
  InternetStreamOpened,
  InternetStreams,
} from '@paranoid/k8s/internet.ts';
import { listenerInPod } from './listening.ts';
import { type Dial, dial, exchange } from './netclient.ts';
import { type HttpRequest, type HttpResponse, header, STATUS_TEXT } from './services/http.ts';
import { encodeResp, kvCommand } from './services/kv.ts';
import { runtimeState } from './state.ts';
import type { RuntimeDeps } from './types.ts';

/** Streams one cluster holds open at once; the runner bounds each session below this too. */
export const MAX_INTERNET_STREAMS = 64;
/** Bytes a stream may hold unparsed: an HTTP head, a RESP command. More ends the stream. */
const MAX_PENDING = 1024 * 1024;
/** An HTTP request's head, as Go's net/http bounds it (1 MiB there; 64 KiB is plenty for a lab). */
const MAX_HTTP_HEAD = 64 * 1024;

/** The synchronous form the runtime implements (the worker boundary makes it async for the runner). */
export interface SyncInternetStreams extends InternetStreams {
  open(target: { host: string; port: number }): InternetStreamOpened;
  /**
   * A connection to a pod's own port from inside its network namespace, as the kubelet's
   * port-forward makes it: no Service, no NetworkPolicy (`kubectl port-forward`).
   */
  openInPod(target: { namespace: string; pod: string; port: number }): InternetStreamOpened;
  send(id: string, data: Uint8Array): InternetStreamChunk;
  close(id: string): void;
  listening(): InternetListening;
}

interface Conn {
  dial: Dial & { ok: true };
  pending: Uint8Array;
  authed: { ok: boolean };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const KUBELET_PORT = 10250;

/**
 * TCP connections from outside the cluster (the learner's terminal), through the same dial as
 * {@link requestFromInternet}: Services, kube-proxy and NetworkPolicy decide where it lands. What
 * answers speaks its protocol over the bytes: a key/value store RESP (inline and multi-bulk, as
 * `redis-cli` and `nc` send), a TCP service its banner, everything else HTTP/1.1 with keep-alive.
 */
export function createInternetStreams(deps: RuntimeDeps): SyncInternetStreams {
  const conns = new Map<string, Conn>();
  let seq = 0;
  const keep = (d: Dial & { ok: true }): InternetStreamOpened => {
    if (conns.size >= MAX_INTERNET_STREAMS)
      return {
        ok: false,
        error: 'refused',
        message: `failed to open a connection: this cluster already holds ${MAX_INTERNET_STREAMS} streams`,
      };
    const id = `s${++seq}`;
    conns.set(id, { dial: d, pending: new Uint8Array(0), authed: { ok: false } });
    const listen = d.kind === 'process' ? d.proc?.listen : undefined;
    const banner = listen?.kind === 'tcp' ? (listen.banner ?? '') : '';
    return { ok: true, id, tls: d.tls, data: encoder.encode(banner) };
  };
  return {
    open(target) {
      const state = runtimeState(deps);
      const d = dial(
        state,
        { peer: { kind: 'internet' }, ip: '203.0.113.10', search: [], ndots: 1 },
        target.host,
        target.port,
      );
      if (!d.ok) {
        const where = `${d.ip ?? target.host}:${target.port}`;
        const message =
          d.error === 'nxdomain'
            ? `lookup ${target.host}: no such host`
            : d.error === 'refused'
              ? `connect ${where}: connection refused`
              : d.error === 'unreachable'
                ? `connect ${where}: no route to host`
                : `connect ${where}: connection timed out`;
        return { ok: false, error: d.error, message };
      }
      return keep(d);
    },
    openInPod(target) {
      const state = runtimeState(deps);
      const rec = [...state.pods.values()].find(
        (r) => r.pod.metadata?.namespace === target.namespace && r.pod.metadata?.name === target.pod,
      );
      const proc = rec ? listenerInPod(state, rec.pod, target.port) : undefined;
      const ip = rec?.pod.status?.podIP ?? '';
      if (!proc)
        return {
          ok: false,
          error: 'refused',
          message: `failed to connect to localhost:${target.port} inside namespace "${target.namespace}", pod "${target.pod}": connection refused`,
        };
      return keep({ ok: true, ip, port: target.port, kind: 'process', proc, tls: !!proc.listen?.tls });
    },
    send(id, data) {
      const conn = conns.get(id);
      if (!conn) return { data: new Uint8Array(0), end: true };
      const pending = concat(conn.pending, data);
      if (pending.length > MAX_PENDING) {
        conns.delete(id);
        return { data: new Uint8Array(0), end: true };
      }
      const listen = conn.dial.kind === 'process' ? conn.dial.proc?.listen : undefined;
      const reply =
        listen?.kind === 'kv'
          ? kvStream(conn, pending)
          : listen?.kind === 'tcp'
            ? { out: '', rest: new Uint8Array(0), end: false }
            : httpStream(deps, conn, pending);
      conn.pending = reply.rest;
      if (reply.end) conns.delete(id);
      return { data: typeof reply.out === 'string' ? encoder.encode(reply.out) : reply.out, end: reply.end };
    },
    close(id) {
      conns.delete(id);
    },
    listening() {
      return internetListening(deps);
    },
  };
}

/** Node addresses, and the ports that something on a node may answer: NodePorts, hostPorts, the kubelet, the API server. */
export function internetListening(deps: RuntimeDeps): InternetListening {
  const addresses = new Set<string>();
  for (const node of deps.store.list({ group: '', resource: 'nodes' }) as {
    status?: { addresses?: { type: string; address: string }[] };
  }[])
    for (const a of node.status?.addresses ?? [])
      if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && /^\d{1,3}(\.\d{1,3}){3}$/.test(a.address))
        addresses.add(a.address);
  const ports = new Set<number>([KUBELET_PORT, 6443]);
  for (const svc of deps.store.list({ group: '', resource: 'services' }) as {
    spec?: { type?: string; ports?: { nodePort?: number; protocol?: string }[] };
  }[])
    if (svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer')
      for (const p of svc.spec.ports ?? []) if (p.nodePort && (p.protocol ?? 'TCP') === 'TCP') ports.add(p.nodePort);
  for (const pod of deps.store.list({ group: '', resource: 'pods' }) as {
    spec?: {
      hostNetwork?: boolean;
      containers?: { ports?: { containerPort?: number; hostPort?: number; protocol?: string }[] }[];
    };
  }[])
    for (const c of pod.spec?.containers ?? [])
      for (const p of c.ports ?? []) {
        if ((p.protocol ?? 'TCP') !== 'TCP') continue;
        if (p.hostPort) ports.add(p.hostPort);
        else if (pod.spec?.hostNetwork && p.containerPort) ports.add(p.containerPort);
      }
  return { addresses: [...addresses].sort(), ports: [...ports].sort((a, b) => a - b) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function indexOfBytes(buf: Uint8Array, needle: number[], from = 0): number {
  outer: for (let i = from; i <= buf.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (buf[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const CRLF = [13, 10];

/** One RESP command from the front of `buf`: multi-bulk (`*2\r\n$3\r\nGET\r\n...`) or inline (`GET k\n`). */
export function parseRespCommand(buf: Uint8Array): { args: string[]; used: number } | 'incomplete' | 'invalid' {
  if (buf.length === 0) return 'incomplete';
  if (buf[0] !== 0x2a) {
    const nl = buf.indexOf(10);
    if (nl < 0) return 'incomplete';
    const line = decoder.decode(buf.subarray(0, nl)).replace(/\r$/, '');
    const args: string[] = [];
    for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) args.push(m[1] ?? m[2] ?? m[3] ?? '');
    return { args, used: nl + 1 };
  }
  let at = indexOfBytes(buf, CRLF);
  if (at < 0) return 'incomplete';
  const count = Number(decoder.decode(buf.subarray(1, at)));
  if (!Number.isInteger(count) || count < 0 || count > 1024) return 'invalid';
  let pos = at + 2;
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    if (pos >= buf.length) return 'incomplete';
    if (buf[pos] !== 0x24) return 'invalid';
    at = indexOfBytes(buf, CRLF, pos);
    if (at < 0) return 'incomplete';
    const len = Number(decoder.decode(buf.subarray(pos + 1, at)));
    if (!Number.isInteger(len) || len < 0 || len > MAX_PENDING) return 'invalid';
    const start = at + 2;
    if (buf.length < start + len + 2) return 'incomplete';
    args.push(decoder.decode(buf.subarray(start, start + len)));
    pos = start + len + 2;
  }
  return { args, used: pos };
}

function kvStream(conn: Conn, buf: Uint8Array): { out: string; rest: Uint8Array; end: boolean } {
  const proc = conn.dial.proc!;
  let out = '';
  let rest = buf;
  while (rest.length) {
    const parsed = parseRespCommand(rest);
    if (parsed === 'incomplete') break;
    if (parsed === 'invalid')
      return { out: `${out}-ERR Protocol error: invalid multibulk length\r\n`, rest: new Uint8Array(0), end: true };
    rest = rest.subarray(parsed.used);
    if (parsed.args.length === 0) continue;
    out += encodeResp(kvCommand(proc, parsed.args, conn.authed));
    if ((parsed.args[0] ?? '').toUpperCase() === 'QUIT') return { out, rest: new Uint8Array(0), end: true };
  }
  return { out, rest: rest.slice(), end: false };
}

/** An HTTP/1.1 answer on the wire, with its length, so the client can send the next request. */
function httpWire(res: HttpResponse, close: boolean, head = false): string {
  const body = encoder.encode(res.body);
  const lines = [`HTTP/1.1 ${res.status} ${STATUS_TEXT[res.status] ?? 'Status'}`];
  for (const [name, value] of Object.entries(res.headers))
    if (!/^(content-length|connection|transfer-encoding)$/i.test(name)) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${body.length}`);
  if (close) lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${head ? '' : res.body}`;
}

function httpStream(deps: RuntimeDeps, conn: Conn, buf: Uint8Array): { out: string; rest: Uint8Array; end: boolean } {
  let out = '';
  let rest = buf;
  const bad = (status: number, text: string) => ({
    out: `${out}${httpWire({ status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text }, true)}`,
    rest: new Uint8Array(0),
    end: true,
  });
  while (rest.length) {
    const headEnd = indexOfBytes(rest, [13, 10, 13, 10]);
    if (headEnd < 0) {
      if (rest.length > MAX_HTTP_HEAD) return bad(431, '431 Request Header Fields Too Large');
      break;
    }
    const [requestLine = '', ...lines] = decoder.decode(rest.subarray(0, headEnd)).split('\r\n');
    const match = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(requestLine);
    if (!match) return bad(400, '400 Bad Request');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    if (header(headers, 'transfer-encoding')) return bad(501, 'chunked request bodies are not supported');
    const length = Number(header(headers, 'content-length') ?? 0);
    if (!Number.isInteger(length) || length < 0) return bad(400, '400 Bad Request: invalid Content-Length');
    if (length > MAX_PENDING) return bad(413, '413 Request Entity Too Large');
    const bodyStart = headEnd + 4;
    if (rest.length < bodyStart + length) break;
    const request: HttpRequest = {
      method: match[1]!,
      path: match[2]!,
      headers,
      body: decoder.decode(rest.subarray(bodyStart, bodyStart + length)),
    };
    rest = rest.subarray(bodyStart + length);
    const res = exchange(runtimeState(deps), conn.dial, request, deps.clock.now());
    // An answer lost on the way back (a hop limit) never arrives: the client waits, then gives up.
    if (res.lost) return { out, rest: new Uint8Array(0), end: false };
    const close = match[3] === '0' || /close/i.test(header(headers, 'connection') ?? '');
    out += httpWire(res, close, request.method === 'HEAD');
    if (close) return { out, rest: new Uint8Array(0), end: true };
  }
  return { out, rest: rest.slice(), end: false };
}
