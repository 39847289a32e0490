import type { KubeObject } from '@paranoid/k8s/object.ts';
import { apiErrorMessage, KubeApiError, KubeClient } from '@paranoid/kube/client.ts';
import { type ExecStream, openExecStream } from '@paranoid/kube/exec-stream.ts';
import { NS_ANNOTATIONS } from '../namespace/labels.ts';
import { type SessionNamespaceOptions, toolboxPod } from '../namespace/session-objects.ts';

/** Everything a terminal pod is made of carries `paranoid.dev/managed-by` with this value. */
export const TERMINALS_MANAGED_BY = 'paranoid-terminals';
const MANAGED = 'paranoid.dev/managed-by';
const SESSION = 'paranoid.dev/session';
const COMPONENT = 'paranoid.dev/component';
/** The runner replica (its id in the replica map) that made a terminal pod and its Secret. */
export const REPLICA_LABEL = 'paranoid.dev/replica';
/** Where the session's kubeconfig is mounted in the pod. */
export const POD_KUBECONFIG_DIR = '/etc/paranoid';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The host cluster and namespace where learners' terminals run as pods, and their image. */
export interface PodTerminalsOptions {
  /** A kubeconfig of the cluster the runner runs in, with the chart's Role in `namespace`. */
  hostKubeconfig: string;
  /** The namespace for terminals (Pod Security restricted; the chart makes it). */
  namespace: string;
  /** The toolbox image: a shell and kubectl. */
  image: string;
  /** Session lifetime: the pod's deadline and the reaper's TTL annotation. */
  ttlMs: number;
  /** This runner instance (kind/labels.ts `runnerInstanceId`). */
  owner: string;
  /** This runner's id in the replica map, when it is one of several: labelled on its pods and Secrets. */
  replica?: string;
  /**
   * The runner pods a terminal may reach, as NetworkPolicy peers: their namespace and labels,
   * and the runner's port. Nothing else is reachable from a terminal pod but DNS.
   */
  runner: { namespace: string; podLabels: Record<string, string>; port: number };
  readyTimeoutMs?: number;
  now?: () => number;
}

/** A session's terminal pod as the runner knows it. */
interface Live {
  pod: string;
  sessionId: string;
}

/**
 * Learners' shells as pods, for a runner that runs in Kubernetes, where bubblewrap cannot make
 * user namespaces under RuntimeDefault seccomp. Each session gets a toolbox pod of its own in the
 * terminals namespace (Pod Security restricted: non-root, no capabilities, read-only root,
 * RuntimeDefault seccomp), no ServiceAccount token, and a kubeconfig that opens only its own
 * session (a token for the runner's gateway, see server/cluster-gateway.ts) mounted from a Secret
 * the pod owns, so the Secret goes with it. One NetworkPolicy lets terminal pods reach the
 * runner's port and DNS, nothing else. The shell is an exec through the Kubernetes API
 * (`@paranoid/kube/exec-stream.ts`), as the kind provider uses Docker exec. Pods carry labels
 * and an expiry, and {@link reapTerminalPods} deletes those past it or left by a runner that is gone.
 */
export class PodTerminals {
  private readonly client: KubeClient;
  private readonly live = new Map<string, Live>();
  private ensured: Promise<void> | undefined;

  constructor(private readonly options: PodTerminalsOptions) {
    this.client = new KubeClient(options.hostKubeconfig);
  }

  /** The client the reaper uses. */
  get kube(): KubeClient {
    return this.client;
  }

  /** The pod name of a session: `term-` and the session id (the runner's ids are DNS-safe). */
  static podName(sessionId: string): string {
    return `term-${sessionId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63).replace(/-+$/, '');
  }

  /** The NetworkPolicy every terminal pod is under (made once per runner start, updated in place). */
  policy(): KubeObject {
    const { runner } = this.options;
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: 'paranoid-terminals',
        namespace: this.options.namespace,
        labels: { [MANAGED]: TERMINALS_MANAGED_BY },
      },
      spec: {
        podSelector: { matchLabels: { [MANAGED]: TERMINALS_MANAGED_BY, [COMPONENT]: 'terminal' } },
        policyTypes: ['Ingress', 'Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': runner.namespace } },
                podSelector: { matchLabels: runner.podLabels },
              },
            ],
            ports: [{ protocol: 'TCP', port: runner.port }],
          },
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    } as unknown as KubeObject;
  }

  /** Creates or updates the terminals' NetworkPolicy. */
  ensure(): Promise<void> {
    this.ensured ??= (async () => {
      const policy = this.policy();
      const base = `/apis/networking.k8s.io/v1/namespaces/${this.options.namespace}/networkpolicies`;
      const r = await this.client.raw('POST', base, policy);
      if (r.status === 409) await this.client.send('PUT', `${base}/paranoid-terminals`, policy);
      else if (r.status >= 300) {
        throw new Error(
          `failed to create NetworkPolicy ${this.options.namespace}/paranoid-terminals: ${(r.body as { message?: string })?.message ?? `HTTP ${r.status}`}`,
        );
      }
    })();
    this.ensured.catch(() => {
      this.ensured = undefined;
    });
    return this.ensured;
  }

  /**
   * Starts a session's terminal pod with `kubeconfig` (the session's, for the runner's gateway)
   * mounted read-only, and waits until it runs. A failure part-way deletes what was made.
   */
  async start(sessionId: string, kubeconfig: string): Promise<void> {
    await this.ensure();
    const now = (this.options.now ?? Date.now)();
    const ns = this.options.namespace;
    const name = PodTerminals.podName(sessionId);
    const labels = {
      [MANAGED]: TERMINALS_MANAGED_BY,
      [SESSION]: sessionId,
      ...(this.options.replica ? { [REPLICA_LABEL]: this.options.replica } : {}),
    };
    const spec: SessionNamespaceOptions = {
      namespace: ns,
      session: sessionId,
      podSecurity: 'restricted',
      createdAt: now,
      expiresAt: now + this.options.ttlMs,
      owner: this.options.owner,
    };
    const pod = toolboxPod(spec, this.options.image, {
      name,
      component: 'terminal',
      serviceAccount: 'default',
    }) as KubeObject & {
      spec: Record<string, unknown> & { containers: Record<string, unknown>[]; volumes: unknown[] };
    };
    pod.metadata.labels = { ...pod.metadata.labels, ...labels, [COMPONENT]: 'terminal' };
    pod.metadata.annotations = {
      [NS_ANNOTATIONS.createdAt]: String(spec.createdAt),
      [NS_ANNOTATIONS.expiresAt]: String(spec.expiresAt),
      [NS_ANNOTATIONS.owner]: this.options.owner,
    };
    // The pod has no business with the terminals namespace's API: its only credential is the session's.
    pod.spec.automountServiceAccountToken = false;
    const container = pod.spec.containers[0]!;
    container.env = [
      ...((container.env as unknown[]) ?? []),
      { name: 'KUBECONFIG', value: `${POD_KUBECONFIG_DIR}/config` },
    ];
    container.volumeMounts = [
      ...((container.volumeMounts as unknown[]) ?? []),
      { name: 'kubeconfig', mountPath: POD_KUBECONFIG_DIR, readOnly: true },
    ];
    pod.spec.volumes = [...pod.spec.volumes, { name: 'kubeconfig', secret: { secretName: name, defaultMode: 0o440 } }];
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: ns, labels: { ...labels, [COMPONENT]: 'kubeconfig' } },
      type: 'Opaque',
      stringData: { config: kubeconfig },
    };
    const pods = `/api/v1/namespaces/${ns}/pods`;
    const secrets = `/api/v1/namespaces/${ns}/secrets`;
    this.live.set(sessionId, { pod: name, sessionId });
    try {
      await this.create(secrets, secret as unknown as KubeObject);
      const created = (await this.create(pods, pod)) as KubeObject;
      // The Secret goes with its pod: the garbage collector deletes it once the pod is gone.
      await this.client.send(
        'PATCH',
        `${secrets}/${name}`,
        {
          metadata: {
            ownerReferences: [
              { apiVersion: 'v1', kind: 'Pod', name, uid: created.metadata.uid, blockOwnerDeletion: false },
            ],
          },
        },
        'application/merge-patch+json',
      );
      await this.waitRunning(name);
    } catch (error) {
      await this.stop(sessionId).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Creates an object; a dropped connection is tried again (twice), and an AlreadyExists after
   * one means the first attempt got through, so the object is read back instead.
   */
  private async create(path: string, object: KubeObject): Promise<unknown> {
    const what = `${object.kind} ${this.options.namespace}/${object.metadata.name}`;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.client.send('POST', path, object);
      } catch (error) {
        if (error instanceof KubeApiError && error.code === 409 && attempt > 0) {
          return this.client.send('GET', `${path}/${object.metadata.name}`);
        }
        if (error instanceof KubeApiError || attempt >= 2) {
          throw new Error(`failed to create ${what}: ${apiErrorMessage(error)}`);
        }
        await sleep(200);
      }
    }
  }

  private async waitRunning(name: string): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 120_000);
    let phase = 'Pending';
    while (Date.now() < deadline) {
      const pod = (await this.client.send('GET', `/api/v1/namespaces/${this.options.namespace}/pods/${name}`)) as {
        status?: { phase?: string };
      };
      phase = pod.status?.phase ?? 'Pending';
      if (phase === 'Running') return;
      if (phase === 'Failed' || phase === 'Succeeded') break;
      await sleep(200);
    }
    throw new Error(`failed to start the terminal pod ${this.options.namespace}/${name}: it is ${phase}`);
  }

  /** A login shell in the session's terminal pod. */
  open(sessionId: string, size: { cols: number; rows: number }): Promise<ExecStream> {
    const live = this.live.get(sessionId);
    if (!live) return Promise.reject(new Error(`failed to open a shell: no terminal pod for session ${sessionId}`));
    return openExecStream(this.client, {
      namespace: this.options.namespace,
      pod: live.pod,
      container: 'toolbox',
      command: ['/bin/sh', '-l'],
      size,
    });
  }

  /** Whether this runner holds the session's terminal: what the reaper spares. */
  serves(sessionId: string): boolean {
    return this.live.has(sessionId);
  }

  /** Deletes the session's pod and its Secret (the garbage collector would; this does not wait for it). */
  async stop(sessionId: string): Promise<void> {
    this.live.delete(sessionId);
    await deleteTerminal(this.client, this.options.namespace, PodTerminals.podName(sessionId));
  }

  async close(): Promise<void> {
    for (const id of [...this.live.keys()]) await this.stop(id).catch(() => undefined);
    this.client.close();
  }
}

async function deleteTerminal(client: KubeClient, namespace: string, name: string): Promise<void> {
  for (const path of [
    `/api/v1/namespaces/${namespace}/pods/${name}`,
    `/api/v1/namespaces/${namespace}/secrets/${name}`,
  ]) {
    try {
      await client.send('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.code === 404)) {
        throw new Error(`failed to delete ${path}: ${apiErrorMessage(error)}`);
      }
    }
  }
}

/**
 * What the terminal reaper needs: a client, the namespace, the time now, the live sessions and whether
 * another owner may still be alive.
 */
export interface TerminalReapOptions {
  client: KubeClient;
  namespace: string;
  now: number;
  owner: string;
  isActive(sessionId: string): boolean;
  ownerMayBeAlive(owner: string): boolean;
  /**
   * With replicas: this runner's id and the ids of the live replicas in the map (heartbeat
   * within the lease). A pod labelled with a replica not among them is of a dead replica, whose
   * sessions are lost: it goes now, not at its TTL. A list without this runner in it is not
   * believed (the map is not being read right), and nothing is reaped for that reason.
   */
  replicas?: { self: string; live(): Promise<Set<string>> };
}

/**
 * Deletes terminal pods (found by label) past their expiry, whoever made them, and those of
 * this runner it no longer serves or of a runner that is gone (on this host, or a replica
 * whose lease in the map ran out), with their Secrets; then
 * Secrets whose pod is gone (a runner stopped between the two). Runs at the runner's start
 * and every minute, as the kind reaper does.
 */
export async function reapTerminalPods(options: TerminalReapOptions): Promise<string[]> {
  const selector = encodeURIComponent(`${MANAGED}=${TERMINALS_MANAGED_BY}`);
  const pods = (await options.client.send(
    'GET',
    `/api/v1/namespaces/${options.namespace}/pods?labelSelector=${selector}`,
  )) as {
    items?: KubeObject[];
  };
  const reaped: string[] = [];
  const alive = new Set<string>();
  const read = options.replicas ? await options.replicas.live() : undefined;
  const live = read?.has(options.replicas!.self) ? read : undefined;
  for (const pod of pods.items ?? []) {
    const name = pod.metadata.name ?? '';
    const session = pod.metadata.labels?.[SESSION] ?? '';
    const replica = pod.metadata.labels?.[REPLICA_LABEL];
    const ofDeadReplica = live !== undefined && replica !== undefined && !live.has(replica);
    const expiresAt = Number(pod.metadata.annotations?.[NS_ANNOTATIONS.expiresAt]);
    const owner = pod.metadata.annotations?.[NS_ANNOTATIONS.owner] ?? '';
    const expired = !Number.isFinite(expiresAt) || expiresAt <= options.now;
    const orphan = owner === options.owner ? !options.isActive(session) : !options.ownerMayBeAlive(owner);
    if (!expired && !orphan && !ofDeadReplica) {
      alive.add(name);
      continue;
    }
    await deleteTerminal(options.client, options.namespace, name);
    reaped.push(name);
  }
  const secrets = (await options.client.send(
    'GET',
    `/api/v1/namespaces/${options.namespace}/secrets?labelSelector=${selector}`,
  )) as { items?: KubeObject[] };
  for (const s of secrets.items ?? []) {
    const name = s.metadata.name ?? '';
    if (alive.has(name) || reaped.includes(name)) continue;
    // A Secret is made just before its pod: one younger than a minute may be a start in progress.
    const made = Date.parse(s.metadata.creationTimestamp ?? '');
    if (Number.isFinite(made) && options.now - made < 60_000) continue;
    await deleteTerminal(options.client, options.namespace, name);
    reaped.push(name);
  }
  return reaped;
}

/** Runs {@link reapTerminalPods} now and every `intervalMs`; errors go to `onError`. Returns a stop function. */
export function startTerminalReaper(
  options: Omit<TerminalReapOptions, 'now'> & { intervalMs: number; onError(error: unknown): void },
): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await reapTerminalPods({ ...options, now: Date.now() });
    } catch (error) {
      options.onError(error);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
