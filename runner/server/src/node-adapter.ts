import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { App } from './app.ts';
import { toErrorResponse } from './app.ts';
import { ApiError } from './errors.ts';

/**
 * Runs the web-standard app behind a Node http server: the only Node-specific glue.
 * The body stream is cut off as soon as it passes `maxBodyBytes`.
 */
export async function handleNode(
  app: App,
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
  /** The learner's address when another replica forwarded the request (it signed it); else the socket's. */
  clientAddress?: string,
  /** The body, when it was already read (a forwarded request, whose digest the signature covers). */
  readBody?: Buffer,
) {
  let response: Response;
  try {
    response = await app.request(toRequest(req, maxBodyBytes, readBody), undefined, {
      address: clientAddress ?? req.socket.remoteAddress,
    });
  } catch (error) {
    response = toErrorResponse(error);
  }
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key === 'set-cookie') return;
    headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  headers['x-content-type-options'] = 'nosniff';
  res.writeHead(response.status, headers);
  if (!response.body || req.method === 'HEAD') {
    res.end();
    return;
  }
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // Streamed as it comes; when the client goes away the stream is cancelled (and its watches stop).
    const readable = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    res.on('close', () => readable.destroy());
    readable.pipe(res);
    return;
  }
  const body = Buffer.from(await response.arrayBuffer());
  res.end(body);
}

function toRequest(req: IncomingMessage, maxBodyBytes: number, body: Buffer | undefined): Request {
  const host = req.headers.host ?? 'localhost';
  const url = new URL(req.url ?? '/', `http://${host}`);
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.set(key, value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  if (hasBody && body !== undefined) {
    headers.delete('transfer-encoding');
    headers.set('content-length', String(body.length));
    return new Request(url, { method: req.method, headers, body: new Uint8Array(body) });
  }
  let seen = 0;
  const limited = hasBody
    ? (Readable.toWeb(
        req.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > maxBodyBytes) {
            req.destroy(new ApiError(413, 'PayloadTooLarge', 'the request body is too large'));
          }
        }),
      ) as ReadableStream<Uint8Array>)
    : null;
  return new Request(url, {
    method: req.method,
    headers,
    body: limited,
    // Node's fetch needs this for a streamed request body.
    ...(limited ? { duplex: 'half' } : {}),
  } as RequestInit);
}
