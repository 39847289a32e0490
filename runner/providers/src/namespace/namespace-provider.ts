import { provisionScenario } from '@paranoid/catalog/apply.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { apiErrorMessage, defaultInternet, KubeApiError, KubeClient } from '@paranoid/kube/client.ts';
import { type ExecStream, openExecStream } from '@paranoid/kube/exec-stream.ts';
import type { RunsInNamespace } from '@paranoid/schema/scenario.ts';
import { parse, stringify } from 'yaml';
import type { ClusterHandle, ClusterProvider, CreateClusterOptions, ProviderInfo } from '../provider.ts';
import { MANAGED_BY, NS_LABELS, readNamespaceRecord, selectorFor, sessionNamespaceName } from './labels.ts';
import {
  intoNamespace,
  LEARNER_SERVICE_ACCOUNT,
  type Quota,
  type SessionNamespaceOptions,
  sessionLabels,
  sessionNamespaceObjects,
  TOOLBOX_POD,
  toolboxPod,
} from './session-objects.ts';

/** What the provider needs to know of a scenario: whether and how it runs in a namespace, and its setup. */
export interface NamespaceScenario {
  runsInNamespace?: RunsInNamespace;
  setup: KubeObject[];
}

/** The host cluster the namespace provider creates session namespaces in, and its bounds. */
export interface NamespaceProviderOptions {
  /**
   * A kubeconfig for the host cluster whose user may create namespaces and, in them, the
   * session's objects (the chart's ClusterRole `paranoid-namespace-provider`).
   */
  hostKubeconfig: string;
  /** Session lifetime, recorded on the namespace so any reaper ends it, and the toolbox's deadline. */
  ttlMs: number;
  /** The toolbox image: a shell and kubectl, pullable by the host's nodes. */
  toolboxImage: string;
  /** This runner instance (see kind/labels.ts `runnerInstanceId`), recorded on every namespace. */
  owner: string;
  scenario(id: string): Promise<NamespaceScenario | undefined>;
  quota?: Quota;
  /** Most session namespaces this runner keeps at once; the next is refused with a clear message. */
  maxNamespaces?: number;
  /** How long the toolbox may take to run (default 120 s: a node may have to pull its image). */
  readyTimeoutMs?: number;
  /** How long the scenario's setup may take to come to rest before the session gets it anyway. */
  settleTimeoutMs?: number;
  now?: () => number;
}

/** What is available on this provider and why a scenario is not. */
export const NAMESPACE_WARNING =
  'Each learner gets a namespace of a shared cluster: scenarios that need a node or cluster-wide power are not offered.';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Live {
  handle: ClusterHandle;
  namespace: string;
}

/**
 * One namespace per session on a cluster that already exists, the Educates model:
 * Pod Security labels, a ResourceQuota, a LimitRange, default-deny NetworkPolicies, a
 * ServiceAccount whose rights end at the namespace, and a toolbox pod the learner's
 * terminal execs into. A failure part-way deletes the namespace, and with it all it
 * held; so does ending the session. Everything carries the session's labels, and the
 * namespace its expiry, so {@link reapNamespaces} finds what a stopped runner left.
 */
export class NamespaceProvider implements ClusterProvider {
  private readonly admin: KubeClient;
  private readonly live = new Map<string, Live>();
  private creating = 0;

  constructor(private readonly options: NamespaceProviderOptions) {
    this.admin = new KubeClient(options.hostKubeconfig);
  }

  info(): ProviderInfo {
    return { name: 'namespace', realNetwork: false, warnings: [NAMESPACE_WARNING] };
  }

  /** Whether a scenario can run here (it declares `runsInNamespace`). */
  async offers(scenarioId: string): Promise<boolean> {
    return (await this.options.scenario(scenarioId))?.runsInNamespace !== undefined;
  }

  async create(options: CreateClusterOptions): Promise<ClusterHandle> {
    const max = this.options.maxNamespaces ?? 64;
    if (this.live.size + this.creating >= max) {
      throw new Error(`failed to create a namespace: this runner already holds ${max} sessions' namespaces`);
    }
    this.creating++;
    try {
      return await this.make(options);
    } finally {
      this.creating--;
    }
  }

  private async make(options: CreateClusterOptions): Promise<ClusterHandle> {
    const scenario = options.scenarioId ? await this.options.scenario(options.scenarioId) : undefined;
    if (options.scenarioId && !scenario?.runsInNamespace) {
      throw new Error(
        `failed to create a namespace for ${options.scenarioId}: the scenario needs more than one namespace of a shared cluster (it declares no runsInNamespace)`,
      );
    }
    const fit = scenario?.runsInNamespace;
    const now = (this.options.now ?? Date.now)();
    const namespace = sessionNamespaceName(options.sessionId);
    const spec: SessionNamespaceOptions = {
      namespace,
      session: options.sessionId,
      ...(options.scenarioId ? { scenario: options.scenarioId } : {}),
      ...(fit ? { scenarioNamespace: fit.namespace } : {}),
      podSecurity: fit?.podSecurity ?? 'restricted',
      createdAt: now,
      expiresAt: now + this.options.ttlMs,
      owner: this.options.owner,
      ...(this.options.quota ? { quota: this.options.quota } : {}),
      apiServer: await this.apiServerEndpoints(),
    };
    options.onProgress?.({ step: 'creating namespace', fraction: 0 });
    try {
      await this.applyEach(sessionNamespaceObjects(spec));
      if (scenario && fit) {
        options.onProgress?.({ step: 'applying setup', fraction: 0.3 });
        const setup = intoNamespace(scenario.setup, fit.namespace, namespace, sessionLabels(spec, 'setup'));
        await provisionScenario(this.admin, setup, { settleTimeoutMs: this.options.settleTimeoutMs ?? 0 });
      }
      this.check(options);
      options.onProgress?.({ step: 'starting terminal', fraction: 0.6 });
      await this.applyEach([toolboxPod(spec, this.options.toolboxImage)]);
      await this.waitRunning(namespace, TOOLBOX_POD, options);
      const learnerKubeconfig = await this.learnerKubeconfig(namespace, Math.ceil(this.options.ttlMs / 1000));
      const handle: ClusterHandle = {
        id: namespace,
        sessionId: options.sessionId,
        ...(options.scenarioId ? { scenarioId: options.scenarioId } : {}),
        kubeconfig: withNamespace(this.options.hostKubeconfig, namespace),
        learnerKubeconfig,
        ...(fit ? { namespaces: { [fit.namespace]: namespace } } : {}),
        requestFromInternet: defaultInternet(this.admin),
      };
      this.live.set(namespace, { handle, namespace });
      options.onProgress?.({ step: 'ready', fraction: 1 });
      return handle;
    } catch (error) {
      await this.deleteNamespace(namespace).catch(() => undefined);
      throw error;
    }
  }

  private check(options: CreateClusterOptions): void {
    if (options.signal?.aborted) throw new Error('failed to create a namespace: cancelled');
  }

  /** Creates the objects in order, each with the API server's own refusal when it refuses. */
  private async applyEach(objects: KubeObject[]): Promise<void> {
    for (const object of objects) {
      const path = await this.admin.path(object.apiVersion, object.kind, object.metadata.namespace);
      try {
        await this.admin.send('POST', path, object);
      } catch (error) {
        const what = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
        throw new Error(`failed to create ${what}: ${apiErrorMessage(error)}`);
      }
    }
  }

  /**
   * Where pods reach the API server once the `kubernetes` Service is resolved: NetworkPolicy
   * matches the endpoint, not the Service's address. None when the host does not say.
   */
  private async apiServerEndpoints(): Promise<{ ip: string; port: number }[]> {
    try {
      const slices = (await this.admin.send(
        'GET',
        '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes',
      )) as { items?: { endpoints?: { addresses?: string[] }[]; ports?: { port?: number }[] }[] };
      return (slices.items ?? []).flatMap((s) =>
        (s.endpoints ?? []).flatMap((e) =>
          (e.addresses ?? []).flatMap((ip) => (s.ports ?? []).map((p) => ({ ip, port: p.port ?? 443 }))),
        ),
      );
    } catch {
      return [];
    }
  }

  private async waitRunning(namespace: string, pod: string, options: CreateClusterOptions): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 120_000);
    let phase = 'Pending';
    while (Date.now() < deadline) {
      this.check(options);
      const object = (await this.admin.send('GET', `/api/v1/namespaces/${namespace}/pods/${pod}`)) as {
        status?: { phase?: string; containerStatuses?: { ready?: boolean }[] };
      };
      phase = object.status?.phase ?? 'Pending';
      if (phase === 'Running' && (object.status?.containerStatuses ?? []).every((c) => c.ready !== false)) return;
      if (phase === 'Failed' || phase === 'Succeeded') break;
      await sleep(200);
    }
    throw new Error(`failed to start the toolbox pod ${namespace}/${pod}: it is ${phase}`);
  }

  /** A kubeconfig with a token of the learner's ServiceAccount, valid for the session's life. */
  private async learnerKubeconfig(namespace: string, seconds: number): Promise<string> {
    const review = (await this.admin.send(
      'POST',
      `/api/v1/namespaces/${namespace}/serviceaccounts/${LEARNER_SERVICE_ACCOUNT}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: Math.max(600, seconds) },
      },
    )) as { status?: { token?: string } };
    const token = review.status?.token;
    if (!token) throw new Error(`failed to request a token for ${namespace}/${LEARNER_SERVICE_ACCOUNT}: no token`);
    return withUser(this.options.hostKubeconfig, namespace, token);
  }

  /** A login shell in the session's toolbox pod, through the exec API: what the site's terminal streams. */
  openShell(id: string, size: { cols: number; rows: number }): Promise<ExecStream> {
    const live = this.live.get(id);
    if (!live) return Promise.reject(new Error(`failed to open a shell: no toolbox for namespace ${id}`));
    return openExecStream(this.admin, {
      namespace: live.namespace,
      pod: TOOLBOX_POD,
      container: 'toolbox',
      command: ['/bin/sh', '-l'],
      size,
    });
  }

  /** Whether this runner made the session's namespace and still serves it: what the reaper spares. */
  servesSession(sessionId: string): boolean {
    return [...this.live.values()].some((l) => l.handle.sessionId === sessionId);
  }

  /** The client the reaper uses (the same credentials as the provider). */
  get client(): KubeClient {
    return this.admin;
  }

  async delete(id: string): Promise<void> {
    this.live.delete(id);
    await this.deleteNamespace(id);
  }

  /** Deletes one of our namespaces (never another's: the label is checked first) and waits until it is gone. */
  private async deleteNamespace(namespace: string): Promise<void> {
    await deleteSessionNamespace(this.admin, namespace);
  }

  async list(): Promise<{ id: string; sessionId: string; scenarioId?: string; createdAt: number }[]> {
    const list = (await this.admin.send(
      'GET',
      `/api/v1/namespaces?labelSelector=${encodeURIComponent(selectorFor())}`,
    )) as { items?: KubeObject[] };
    return (list.items ?? []).flatMap((n) => {
      const r = readNamespaceRecord(n);
      return r
        ? [
            {
              id: r.namespace,
              sessionId: r.session,
              createdAt: r.createdAt,
              ...(r.scenario ? { scenarioId: r.scenario } : {}),
            },
          ]
        : [];
    });
  }

  /** Ends every session's namespace this runner holds (shutdown). */
  async dispose(): Promise<void> {
    for (const id of [...this.live.keys()]) await this.delete(id).catch(() => undefined);
    this.admin.close();
  }
}

/**
 * Deletes a session namespace if it is ours (it carries the provider's label) and waits
 * until the namespace controller has emptied and removed it, so "ended" means "nothing left".
 */
export async function deleteSessionNamespace(client: KubeClient, namespace: string, timeoutMs = 60_000): Promise<void> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}`;
  let object: KubeObject;
  try {
    object = (await client.send('GET', path)) as KubeObject;
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 404) return;
    throw new Error(`failed to delete namespace ${namespace}: ${apiErrorMessage(error)}`);
  }
  if (object.metadata?.labels?.[NS_LABELS.managed] !== MANAGED_BY) {
    throw new Error(`failed to delete namespace ${namespace}: it is not a Paranoid session's`);
  }
  try {
    await client.send('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  } catch (error) {
    if (!(error instanceof KubeApiError && error.code === 404)) {
      throw new Error(`failed to delete namespace ${namespace}: ${apiErrorMessage(error)}`);
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await client.raw('GET', path);
    if (r.status === 404) return;
    await sleep(200);
  }
  throw new Error(`failed to delete namespace ${namespace}: still terminating after ${timeoutMs / 1000} s`);
}

/** The same kubeconfig with its current context's namespace set. */
export function withNamespace(kubeconfig: string, namespace: string): string {
  const config = parse(kubeconfig) as {
    contexts?: { name: string; context: Record<string, unknown> }[];
    'current-context'?: string;
  };
  for (const c of config.contexts ?? []) if (c.name === config['current-context']) c.context.namespace = namespace;
  return stringify(config);
}

/** The host kubeconfig's cluster with a different user (a bearer token) and namespace: the learner's. */
export function withUser(kubeconfig: string, namespace: string, token: string): string {
  const config = parse(kubeconfig) as {
    clusters?: { name: string }[];
    contexts?: { name: string; context: { cluster?: string } }[];
    'current-context'?: string;
  };
  const current = (config.contexts ?? []).find((c) => c.name === config['current-context']);
  const cluster = (config.clusters ?? []).find((c) => c.name === current?.context.cluster) ?? config.clusters?.[0];
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: cluster ? [cluster] : [],
    users: [{ name: 'learner', user: { token } }],
    contexts: [{ name: 'learner', context: { cluster: cluster?.name, user: 'learner', namespace } }],
    'current-context': 'learner',
    preferences: {},
  });
}
