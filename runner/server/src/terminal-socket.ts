import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiError } from './errors.ts';
import type { Session, SessionManager } from './sessions.ts';

/** The subprotocol the site speaks; the token rides in a second one, as Kubernetes does for exec. */
export const TERMINAL_PROTOCOL = 'paranoid.terminal.v1';
/** The prefix of the subprotocol that carries a session token, since a browser cannot set headers on a WebSocket. */
export const TOKEN_PROTOCOL_PREFIX = 'bearer.paranoid.';
const PATH = /^\/api\/sessions\/([A-Za-z0-9._-]+)\/terminal$/;
/** Largest frame a client may send: a paste of a long manifest, not a flood. Larger closes with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Close codes the site acts on. */
export const CLOSE = { shellExited: 4000, sessionEnded: 4404, unavailable: 4503 } as const;

/** Messages from the browser. Output goes the other way as plain text frames. */
type ClientMessage = { t: 'i'; d: string } | { t: 'r'; cols: number; rows: number };

/** What the terminal WebSocket endpoint needs: the sessions and the origins allowed to open one. */
export interface TerminalSocketOptions {
  sessions: SessionManager;
  /**
   * Origins allowed to open a terminal. Empty: only the page's own origin (the
   * Origin header must name the Host the request came to), which stops another
   * site from driving a learner's shell through their browser.
   */
  allowedOrigins?: string[];
}

/** Bridges `/api/sessions/:id/terminal` WebSockets to session terminals. */
export function createTerminalSockets(options: TerminalSocketOptions) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    handleProtocols: (protocols) => (protocols.has(TERMINAL_PROTOCOL) ? TERMINAL_PROTOCOL : false),
  });

  /** Returns false when the upgrade is not ours, so another handler may take it. */
  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = PATH.exec(url.pathname);
    if (!match) return false;
    if (!originAllowed(req, options.allowedOrigins ?? [])) {
      rejectUpgrade(socket, 403, 'Forbidden: this terminal may be opened only from the lab itself');
      return true;
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const token = offered.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))?.slice(TOKEN_PROTOCOL_PREFIX.length);
    // The token is checked while this is still plain HTTP: a stranger never gets a WebSocket to send frames on.
    let session: Session;
    try {
      session = options.sessions.authorize(match[1]!, token ?? null);
    } catch (error) {
      const status = error instanceof ApiError ? error.status : 500;
      rejectUpgrade(socket, status, error instanceof ApiError ? error.message : 'the terminal failed to start');
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // ws reports a frame over maxPayload (and any protocol violation) as an 'error' and then
      // closes that one socket with 1009 or 1002; without a listener the error would end the runner.
      ws.on('error', () => ws.terminate());
      const cols = clampSize(url.searchParams.get('cols'), 100);
      const rows = clampSize(url.searchParams.get('rows'), 30);
      try {
        const terminal = options.sessions.terminal(session, { cols, rows });
        terminal.resize({ cols, rows });
        // The screen as it was: a reconnecting client resets and replays it.
        const scrollback = terminal.scrollback();
        if (scrollback) ws.send(scrollback);
        const detach = terminal.attach((data) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(data);
        });
        const stopExit = terminal.onExit(() => ws.close(CLOSE.shellExited, 'the shell exited'));
        ws.on('message', (raw, isBinary) => {
          if (isBinary) return;
          const message = parse(raw.toString());
          if (message?.t === 'i') terminal.write(message.d);
          else if (message?.t === 'r') {
            terminal.resize({ cols: clampSize(String(message.cols), 100), rows: clampSize(String(message.rows), 30) });
          }
        });
        ws.on('close', () => {
          detach();
          stopExit();
        });
      } catch (error) {
        const ended = error instanceof ApiError && error.code !== 'TerminalUnavailable';
        const reason = error instanceof ApiError ? error.message : 'the terminal failed to start';
        ws.close(ended ? CLOSE.sessionEnded : CLOSE.unavailable, truncate(reason));
      }
    });
    return true;
  }

  return { handleUpgrade, close: () => wss.close() };
}

function originAllowed(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function parse(text: string): ClientMessage | null {
  try {
    const value = JSON.parse(text) as ClientMessage;
    if (value.t === 'i' && typeof value.d === 'string') return value;
    if (value.t === 'r' && Number.isFinite(value.cols) && Number.isFinite(value.rows)) return value;
  } catch {
    // Not ours: ignored.
  }
  return null;
}

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/** Refuses an upgrade while it is still plain HTTP, with a status and a reason the browser's console shows. */
export function rejectUpgrade(socket: Duplex, status: number, message: string) {
  socket.on('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}

/** A terminal between 1x1 and 1000x1000: node-pty would otherwise take any number the client sends. */
function clampSize(value: string | null, fallback: number): number {
  const n = Math.floor(Number(value ?? fallback));
  return Number.isFinite(n) ? Math.min(1000, Math.max(1, n)) : fallback;
}

/** A close reason must fit in 123 bytes. */
const truncate = (text: string) => (Buffer.byteLength(text) <= 120 ? text : `${text.slice(0, 110)}…`);
