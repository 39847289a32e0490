import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import type {
  ClusterHandle,
  ClusterProvider,
  CreateClusterOptions,
  InternetRequest,
  InternetResponse,
  ProviderInfo,
} from '../provider.ts';
import { type CreationState, deleteKindCluster, recordSession, runActions } from './create-cluster.ts';
import { DockerEngine } from './docker-engine.ts';
import { execKindCli, type KindCli } from './kind-cli.ts';
import { type PortMapping, renderKindConfig } from './kind-config.ts';
import { LABELS, readSessionLabels, runnerInstanceId, type SessionLabels } from './labels.ts';
import { clusterName } from './names.ts';
import { networkOf } from './reaper.ts';
import {
  type BuiltImage,
  buildScenarioImage,
  kubectlFor,
  type ScenarioImageBuild,
  type UpstreamImage,
  upstreamImageArchive,
} from './scenario-images.ts';
import { openToolboxShell } from './toolbox.ts';
import { unfenceToolbox } from './toolbox-fence.ts';
import { ensureToolboxImage, findHostToolboxSources, hostBusybox } from './toolbox-image.ts';
import { WarmPool } from './warm-pool.ts';

/** What the kind provider tells the operator on start: a pod escape lands as root on this machine. */
export const KIND_WARNING =
  'kind nodes are privileged containers: in the root-container-escape scenario, escaping the pod reaches a ' +
  'container that is root on this machine. Run the kind provider inside a virtual machine you can throw away.';

/** What the provider needs to know of a scenario to make its cluster. */
export interface ScenarioNeeds {
  nodePorts: number[];
  images: ScenarioImageBuild[];
  /** Upstream images its setup runs, pinned by digest: pulled once per host, loaded into each cluster. */
  upstream?: UpstreamImage[];
}

/**
 * How the kind provider makes clusters: base config, each scenario's needs, lifetimes, warm pool and bounds;
 * engine and CLI replaceable for tests.
 */
export interface KindProviderOptions {
  docker?: DockerEngine;
  kind?: KindCli;
  /** The base kind config (infra/kind/cluster.yaml). */
  baseConfig: string;
  scenarioNeeds(id: string): ScenarioNeeds;
  /** Session lifetime, recorded on every object so the reaper can end it. */
  ttlMs: number;
  /** `none` (tests): no network for the toolbox. Default: a network of the cluster's own, named after it. */
  network?: 'none';
  /** This runner instance, recorded on everything it makes (default: host, pid and a nonce). */
  owner?: string;
  waitSeconds?: number;
  now?: () => number;
  /** A free loopback port for each NodePort mapping. */
  freePort?: () => Promise<number>;
  /** Ready clusters kept waiting for the next learner (0: none). */
  warmPool?: number;
  /** Most clusters alive at once, pooled ones included; the next is refused with a clear message. */
  maxClusters?: number;
  /** Every scenario's NodePorts: pooled clusters are made before their scenario is known. */
  allNodePorts?: number[];
  /** A pooled cluster that failed to warm (Docker stopped, kind missing); the pool tries again later. */
  onPoolError?: (error: unknown) => void;
}

/** One image to load into a cluster's nodes: `archive` makes it ready and returns its path. */
interface ImageLoad {
  name: string;
  archive(): Promise<string>;
}

interface LiveCluster {
  handle: ClusterHandle;
  state: CreationState;
  ports: PortMapping[];
  toolboxImage: string;
}

/**
 * One throwaway kind cluster per session, through the kind CLI and dockerode;
 * everything after the cluster exists goes through the Kubernetes API.
 *
 * Every cluster is counted by a {@link WarmPool}: `warmPool` clusters are kept
 * ready (a learner's session then starts in seconds instead of a minute), and no
 * more than `maxClusters` exist at once. A pooled cluster is made before its
 * scenario is known, so it maps every scenario's NodePorts; on lease it is
 * recorded under the learner's session and given the scenario's images. It is
 * never handed to a second learner: ending a session deletes its cluster.
 */
export class KindProvider implements ClusterProvider {
  private readonly docker: DockerEngine;
  private readonly kind: KindCli;
  private readonly live = new Map<string, LiveCluster>();
  private readonly pool: WarmPool<LiveCluster>;
  /** Sessions of every cluster this process made or leased, pooled ones included: what the reaper spares. */
  private readonly mine = new Set<string>();
  /** Scenario images built by this runner, by build context: each is built once and loaded into many clusters. */
  private readonly built = new Map<string, Promise<BuiltImage>>();
  private readonly upstream = new Map<string, Promise<string>>();
  /** This runner instance: the reaper of another never takes its clusters. */
  readonly owner: string;

  constructor(private readonly options: KindProviderOptions) {
    this.docker = options.docker ?? new DockerEngine();
    this.kind = options.kind ?? execKindCli();
    this.owner = options.owner ?? runnerInstanceId(hostname(), process.pid, randomBytes(3).toString('hex'));
    this.pool = new WarmPool<LiveCluster>({
      size: options.warmPool ?? 0,
      max: options.maxClusters ?? 4,
      create: () =>
        this.build({ sessionId: `pool-${randomBytes(4).toString('hex')}` }, options.allNodePorts ?? [], [], {
          pooled: true,
        }),
      destroy: (cluster) => this.destroy(cluster.handle.id),
      onError: options.onPoolError ?? (() => {}),
    });
  }

  info(): ProviderInfo {
    return { name: 'kind', realNetwork: true, warnings: [KIND_WARNING] };
  }

  /** Starts warming the pool; call once the runner is up. */
  warm(): void {
    this.pool.fill();
  }

  poolStats() {
    return this.pool.stats();
  }

  async create(options: CreateClusterOptions): Promise<ClusterHandle> {
    const needs = options.scenarioId ? this.options.scenarioNeeds(options.scenarioId) : { nodePorts: [], images: [] };
    const { item, warm } = await this.pool.acquire(() => this.build(options, needs.nodePorts, this.loadsFor(needs)));
    if (warm) {
      try {
        await this.adopt(item, options, needs);
      } catch (error) {
        await this.pool.release(item);
        throw error;
      }
    }
    this.live.set(item.handle.id, item);
    return item.handle;
  }

  /** Makes a cluster from nothing: the named actions of create-cluster.ts, with rollback. */
  private async build(
    options: Omit<CreateClusterOptions, 'scenarioId'> & { scenarioId?: string },
    nodePorts: number[],
    images: ImageLoad[],
    { pooled = false }: { pooled?: boolean } = {},
  ): Promise<LiveCluster> {
    const now = (this.options.now ?? Date.now)();
    const name = clusterName(options.sessionId);
    this.mine.add(options.sessionId);
    await this.docker.ping();
    const sources = await findHostToolboxSources();
    if (!sources)
      throw new Error('failed to prepare the terminal image: no static busybox and kubectl on this machine');
    options.onProgress?.({ step: 'preparing terminal image', fraction: 0 });
    const toolboxImage = await ensureToolboxImage(this.docker, sources);
    const freePort = this.options.freePort ?? findFreePort;
    const ports: PortMapping[] = [];
    for (const nodePort of nodePorts) ports.push({ nodePort, hostPort: await freePort() });
    const network = this.options.network ?? name;
    const labels: SessionLabels = {
      session: options.sessionId,
      cluster: name,
      createdAt: now,
      // A pooled cluster waits for a learner without expiring: the reaper spares it while this runner lives.
      expiresAt: now + this.options.ttlMs,
      owner: this.owner,
      ...(pooled ? { pooled: true } : {}),
      ...(network !== 'none' ? { network } : {}),
      ...(options.scenarioId ? { scenario: options.scenarioId } : {}),
    };
    const state = await runActions(
      {
        docker: this.docker,
        kind: this.kind,
        labels,
        kindConfig: renderKindConfig(this.options.baseConfig, ports),
        toolboxImage,
        images,
        network,
        waitSeconds: this.options.waitSeconds ?? 120,
        state: {},
      },
      {
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    const handle: ClusterHandle = {
      id: name,
      sessionId: options.sessionId,
      ...(options.scenarioId ? { scenarioId: options.scenarioId } : {}),
      kubeconfig: state.kubeconfig ?? '',
      requestFromInternet: (req) => requestThroughMappedPort(ports, req),
    };
    return { handle, state, ports, toolboxImage };
  }

  /** What a scenario's cluster loads: its own images, then the upstream ones it runs. */
  private loadsFor(needs: ScenarioNeeds): ImageLoad[] {
    return [
      ...needs.images.map((b) => ({ name: b.refs[0] ?? b.name, archive: () => this.imageArchive(b) })),
      ...(needs.upstream ?? []).map((u) => ({ name: u.ref, archive: () => this.upstreamArchive(u) })),
    ];
  }

  /** An upstream image's archive, made once per runner (and its pull once per host). */
  private upstreamArchive(image: UpstreamImage): Promise<string> {
    let archive = this.upstream.get(image.digest);
    if (!archive) {
      archive = upstreamImageArchive(this.docker, image);
      this.upstream.set(image.digest, archive);
      archive.catch(() => this.upstream.delete(image.digest));
    }
    return archive;
  }

  /** Builds a scenario image once per runner; every cluster then loads the same archive. */
  private async imageArchive(build: ScenarioImageBuild): Promise<string> {
    let built = this.built.get(build.context);
    if (!built) {
      const busybox = hostBusybox();
      if (!busybox)
        throw new Error('failed to build scenario images: no static busybox on this machine (see `paranoid doctor`)');
      built = kubectlFor(build.context).then((kubectl) =>
        buildScenarioImage(this.docker, build, { busybox: busybox.path, ...(kubectl ? { kubectl } : {}) }),
      );
      this.built.set(build.context, built);
      built.catch(() => this.built.delete(build.context));
    }
    return (await built).archivePath;
  }

  /** Hands a pooled cluster to a learner: recorded under their session, with the scenario's images. */
  private async adopt(cluster: LiveCluster, options: CreateClusterOptions, needs: ScenarioNeeds): Promise<void> {
    const missing = needs.nodePorts.filter((p) => !cluster.ports.some((m) => m.nodePort === p));
    if (missing.length > 0) {
      throw new Error(
        `failed to use a pooled cluster: NodePorts ${missing.join(', ')} are not mapped (set allNodePorts)`,
      );
    }
    const now = (this.options.now ?? Date.now)();
    const network = this.options.network ?? cluster.handle.id;
    // The session's TTL starts now, when a learner has the cluster, not when the pool made it.
    const labels: SessionLabels = {
      session: options.sessionId,
      cluster: cluster.handle.id,
      createdAt: now,
      expiresAt: now + this.options.ttlMs,
      owner: this.owner,
      ...(network !== 'none' ? { network } : {}),
      ...(options.scenarioId ? { scenario: options.scenarioId } : {}),
    };
    options.onProgress?.({ step: 'recording session', fraction: 0.1 });
    this.mine.add(options.sessionId);
    const anchor = await recordSession(this.docker, cluster.toolboxImage, labels, `-${options.sessionId}`);
    if (cluster.state.anchorId) await this.docker.remove(cluster.state.anchorId);
    cluster.state.anchorId = anchor;
    const loads = this.loadsFor(needs);
    for (const [i, image] of loads.entries()) {
      options.onProgress?.({ step: 'loading images', fraction: 0.2 + (0.7 * i) / loads.length });
      await this.kind.loadImageArchive(cluster.handle.id, await image.archive());
    }
    cluster.handle = {
      ...cluster.handle,
      sessionId: options.sessionId,
      ...(options.scenarioId ? { scenarioId: options.scenarioId } : {}),
    };
    options.onProgress?.({ step: 'ready', fraction: 1 });
  }

  /** The toolbox container of a session's cluster, for the terminal bridge. */
  toolboxOf(id: string): string | undefined {
    return this.live.get(id)?.state.toolboxId;
  }

  /** A login shell in the session's toolbox: what the site's terminal WebSocket streams. */
  openShell(id: string, size: { cols: number; rows: number }) {
    const toolbox = this.toolboxOf(id);
    if (!toolbox) return Promise.reject(new Error(`failed to open a shell: no toolbox for cluster ${id}`));
    return openToolboxShell(this.docker, toolbox, size);
  }

  /** Whether this runner made the session's cluster (a learner's or a pooled one): what the reaper spares. */
  servesSession(sessionId: string): boolean {
    return this.mine.has(sessionId);
  }

  /** The engine and CLI this provider drives, for the reaper. */
  get engines(): { docker: DockerEngine; kind: KindCli; owner: string } {
    return { docker: this.docker, kind: this.kind, owner: this.owner };
  }

  /** Ends a session's cluster; the pool then warms a replacement. */
  async delete(id: string): Promise<void> {
    const cluster = this.live.get(id);
    this.live.delete(id);
    if (cluster) await this.pool.release(cluster);
    else await this.destroy(id);
  }

  /** Destroys the ready clusters of the pool (leased ones stay with their sessions). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Deletes the kind cluster and every container labelled with it, the anchor last. */
  private async destroy(id: string): Promise<void> {
    const containers = await this.docker.listByLabels({ [LABELS.cluster]: id });
    for (const c of containers) {
      const session = c.labels[LABELS.session];
      if (session) this.mine.delete(session);
    }
    await deleteKindCluster(this.docker, this.kind, id);
    const anchors = containers.filter((c) => c.labels[LABELS.component] === 'anchor');
    for (const c of containers.filter((c) => c.labels[LABELS.component] === 'toolbox'))
      await unfenceToolbox(c.id).catch(() => undefined);
    for (const c of [...containers.filter((c) => !anchors.includes(c)), ...anchors]) await this.docker.remove(c.id);
    const network = networkOf(containers);
    if (network) await this.docker.removeNetwork(network);
  }

  async list(): Promise<{ id: string; sessionId: string; scenarioId?: string; createdAt: number }[]> {
    const anchors = await this.docker.listByLabels({ [LABELS.managed]: 'paranoid-kind', [LABELS.component]: 'anchor' });
    return anchors.flatMap((a) => {
      const l = readSessionLabels(a.labels);
      return l
        ? [
            {
              id: l.cluster,
              sessionId: l.session,
              createdAt: l.createdAt,
              ...(l.scenario ? { scenarioId: l.scenario } : {}),
            },
          ]
        : [];
    });
  }
}

/** An attacker's request from outside: a NodePort reached through the port kind maps to this machine. */
export function requestThroughMappedPort(ports: PortMapping[], req: InternetRequest): Promise<InternetResponse> {
  const mapping = ports.find((p) => p.nodePort === req.port);
  if (!mapping) {
    return Promise.resolve({
      ok: false,
      error: `connection timed out: port ${req.port} is not exposed to the internet`,
    });
  }
  const send = req.scheme === 'https' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const r = send(
      {
        host: '127.0.0.1',
        port: mapping.hostPort,
        path: req.path,
        method: req.method ?? 'GET',
        headers: req.headers,
        timeout: 10_000,
        // The attacker does not care that the dashboard's certificate is self-signed.
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            ok: true,
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    r.on('timeout', () => r.destroy(new Error('connection timed out')));
    r.on('error', (error) => resolve({ ok: false, error: error.message }));
    r.end();
  });
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
