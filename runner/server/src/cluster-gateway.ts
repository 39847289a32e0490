import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

/** Where a session's cluster answers: a URL and request options with its credentials (KubeClient.requestOptions). */
export interface GatewayTarget {
  requestOptions(path: string): { url: URL; options: https.RequestOptions };
}

/** How the gateway finds the cluster behind a session id and token. */
export interface ClusterGatewayOptions {
  /** The session's cluster when `token` is the one that opens it; undefined for anything else. */
  resolve(sessionId: string, token: string): GatewayTarget | undefined;
}

/** `/kube/<session>/<api path>`: what a terminal pod's kubeconfig names as its server. */
const ROUTE = /^\/kube\/([a-z0-9]{1,64})(\/[^?]*)?(\?.*)?$/;

/** Headers that belong to one hop, or carry the caller's credentials, and are not passed on. */
const DROPPED = new Set([
  'authorization',
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
]);

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

const bearer = (req: IncomingMessage): string => {
  const header = req.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice(7).trim() : '';
};

function forwardedHeaders(req: IncomingMessage, keepUpgrade: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined || DROPPED.has(key)) continue;
    if (!keepUpgrade && key === 'upgrade') continue;
    out[key] = value;
  }
  if (keepUpgrade) {
    out.connection = 'Upgrade';
  }
  return out;
}

/**
 * The API of each session's cluster on a port of the runner's (HTTPS: kubectl sends no
 * bearer token over plain HTTP), for terminal pods: a pod's
 * kubeconfig names `<runner>/kube/<session>` and a token that opens that session only; the
 * gateway checks it and forwards the request, exec's WebSocket upgrade included, to the
 * session's cluster with the cluster's own credentials, which never leave the runner. Any
 * other token, or a session that is not live, gets a 401 Status kubectl prints.
 */
export function createClusterGateway(options: ClusterGatewayOptions) {
  const match = (req: IncomingMessage) => ROUTE.exec(req.url ?? '');

  const authorize = (req: IncomingMessage) => {
    const m = match(req);
    if (!m) return undefined;
    const target = options.resolve(m[1]!, bearer(req));
    return { target, path: `${m[2] ?? '/'}${m[3] ?? ''}` };
  };

  return {
    /** Answers a plain request under `/kube/`; false when the path is not the gateway's. */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      const found = authorize(req);
      if (!found) return false;
      if (!found.target) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(status(401, 'Unauthorized', 'Unauthorized'));
        return true;
      }
      const { url, options: base } = found.target.requestOptions(found.path);
      const send = url.protocol === 'https:' ? https.request : http.request;
      const upstream = send(url, {
        ...base,
        method: req.method ?? 'GET',
        headers: { ...forwardedHeaders(req, false), ...(base.headers as Record<string, string>) },
      });
      upstream.on('response', (answer) => {
        const headers = { ...answer.headers };
        delete headers.connection;
        delete headers['transfer-encoding'];
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      });
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(status(502, 'ServiceUnavailable', `the session's cluster did not answer: ${error.message}`));
      });
      req.pipe(upstream);
      res.on('close', () => upstream.destroy());
      return true;
    },

    /** Forwards a WebSocket upgrade (exec, attach, port-forward) under `/kube/`; false when not the gateway's. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const found = authorize(req);
      if (!found) return false;
      if (!found.target) {
        const body = status(401, 'Unauthorized', 'Unauthorized');
        socket.end(
          `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
        return true;
      }
      const { url, options: base } = found.target.requestOptions(found.path);
      const send = url.protocol === 'https:' ? https.request : http.request;
      const upstream = send(url, {
        ...base,
        method: req.method ?? 'GET',
        headers: { ...forwardedHeaders(req, true), ...(base.headers as Record<string, string>) },
      });
      upstream.on('upgrade', (answer, upSocket, upHead) => {
        const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
        for (let i = 0; i < answer.rawHeaders.length; i += 2)
          lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (upHead.length > 0) socket.write(upHead);
        if (head.length > 0) upSocket.write(head);
        upSocket.pipe(socket);
        socket.pipe(upSocket);
        const end = () => {
          upSocket.destroy();
          socket.destroy();
        };
        upSocket.on('error', end);
        socket.on('error', end);
        upSocket.on('close', end);
        socket.on('close', end);
      });
      upstream.on('response', (answer) => {
        // Refused before the upgrade (RBAC, no such pod): the client reads the Status as it is.
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          socket.end(
            `HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}\r\ncontent-type: ${answer.headers['content-type'] ?? 'application/json'}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.toString('utf8')}`,
          );
        });
      });
      upstream.on('error', () => socket.destroy());
      upstream.end();
      return true;
    },
  };
}

/** Forwards a session's API requests (kubectl, the editor) to its cluster, once its token checks out. */
export type ClusterGateway = ReturnType<typeof createClusterGateway>;
