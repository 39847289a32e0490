/**
 * What the namespace provider writes on everything it creates in the host cluster.
 * Everything is found by these labels, never by parsing names (kind's own
 * `io.x-k8s.kind.cluster` label is the model). The expiry and the owner are
 * annotations: a label value is at most 63 characters and a runner's host name may
 * be longer.
 */
export const NS_LABELS = {
  /** On every object the provider creates; the value is {@link MANAGED_BY}. */
  managed: 'paranoid.dev/managed-by',
  session: 'paranoid.dev/session',
  scenario: 'paranoid.dev/scenario',
  /** `namespace`, `quota`, `limits`, `isolation`, `learner`, `toolbox`. */
  component: 'paranoid.dev/component',
} as const;

/** Annotations on a session namespace that say when it was made and when it must be gone. */
export const NS_ANNOTATIONS = {
  /** Milliseconds since the epoch. */
  createdAt: 'paranoid.dev/created-at',
  /** Milliseconds since the epoch: no reaper lets the namespace live past it. */
  expiresAt: 'paranoid.dev/expires-at',
  /** The runner instance that made it (`host.pid.nonce`, see kind/labels.ts `runnerInstanceId`). */
  owner: 'paranoid.dev/owner',
  /** The namespace the scenario's own files name, which this namespace stands in for. */
  scenarioNamespace: 'paranoid.dev/scenario-namespace',
} as const;

/**
 * The value of the managed-by label on everything the namespace provider creates, so its reaper touches
 * nothing else.
 */
export const MANAGED_BY = 'paranoid-namespace';

/** A label selector for everything the provider made, or everything of one session. */
export function selectorFor(session?: string): string {
  return `${NS_LABELS.managed}=${MANAGED_BY}${session ? `,${NS_LABELS.session}=${session}` : ''}`;
}

/** What a session's namespace records about itself. */
export interface NamespaceRecord {
  namespace: string;
  session: string;
  scenario?: string;
  createdAt: number;
  expiresAt: number;
  owner: string;
}

/** Reads a Namespace object back; undefined when it is not one of ours or its record is malformed. */
export function readNamespaceRecord(object: {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}): NamespaceRecord | undefined {
  const labels = object.metadata?.labels ?? {};
  const annotations = object.metadata?.annotations ?? {};
  if (labels[NS_LABELS.managed] !== MANAGED_BY) return undefined;
  const namespace = object.metadata?.name;
  const session = labels[NS_LABELS.session];
  const createdAt = Number(annotations[NS_ANNOTATIONS.createdAt]);
  const expiresAt = Number(annotations[NS_ANNOTATIONS.expiresAt]);
  if (!namespace || !session || !Number.isFinite(createdAt) || !Number.isFinite(expiresAt)) return undefined;
  const scenario = labels[NS_LABELS.scenario];
  return {
    namespace,
    session,
    createdAt,
    expiresAt,
    owner: annotations[NS_ANNOTATIONS.owner] ?? '',
    ...(scenario ? { scenario } : {}),
  };
}

/**
 * The namespace of a session: `paranoid-` and the session id, cut to a DNS label. Session
 * ids are the runner's own (lower-case letters and digits), so two sessions never share one.
 */
export function sessionNamespaceName(sessionId: string): string {
  const clean = sessionId.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `paranoid-${clean}`.slice(0, 63).replace(/-+$/, '');
}
