import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import { type App, createApp, DEFAULT_MAX_BODY_BYTES } from './app.ts';
import { PID_FILE, removeLeftovers, WORK_DIR_PREFIX } from './leftovers.ts';
import { handleNode } from './node-adapter.ts';
import type { Grader, Reachability, ScenarioCatalog } from './ports.ts';
import { ProgressStore } from './progress-store.ts';
import { sandboxUnavailableReason } from './sandbox.ts';
import { contentSecurityPolicy, securityHeaders } from './security-headers.ts';
import { SessionManager, type TerminalMode } from './sessions.ts';
import { serveStatic } from './static-site.ts';
import { createTerminalSockets } from './terminal-socket.ts';

export interface LabServerOptions {
  provider: ClusterProvider;
  catalog: ScenarioCatalog;
  grader: Grader;
  reachability?: Reachability;
  graderReady?: boolean;
  /** SQLite file for learners and progress, or `:memory:`. */
  database: string;
  /** The built site; omitted in API-only tests. */
  siteDir?: string;
  /** Run an unsandboxed shell where bubblewrap is missing (one user, own machine). */
  unsafeLocalShell?: boolean;
  /** Forces terminals off (tests of the API alone). */
  terminals?: TerminalMode;
  allowedOrigins?: string[];
  ttlMs?: number;
  maxBodyBytes?: number;
}

export interface LabServer {
  app: App;
  sessions: SessionManager;
  store: ProgressStore;
  server: Server;
  terminals: TerminalMode;
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

/** How terminals are offered on this machine, and why not when they are not. */
export function terminalMode(unsafeLocalShell: boolean): TerminalMode {
  const reason = sandboxUnavailableReason();
  if (reason === null) return { kind: 'sandbox' };
  if (unsafeLocalShell) return { kind: 'local' };
  return { kind: 'off', reason };
}

/** The whole lab behind one Node http server: API, terminal WebSockets, the static site. */
export function createLabServer(options: LabServerOptions): LabServer {
  const terminals = options.terminals ?? terminalMode(options.unsafeLocalShell ?? false);
  // A runner that crashed left its session folders, and maybe sandboxes, behind: clear them first.
  for (const dir of removeLeftovers(tmpdir()))
    process.stderr.write(`paranoid: removed what a stopped runner left: ${dir}\n`);
  const workDir = mkdtempSync(join(tmpdir(), WORK_DIR_PREFIX));
  writeFileSync(join(workDir, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  const store = new ProgressStore(options.database);
  const sessions = new SessionManager({
    provider: options.provider,
    workDir,
    terminals,
    ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
  });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = createApp({
    sessions,
    catalog: options.catalog,
    grader: options.grader,
    store,
    provider: options.provider.info(),
    ...(options.reachability ? { reachability: options.reachability } : {}),
    maxBodyBytes,
    ...(options.graderReady !== undefined ? { graderReady: options.graderReady } : {}),
  });
  const sockets = createTerminalSockets({ sessions, allowedOrigins: options.allowedOrigins ?? [] });
  const headers = securityHeaders(contentSecurityPolicy(options.siteDir));
  const server = createServer(async (req, res) => {
    for (const [key, value] of Object.entries(headers)) res.setHeader(key, value);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/api' || path.startsWith('/api/')) {
      await handleNode(app, req, res, maxBodyBytes);
      return;
    }
    if (options.siteDir && (await serveStatic(options.siteDir, req, res))) return;
    if (options.siteDir && (await serveNotFound(options.siteDir, req, res))) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  });
  server.on('upgrade', (req, socket, head) => {
    if (!sockets.handleUpgrade(req, socket, head)) socket.destroy();
  });
  return {
    app,
    sessions,
    store,
    server,
    terminals,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          const actual = typeof address === 'object' && address ? address.port : port;
          resolve({ url: `http://${host}:${actual}`, port: actual });
        });
      }),
    async close() {
      await sessions.shutdown();
      await (options.provider as { dispose?: () => Promise<void> }).dispose?.();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Astro's 404 page, with a 404 status. */
async function serveNotFound(
  dir: string,
  req: Parameters<typeof serveStatic>[1],
  res: Parameters<typeof serveStatic>[2],
): Promise<boolean> {
  if (req.method !== 'GET') return false;
  const original = res.writeHead.bind(res);
  // serveStatic answers 200; the page is right but the status must say "not found".
  res.writeHead = ((_status: number, ...rest: unknown[]) =>
    (original as (...a: unknown[]) => typeof res)(404, ...rest)) as typeof res.writeHead;
  const fake = Object.assign(Object.create(req) as typeof req, { url: '/404.html' });
  return serveStatic(dir, fake, res);
}
