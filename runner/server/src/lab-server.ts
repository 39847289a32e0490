import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveKubectl } from '@paranoid/kube/kubectl-binary.ts';
import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import { type App, createApp, DEFAULT_MAX_BODY_BYTES } from './app.ts';
import type { ClusterGateway } from './cluster-gateway.ts';
import { InstructorTokens } from './instructor-token.ts';
import { PID_FILE, removeLeftovers, WORK_DIR_PREFIX } from './leftovers.ts';
import { handleNode } from './node-adapter.ts';
import type { Grader, Reachability, ScenarioCatalog } from './ports.ts';
import { ProgressStore } from './progress-store.ts';
import { ReplicaAuth } from './replica-auth.ts';
import { openChangeChannel } from './replica-notify.ts';
import { ReplicaRegistry } from './replica-registry.ts';
import { type Arrival, ReplicaRouter } from './replica-router.ts';
import { prepareSandboxHost } from './sandbox-host.ts';
import { contentSecurityPolicy, securityHeaders } from './security-headers.ts';
import { SessionManager, type TerminalMode } from './sessions.ts';
import { Signer } from './signing.ts';
import { serveStatic } from './static-site.ts';
import { createTerminalSockets, rejectUpgrade } from './terminal-socket.ts';
import { DEFAULT_RESERVE_PER_WORKSHOP, WorkshopReservations } from './workshop-reservations.ts';
import type { TrackCatalog } from './workshop-routes.ts';
import { Workshops } from './workshops.ts';

/** What a lab server is made from: the cluster provider, catalog, grader and where its data lives. */
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
   * Which kubectl the sandboxed terminal runs: `host-first` (default) takes a host kubectl
   * ≥ 1.30 under /usr and else the bundled one; `bundled` always takes the bundled, verified
   * v1.32.3 (the suites, so they test what a fresh machine gets).
   */
  terminalKubectl?: 'host-first' | 'bundled';
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
  /**
   * Requests under `/kube/<session>/` for a session's cluster API, from terminal pods
   * (cluster-gateway.ts): given when terminals run as pods.
   */
  gateway?: ClusterGateway;
  /**
   * Run as one replica among several sharing `database` (PostgreSQL): sessions held by another
   * replica are forwarded to it, and the map of who holds what is in the database.
   */
  replica?: ReplicaOptions;
}

/** This runner as one replica of several. */
export interface ReplicaOptions {
  /** Its name in the map: letters, digits and dashes (a pod name plus a per-start suffix). */
  id: string;
  /** `host:port` the other replicas reach it on: the pod IP, never a public address. */
  address: string;
  /** Shared by all replicas; signs what they forward to each other (at least 32 characters). */
  secret: string;
  /** How often it renews its lease (tests shorten it). */
  heartbeatMs?: number;
  /** After how long without a heartbeat a replica is dead. */
  leaseMs?: number;
}

/** A running lab's parts, for the CLI to serve and for tests to drive. */
export interface LabServer {
  app: App;
  sessions: SessionManager;
  store: ProgressStore;
  server: Server;
  terminals: TerminalMode;
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  /**
   * Stops taking new sessions (readiness answers 503, the other replicas stop sending new ones
   * here) and waits until the live ones have ended or `timeoutMs` has passed; then call close().
   * Resolves to the number of sessions still live at the deadline.
   */
  drain(reason: string, timeoutMs: number): Promise<number>;
  /** As one replica of several: the ids of the live replicas in the map (this one included). */
  liveReplicas?: () => Promise<string[]>;
  close(): Promise<void>;
}

/** How terminals are offered on this machine, and why not when they are not. */
export function terminalMode(
  unsafeLocalShell: boolean,
  workDir: string,
  certificate: (() => { cert: string; key: string }) | undefined,
  kubectl: 'host-first' | 'bundled' = 'host-first',
): TerminalMode {
  const prepared = certificate
    ? prepareSandboxHost(workDir, {
        certificate,
        ...(kubectl === 'bundled' ? { kubectl: () => resolveKubectl({ preferBundled: true }) } : {}),
      })
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
    options.terminals ??
    terminalMode(options.unsafeLocalShell ?? false, workDir, options.relayCertificate, options.terminalKubectl);
  if (options.replica && !/^postgres(ql)?:\/\//.test(options.database)) {
    throw new Error(
      'failed to start as a replica: replicas share their state through PostgreSQL; give --database postgres://... (or PARANOID_DATABASE_URL)',
    );
  }
  if (options.replica && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(options.replica.id)) {
    throw new Error(
      `failed to start as a replica: id ${JSON.stringify(options.replica.id)} is not letters, digits and dashes`,
    );
  }
  const auth = options.replica ? new ReplicaAuth(options.replica.secret) : undefined;
  const store = await ProgressStore.open(options.database);
  // The router needs the sessions and the sessions tell the router: one late-bound hand-off.
  let router: ReplicaRouter | undefined;
  const sessions = new SessionManager({
    provider: options.provider,
    workDir,
    terminals,
    ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
    ...(options.maxSessions ? { maxSessions: options.maxSessions } : {}),
    ...(options.maxSessionsPerAddress ? { maxSessionsPerAddress: options.maxSessionsPerAddress } : {}),
    ...(options.createsPerMinute ? { createsPerMinute: options.createsPerMinute } : {}),
    ...(options.replica
      ? {
          events: {
            created: (s) => router!.events.created(s),
            extended: (s) => router!.events.extended(s),
            ended: (id) => router!.events.ended(id),
            reserve: (r, caps) => router!.events.reserve!(r, caps),
          },
        }
      : {}),
  });
  if (options.replica && auth) {
    const registry = new ReplicaRegistry(
      store.sql,
      { id: options.replica.id, address: options.replica.address },
      Date.now,
      options.replica.leaseMs,
    );
    router = new ReplicaRouter(registry, auth, sessions, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    await router.start(options.replica.heartbeatMs);
  }
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
  // Another replica changed a workshop: rosters here recompute, and if it was ended, the sessions
  // this replica holds for it end too (the instructor's End reached only one replica).
  const changedElsewhere = async (id: string) => {
    workshops.changedElsewhere(id);
    const w = await store.workshop(id).catch(() => undefined);
    if (w?.endedAt !== null && w?.endedAt !== undefined) {
      await Promise.all(sessions.list(id).map((s) => sessions.delete(s.id)));
    }
  };
  const channel = options.replica
    ? await openChangeChannel(options.database, options.replica.id, (id) => void changedElsewhere(id))
    : undefined;
  if (channel) workshops.publishTo((id) => channel.publish(id));
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
      // Replicas sign with one key, kept in their database, so any of them verifies what another signed.
      signer: router
        ? await Signer.shared(store.sql, options.dataDir)
        : options.dataDir
          ? Signer.fromDataDir(options.dataDir)
          : Signer.ephemeral(),
      ...(router ? { peers: router.peers } : {}),
      ...(options.rosterTickMs ? { rosterTickMs: options.rosterTickMs } : {}),
    },
  });
  const sockets = createTerminalSockets({ sessions, allowedOrigins: options.allowedOrigins ?? [] });
  const headers = securityHeaders(contentSecurityPolicy(options.siteDir));
  const server = createServer(async (req, res) => {
    for (const [key, value] of Object.entries(headers)) res.setHeader(key, value);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (options.gateway?.handle(req, res)) return;
    if (path === '/api' || path.startsWith('/api/')) {
      let arrival: Arrival = { forwarded: false };
      if (router) {
        const read = await router.arrival(req);
        if (read instanceof Error) {
          const refused = read.toResponse();
          // Its own headers too: Retry-After on a 503 tells the learner's page when to try again.
          const refusedHeaders: Record<string, string> = {};
          refused.headers.forEach((value, key) => {
            refusedHeaders[key] = value;
          });
          res.writeHead(refused.status, refusedHeaders);
          res.end(await refused.text());
          return;
        }
        arrival = read;
        if (await router.http(req, res, arrival)) return;
      }
      if (arrival.forwarded) await handleNode(app, req, res, maxBodyBytes, arrival.clientAddress, arrival.body);
      else await handleNode(app, req, res, maxBodyBytes);
      return;
    }
    if (options.siteDir && (await serveStatic(options.siteDir, req, res))) return;
    if (options.siteDir && (await serveNotFound(options.siteDir, req, res))) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  });
  server.on('upgrade', async (req, socket, head) => {
    if (options.gateway?.upgrade(req, socket, head)) return;
    if (router) {
      const arrival = router.upgradeArrival(req);
      if (arrival instanceof Error) {
        rejectUpgrade(socket, arrival.status, arrival.message);
        return;
      }
      socket.on('error', () => socket.destroy());
      if (await router.upgrade(req, socket, head, arrival)) return;
    }
    if (!sockets.handleUpgrade(req, socket, head)) socket.destroy();
  });
  let draining: Promise<void> | undefined;
  return {
    app,
    sessions,
    store,
    server,
    terminals,
    ...(router ? { liveReplicas: () => router.liveReplicaIds() } : {}),
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address();
          const actual = typeof address === 'object' && address ? address.port : port;
          resolve({ url: `http://${host}:${actual}`, port: actual });
        });
      }),
    async drain(reason, timeoutMs) {
      draining ??= sessions.drain(reason);
      await router?.drain().catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([draining, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      return sessions.size;
    },
    async close() {
      reservations.stop();
      await sessions.shutdown();
      await router?.stop();
      await channel?.close();
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
