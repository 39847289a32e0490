import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { hostname } from 'node:os';
import { KubeClient } from '@paranoid/kube/client.ts';
import { runnerInstanceId } from '@paranoid/providers/kind/labels.ts';
import { ownerOnThisHostMayBeAlive } from '@paranoid/providers/kind/reaper.ts';
import { PodTerminals, startTerminalReaper } from '@paranoid/providers/pod-terminals/pod-terminals.ts';
import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import { type ClusterGateway, createClusterGateway } from '@paranoid/server/cluster-gateway.ts';
import type { TerminalMode } from '@paranoid/server/sessions.ts';
import { randomToken, sameToken } from '@paranoid/server/tokens.ts';
import { selfSignedCertificate } from '@paranoid/sim-server/tls.ts';
import { stringify } from 'yaml';

/**
 * How often the terminal reaper runs: the replica lease (15 s), so a dead replica's pods go
 * within half a minute of its last heartbeat. One list of pods and one of Secrets in one
 * namespace per replica per run is little for an API server.
 */
export const TERMINAL_REAP_INTERVAL_MS = 15_000;

/** `serve --terminals pod`: where terminal pods go and how they reach this runner. */
export interface PodTerminalOptions {
  /** The kubeconfig of the cluster the runner runs in (in a pod: its own service account). */
  hostKubeconfig: string;
  /** The terminals namespace (the chart makes it, Pod Security restricted). */
  namespace: string;
  /** The toolbox image: a shell and kubectl. */
  image: string;
  /**
   * The gateway as terminal pods reach it, e.g. `https://paranoid-gateway.paranoid.svc:7443`.
   * HTTPS, because kubectl sends no bearer token over plain HTTP.
   */
  gatewayUrl: string;
  /** The runner pods' namespace, labels and gateway port: the one peer terminal pods may reach. */
  runner: { namespace: string; podLabels: Record<string, string>; port: number };
  /** The longest a session lives: the pod's deadline. */
  ttlMs: number;
  /**
   * This runner as one replica of several: its id in the map (labelled on its pods) and the
   * live replicas' ids, so the pods of a replica that died go as soon as its lease runs out.
   */
  replica?: { id: string; live(): Promise<Set<string>> };
}

interface Target {
  token: string;
  client: KubeClient;
  clusterId: string;
}

/**
 * Runs every session's shell in a terminal pod (providers/pod-terminals) in front of any
 * provider: the session's cluster is made as usual, then a pod is started with a kubeconfig
 * that names this runner's gateway (server/cluster-gateway.ts) and a token for that session
 * alone; ending the session deletes the pod first. A reaper ends, at start and every 15 s,
 * terminal pods past their expiry or left by a runner that is gone.
 */
export function withPodTerminals(
  inner: ClusterProvider,
  options: PodTerminalOptions,
): {
  provider: ClusterProvider;
  terminals: TerminalMode;
  gateway: ClusterGateway;
  /** Starts the gateway's HTTPS listener; returns its port. */
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
} {
  const owner = runnerInstanceId(hostname(), process.pid, randomBytes(3).toString('hex'));
  const pods = new PodTerminals({
    hostKubeconfig: options.hostKubeconfig,
    namespace: options.namespace,
    image: options.image,
    ttlMs: options.ttlMs,
    owner,
    runner: options.runner,
    ...(options.replica ? { replica: options.replica.id } : {}),
  });
  const targets = new Map<string, Target>();
  const base = options.gatewayUrl.replace(/\/+$/, '');
  // The gateway's own certificate: pods trust it through their kubeconfig, and nothing else does.
  const certificate = selfSignedCertificate('paranoid-gateway');
  const podKubeconfig = (sessionId: string, token: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'paranoid',
          cluster: {
            server: `${base}/kube/${sessionId}`,
            'certificate-authority-data': Buffer.from(certificate.cert).toString('base64'),
            // The certificate names localhost; the pod reaches the runner by its Service name.
            'tls-server-name': 'localhost',
          },
        },
      ],
      users: [{ name: 'learner', user: { token } }],
      contexts: [{ name: 'paranoid', context: { cluster: 'paranoid', user: 'learner', namespace: 'default' } }],
      'current-context': 'paranoid',
      preferences: {},
    });
  const provider: ClusterProvider = {
    info: () => inner.info(),
    list: () => inner.list(),
    ...(inner.reserve ? { reserve: (scenarioId: string, count: number) => inner.reserve?.(scenarioId, count) } : {}),
    async create(create) {
      const handle = await inner.create(create);
      const token = randomToken();
      targets.set(create.sessionId, { token, client: new KubeClient(handle.kubeconfig), clusterId: handle.id });
      try {
        create.onProgress?.({ step: 'starting terminal', fraction: 0.9 });
        await pods.start(create.sessionId, podKubeconfig(create.sessionId, token));
      } catch (error) {
        forget(create.sessionId);
        await inner.delete(handle.id).catch(() => undefined);
        throw error;
      }
      return handle;
    },
    async delete(id) {
      const session = [...targets.entries()].find(([, t]) => t.clusterId === id)?.[0];
      if (session) {
        forget(session);
        await pods.stop(session).catch(() => undefined);
      }
      await inner.delete(id);
    },
  };
  // What the sim provider does besides the interface (its warm pool, its dispose) passes through.
  Object.assign(provider, {
    prewarm: (ids: string[]) => (inner as { prewarm?: (ids: string[]) => void }).prewarm?.(ids),
    dispose: () => (inner as { dispose?: () => Promise<void> }).dispose?.(),
  });
  const forget = (session: string) => {
    targets.get(session)?.client.close();
    targets.delete(session);
  };
  const stopReaper = startTerminalReaper({
    client: pods.kube,
    namespace: options.namespace,
    owner,
    intervalMs: TERMINAL_REAP_INTERVAL_MS,
    isActive: (session) => pods.serves(session),
    ownerMayBeAlive: ownerOnThisHostMayBeAlive,
    ...(options.replica ? { replicas: { self: options.replica.id, live: options.replica.live } } : {}),
    onError: (error) => process.stderr.write(`terminal reaper: ${error instanceof Error ? error.message : error}\n`),
  });
  const gateway = createClusterGateway({
    resolve: (session, token) => {
      const target = targets.get(session);
      return target && token !== '' && sameToken(token, target.token) ? target.client : undefined;
    },
  });
  let server: Server | undefined;
  return {
    provider,
    terminals: { kind: 'toolbox', open: (cluster, size) => pods.open(cluster.sessionId, size) },
    gateway,
    listen(port, host) {
      server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
        if (!gateway.handle(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      });
      server.on('upgrade', (req, socket, head) => {
        if (!gateway.upgrade(req, socket, head)) socket.destroy();
      });
      const listening = server;
      return new Promise((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, host, () => {
          const address = listening.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    async stop() {
      stopReaper();
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await pods.close();
    },
  };
}
