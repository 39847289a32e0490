import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../../server/static-site.ts';

export interface ServeOptions {
  provider: 'sim' | 'kind';
  port: string;
  host?: string;
}

const SITE_DIST = fileURLToPath(new URL('../../../../site/dist', import.meta.url));

/** `paranoid serve`: the site and the runner's API on one port. */
export async function serve(options: ServeOptions): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid --port ${JSON.stringify(options.port)}: expected a number from 0 to 65535`);
  }
  if (!existsSync(SITE_DIST)) {
    process.stderr.write(`warning: no built site at ${SITE_DIST}; run \`pnpm --filter @paranoid/site build\`\n`);
  }
  const server = createServer(async (req, res) => {
    if (req.url === '/api/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', provider: options.provider }));
      return;
    }
    if (await serveStatic(SITE_DIST, req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`Paranoid is ready on http://${host}:${actual}/ (provider: ${options.provider})\n`);
}
