import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provisionScenario } from '@paranoid/catalog/apply.ts';
import { loadScenario, scenarioDirs } from '@paranoid/catalog/load.ts';
import { mapNamespaces } from '@paranoid/grader/namespace-map.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { createKubeApi, KubeClient } from '@paranoid/kube/client.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import { parseManifests } from '@paranoid/kube/manifests.ts';
import { kindProviderFor } from '@paranoid/providers/kind/for-scenarios.ts';
import { KIND_WARNING } from '@paranoid/providers/kind/kind-provider.ts';
import { runnerInstanceId } from '@paranoid/providers/kind/labels.ts';
import { ownerOnThisHostMayBeAlive, startReaper } from '@paranoid/providers/kind/reaper.ts';
import { NamespaceProvider, type NamespaceScenario } from '@paranoid/providers/namespace/namespace-provider.ts';
import { startNamespaceReaper } from '@paranoid/providers/namespace/reaper.ts';
import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import { type SimHost, SimProvider } from '@paranoid/providers/sim-provider.ts';
import { NetworkMap } from '@paranoid/server/cluster-map.ts';
import { FsCatalog } from '@paranoid/server/fs-catalog.ts';
import { FsTracks } from '@paranoid/server/fs-tracks.ts';
import { createLabServer, type LabServer, type ReplicaOptions } from '@paranoid/server/lab-server.ts';
import { type KubeApiFactory, SchemaGrader } from '@paranoid/server/schema-grader.ts';
import type { TerminalMode } from '@paranoid/server/sessions.ts';
import { simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import type { ClusterOptions } from '@paranoid/sim/cluster.ts';
import { createSimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';
import { selfSignedCertificate } from '@paranoid/sim-server/tls.ts';
import { createSimWorkerPool } from '@paranoid/sim-server/worker-pool.ts';
import { defaultDataDir } from '../data-dir.ts';
import { watchLauncher } from '../launcher-watch.ts';
import { type PodTerminalOptions, withPodTerminals } from '../pod-terminal-setup.ts';
import { progressBar } from '../progress-bar.ts';

/** Flags of `paranoid serve`: which provider backs learners' clusters and where the runner listens. */
export interface ServeOptions {
  provider: 'sim' | 'kind' | 'namespace';
  port: string;
  host?: string;
  /** The runner's data dir: progress (SQLite), the signing key, the instructor token's hash. */
  dataDir?: string;
  /** `postgres://...` keeps learners, progress and workshops in PostgreSQL instead of SQLite. */
  database?: string;
  /** Without bubblewrap, run the learner's shell unsandboxed: for one user on their own machine only. */
  unsafeLocalShell?: boolean;
  /** Which kubectl the sandboxed terminal runs (lab-server.ts); the default takes the host's first. */
  terminalKubectl?: 'host-first' | 'bundled';
  /** More origins allowed to open terminals (a reverse proxy's public origin). */
  allowedOrigin?: string[];
  /** kind: ready clusters kept waiting for the next learner. */
  warmPool?: string;
  /** kind: most clusters alive at once. */
  maxClusters?: string;
  /** Most live sessions at once (the chart's session cap per replica). */
  maxSessions?: string;
  /** Minutes a session lives unless extended. */
  sessionTtl?: string;
  /** Most sessions live or starting from one client address. */
  maxSessionsPerAddress?: string;
  /** Session creations a minute, per client address (per learner: a third of it, at least 10). */
  startsPerMinute?: string;
  /** `host:port` the other replicas reach this one on: makes this runner one replica of several. */
  replicaAddress?: string;
  /** This replica's name in the map; a per-start suffix is added. */
  replicaId?: string;
  /** Seconds a stopping replica waits for its live sessions to end. */
  drainTimeout?: string;
  /** namespace: the host cluster's kubeconfig file (default: the pod's service account, in a cluster). */
  hostKubeconfig?: string;
  /** namespace: the learner's toolbox image. */
  toolboxImage?: string;
  /** The scenarios directory the catalog reads (default: the repository's; tests give their own). */
  scenarios?: string;
  /** `sandbox` (default: bubblewrap on this machine) or `pod` (a toolbox pod per session; in Kubernetes). */
  terminals?: 'sandbox' | 'pod';
  /** pod: the terminals namespace. */
  terminalsNamespace?: string;
  /** pod: the toolbox image. */
  terminalImage?: string;
  /** pod: the runner's gateway as terminal pods reach it (`https://<service>.<namespace>.svc:<port>`). */
  gatewayUrl?: string;
  /** pod: the port the gateway listens on (HTTPS, default 7443). */
  gatewayPort?: string;
  /** pod: the runner pods' labels (`k=v,k=v`), the one peer terminal pods may reach. */
  runnerSelector?: string;
  /** pod: the runner pods' namespace (default $POD_NAMESPACE). */
  runnerNamespace?: string;
  reservePerWorkshop?: string;
}

const SITE_DIST = fileURLToPath(new URL('../../../../site/dist', import.meta.url));
const SCENARIOS = fileURLToPath(new URL('../../../../scenarios', import.meta.url));
const TRACKS = fileURLToPath(new URL('../../../../content/tracks', import.meta.url));
/**
 * How long a new cluster's setup may take to come to rest before the session gets it anyway:
 * the learner then sees pods still starting, as on any fresh cluster. On kind, containers are
 * pulled and started, and the session is not worth having before they run. The simulator's
 * pods come up within a second of the setup (its image pulls take 800 ms), about the time a
 * learner takes to read the first step, so waiting would only delay the prompt
 * (`pnpm bench sandbox`: start to live prompt).
 */
const KIND_SETTLE_MS = 120_000;
const SIM_SETTLE_MS = 0;
/** The longest a session lives, extensions included (the session manager's cap): a namespace's expiry. */
const MAX_SESSION_LIFE_MS = 4 * 60 * 60_000;

/** The lab as `serve` runs it, not yet listening: the bench and tests start it the same way. */
export async function createServeLab(
  options: Omit<ServeOptions, 'port' | 'maxSessions'> & {
    rosterTickMs?: number;
    maxSessions?: number | string;
    /** The replicas' shared secret (serve reads it from PARANOID_REPLICA_SECRET, never the command line). */
    replicaSecret?: string;
  },
): Promise<LabServer & { prewarm(): void; gatewayPort?: number }> {
  const replica = replicaOptions(options);
  const maxSessions =
    options.maxSessions === undefined ? undefined : limit(String(options.maxSessions), '--max-sessions', 10_000);
  const ttlMinutes = options.sessionTtl === undefined ? undefined : limit(options.sessionTtl, '--session-ttl', 24 * 60);
  const perAddress =
    options.maxSessionsPerAddress === undefined
      ? undefined
      : limit(options.maxSessionsPerAddress, '--max-sessions-per-address', 10_000);
  const startsPerMinute =
    options.startsPerMinute === undefined ? undefined : limit(options.startsPerMinute, '--starts-per-minute', 10_000);
  // 0 is a valid answer here (no reservations), which `limit` refuses.
  const reserve = options.reservePerWorkshop?.trim();
  const reservePerWorkshop =
    reserve === undefined ? undefined : reserve === '0' ? 0 : limit(reserve, '--reserve-per-workshop', 1000);
  const catalog = new FsCatalog(options.scenarios ?? SCENARIOS);
  const made = await makeProvider({ ...options, sessionLifeMs: MAX_SESSION_LIFE_MS }, catalog);
  const { stop, warm } = made;
  // The pod reaper asks the replica map, which exists once the lab does; until then it reaps by TTL only.
  let liveReplicas: (() => Promise<string[]>) | undefined;
  const pods =
    options.terminals === 'pod'
      ? withPodTerminals(made.provider, {
          ...podTerminalOptions(options),
          ...(replica
            ? { replica: { id: replica.id, live: async () => new Set((await liveReplicas?.()) ?? []) } }
            : {}),
        })
      : undefined;
  const provider = pods?.provider ?? made.provider;
  const terminals = pods?.terminals ?? made.terminals;
  const grader = new SchemaGrader((id) => catalog.scenario(id), kubeApiFactory);
  const dataDir = options.dataDir ?? defaultDataDir();
  const tracks = new FsTracks(TRACKS, async () => new Set((await catalog.list()).map((s) => s.id)));
  const lab = await createLabServer({
    provider,
    catalog,
    grader,
    reachability: new NetworkMap((id) => catalog.scenario(id)?.attack ?? []),
    database: options.database ?? join(dataDir, 'progress.sqlite'),
    dataDir,
    tracks,
    ...(options.rosterTickMs ? { rosterTickMs: options.rosterTickMs } : {}),
    ...(maxSessions ? { maxSessions } : {}),
    ...(ttlMinutes ? { ttlMs: ttlMinutes * 60_000 } : {}),
    ...(perAddress ? { maxSessionsPerAddress: perAddress } : {}),
    ...(reservePerWorkshop !== undefined ? { reservePerWorkshop } : {}),
    ...(startsPerMinute
      ? { createsPerMinute: { perAddress: startsPerMinute, perLearner: Math.max(10, Math.ceil(startsPerMinute / 3)) } }
      : {}),
    siteDir: SITE_DIST,
    unsafeLocalShell: options.unsafeLocalShell ?? false,
    ...(options.terminalKubectl ? { terminalKubectl: options.terminalKubectl } : {}),
    relayCertificate: () => selfSignedCertificate('paranoid-relay'),
    allowedOrigins: options.allowedOrigin ?? [],
    ...(terminals ? { terminals } : {}),
    ...(replica ? { replica } : {}),
  });
  liveReplicas = lab.liveReplicas;
  let gatewayPort: number | undefined;
  if (pods) {
    const port = Number(options.gatewayPort ?? '7443');
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(
        `invalid --gateway-port ${JSON.stringify(options.gatewayPort)}: expected a number from 0 to 65535`,
      );
    }
    gatewayPort = await pods.listen(port, options.host ?? '127.0.0.1');
  }
  return {
    ...lab,
    ...(gatewayPort !== undefined ? { gatewayPort } : {}),
    close: async () => {
      // Sessions end (and their clusters go) before the simulator's workers stop.
      await lab.close();
      await pods?.stop();
      await stop();
    },
    // A cluster per scenario made ahead of time, so even the first Start is quick.
    prewarm: () => {
      warm?.();
      void catalog.list().then((list) => (provider as SimProvider).prewarm?.(list.map((s) => s.id)));
    },
  };
}

/** `paranoid serve`: the site and the runner's API on one port. */
export async function serve(options: ServeOptions): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid --port ${JSON.stringify(options.port)}: expected a number from 0 to 65535`);
  }
  if (!existsSync(SITE_DIST)) {
    process.stderr.write(`warning: no built site at ${SITE_DIST}; run \`pnpm --filter @paranoid/site build\`\n`);
  }
  // The launch chain is read before anything else: by the time the lab is ready, a signal
  // may already have ended part of it.
  const launcher = watchLauncher();
  const lab = await createServeLab({
    ...options,
    ...(process.env.PARANOID_REPLICA_SECRET ? { replicaSecret: process.env.PARANOID_REPLICA_SECRET } : {}),
  });
  const host = options.host ?? '127.0.0.1';
  const { url } = await lab.listen(port, host);
  if (lab.terminals.kind === 'off') process.stderr.write(`warning: terminals are off: ${lab.terminals.reason}\n`);
  if (lab.terminals.kind === 'local') {
    process.stderr.write('warning: --unsafe-local-shell: learner shells run unsandboxed as your own user\n');
  }
  process.stdout.write(`Paranoid is ready on ${url}/ (provider: ${options.provider})\n`);
  lab.prewarm();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // A close that hangs must not keep the port: give it ten seconds.
    setTimeout(() => process.exit(1), 10_000).unref();
    await lab.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGHUP', stop);
  if (options.replicaAddress) {
    // A rolling update: take no new session, let the live ones run to their end, then go.
    const ttlSeconds = (options.sessionTtl ? Number(options.sessionTtl) : 45) * 60;
    const drainSeconds =
      options.drainTimeout === undefined ? ttlSeconds : limit(options.drainTimeout, '--drain-timeout', 24 * 60 * 60);
    process.once('SIGTERM', async () => {
      if (stopping) return;
      process.stderr.write(
        `paranoid: draining: ${lab.sessions.size} live session(s); taking no new one; stopping when they end or in ${drainSeconds} s\n`,
      );
      const left = await lab.drain('this runner is stopping for an update', drainSeconds * 1000);
      process.stderr.write(`paranoid: drained (${left} session(s) still live at the deadline end now); stopping\n`);
      await stop();
    });
  } else {
    process.once('SIGTERM', stop);
  }
  // SIGTERM to `npm start` or `pnpm` ends that process but not this one: stop when it goes.
  launcher.onGone(() => {
    process.stderr.write('paranoid: the process that started the lab has stopped; stopping too\n');
    void stop();
  });
}

/** The replica options of a runner started with --replica-address, or undefined for a lone runner. */
function replicaOptions(options: {
  replicaAddress?: string;
  replicaId?: string;
  replicaSecret?: string;
}): ReplicaOptions | undefined {
  if (!options.replicaAddress) return undefined;
  if (!/^[^\s/]+:\d{1,5}$/.test(options.replicaAddress)) {
    throw new Error(
      `invalid --replica-address ${JSON.stringify(options.replicaAddress)}: expected host:port (the pod IP and the runner's port)`,
    );
  }
  if (!options.replicaSecret) {
    throw new Error('failed to start as a replica: set PARANOID_REPLICA_SECRET (the same on every replica)');
  }
  // A name per start: a restarted runner holds none of its earlier sessions, and must not answer for them.
  const base = (options.replicaId ?? hostname())
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 48);
  return {
    id: `${base}-${randomBytes(4).toString('hex')}`,
    address: options.replicaAddress,
    secret: options.replicaSecret,
  };
}

interface ProviderSetup {
  provider: ClusterProvider;
  /** Overrides how terminals run (kind: an exec into the session's toolbox container). */
  terminals?: TerminalMode;
  stop(): void | Promise<void>;
  /** Starts making clusters ahead of the first learner. */
  warm?(): void;
}

async function makeProvider(
  options: Pick<ServeOptions, 'provider' | 'warmPool' | 'maxClusters' | 'hostKubeconfig' | 'toolboxImage'> & {
    sessionLifeMs: number;
  },
  catalog: FsCatalog,
): Promise<ProviderSetup> {
  const setup = async (scenarioId: string) => {
    const scenario = await catalog.get(scenarioId);
    return (scenario?.manifests ?? []).flatMap((file) => parseManifests(file.content));
  };
  if (options.provider === 'namespace') {
    return makeNamespaceProvider(
      {
        hostKubeconfig: hostKubeconfig(options.hostKubeconfig),
        toolboxImage: toolboxImage(options.toolboxImage),
        ttlMs: options.sessionLifeMs,
      },
      async (id) => {
        const scenario = catalog.scenario(id);
        if (!scenario) return undefined;
        return {
          ...(scenario.runsInNamespace ? { runsInNamespace: scenario.runsInNamespace } : {}),
          setup: (await setup(id)) as KubeObject[],
        };
      },
    );
  }
  if (options.provider === 'kind') {
    return makeKindProvider(setup, {
      warmPool: count(options.warmPool ?? '1', '--warm-pool'),
      maxClusters: count(options.maxClusters ?? '4', '--max-clusters'),
    });
  }
  const host = await loadSimHost();
  return { provider: new SimProvider({ host, setup, settleTimeoutMs: SIM_SETTLE_MS }), stop: () => host.close() };
}

/**
 * One real kind cluster per session. Its setup is applied through the API once the
 * cluster is up; the learner's terminal is an exec into the session's toolbox
 * container; a reaper deletes what earlier runs left behind, at start and every
 * minute after, and the host firewall rules of toolboxes that no longer run.
 */
async function makeKindProvider(
  setup: (scenarioId: string) => Promise<KubeObject[]>,
  limits: { warmPool: number; maxClusters: number },
): Promise<ProviderSetup> {
  const scenarios = scenarioDirs(SCENARIOS).flatMap((dir) => loadScenario(dir, SCENARIOS).scenario ?? []);
  const kind = kindProviderFor(scenarios, {
    ttlMs: 4 * 60 * 60_000,
    ...limits,
    onPoolError: (error) =>
      process.stderr.write(`warm pool: ${error instanceof Error ? error.message : String(error)}\n`),
  });
  process.stderr.write(`warning: ${KIND_WARNING}\n`);
  const { docker, kind: cli, owner } = kind.engines;
  const stopReaper = startReaper({
    docker,
    kind: cli,
    owner,
    intervalMs: 60_000,
    isActive: (session) => kind.servesSession(session),
    onError: (error) => process.stderr.write(`reaper: ${error instanceof Error ? error.message : error}\n`),
    onReap: ({ clusters, fenceRules }) => {
      if (clusters.length > 0) process.stderr.write(`reaper: deleted ${clusters.length} left-over cluster(s)\n`);
      if (fenceRules > 0) process.stderr.write(`reaper: removed ${fenceRules} stale toolbox fence rule(s)\n`);
    },
  });
  const provider: ClusterProvider = {
    info: () => kind.info(),
    list: () => kind.list(),
    delete: (id) => kind.delete(id),
    async create(options) {
      const log = progressBar(process.stderr, `session ${options.sessionId}`);
      const handle = await kind.create({
        ...options,
        onProgress: (u) => {
          log(u);
          options.onProgress?.(u);
        },
      });
      if (options.scenarioId) {
        const client = new KubeClient(handle.kubeconfig);
        try {
          await provisionScenario(client, await setup(options.scenarioId), { settleTimeoutMs: KIND_SETTLE_MS });
        } catch (error) {
          await kind.delete(handle.id);
          throw error;
        } finally {
          client.close();
        }
      }
      return handle;
    },
  };
  return {
    provider,
    terminals: { kind: 'toolbox', open: (cluster, size) => kind.openShell(cluster.id, size) },
    stop: () => {
      stopReaper();
      void kind.close();
    },
    warm: () => kind.warm(),
  };
}

/**
 * A namespace per session on an existing cluster (providers/namespace): the learner's
 * terminal is an exec into their toolbox pod through the Kubernetes API; a reaper ends
 * namespaces past their expiry or left by a runner that is gone, at start and every minute.
 */
function makeNamespaceProvider(
  options: { hostKubeconfig: string; toolboxImage: string; ttlMs: number },
  scenario: (id: string) => Promise<NamespaceScenario | undefined>,
): ProviderSetup {
  const owner = runnerInstanceId(hostname(), process.pid, randomBytes(3).toString('hex'));
  const provider = new NamespaceProvider({ ...options, owner, scenario, settleTimeoutMs: KIND_SETTLE_MS });
  const stopReaper = startNamespaceReaper({
    client: provider.client,
    owner,
    intervalMs: 60_000,
    isActive: (session) => provider.servesSession(session),
    ownerMayBeAlive: ownerOnThisHostMayBeAlive,
    onError: (error) => process.stderr.write(`reaper: ${error instanceof Error ? error.message : error}\n`),
  });
  return {
    provider,
    terminals: { kind: 'toolbox', open: (cluster, size) => provider.openShell(cluster.id, size) },
    stop: () => stopReaper(),
  };
}

/** `--terminals pod`'s settings from the flags, or a clear error naming the one missing. */
function podTerminalOptions(options: Omit<ServeOptions, 'port' | 'maxSessions'>): PodTerminalOptions {
  if (options.provider === 'namespace') {
    throw new Error(
      '--terminals pod is for the sim and kind providers: the namespace provider already gives each learner a toolbox pod',
    );
  }
  const image = options.terminalImage;
  if (!image)
    throw new Error('--terminals pod needs --terminal-image: an image with a shell and kubectl the cluster can pull');
  const gatewayUrl = options.gatewayUrl;
  if (!gatewayUrl || !/^https:\/\/[^/]+/.test(gatewayUrl)) {
    throw new Error(
      "--terminals pod needs --gateway-url: the runner's gateway as pods reach it, e.g. https://paranoid-gateway.paranoid.svc:7443",
    );
  }
  const runnerNamespace = options.runnerNamespace ?? process.env.POD_NAMESPACE;
  if (!runnerNamespace)
    throw new Error('--terminals pod needs --runner-namespace (or $POD_NAMESPACE): where the runner pods are');
  const podLabels: Record<string, string> = {};
  for (const pair of (options.runnerSelector ?? '').split(',').filter(Boolean)) {
    const m = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/.exec(pair.trim());
    if (!m)
      throw new Error(
        `invalid --runner-selector ${JSON.stringify(pair)}: expected key=value pairs separated by commas`,
      );
    podLabels[m[1]!] = m[2]!;
  }
  if (Object.keys(podLabels).length === 0) {
    throw new Error(
      "--terminals pod needs --runner-selector: the runner pods' labels, e.g. app.kubernetes.io/name=paranoid",
    );
  }
  const port = Number(options.gatewayPort ?? '7443');
  return {
    hostKubeconfig: hostKubeconfig(options.hostKubeconfig),
    namespace: options.terminalsNamespace ?? 'paranoid-terminals',
    image,
    gatewayUrl,
    runner: { namespace: runnerNamespace, podLabels, port: Number.isInteger(port) && port > 0 ? port : 7443 },
    ttlMs: MAX_SESSION_LIFE_MS,
  };
}

/** The host cluster's kubeconfig: the file given, or in a pod the pod's own service account. */
function hostKubeconfig(file: string | undefined): string {
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`failed to read --host-kubeconfig ${file}: ${error instanceof Error ? error.message : error}`);
    }
  }
  const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host || !existsSync(join(dir, 'token'))) {
    throw new Error(
      'failed to find the host cluster: --provider namespace needs --host-kubeconfig, or to run in a pod with a service account token',
    );
  }
  return kubeconfigYaml({
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token: readFileSync(join(dir, 'token'), 'utf8').trim(),
    certificateAuthority: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    context: 'host',
  });
}

function toolboxImage(ref: string | undefined): string {
  if (!ref) {
    throw new Error(
      '--provider namespace needs --toolbox-image: an image with a shell and kubectl that the host cluster can pull',
    );
  }
  return ref;
}

/**
 * The simulator's clusters on worker threads (sim-server/worker-pool.ts), each made with
 * its scenario's images and simulated internet (../sim-cluster-options.ts), so that no
 * cluster's request runs on the runner's own event loop.
 */
async function loadSimHost(): Promise<SimHost & { close(): Promise<void> }> {
  const workers = process.env.PARANOID_SIM_WORKERS ? Number(process.env.PARANOID_SIM_WORKERS) : undefined;
  const pool = await createSimWorkerPool({
    host: '127.0.0.1',
    ...(workers && Number.isInteger(workers) && workers > 0 ? { workers } : {}),
    clusterOptions: { module: new URL('../sim-cluster-options.ts', import.meta.url).href, arg: SCENARIOS },
  });
  return {
    addCluster: ({ scenarioId }) => pool.addCluster(scenarioId ? { scenarioId } : {}),
    removeCluster: (id) => pool.removeCluster(id),
    requestFromInternet: (id, request) => pool.requestFromInternet(id, request),
    internetStreams: (id) => pool.internetStreams(id),
    close: () => pool.close(),
  };
}

/** The grader's window on a session's cluster: kube/client.ts over the session's kubeconfig. */
const kubeApiFactory: KubeApiFactory = (cluster) => {
  const client = new KubeClient(cluster.kubeconfig);
  const api = createKubeApi(client, cluster.requestFromInternet);
  // The namespace provider moved the scenario's namespace into the learner's own: checks name the scenario's.
  return { api: cluster.namespaces ? mapNamespaces(api, cluster.namespaces) : api, close: () => client.close() };
};

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`invalid ${flag} ${JSON.stringify(value)}: expected a whole number`);
  return n;
}

/** A whole number from 1 to `max` given on the command line, or a clear error. */
function limit(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > max) {
    throw new Error(`invalid ${flag} ${JSON.stringify(value)}: expected a whole number from 1 to ${max}`);
  }
  return n;
}
