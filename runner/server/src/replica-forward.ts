import { Agent, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLIENT_HEADER, REPLICA_HEADER } from './replica-auth.ts';

/** A replica that does not answer within this is taken for dead (its pod IP drops the SYN). */
const CONNECT_TIMEOUT_MS = 5_000;

/** Keeps connections between replicas open, so a forwarded call does not pay a TCP handshake. */
const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 });

/** Headers that belong to one hop (RFC 9110 §7.6.1) and never travel on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The learner's headers, minus ours (nobody but a replica may set them) and hop-by-hop ones. */
function passOn(headers: IncomingHttpHeaders, keepUpgrade: boolean): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (key === REPLICA_HEADER || key === CLIENT_HEADER) continue;
    if (!keepUpgrade && HOP_BY_HOP.has(key)) continue;
    out[key] = value;
  }
  return out;
}

function target(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1)) };
}

/**
 * Sends the request to the replica at `address` and streams its answer back (server-sent
 * events included). Resolves `unreachable` when that replica cannot be reached before anything
 * was answered, so the caller can tell the learner what happened instead of a 502.
 */
export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  address: string,
  signed: Record<string, string>,
  /** The body, when the caller already read it (to try another replica if this one is gone); else streamed. */
  body?: Buffer,
  /** Set on the one retry after a kept-alive connection was found closed. */
  retried = false,
): Promise<'forwarded' | 'unreachable'> {
  return new Promise((resolve) => {
    const out = request({
      ...target(address),
      // The retry takes a connection of its own: another idle one in the pool may be closed too.
      agent: retried ? false : agent,
      method: req.method,
      path: req.url,
      headers: {
        ...passOn(req.headers, false),
        ...(body ? { 'content-length': String(body.length) } : {}),
        ...signed,
      },
      timeout: CONNECT_TIMEOUT_MS,
    });
    let answered = false;
    out.on('socket', (socket) => {
      // The timeout guards the connection only: a stream may then stay quiet for as long as it likes.
      socket.once('connect', () => out.setTimeout(0));
      if (!socket.connecting) out.setTimeout(0);
    });
    out.on('timeout', () => out.destroy(new Error('connect timeout')));
    out.on('response', (answer) => {
      answered = true;
      res.writeHead(answer.statusCode ?? 502, passOn(answer.headers, false));
      answer.pipe(res);
      res.on('close', () => answer.destroy());
      answer.on('end', () => resolve('forwarded'));
      answer.on('error', () => {
        res.destroy();
        resolve('forwarded');
      });
    });
    out.on('error', () => {
      if (answered || res.headersSent) {
        res.destroy();
        resolve('forwarded');
      } else if (out.reusedSocket && body && !retried) {
        // A kept-alive connection the other replica closed as this request went out (its idle
        // timeout is the same 5 s a terminal's kubectl may wait between calls): the replica
        // is alive, the connection was not. Once more on a new one, with the body we hold.
        resolve(forwardHttp(req, res, address, signed, body, true));
      } else {
        resolve('unreachable');
      }
    });
    req.on('aborted', () => out.destroy());
    if (body) out.end(body);
    else req.pipe(out);
  });
}

/**
 * Carries a WebSocket upgrade to the replica at `address`: its handshake answer (101, or the
 * 401/403/404 it refused with) goes back to the client, then bytes flow both ways until either
 * side closes. Resolves `unreachable` when the replica cannot be reached at all.
 */
export function forwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  address: string,
  signed: Record<string, string>,
): Promise<'forwarded' | 'unreachable'> {
  return new Promise((resolve) => {
    const out = request({
      ...target(address),
      method: req.method,
      path: req.url,
      headers: { ...passOn(req.headers, true), ...signed },
      timeout: CONNECT_TIMEOUT_MS,
    });
    out.on('socket', (s) => {
      s.once('connect', () => out.setTimeout(0));
    });
    out.on('timeout', () => out.destroy(new Error('connect timeout')));
    socket.on('error', () => out.destroy());
    out.on('upgrade', (answer, upstream, upstreamHead) => {
      socket.write(statusLine(answer) + headerLines(answer.rawHeaders));
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstream.write(head);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.pipe(socket);
      socket.pipe(upstream);
      resolve('forwarded');
    });
    out.on('response', (answer) => {
      // Refused before the upgrade: the owner's status and reason reach the browser as they are.
      socket.write(statusLine(answer) + headerLines(answer.rawHeaders));
      answer.pipe(socket);
      resolve('forwarded');
    });
    out.on('error', () => resolve('unreachable'));
    out.end();
  });
}

/** Most of an answer one replica reads from another (a session's view): far more than it needs. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One request of this replica's own to another (an instructor's action on a session it holds,
 * ending a learner's session over their cap): its status and JSON answer, or `unreachable`.
 */
export function callReplica(
  address: string,
  method: string,
  path: string,
  signed: Record<string, string>,
): Promise<{ status: number; body: unknown } | 'unreachable'> {
  return new Promise((resolve) => {
    const out = request({
      ...target(address),
      agent,
      method,
      path,
      headers: { 'content-length': '0', ...signed },
      timeout: CONNECT_TIMEOUT_MS,
    });
    out.on('timeout', () => out.destroy(new Error('timeout')));
    out.on('error', () => resolve('unreachable'));
    out.on('response', (answer) => {
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) answer.destroy();
        else chunks.push(chunk);
      });
      answer.on('error', () => resolve('unreachable'));
      answer.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = {};
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          body = { text };
        }
        resolve({ status: answer.statusCode ?? 502, body });
      });
    });
    out.end();
  });
}

const statusLine = (m: IncomingMessage) => `HTTP/1.1 ${m.statusCode} ${m.statusMessage ?? ''}\r\n`;

function headerLines(raw: string[]): string {
  let text = '';
  for (let i = 0; i + 1 < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${text}\r\n`;
}
