import type { Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import type { InternetStreams } from '@paranoid/k8s/internet.ts';

/** Raw TCP connections one sandbox may hold open to its nodes at once. */
export const MAX_NODE_STREAMS = 16;
/** Bytes a learner may send on one connection; a redis session or an HTTP exchange needs far less. */
export const MAX_NODE_STREAM_BYTES = 16 * 1024 * 1024;
/** A connection with no byte either way for this long is closed. */
export const NODE_STREAM_IDLE_MS = 5 * 60_000;
/** A connection that the simulated network drops is held this long, as a real SYN would hang. */
const DROPPED_HOLD_MS = 20_000;
/** The relay's first line must arrive at once: it writes it before any byte of the learner's. */
const HEADER_MS = 5_000;

/** Where the node streams of one sandbox go and how the terminal is told about a bound. */
export interface NodeStreamOptions {
  streams: InternetStreams;
  /** The relay's certificate, to end the learner's TLS (`curl -k https://NODE:PORT`) before the stream. */
  secureContext: SecureContext;
  /** A line for the terminal: a bound was reached and a connection closed. */
  onNotice(text: string): void;
  limits?: { connections?: number; bytes?: number; idleMs?: number };
}

/**
 * Answers the relay's node connections (`nodes.sock`): the first line is the `ADDRESS PORT`
 * the learner dialled inside the sandbox; the rest are their bytes, carried into the session's
 * simulated network as a TCP stream from outside the cluster (`InternetStreams`). Nothing on
 * the host is dialled. Bounded per sandbox in connections, bytes and idle time, each with a
 * line in the terminal saying which bound closed which connection.
 */
export function nodeStreamHandler(options: NodeStreamOptions): (socket: Socket) => void {
  const maxConnections = options.limits?.connections ?? MAX_NODE_STREAMS;
  const maxBytes = options.limits?.bytes ?? MAX_NODE_STREAM_BYTES;
  const idleMs = options.limits?.idleMs ?? NODE_STREAM_IDLE_MS;
  let open = 0;

  return (socket) => {
    socket.on('error', () => socket.destroy());
    readHeader(socket).then((target) => {
      if (!target) {
        socket.destroy();
        return;
      }
      if (open >= maxConnections) {
        options.onNotice(
          `connection to ${target.host}:${target.port} refused: this terminal already holds ${maxConnections} connections to the cluster's nodes; close one first`,
        );
        socket.destroy();
        return;
      }
      open++;
      socket.once('close', () => open--);
      void carry(socket, target, options, { maxBytes, idleMs }).catch(() => socket.destroy());
    });
  };
}

/** The relay's `ADDRESS PORT\n`, or null when what came is not one. */
function readHeader(socket: Socket): Promise<{ host: string; port: number } | null> {
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => done(null), HEADER_MS);
    const done = (value: { host: string; port: number } | null) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const nl = buffer.indexOf(10);
      if (nl < 0) {
        if (buffer.length > 64) done(null);
        return;
      }
      const match = /^(\d{1,3}(?:\.\d{1,3}){3}) (\d{1,5})$/.exec(buffer.subarray(0, nl).toString('latin1'));
      const port = Number(match?.[2]);
      done(match && port > 0 && port < 65_536 ? { host: match[1]!, port } : null);
      // The learner's first bytes, if they came with the line, are theirs to read again.
      const rest = buffer.subarray(nl + 1);
      if (rest.length) socket.unshift(rest);
    };
    socket.on('data', onData);
  });
}

async function carry(
  socket: Socket,
  target: { host: string; port: number },
  options: NodeStreamOptions,
  bounds: { maxBytes: number; idleMs: number },
): Promise<void> {
  const opened = await options.streams.open(target);
  if (socket.destroyed) {
    if (opened.ok) void options.streams.close(opened.id);
    return;
  }
  if (!opened.ok) {
    // A dropped connection hangs, as a real one would; anything else ends at once.
    if (opened.error === 'timeout') {
      const timer = setTimeout(() => socket.destroy(), DROPPED_HOLD_MS);
      socket.once('close', () => clearTimeout(timer));
      socket.resume();
    } else socket.destroy();
    return;
  }
  const id = opened.id;
  let io: Socket | TLSSocket = socket;
  if (opened.tls) {
    const first = await firstChunk(socket);
    if (!first) {
      void options.streams.close(id);
      socket.destroy();
      return;
    }
    socket.unshift(first);
    if (first[0] !== 0x16) {
      // What Go's net/http answers plain HTTP on a TLS port.
      socket.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
      void options.streams.close(id);
      return;
    }
    const tls = new TLSSocket(socket, { isServer: true, secureContext: options.secureContext });
    tls.on('error', () => socket.destroy());
    io = tls;
  }
  let received = 0;
  let ended = false;
  let chain: Promise<unknown> = Promise.resolve();
  const finish = () => {
    if (ended) return;
    ended = true;
    void Promise.resolve(options.streams.close(id)).catch(() => undefined);
  };
  socket.once('close', finish);
  if (opened.data.length) io.write(opened.data);
  socket.setTimeout(bounds.idleMs, () => {
    options.onNotice(
      `closed the connection to ${target.host}:${target.port}: nothing was sent either way for ${Math.round(bounds.idleMs / 1000)} s`,
    );
    socket.destroy();
  });
  io.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > bounds.maxBytes) {
      options.onNotice(
        `closed the connection to ${target.host}:${target.port}: it sent more than ${bounds.maxBytes / 1024 / 1024} MiB`,
      );
      socket.destroy();
      return;
    }
    // One chunk at a time, in order: the learner's socket waits while the cluster answers.
    io.pause();
    chain = chain
      .then(() => options.streams.send(id, new Uint8Array(chunk)))
      .then((reply) => {
        if (ended || socket.destroyed) return;
        if (reply.data.length) io.write(reply.data);
        if (reply.end) {
          finish();
          io.end();
        } else io.resume();
      })
      .catch(() => socket.destroy());
  });
  // The learner half-closed (`nc` at the end of its input): answers still in flight go out first.
  io.on('end', () => {
    void chain.then(() => {
      finish();
      io.end();
    });
  });
  io.resume();
}

function firstChunk(socket: Socket): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      cleanup();
      socket.pause();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.resume();
  });
}
