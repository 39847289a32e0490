import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { exitStatusOf, type KubeClient } from './client.ts';

/** The channel protocols asked for, best first: v5 can close stdin on its own; v4 is what older servers speak. */
export const EXEC_STREAM_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** Channels of the Kubernetes remote-command protocol. */
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

/** Bytes queued towards the API server before keystrokes wait (a paste of a large file, a stuck server). */
const MAX_SEND_BUFFER = 1024 * 1024;

/** Which container to exec into, what to run and which of stdin/tty to attach, for {@link openExecStream}. */
export interface ExecStreamRequest {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  size: { cols: number; rows: number };
  /** How long the upgrade may take before it is given up (default 15 s). */
  connectTimeoutMs?: number;
  /** The channel protocols to offer (default {@link EXEC_STREAM_PROTOCOLS}). */
  protocols?: string[];
}

/** An interactive process in a container: its terminal as a byte stream, as `kubectl exec -it` has it. */
export interface ExecStream {
  /** Writes go to the process's stdin; reads are its terminal output. */
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** The exit code from the Status the server sends last; null when the stream ended without one. */
  exitCode(): Promise<number | null>;
  /** The channel protocol the server chose. */
  protocol: string;
}

/**
 * Opens an interactive exec with a TTY over the exec WebSocket (`v5.channel.k8s.io`,
 * falling back to `v4`): what the kind provider does with Docker exec, through the
 * Kubernetes API instead, so the pod may be on any node of any cluster. Resolves once
 * the server has accepted the upgrade; an RBAC refusal or a missing pod rejects with the
 * server's own message.
 */
export function openExecStream(client: KubeClient, request: ExecStreamRequest): Promise<ExecStream> {
  const query = new URLSearchParams();
  for (const arg of request.command) query.append('command', arg);
  if (request.container) query.set('container', request.container);
  for (const flag of ['stdin', 'stdout', 'tty']) query.set(flag, 'true');
  const where = `${request.namespace}/${request.pod}`;
  const { url, options } = client.requestOptions(
    `/api/v1/namespaces/${encodeURIComponent(request.namespace)}/pods/${encodeURIComponent(request.pod)}/exec?${query}`,
  );
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, request.protocols ?? EXEC_STREAM_PROTOCOLS, {
      headers: options.headers as Record<string, string>,
      ...(url.protocol === 'wss:'
        ? {
            ca: options.ca as string | undefined,
            cert: options.cert as string | undefined,
            key: options.key as string | undefined,
            rejectUnauthorized: options.rejectUnauthorized !== false,
          }
        : {}),
      handshakeTimeout: request.connectTimeoutMs ?? 15_000,
      maxPayload: 4 * 1024 * 1024,
    });
    let code: number | null | undefined;
    let settleExit: (code: number | null) => void = () => {};
    const exit = new Promise<number | null>((r) => {
      settleExit = r;
    });
    const send = (channel: number, payload: Buffer, done: (error?: Error | null) => void) => {
      if (ws.readyState !== WebSocket.OPEN) {
        done();
        return;
      }
      const frame = Buffer.concat([Buffer.from([channel]), payload]);
      // Back-pressure: a writer that outruns the server waits instead of growing memory without bound.
      if (ws.bufferedAmount > MAX_SEND_BUFFER) {
        const wait = setInterval(() => {
          if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount <= MAX_SEND_BUFFER) {
            clearInterval(wait);
            if (ws.readyState === WebSocket.OPEN) ws.send(frame, done);
            else done();
          }
        }, 10);
        return;
      }
      ws.send(frame, done);
    };
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        send(STDIN, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), done);
      },
      final(done) {
        // v5 can say "no more stdin" and keep reading; v4 can only hang up.
        if (ws.protocol === 'v5.channel.k8s.io') send(CLOSE, Buffer.from([STDIN]), done);
        else done();
      },
      destroy(error, done) {
        ws.terminate();
        done(error);
      },
    });
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      const payload = data.subarray(1);
      switch (data[0]) {
        case STDOUT:
        case STDERR:
          stream.push(payload);
          break;
        case STATUS:
          code = exitStatusOf(payload.toString('utf8')).exitCode;
          break;
      }
    });
    ws.on('open', () => {
      const resize = (cols: number, rows: number) =>
        new Promise<void>((done) =>
          send(RESIZE, Buffer.from(JSON.stringify({ Width: cols, Height: rows })), () => done()),
        );
      void resize(request.size.cols, request.size.rows);
      resolve({ stream, resize, exitCode: () => exit, protocol: ws.protocol });
    });
    ws.on('close', () => {
      settleExit(code ?? null);
      stream.push(null);
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let message = body;
        try {
          message = (JSON.parse(body) as { message?: string }).message ?? body;
        } catch {
          // Not a Status: keep the text.
        }
        reject(new Error(`failed to exec in ${where}: ${message || `HTTP ${res.statusCode}`}`));
      });
    });
    ws.on('error', (error) => {
      reject(new Error(`failed to exec in ${where}: ${error.message}`));
      stream.destroy(error);
    });
  });
}
