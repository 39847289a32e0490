import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import { type App, createApp, DEFAULT_MAX_BODY_BYTES } from './app.ts';
import { InstructorTokens } from './instructor-token.ts';
import { PID_FILE, removeLeftovers, WORK_DIR_PREFIX } from './leftovers.ts';
import { handleNode } from './node-adapter.ts';
import type { Grader, Reachability, ScenarioCatalog } from './ports.ts';
import { ProgressStore } from './progress-store.ts';
import { prepareSandboxHost } from './sandbox-host.ts';
import { contentSecurityPolicy, securityHeaders } from './security-headers.ts';
import { SessionManager, type TerminalMode } from './sessions.ts';
import { Signer } from './signing.ts';
import { serveStatic } from './static-site.ts';
import { createTerminalSockets } from './terminal-socket.ts';
import { DEFAULT_RESERVE_PER_WORKSHOP, WorkshopReservations } from './workshop-reservations.ts';
import type { TrackCatalog } from './workshop-routes.ts';
import { Workshops } from './workshops.ts';

export interface LabServerOptions {
  provider: ClusterProvider;
  catalog: ScenarioCatalog;
  grader: Grader;
  reachability?: Reachability;
  graderReady?: boolean;
  /** Where learners, progress and workshops are kept: a SQLite file, `:memory:`, or `postgres://...`. */
  database: string;
  /**
   * The runner's data dir: its signing key and the instructor token's hash. Without one,
   * a key lives in memory and no instructor token exists (workshop routes answer 401).
   */
  dataDir?: string;
  /** Tracks from content/tracks; none when omitted. */
  tracks?: TrackCatalog;
  /** How often live rosters are resent with nothing changed. */
  rosterTickMs?: number;
  /**
   * Clusters made ahead for each open workshop's first scenario, one per seat not yet
   * started, up to this many (default 20; 0 turns it off). What a room joining at once needs.
   */
  reservePerWorkshop?: number;
  /** The built site; omitted in API-only tests. */
  siteDir?: string;
  /** Run an unsandboxed shell where bubblewrap is missing (one user, own machine). */
  unsafeLocalShell?: boolean;
  /**
   * Makes the serving certificate of the sandboxes' API relay (sim-server's `selfSignedCertificate`:
   * this package may not import the simulator's host, so the CLI passes it in).
   */
  relayCertificate?: () => { cert: string; key: string };
  /** Forces terminals off (tests of the API alone). */
  terminals?: TerminalMode;
  allowedOrigins?: string[];
  ttlMs?: number;
  /** Most sessions alive at once (default 64); the next Start is refused. */
  maxSessions?: number;
  /** Most sessions live or starting from one client address (default 16): raise it behind a proxy. */
  maxSessionsPerAddress?: number;
  /** Session creations a minute per client address and per learner (default 30 and 10). */
  createsPerMinute?: { perAddress: number; perLearner: number };
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
export function terminalMode(
  unsafeLocalShell: boolean,
  workDir: string,
  certificate: (() => { cert: string; key: string }) | undefined,
): TerminalMode {
  const prepared = certificate
    ? prepareSandboxHost(workDir, { certificate })
    : { ok: false as const, reason: 'the runner was started without a certificate for the terminal relay' };
  if (prepared.ok) return { kind: 'sandbox', host: prepared.host };
  if (unsafeLocalShell) return { kind: 'local' };
  return { kind: 'off', reason: prepared.reason };
}

/** The whole lab behind one Node http server: API, terminal WebSockets, the static site. */
export async function createLabServer(options: LabServerOptions): Promise<LabServer> {
  // A runner that crashed left its session folders, and maybe sandboxes, behind: clear them first.
  for (const dir of await removeLeftovers({ sessionsRoot: tmpdir() }))
    process.stderr.write(`paranoid: removed what a stopped runner left: ${dir}\n`);
  const workDir = mkdtempSync(join(tmpdir(), WORK_DIR_PREFIX));
  writeFileSync(join(workDir, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  const terminals =
    options.terminals ?? terminalMode(options.unsafeLocalShell ?? false, workDir, options.relayCertificate);
  const store = await ProgressStore.open(options.database);
  const sessions = new SessionManager({
    provider: options.provider,
    workDir,
    terminals,
    ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
    ...(options.maxSessions ? { maxSessions: options.maxSessions } : {}),
    ...(options.maxSessionsPerAddress ? { maxSessionsPerAddress: options.maxSessionsPerAddress } : {}),
    ...(options.createsPerMinute ? { createsPerMinute: options.createsPerMinute } : {}),
  });
  const workshops = new Workshops({
    store,
    scenarioExists: async (id) => (await options.catalog.get(id)) !== undefined,
    track: async (id) => options.tracks?.get(id),
  });
  const reservations = new WorkshopReservations({
    provider: options.provider,
    workshops: () => store.workshops(),
    started: (id) => new Set(sessions.list(id).map((s) => s.learnerId)).size,
    perWorkshop: options.reservePerWorkshop ?? DEFAULT_RESERVE_PER_WORKSHOP,
    onError: (error) =>
      process.stderr.write(
        `paranoid: failed to reserve clusters for workshops: ${error instanceof Error ? error.message : String(error)}\n`,
      ),
  });
  workshops.onChange(() => reservations.refresh());
  reservations.start();
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
    workshops: {
      workshops,
      tracks: options.tracks ?? { list: async () => [], get: async () => undefined },
      tokens: new InstructorTokens(options.dataDir ?? join(workDir, 'no-data-dir')),
      signer: options.dataDir ? Signer.fromDataDir(options.dataDir) : Signer.ephemeral(),
      ...(options.rosterTickMs ? { rosterTickMs: options.rosterTickMs } : {}),
    },
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
      reservations.stop();
      await sessions.shutdown();
      if (terminals.kind === 'sandbox') await terminals.host.close();
      await (options.provider as { dispose?: () => Promise<void> }).dispose?.();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
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
