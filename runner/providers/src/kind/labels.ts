/**
 * Everything the kind provider creates carries these labels, and is found by
 * them, never by parsing names (kind's own `io.x-k8s.kind.cluster` is the model).
 */
export const LABELS = {
  /** Present on every Docker object Paranoid creates; the value is the provider. */
  managed: 'paranoid.dev/managed-by',
  session: 'paranoid.dev/session',
  scenario: 'paranoid.dev/scenario',
  /** `anchor` (the session's record), `toolbox` (the learner's terminal), `image`. */
  component: 'paranoid.dev/component',
  /** The kind cluster this object belongs to (kind's own label on its node containers). */
  cluster: 'paranoid.dev/kind-cluster',
  createdAt: 'paranoid.dev/created-at',
  expiresAt: 'paranoid.dev/expires-at',
  /** The runner instance that made the object (see {@link runnerInstanceId}): one reaper never takes another's. */
  owner: 'paranoid.dev/owner',
  /** `true` while a cluster waits in a warm pool: it has no expiry until a session adopts it. */
  pooled: 'paranoid.dev/pooled',
  /** The cluster's own Docker network, removed with it. */
  network: 'paranoid.dev/network',
} as const;

/** kind's label on its node containers. */
export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';

/** Which of a session's Docker objects a label set is for. */
export type Component = 'anchor' | 'toolbox' | 'image';

/** Who a Docker object belongs to: its session, scenario and cluster, for the reaper to find. */
export interface SessionLabels {
  session: string;
  scenario?: string;
  cluster: string;
  createdAt: number;
  expiresAt: number;
  /** The runner instance that owns it; '' on objects made before owners were recorded. */
  owner?: string;
  /** Waiting in a warm pool: not expired by time until adopted. */
  pooled?: boolean;
  /** The cluster's own Docker network, when it has one. */
  network?: string;
}

/**
 * An id for this runner process: host, pid and a nonce. The reaper of another
 * process on the same host can tell whether it still runs; on another host it
 * cannot, and leaves the objects alone.
 */
export function runnerInstanceId(host: string, pid: number, nonce: string): string {
  return `${host}.${pid}.${nonce}`;
}

/** Whether the runner that owns an object may still be running. */
export function ownerMayBeAlive(owner: string, here: { host: string; isRunning(pid: number): boolean }): boolean {
  const m = /^(.*)\.(\d+)\.[0-9a-f]+$/.exec(owner);
  if (!m) return true;
  if (m[1] !== here.host) return true;
  return here.isRunning(Number(m[2]));
}

/** The Docker labels that tie a component to its session, so the reaper finds and removes it later. */
export function labelsFor(component: Component, s: SessionLabels): Record<string, string> {
  return {
    [LABELS.managed]: 'paranoid-kind',
    [LABELS.component]: component,
    [LABELS.session]: s.session,
    [LABELS.cluster]: s.cluster,
    [LABELS.createdAt]: String(s.createdAt),
    [LABELS.expiresAt]: String(s.expiresAt),
    ...(s.scenario ? { [LABELS.scenario]: s.scenario } : {}),
    ...(s.owner ? { [LABELS.owner]: s.owner } : {}),
    ...(s.pooled ? { [LABELS.pooled]: 'true' } : {}),
    ...(s.network ? { [LABELS.network]: s.network } : {}),
  };
}

/** Reads session labels back; undefined when the object is not one of ours or is malformed. */
export function readSessionLabels(labels: Record<string, string> | undefined): SessionLabels | undefined {
  if (labels === undefined) return undefined;
  if (labels[LABELS.managed] !== 'paranoid-kind') return undefined;
  const session = labels[LABELS.session];
  const cluster = labels[LABELS.cluster];
  const createdAt = Number(labels[LABELS.createdAt]);
  const expiresAt = Number(labels[LABELS.expiresAt]);
  if (!session || !cluster || !Number.isFinite(createdAt) || !Number.isFinite(expiresAt)) return undefined;
  const scenario = labels[LABELS.scenario];
  return {
    session,
    cluster,
    createdAt,
    expiresAt,
    owner: labels[LABELS.owner] ?? '',
    ...(scenario ? { scenario } : {}),
    ...(labels[LABELS.pooled] === 'true' ? { pooled: true } : {}),
    ...(labels[LABELS.network] ? { network: labels[LABELS.network] } : {}),
  };
}
