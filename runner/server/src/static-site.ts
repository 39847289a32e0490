import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built site from `dir`. Paths are resolved inside `dir` only; a
 * request that would climb out of it is a 404, never a file elsewhere.
 * Returns false when no file matched, so the caller can answer it.
 */
export async function serveStatic(dir: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = new URL(req.url ?? '/', 'http://localhost');
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    return false;
  }
  const target = normalize(join(dir, rel));
  if (target !== dir && !target.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return false;
  for (const candidate of [target, join(target, 'index.html'), `${target}.html`]) {
    const info = await stat(candidate).catch(() => null);
    if (!info?.isFile()) continue;
    const hashed = candidate.includes(`${sep}_astro${sep}`);
    res.writeHead(200, {
      'content-type': TYPES[extname(candidate)] ?? 'application/octet-stream',
      'content-length': info.size,
      // Astro fingerprints everything under _astro/, so those never change.
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(candidate).pipe(res);
    return true;
  }
  return false;
}
