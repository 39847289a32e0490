import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import type {
  ClusterHandle,
  ClusterProvider,
  CreateClusterOptions,
  InternetRequest,
  InternetResponse,
  ProviderInfo,
} from '../provider.ts';
import { type CreationState, deleteKindCluster, runActions } from './create-cluster.ts';
import { DockerEngine } from './docker-engine.ts';
import { execKindCli, type KindCli } from './kind-cli.ts';
import { type PortMapping, renderKindConfig } from './kind-config.ts';
import { LABELS, readSessionLabels } from './labels.ts';
import { clusterName } from './names.ts';
import { buildScenarioImage, type ScenarioImageBuild } from './scenario-images.ts';
import { ensureToolboxImage, findHostToolboxSources } from './toolbox-image.ts';

export const KIND_WARNING =
  'kind nodes are privileged containers: in the root-container-escape scenario, escaping the pod reaches a ' +
  'container that is root on this machine. Run the kind provider inside a virtual machine you can throw away.';

/** What the provider needs to know of a scenario to make its cluster. */
export interface ScenarioNeeds {
  nodePorts: number[];
  images: ScenarioImageBuild[];
}

export interface KindProviderOptions {
  docker?: DockerEngine;
  kind?: KindCli;
  /** The base kind config (infra/kind/cluster.yaml). */
  baseConfig: string;
  scenarioNeeds(id: string): ScenarioNeeds;
  /** Session lifetime, recorded on every object so the reaper can end it. */
  ttlMs: number;
  network?: string;
  waitSeconds?: number;
  now?: () => number;
  /** A free loopback port for each NodePort mapping. */
  freePort?: () => Promise<number>;
}

interface LiveCluster {
  handle: ClusterHandle;
  state: CreationState;
  ports: PortMapping[];
}

/**
 * One throwaway kind cluster per session, through the kind CLI and dockerode;
 * everything after the cluster exists goes through the Kubernetes API.
 */
export class KindProvider implements ClusterProvider {
  private readonly docker: DockerEngine;
  private readonly kind: KindCli;
  private readonly live = new Map<string, LiveCluster>();

  constructor(private readonly options: KindProviderOptions) {
    this.docker = options.docker ?? new DockerEngine();
    this.kind = options.kind ?? execKindCli();
  }

  info(): ProviderInfo {
    return { name: 'kind', realNetwork: true, warnings: [KIND_WARNING] };
  }

  async create(options: CreateClusterOptions): Promise<ClusterHandle> {
    const now = (this.options.now ?? Date.now)();
    const name = clusterName(options.sessionId);
    await this.docker.ping();
    const sources = findHostToolboxSources();
    if (!sources)
      throw new Error('failed to prepare the terminal image: no static busybox and kubectl on this machine');
    options.onProgress?.({ step: 'preparing terminal image', fraction: 0 });
    const toolboxImage = await ensureToolboxImage(this.docker, sources);
    const needs = options.scenarioId ? this.options.scenarioNeeds(options.scenarioId) : { nodePorts: [], images: [] };
    const freePort = this.options.freePort ?? findFreePort;
    const ports: PortMapping[] = [];
    for (const nodePort of needs.nodePorts) ports.push({ nodePort, hostPort: await freePort() });
    const labels = {
      session: options.sessionId,
      cluster: name,
      createdAt: now,
      expiresAt: now + this.options.ttlMs,
      ...(options.scenarioId ? { scenario: options.scenarioId } : {}),
    };
    const state = await runActions(
      {
        docker: this.docker,
        kind: this.kind,
        labels,
        kindConfig: renderKindConfig(this.options.baseConfig, ports),
        toolboxImage,
        images: needs.images.map((b) => ({ ref: b.ref, build: () => buildScenarioImage(this.docker, b) })),
        network: this.options.network ?? 'kind',
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
    this.live.set(name, { handle, state, ports });
    return handle;
  }

  /** The toolbox container of a session's cluster, for the terminal bridge. */
  toolboxOf(id: string): string | undefined {
    return this.live.get(id)?.state.toolboxId;
  }

  async delete(id: string): Promise<void> {
    const containers = await this.docker.listByLabels({ [LABELS.cluster]: id });
    await deleteKindCluster(this.docker, this.kind, id);
    const anchors = containers.filter((c) => c.labels[LABELS.component] === 'anchor');
    for (const c of [...containers.filter((c) => !anchors.includes(c)), ...anchors]) await this.docker.remove(c.id);
    this.live.delete(id);
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
