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
} as const;

/** kind's label on its node containers. */
export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';

export type Component = 'anchor' | 'toolbox' | 'image';

export interface SessionLabels {
  session: string;
  scenario?: string;
  cluster: string;
  createdAt: number;
  expiresAt: number;
}

export function labelsFor(component: Component, s: SessionLabels): Record<string, string> {
  return {
    [LABELS.managed]: 'paranoid-kind',
    [LABELS.component]: component,
    [LABELS.session]: s.session,
    [LABELS.cluster]: s.cluster,
    [LABELS.createdAt]: String(s.createdAt),
    [LABELS.expiresAt]: String(s.expiresAt),
    ...(s.scenario ? { [LABELS.scenario]: s.scenario } : {}),
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
  return { session, cluster, createdAt, expiresAt, ...(scenario ? { scenario } : {}) };
}
