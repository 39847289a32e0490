import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';
import { PORT_FORWARD_PROTOCOLS } from '@paranoid/sim/api/port-forward.ts';
import type { ApiRequest, ApiResponse, PortTunnel } from '@paranoid/sim/api/types.ts';
import { parseQuery } from '@paranoid/sim/api/types.ts';
import { type Cluster, type ClusterOptions, createCluster } from '@paranoid/sim/cluster.ts';
import { WebSocketServer } from 'ws';
import { createFairQueue } from './fair-queue.ts';
import { randomIds, realClock } from './real-clock.ts';
import { spdyPortForward } from './spdy-port-forward.ts';

/** The stand-in subprotocol of a port-forward WebSocket's handshake (see `portForward`). */
const TUNNEL_TOKEN = 'paranoid-spdy-portforward-tunnel';

import { selfSignedCertificate } from './tls.ts';

/** A request body larger than this is refused with 413, as kube-apiserver's 3 MiB limit. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Most watch and follow streams open at once on one cluster. kube-apiserver has no such
 * number, but its clients are not hostile: here every stream holds memory in this process.
 */
export const MAX_STREAMS_PER_CLUSTER = 32;
/** Bytes a stream may have queued for a client that does not read, before it is dropped. */
export const MAX_STREAM_BACKLOG_BYTES = 16 * 1024 * 1024;
/** How long a stream may stay blocked on a client that does not read, as the watch cache's blocked timeout. */
export const STREAM_BLOCKED_TIMEOUT_MS = 10_000;

/** Where a host listens and which certificate it serves. */
export interface SimHostOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The serving certificate; one is made when absent. Worker hosts share their pool's. */
  tls?: { key: string; cert: string };
}

/** A simulated cluster served by a host, with the URL and admin token a kubeconfig for it needs. */
export interface HostedCluster {
  id: string;
  /** The admin's bearer token (system:masters). */
  token: string;
  /** The cluster's API server URL: the host's URL plus `/clusters/<id>`. */
  server: string;
  cluster: Cluster;
}

/** One HTTPS server that serves many simulated clusters, each under `/clusters/<id>`. */
export interface SimHost {
  /** e.g. `https://127.0.0.1:41234` */
  url: string;
  /** PEM of the host's self-signed serving certificate; kubeconfigs trust it as their CA. */
  caCertificate: string;
  port: number;
  /** Adds a cluster; clock and ids default to real ones. */
  addCluster(options?: Partial<ClusterOptions>): HostedCluster;
  removeCluster(id: string): void;
  clusters(): HostedCluster[];
  close(): Promise<void>;
}

const encoder = new TextEncoder();

const tooManyRequests = () =>
  encoder.encode(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 1 },
      code: 429,
    }),
  );

function statusBody(code: number, reason: string, message: string): Uint8Array {
  return encoder.encode(
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }),
  );
}

function toApiRequest(req: IncomingMessage, path: string, rawQuery: string, body?: Uint8Array): ApiRequest {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headersDistinct)) {
    if (v === undefined) continue;
    headers[k] = v.length === 1 ? v[0]! : v;
  }
  return { method: req.method ?? 'GET', path, query: parseQuery(rawQuery), headers, ...(body ? { body } : {}) };
}

/**
 * One HTTP server hosting many simulated clusters, each under its own
 * `/clusters/<id>` prefix with its own tokens: a token of one cluster is
 * Unauthorized on every other. Exec and attach upgrade to WebSockets
 * (v5/v4.channel.k8s.io). Nothing a client sends can crash the process.
 */
export async function createSimHost(options: SimHostOptions = {}): Promise<SimHost> {
  const host = options.host ?? '127.0.0.1';
  const clusters = new Map<string, HostedCluster>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  const tunnelWss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  tunnelWss.on('headers', (headers: string[]) => {
    for (let i = 0; i < headers.length; i++)
      if (headers[i] === `Sec-WebSocket-Protocol: ${TUNNEL_TOKEN}`)
        headers[i] = `Sec-WebSocket-Protocol: ${PORT_FORWARD_PROTOCOLS[0]}`;
  });
  const openStreams = new Set<() => void>();
  const tls = options.tls ?? selfSignedCertificate();
  /** What a forwarded TLS port in a pod presents (the simulator's own certificate: `curl -k`). */
  const tunnelTls = createSecureContext({ key: tls.key, cert: tls.cert });
  /** Each cluster's requests in turn, so one cluster's flood does not hold up the others. */
  const turns = createFairQueue();
  /** Open streams by cluster id, against {@link MAX_STREAMS_PER_CLUSTER}. */
  const streamsOf = new Map<string, number>();

  /** Splits `/clusters/<id>/rest?query` into the cluster and the API path. */
  function resolve(url: string, authorization?: string): { hosted?: HostedCluster; path: string; query: string } {
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const m = /^\/clusters\/([^/]+)(\/.*)?$/.exec(pathname);
    if (!m) return { hosted: byToken(authorization), path: pathname, query };
    return { hosted: clusters.get(m[1]!), path: m[2] ?? '/', query };
  }

  /**
   * `kubectl get --raw /healthz` drops the server URL's path, so an
   * unprefixed request goes to the cluster its bearer token belongs to.
   */
  function byToken(authorization: string | undefined): HostedCluster | undefined {
    const m = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
    if (!m) return undefined;
    for (const hosted of clusters.values()) if (hosted.cluster.authenticates(m[1]!.trim())) return hosted;
    return undefined;
  }

  function send(res: ServerResponse, response: ApiResponse, req: IncomingMessage, clusterId: string): void {
    if (response.kind === 'upgrade') {
      // Exec without a WebSocket upgrade (e.g. kubectl's SPDY fallback).
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(statusBody(400, 'BadRequest', 'Upgrade request required'));
      return;
    }
    if (response.kind === 'body') {
      res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
      res.end(req.method === 'HEAD' ? undefined : response.body);
      return;
    }
    const open = streamsOf.get(clusterId) ?? 0;
    if (open >= MAX_STREAMS_PER_CLUSTER) {
      // The apiserver's max-in-flight answer, which client-go retries after the second it names.
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(tooManyRequests());
      return;
    }
    streamsOf.set(clusterId, open + 1);
    res.writeHead(response.status, { ...response.headers, 'cache-control': 'no-cache, private' });
    res.flushHeaders();
    let ended = false;
    let blocked: NodeJS.Timeout | undefined;
    const end = (drop = false) => {
      if (ended) return;
      ended = true;
      clearTimeout(blocked);
      openStreams.delete(stopAll);
      const left = (streamsOf.get(clusterId) ?? 1) - 1;
      if (left > 0) streamsOf.set(clusterId, left);
      else streamsOf.delete(clusterId);
      try {
        stop();
      } catch {}
      // A client that does not read would never take the end either: free its backlog now.
      if (drop) res.destroy();
      else res.end();
    };
    let stop: () => void = () => {};
    const stopAll = () => end();
    openStreams.add(stopAll);
    // The initial events of a watch are written at once; the bound applies to what comes on top.
    let starting = true;
    let initialBytes = 0;
    stop = response.start((chunk) => {
      if (ended) return;
      res.write(chunk);
      if (starting) initialBytes += chunk.length;
      // A slow watcher is dropped, as the watch cache drops one whose buffer stays full:
      // at once past the backlog bound, or when it has not drained within the blocked timeout.
      if (res.writableLength > MAX_STREAM_BACKLOG_BYTES + initialBytes) end(true);
      else if (res.writableNeedDrain && !blocked) {
        blocked = setTimeout(() => end(true), STREAM_BLOCKED_TIMEOUT_MS);
        blocked.unref();
        res.once('drain', () => {
          clearTimeout(blocked);
          blocked = undefined;
        });
      }
    }, end);
    starting = false;
    res.on('close', () => end());
  }

  async function readBody(req: IncomingMessage): Promise<Uint8Array | 'too-large'> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return 'too-large';
      chunks.push(chunk as Buffer);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }

  const server = createServer({ key: tls.key, cert: tls.cert }, async (req, res) => {
    try {
      const { hosted, path, query } = resolve(req.url ?? '/', req.headers.authorization);
      if (!hosted) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(statusBody(404, 'NotFound', 'the server could not find the requested resource'));
        return;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      const body = declared > MAX_BODY_BYTES ? 'too-large' : await readBody(req);
      if (body === 'too-large') {
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        res.end(statusBody(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`));
        req.socket.destroySoon?.();
        return;
      }
      const request = toApiRequest(req, path, query, body.length ? body : undefined);
      const response = await turns.run(hosted.id, () => hosted.cluster.handle(request));
      if (res.destroyed) return;
      send(res, response, req, hosted.id);
    } catch (error) {
      console.error('sim host: request failed', error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          statusBody(500, 'InternalError', 'Internal error occurred: the simulator failed to serve this request'),
        );
      } else res.destroy();
    }
  });
  server.on('tlsClientError', () => {});
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const { hosted, path, query } = resolve(req.url ?? '/', req.headers.authorization);
      const raw = (status: number, reason: string, message: string) => {
        const body = statusBody(status, reason, message);
        socket.end(
          `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${Buffer.from(body).toString()}`,
        );
      };
      if (!hosted) return raw(404, 'NotFound', 'the server could not find the requested resource');
      const response = hosted.cluster.handle(toApiRequest(req, path, query));
      if (response.kind === 'upgrade' && response.tunnel) {
        portForward(req, socket, head, response.tunnel, raw);
        return;
      }
      if (response.kind === 'upgrade' && (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
        // Only WebSockets are spoken; kubectl's SPDY fallback gets an error it prints.
        return raw(
          400,
          'BadRequest',
          `unable to upgrade connection: ${req.headers.upgrade} is not supported, use WebSocket`,
        );
      }
      if (response.kind !== 'upgrade') {
        const body = response.kind === 'body' ? Buffer.from(response.body) : Buffer.alloc(0);
        const type =
          response.kind === 'body'
            ? String(response.headers['content-type'] ?? 'application/json')
            : 'application/json';
        socket.end(
          `HTTP/1.1 ${response.status} Error\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString()}`,
        );
        return;
      }
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      const protocol = response.protocols.find((p) => offered.includes(p));
      if (!protocol) {
        return raw(
          400,
          'BadRequest',
          `unable to upgrade: no supported subprotocol in [${offered.join(', ')}]; supported: ${response.protocols.join(', ')}`,
        );
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        let handlers: { message(d: Uint8Array): void; close(): void } | undefined;
        try {
          handlers = response.connect({
            protocol,
            send: (data) => {
              if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
            },
            close: () => ws.close(1000),
          });
        } catch (error) {
          console.error('sim host: exec failed to start', error);
          ws.close(1011);
          return;
        }
        ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
          try {
            const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
            handlers?.message(new Uint8Array(buf));
          } catch (error) {
            console.error('sim host: exec input failed', error);
          }
        });
        ws.on('close', () => {
          try {
            handlers?.close();
          } catch {}
        });
        ws.on('error', () => ws.terminate());
      });
    } catch (error) {
      console.error('sim host: upgrade failed', error);
      socket.destroy();
    }
  });

  /**
   * `kubectl port-forward`: SPDY/3.1 in a WebSocket (`SPDY/3.1+portforward.k8s.io`, what kubectl
   * v1.30+ tries first) or on the upgraded connection itself (`Upgrade: SPDY/3.1`, its fallback).
   */
  function portForward(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    tunnel: PortTunnel,
    raw: (status: number, reason: string, message: string) => void,
  ) {
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    if (upgrade === 'spdy/3.1') {
      const versions = String(req.headers['x-stream-protocol-version'] ?? '')
        .split(',')
        .map((v) => v.trim());
      if (!versions.includes('portforward.k8s.io'))
        return raw(400, 'BadRequest', `unable to upgrade: no supported protocol in [${versions.join(', ')}]`);
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n',
      );
      const session = spdyPortForward(
        tunnel,
        { write: (data) => socket.write(data), end: () => socket.end() },
        { secureContext: tunnelTls },
      );
      if (head.length) session.feed(head);
      socket.on('data', (chunk: Buffer) => session.feed(chunk));
      socket.on('close', () => session.close());
      return;
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (upgrade !== 'websocket' || !offered.some((p) => PORT_FORWARD_PROTOCOLS.includes(p)))
      return raw(
        400,
        'BadRequest',
        `unable to upgrade: port-forward speaks ${PORT_FORWARD_PROTOCOLS.join(', ')} over WebSocket, or SPDY/3.1`,
      );
    // The ws library takes a subprotocol only if it is an RFC 7230 token, which `SPDY/3.1+...` is
    // not: the handshake is made with a stand-in token, and the answer names the real one.
    req.headers['sec-websocket-protocol'] = TUNNEL_TOKEN;
    tunnelWss.handleUpgrade(req, socket, head, (ws) => {
      const session = spdyPortForward(
        tunnel,
        {
          write: (data) => {
            if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
          },
          end: () => ws.close(1000),
        },
        { secureContext: tunnelTls },
      );
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        session.feed(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
      });
      ws.on('close', () => session.close());
      ws.on('error', () => ws.terminate());
    });
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `https://${host}:${port}`;

  return {
    url,
    port,
    caCertificate: tls.cert,
    addCluster(clusterOptions = {}) {
      // 48 bits: pools of hosts share one id space, and a guessed id still needs its token.
      const id = randomBytes(6).toString('hex');
      const cluster = createCluster({ clock: realClock, ids: randomIds, ...clusterOptions });
      const hosted: HostedCluster = { id, token: cluster.adminToken, server: `${url}/clusters/${id}`, cluster };
      clusters.set(id, hosted);
      return hosted;
    },
    removeCluster(id) {
      const hosted = clusters.get(id);
      if (!hosted) return;
      clusters.delete(id);
      hosted.cluster.stop();
    },
    clusters: () => [...clusters.values()],
    async close() {
      for (const stop of [...openStreams]) stop();
      for (const id of [...clusters.keys()]) {
        clusters.get(id)?.cluster.stop();
        clusters.delete(id);
      }
      for (const client of [...wss.clients, ...tunnelWss.clients]) client.terminate();
      wss.close();
      tunnelWss.close();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
