import { chmodSync, chownSync, mkdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import type { InternetListening, InternetRequest, InternetResponse, InternetStreams } from '@paranoid/k8s/internet.ts';
import { nodeStreamHandler } from './sandbox-node-streams.ts';

/** Ports the relay listens on inside the sandbox (its own network namespace: only loopback). */
export const SANDBOX_API_PORT = 6443;
/** The loopback port in a sandbox where its HTTP proxy listens (http_proxy), relayed to the host. */
export const SANDBOX_PROXY_PORT = 3128;

/** Connections one sandbox may hold open at once on each channel; more wait in the relay. */
const MAX_CONNECTIONS = 64;
/** A CONNECT that the simulated network drops is held this long, as a real SYN would hang. */
const DROPPED_CONNECT_HOLD_MS = 20_000;
/** Request bodies through the proxy are read and bounded, not forwarded (probes carry none). */
const MAX_PROXY_BODY = 1024 * 1024;
/** How often the relay's node listeners follow the cluster's NodePorts and hostPorts. */
const LISTENING_POLL_MS = 1000;
/** Node addresses a sandbox puts on its loopback, and listeners (address × port) it keeps. */
export const MAX_NODE_ADDRESSES = 16;
const MAX_NODE_LISTENERS = 128;

/** The API server the sandbox's kubectl reaches: the session cluster's real URL and CA. */
export interface UpstreamApi {
  /** e.g. `https://127.0.0.1:41234/clusters/abc`: every request goes under this path. */
  server: string;
  certificateAuthority?: string;
}

/** What a sandbox's network relays reach: its socket directory and the upstreams they forward to. */
export interface SandboxNetworkOptions {
  /** A private directory for the sockets; bound read-only into the sandbox at /run/paranoid. */
  dir: string;
  api: UpstreamApi;
  /** The session cluster's view from outside: NodePorts, LoadBalancers, the scenario's internet. */
  fromInternet(request: InternetRequest): Promise<InternetResponse>;
  /** The relay's serving certificate (the sandbox kubeconfig trusts it). */
  tls: { cert: string; key: string };
  /** The sandbox's uid when the runner is root, so it may connect to the sockets. */
  owner?: { uid: number; gid: number };
  /** Called once when the relay inside the sandbox is gone. */
  onRelayLost(): void;
  /**
   * Raw TCP to the session's nodes (`nc NODE PORT`), when the cluster carries it: the relay
   * listens on each node address and port that may answer, and `nodes.sock` streams them.
   */
  nodes?: { streams: InternetStreams; addresses: string[]; onNotice(text: string): void };
}

/** The host side of one sandbox's network: three Unix sockets and what answers on them. */
export interface SandboxNetwork {
  /** Host paths, in the order the relay takes them. */
  sockets: { api: string; proxy: string; control: string; nodes?: string };
  close(): void;
}

/**
 * Starts the host side of a sandbox's network (README.md, "The terminal's network"):
 *
 * - `api.sock`: TLS with the relay's certificate, then HTTP to the session's own API server only.
 *   The runner puts the cluster's path in front of every request, so no path reaches another
 *   session's cluster, and refuses dot segments that would climb out of it.
 * - `proxy.sock`: an HTTP proxy (CONNECT and absolute URLs). Every request is answered by the
 *   session cluster's `fromInternet`, i.e. the simulated network from outside the cluster:
 *   NodePorts, hostPorts, LoadBalancers and the scenario's internet, with NetworkPolicy. Nothing
 *   on the host is ever dialled, so 127.0.0.1, the runner and 169.254.169.254 are out of reach.
 * - `control.sock`: the relay holds one connection for its whole life.
 */
export async function startSandboxNetwork(options: SandboxNetworkOptions): Promise<SandboxNetwork> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const sockets = {
    api: join(options.dir, 'api.sock'),
    proxy: join(options.dir, 'proxy.sock'),
    control: join(options.dir, 'control.sock'),
    ...(options.nodes ? { nodes: join(options.dir, 'nodes.sock') } : {}),
  };
  const secureContext = createSecureContext({ cert: options.tls.cert, key: options.tls.key });
  const apiHttp = apiReverseProxy(options.api);
  const proxyHttp = internetProxy(options.fromInternet, secureContext);

  const servers: NetServer[] = [];
  const listen = (path: string, onConnection: (socket: Socket) => void, allowHalfOpen = false) => {
    const server = createNetServer({ allowHalfOpen }, (socket) => {
      socket.on('error', () => socket.destroy());
      onConnection(socket);
    });
    server.maxConnections = MAX_CONNECTIONS;
    server.on('error', () => undefined);
    servers.push(server);
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        chmodSync(path, 0o600);
        if (options.owner) chownSync(path, options.owner.uid, options.owner.gid);
        resolve();
      });
    });
  };

  let relaySeen = false;
  let closed = false;
  let poll: NodeJS.Timeout | undefined;
  const nodes = options.nodes;
  await Promise.all([
    ...(nodes && sockets.nodes
      ? [
          listen(
            sockets.nodes,
            nodeStreamHandler({ streams: nodes.streams, secureContext, onNotice: nodes.onNotice }),
            true,
          ),
        ]
      : []),
    listen(sockets.api, (socket) => {
      const tls = new TLSSocket(socket, { isServer: true, secureContext });
      tls.on('error', () => socket.destroy());
      apiHttp.emit('connection', tls);
    }),
    listen(sockets.proxy, (socket) => proxyHttp.emit('connection', socket)),
    listen(sockets.control, (socket) => {
      // Only the relay's first connection counts; a learner's own tries change nothing.
      if (relaySeen) {
        socket.destroy();
        return;
      }
      relaySeen = true;
      socket.resume();
      socket.on('close', () => {
        clearInterval(poll);
        if (!closed) options.onRelayLost();
      });
      if (nodes) poll = followListening(socket, nodes);
    }),
  ]);
  if (options.owner) chownSync(options.dir, options.owner.uid, options.owner.gid);
  return {
    sockets,
    close() {
      closed = true;
      clearInterval(poll);
      for (const server of servers) server.close();
      apiHttp.closeAllConnections();
      proxyHttp.closeAllConnections();
      rmSync(options.dir, { recursive: true, force: true });
    },
  };
}

/**
 * Tells the relay, on its control connection, which node `ADDRESS:PORT`s to listen on: the
 * sandbox's node addresses (on its loopback since it started) × the ports that may answer from
 * outside the cluster now. Sent when it changes; a learner's new NodePort is followed within a poll.
 */
function followListening(control: Socket, nodes: NonNullable<SandboxNetworkOptions['nodes']>): NodeJS.Timeout {
  let last = '';
  let busy = false;
  const update = async () => {
    if (busy || control.destroyed) return;
    busy = true;
    try {
      const listening: InternetListening = await nodes.streams.listening();
      const line = `listen ${listenSpecs(nodes.addresses, listening).join(' ')}\n`;
      if (line !== last && !control.destroyed) {
        control.write(line);
        last = line;
      }
    } catch {
      // The cluster is going (the session ends): the next poll, if any, tries again.
    } finally {
      busy = false;
    }
  };
  void update();
  return setInterval(() => void update(), LISTENING_POLL_MS).unref();
}

/** `ADDRESS:PORT` for each of the sandbox's addresses that the cluster still has, × each port, bounded. */
export function listenSpecs(addresses: string[], listening: InternetListening): string[] {
  const live = new Set(listening.addresses);
  const specs: string[] = [];
  for (const address of addresses) {
    if (!live.has(address)) continue;
    for (const port of listening.ports) if (specs.length < MAX_NODE_LISTENERS) specs.push(`${address}:${port}`);
  }
  return specs;
}

/** True when a request path has a `.` or `..` segment, however it is spelled. */
export function climbsOut(path: string): boolean {
  const pathname = path.split('?')[0] ?? '';
  for (const segment of pathname.split('/')) {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return true;
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) return true;
  }
  return false;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardHeaders(headers: IncomingMessage['headers'], keepUpgrade: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) && !(keepUpgrade && (name === 'connection' || name === 'upgrade'))) continue;
    out[name] = value;
  }
  return out;
}

function statusReply(res: ServerResponse, code: number, reason: string, message: string) {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** kubectl's requests, sent on to the session's API server under its path, upgrades included. */
function apiReverseProxy(api: UpstreamApi): Server {
  const upstream = new URL(api.server);
  const prefix = upstream.pathname.replace(/\/$/, '');
  const target = (req: IncomingMessage) => ({
    host: upstream.hostname,
    port: Number(upstream.port || 443),
    path: prefix + (req.url ?? '/'),
    method: req.method ?? 'GET',
    ...(api.certificateAuthority ? { ca: api.certificateAuthority } : {}),
    servername: upstream.hostname === '127.0.0.1' ? undefined : upstream.hostname,
  });
  const refuse = (req: IncomingMessage) => !req.url?.startsWith('/') || climbsOut(req.url);

  const server = createHttpServer((req, res) => {
    if (refuse(req)) {
      statusReply(res, 400, 'BadRequest', `the path ${JSON.stringify(req.url)} is not allowed`);
      return;
    }
    const out = httpsRequest({ ...target(req), headers: forwardHeaders(req.headers, false) }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, forwardHeaders(answer.headers, false));
      // Node holds a head back until the first body byte, and a watch may send none for minutes:
      // client-go waits for the head before its watch starts, and cannot stop one still waiting,
      // so `kubectl wait` and `rollout status` hung past their own timeouts (#11). The API server
      // sends a watch's head at once; so does this proxy.
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    out.on('error', (error) => {
      if (res.headersSent) res.destroy();
      else statusReply(res, 503, 'ServiceUnavailable', `failed to reach the cluster's API server: ${error.message}`);
    });
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  // exec, attach and port-forward upgrade to a WebSocket (or SPDY): carried through as bytes.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (refuse(req)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const out = httpsRequest({ ...target(req), headers: forwardHeaders(req.headers, true) });
    out.on('upgrade', (answer, upSocket, upHead) => {
      upSocket.on('error', () => socket.destroy());
      const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
      for (let i = 0; i < answer.rawHeaders.length; i += 2)
        lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      socket.on('close', () => upSocket.destroy());
      upSocket.on('close', () => socket.destroy());
    });
    out.on('response', (answer) => {
      const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`, 'Connection: close'];
      for (let i = 0; i < answer.rawHeaders.length; i += 2) {
        const name = answer.rawHeaders[i]!.toLowerCase();
        if (name !== 'connection' && name !== 'transfer-encoding')
          lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
      }
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      answer.pipe(socket);
    });
    out.on('error', () => socket.destroy());
    out.end();
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return server;
}

/** `host:port` of a CONNECT, or null when it is not one. */
export function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]{1,253}):(\d{1,5})$/.exec(authority);
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return null;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

interface Tunnel {
  host: string;
  port: number;
  scheme: 'http' | 'https';
}

/** True when an answer of `fromInternet` means the connection itself failed. */
const dialFailed = (answer: InternetResponse) => !answer.ok && answer.error.startsWith('dial tcp');

/**
 * The proxy that carries curl and wget into the simulated network from outside the cluster.
 * A CONNECT is first tried against the simulated network: refused or unresolved answers 502
 * (curl: "CONNECT tunnel failed"), a connection that policy drops hangs as a real one would.
 * Inside the tunnel, TLS is ended here with the relay's certificate (the lab's `curl -k`).
 */
function internetProxy(fromInternet: SandboxNetworkOptions['fromInternet'], secureContext: SecureContext): Server {
  const tunnels = new WeakMap<object, Tunnel>();

  const answer = async (req: IncomingMessage, res: ServerResponse, tunnel: Tunnel, path: string) => {
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_PROXY_BODY) {
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('request body too large\n');
        return;
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(forwardHeaders(req.headers, false)))
      if (name !== 'host') headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const reply = await fromInternet({
      method: req.method ?? 'GET',
      host: tunnel.host,
      port: tunnel.port,
      path,
      scheme: tunnel.scheme,
      headers,
    }).catch(
      (error: unknown): InternetResponse => ({
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
    if (!reply.ok) {
      res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' }).end(`${reply.error}\n`);
      return;
    }
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.headers))
      if (!HOP_BY_HOP.has(name) && name !== 'content-length') out[name] = value;
    out['content-length'] = String(Buffer.byteLength(reply.body));
    res.writeHead(reply.status, out);
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  };

  // One server for requests inside tunnels (plain or TLS), keyed to their tunnel's target.
  const inner = createHttpServer((req, res) => {
    const tunnel = tunnels.get(req.socket);
    if (!tunnel) {
      res.destroy();
      return;
    }
    void answer(req, res, tunnel, req.url ?? '/').catch(() => res.destroy());
  });
  inner.on('clientError', (_error, socket) => socket.destroy());

  const server = createHttpServer((req, res) => {
    // An absolute URL (`http_proxy` for http://): one request, no tunnel.
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('this proxy takes absolute http:// URLs and CONNECT\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`${url.protocol} URLs are not proxied\n`);
      return;
    }
    const tunnel: Tunnel = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), scheme: 'http' };
    void answer(req, res, tunnel, `${url.pathname}${url.search}`).catch(() => res.destroy());
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    void fromInternet({ method: 'HEAD', host: target.host, port: target.port, path: '/' })
      .catch((error: unknown): InternetResponse => ({ ok: false, error: String(error) }))
      .then((probe) => {
        if (socket.destroyed) return;
        if (dialFailed(probe) && !probe.ok) {
          if (/i\/o timeout/.test(probe.error)) {
            const timer = setTimeout(
              () => socket.end('HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n\r\n'),
              DROPPED_CONNECT_HOLD_MS,
            );
            socket.on('close', () => clearTimeout(timer));
            return;
          }
          const reason = probe.error.replace(/[\r\n]/g, ' ').slice(0, 200);
          socket.end(
            `HTTP/1.1 502 ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason) + 1}\r\n\r\n${reason}\n`,
          );
          return;
        }
        socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
        const start = (first: Buffer) => {
          if (first.length) socket.unshift(first);
          if (first[0] === 0x16) {
            const tls = new TLSSocket(socket as Socket, { isServer: true, secureContext });
            tls.on('error', () => socket.destroy());
            tunnels.set(tls, { ...target, scheme: 'https' });
            inner.emit('connection', tls);
          } else {
            tunnels.set(socket, { ...target, scheme: 'http' });
            inner.emit('connection', socket);
          }
        };
        if (head.length) start(head);
        else
          socket.once('data', (chunk: Buffer) => {
            socket.pause();
            start(chunk);
          });
      });
  });
  return server;
}
