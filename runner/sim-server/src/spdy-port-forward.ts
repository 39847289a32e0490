import { Duplex } from 'node:stream';
import { type SecureContext, TLSSocket } from 'node:tls';
import { constants, inflateSync } from 'node:zlib';
import type { PortTunnel } from '@paranoid/sim/api/types.ts';

/**
 * The server side of `kubectl port-forward` (SPDY/3.1, as the kubelet speaks it through the API
 * server): the client opens two streams per local connection, `streamType: error` and
 * `streamType: data`, both with the `port` and the same `requestID`; the server replies to each,
 * carries the data stream's bytes to the pod's port, and writes on the error stream what went
 * wrong, if anything. Pings are answered; flow-control frames (WINDOW_UPDATE, SETTINGS) are
 * read and ignored, as spdystream does.
 */

/** Streams one port-forward connection may hold open (two per forwarded connection). */
export const MAX_PORT_FORWARD_STREAMS = 64;
/** Compressed header bytes one connection may send in all: every SYN_STREAM's block is inflated from the start. */
const MAX_HEADER_BYTES = 256 * 1024;
/** A frame longer than this ends the connection (the client sends small DATA frames). */
const MAX_FRAME_BYTES = 1024 * 1024;
/** Bytes sent on to the pod per data frame at most; larger frames are split. */
const DATA_CHUNK = 64 * 1024;

const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 1;
const RST_PROTOCOL_ERROR = 1;
const RST_REFUSED_STREAM = 3;

/** Where the SPDY bytes go: a WebSocket's binary messages or an upgraded socket. */
export interface SpdyTransport {
  write(data: Buffer): void;
  end(): void;
}

interface Stream {
  type: string;
  port: number;
  requestId: string;
  /** The pod side, once the data stream has opened it. */
  pod?: { send(data: Uint8Array): { data: Uint8Array; end: boolean }; close(): void };
  /** This side has sent its FIN. */
  closed: boolean;
  /** The client has sent its FIN or reset the stream. */
  remoteDone: boolean;
}

/**
 * One port-forward connection: feed it what the client sends, it writes the answers to the
 * transport. Returns `feed` and `close` (the transport went away: every pod stream is closed).
 */
export function spdyPortForward(
  tunnel: PortTunnel,
  transport: SpdyTransport,
  options: { secureContext?: SecureContext } = {},
): { feed(data: Buffer): void; close(): void } {
  let input = Buffer.alloc(0);
  let headerInput = Buffer.alloc(0);
  let headerOutput = 0;
  let replyStarted = false;
  let done = false;
  const streams = new Map<number, Stream>();

  const control = (type: number, flags: number, payload: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt16BE(0x8003, 0);
    head.writeUInt16BE(type, 2);
    head.writeUInt32BE(payload.length, 4);
    head[4] = flags;
    transport.write(Buffer.concat([head, payload]));
  };
  const data = (id: number, bytes: Uint8Array, fin: boolean) => {
    for (let at = 0; at < bytes.length || (at === 0 && fin); at += DATA_CHUNK) {
      const chunk = bytes.subarray(at, at + DATA_CHUNK);
      const last = at + DATA_CHUNK >= bytes.length;
      const head = Buffer.alloc(8);
      head.writeUInt32BE(id & 0x7fffffff, 0);
      head.writeUInt32BE(chunk.length, 4);
      head[4] = fin && last ? FLAG_FIN : 0;
      transport.write(Buffer.concat([head, chunk]));
      if (bytes.length === 0) break;
    }
  };
  const reset = (id: number, status: number) => {
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(id & 0x7fffffff, 0);
    payload.writeUInt32BE(status, 4);
    control(RST_STREAM, 0, payload);
  };
  /** Ends a stream from this side (FIN), and the pod's connection behind it; a data stream takes its error stream along. */
  const closeStream = (id: number) => {
    const stream = streams.get(id);
    if (!stream || stream.closed) return;
    stream.closed = true;
    stream.pod?.close();
    if (!done) data(id, Buffer.alloc(0), true);
    if (stream.remoteDone) streams.delete(id);
    // kubectl reads a request's error stream to its end before it lets the local connection go.
    if (stream.type === 'data') {
      const errorId = errorStreamOf(stream.requestId);
      if (errorId !== undefined) closeStream(errorId);
    }
  };
  const fail = (why: string) => {
    if (done) return;
    done = true;
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(0, 0);
    payload.writeUInt32BE(RST_PROTOCOL_ERROR, 4);
    control(GOAWAY, 0, payload);
    for (const id of streams.keys()) closeStream(id);
    transport.end();
    console.error('SPDYFAIL', why);
  };

  /** The error stream of a request, if the client opened it. */
  const errorStreamOf = (requestId: string) => {
    for (const [id, s] of streams) if (s.type === 'error' && s.requestId === requestId && !s.closed) return id;
    return undefined;
  };

  const onSynStream = (payload: Buffer) => {
    const id = payload.readUInt32BE(0) & 0x7fffffff;
    const headers = readHeaders(payload.subarray(10));
    if (!headers) return fail('bad header block');
    const type = headers.get('streamtype') ?? '';
    const port = Number(headers.get('port'));
    const requestId = headers.get('requestid') ?? '';
    if (type !== 'error' && type !== 'data') {
      reset(id, RST_PROTOCOL_ERROR);
      return;
    }
    // Half for each kind, so that the connections allowed are whole pairs however they interleave.
    let open = 0;
    for (const s of streams.values()) if (s.type === type) open++;
    if (open >= MAX_PORT_FORWARD_STREAMS / 2) {
      reset(id, RST_REFUSED_STREAM);
      return;
    }
    const stream: Stream = { type, port, requestId, closed: false, remoteDone: false };
    streams.set(id, stream);
    // The reply carries no headers: the kubelet's carries none either.
    const reply = Buffer.alloc(4);
    reply.writeUInt32BE(id, 0);
    control(SYN_REPLY, 0, Buffer.concat([reply, compressHeaders()]));
    if (type !== 'data') return;
    const opened = tunnel.open(port);
    if (!opened.ok) {
      // The kubelet's way: the reason on the request's error stream, which kubectl prints.
      const errorId = errorStreamOf(requestId);
      if (errorId !== undefined) data(errorId, Buffer.from(opened.message), false);
      closeStream(id);
      return;
    }
    if (!opened.tls) {
      stream.pod = { send: opened.send, close: opened.close };
      if (opened.data.length) data(id, opened.data, false);
      return;
    }
    if (!options.secureContext) {
      opened.close();
      const errorId = errorStreamOf(requestId);
      const message = `error forwarding port ${port}: it speaks TLS, and this simulator host has no certificate to end it with`;
      if (errorId !== undefined) data(errorId, Buffer.from(message), false);
      closeStream(id);
      return;
    }
    // A TLS server in the pod: its TLS ends here, with the simulator's certificate (the lab's `curl -k`).
    const wire = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        if (!stream.closed && !done) data(id, chunk, false);
        callback();
      },
    });
    const tls = new TLSSocket(wire, { isServer: true, secureContext: options.secureContext });
    tls.on('error', () => closeStream(id));
    tls.on('data', (plain: Buffer) => {
      const reply = opened.send(new Uint8Array(plain));
      if (reply.data.length) tls.write(reply.data);
      if (reply.end) tls.end(() => closeStream(id));
    });
    stream.pod = {
      send: (cipher) => {
        wire.push(Buffer.from(cipher));
        return { data: new Uint8Array(0), end: false };
      },
      close: () => {
        opened.close();
        tls.destroy();
      },
    };
  };

  const onData = (id: number, flags: number, payload: Buffer) => {
    const stream = streams.get(id);
    if (!stream) return;
    if (flags & FLAG_FIN) {
      stream.remoteDone = true;
      if (stream.closed) streams.delete(id);
    }
    if (stream.closed) return;
    if (stream.pod && payload.length) {
      const reply = stream.pod.send(new Uint8Array(payload));
      if (reply.data.length) data(id, reply.data, false);
      if (reply.end) {
        closeStream(id);
        return;
      }
    }
    // The client is done sending. On a data stream the pod has answered all it will (the
    // simulated servers answer as they read), so this side ends too; an error stream stays
    // open for the reason a later failure would write.
    if (flags & FLAG_FIN && stream.type === 'data') closeStream(id);
  };

  /** The next header block, inflated from everything the client has compressed so far (one zlib context per connection). */
  function readHeaders(block: Buffer): Map<string, string> | null {
    headerInput = Buffer.concat([headerInput, block]);
    if (headerInput.length > MAX_HEADER_BYTES) return null;
    let all: Buffer;
    try {
      all = inflateSync(headerInput, { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return null;
    }
    const text = all.subarray(headerOutput);
    headerOutput = all.length;
    const headers = new Map<string, string>();
    if (text.length < 4) return null;
    const count = text.readUInt32BE(0);
    let at = 4;
    for (let i = 0; i < count; i++) {
      if (at + 4 > text.length) return null;
      const nameLength = text.readUInt32BE(at);
      const name = text.subarray(at + 4, at + 4 + nameLength).toString('latin1');
      at += 4 + nameLength;
      if (at + 4 > text.length) return null;
      const valueLength = text.readUInt32BE(at);
      const value = text.subarray(at + 4, at + 4 + valueLength).toString('latin1');
      at += 4 + valueLength;
      if (at > text.length) return null;
      headers.set(name.toLowerCase(), value.split('\0')[0] ?? '');
    }
    return headers;
  }

  /**
   * An empty header block in this connection's zlib stream: stored (uncompressed) deflate blocks,
   * after a zlib header that names the SPDY dictionary, as any inflater with it reads them.
   */
  function compressHeaders(): Buffer {
    const empty = Buffer.alloc(4);
    const stored = Buffer.alloc(5);
    stored[0] = 0; // not final, stored
    stored.writeUInt16LE(empty.length, 1);
    stored.writeUInt16LE(~empty.length & 0xffff, 3);
    // The empty stored block after it is zlib's sync flush: an inflater hands out what it holds
    // only when it reaches one, and would otherwise read on past the end of this frame.
    const block = Buffer.concat([stored, empty, Buffer.from([0, 0, 0, 0xff, 0xff])]);
    if (replyStarted) return block;
    replyStarted = true;
    const head = Buffer.alloc(6);
    head[0] = 0x78;
    head[1] = 0x20 | fcheck(0x78, 0x20);
    head.writeUInt32BE(SPDY3_DICTIONARY_ID, 2);
    return Buffer.concat([head, block]);
  }

  return {
    feed(chunk) {
      if (done) return;
      input = Buffer.concat([input, chunk]);
      while (input.length >= 8 && !done) {
        const length = input.readUInt32BE(4) & 0xffffff;
        if (length > MAX_FRAME_BYTES) return fail('frame too large');
        if (input.length < 8 + length) return;
        const flags = input[4]!;
        const payload = input.subarray(8, 8 + length);
        const isControl = (input[0]! & 0x80) !== 0;
        if (isControl) {
          const type = input.readUInt16BE(2);
          if (type === SYN_STREAM && length >= 10) onSynStream(Buffer.from(payload));
          else if (type === RST_STREAM && length >= 8) {
            const id = payload.readUInt32BE(0) & 0x7fffffff;
            streams.get(id)?.pod?.close();
            streams.delete(id);
          } else if (type === PING && length === 4) control(PING, 0, Buffer.from(payload));
          else if (type === GOAWAY) {
            for (const stream of streams.values()) stream.pod?.close();
            done = true;
            transport.end();
          }
        } else onData(input.readUInt32BE(0) & 0x7fffffff, flags, Buffer.from(payload));
        input = input.subarray(8 + length);
      }
    },
    close() {
      done = true;
      for (const stream of streams.values()) stream.pod?.close();
    },
  };
}

/** The FCHECK bits that make a zlib header's first two bytes a multiple of 31. */
function fcheck(cmf: number, flg: number): number {
  return (31 - ((cmf * 256 + flg) % 31)) % 31;
}

function adler32(bytes: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65_521;
    b = (b + a) % 65_521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1): header
 * names and common values, each with its 32-bit length, then common text without lengths.
 */
export const SPDY3_DICTIONARY = (() => {
  const words = [
    'options',
    'head',
    'post',
    'put',
    'delete',
    'trace',
    'accept',
    'accept-charset',
    'accept-encoding',
    'accept-language',
    'accept-ranges',
    'age',
    'allow',
    'authorization',
    'cache-control',
    'connection',
    'content-base',
    'content-encoding',
    'content-language',
    'content-length',
    'content-location',
    'content-md5',
    'content-range',
    'content-type',
    'date',
    'etag',
    'expect',
    'expires',
    'from',
    'host',
    'if-match',
    'if-modified-since',
    'if-none-match',
    'if-range',
    'if-unmodified-since',
    'last-modified',
    'location',
    'max-forwards',
    'pragma',
    'proxy-authenticate',
    'proxy-authorization',
    'range',
    'referer',
    'retry-after',
    'server',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
    'user-agent',
    'vary',
    'via',
    'warning',
    'www-authenticate',
    'method',
    'get',
    'status',
    '200 OK',
    'version',
    'HTTP/1.1',
    'url',
    'public',
    'set-cookie',
    'keep-alive',
    'origin',
  ];
  const tail =
    '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
    '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
    '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
    'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
    'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
    'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';
  const parts: Buffer[] = [];
  for (const word of words) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(word.length, 0);
    parts.push(length, Buffer.from(word, 'latin1'));
  }
  parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
})();
const SPDY3_DICTIONARY_ID = adler32(SPDY3_DICTIONARY);
