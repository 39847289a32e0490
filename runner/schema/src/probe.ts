import { z } from 'zod';

/**
 * Probes: the attack (or the app's normal traffic) replayed against the live
 * cluster through the Kubernetes API. A probe "succeeds" when the action it
 * describes works (the connection opens, the request is allowed, the object is
 * admitted); a check then says whether it must succeed or fail.
 */

const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes name (lower case, digits, - and .)');

/**
 * The pod(s) a probe runs in: by name, or by label selector. A selector runs the
 * probe in every matching running pod, and the check must hold for each of them.
 */
export const PodRefSchema = z
  .object({
    /** The pod's namespace (a fixed name of the scenario). */
    namespace: name,
    /** One pod by name. */
    name: name.optional(),
    /** Every running pod whose labels include these. */
    selector: z.record(z.string(), z.string()).optional(),
    /** The container to exec in; the pod's first container when omitted. */
    container: name.optional(),
  })
  .strict()
  .refine((ref) => (ref.name === undefined) !== (ref.selector === undefined), {
    message: 'exactly one of `name` or `selector` in a pod reference',
  });
/** Which pods a probe runs in, as parsed. */
export type PodRef = z.infer<typeof PodRefSchema>;

const seconds = z.number().int().positive().max(30);

/** What makes an exec "work". All given conditions must hold. */
export const ExecSuccessSchema = z
  .object({
    /** Exit code of the command (default 0). */
    exitCode: z.number().int().default(0),
    /** stdout must contain this text. */
    stdoutContains: z.string().optional(),
    /** stdout must match this regular expression (JavaScript syntax). */
    stdoutMatches: z.string().optional(),
  })
  .strict();

/** Runs a command in a pod, as `kubectl exec` does. */
export const ExecProbeSchema = z
  .object({
    kind: z.literal('exec'),
    /** Where to run. */
    pod: PodRefSchema,
    /**
     * argv, not a shell string: `[redis-cli, -h, db.shop, GET, flag]`. `{{hostIP}}` in a word
     * stands for the address of the node the pod runs on (its kubelet-written `status.hostIP`).
     */
    command: z.array(z.string()).min(1),
    /**
     * The workload whose images the probe looks at: `{{imageID}}` in a word stands for the image
     * each running pod matched here runs in its container (`container`, else the first), as its
     * kubelet recorded it (`status.containerStatuses[].imageID`, `repository@sha256:...`): the
     * image that really runs, whatever tag or name the workload wrote. The probe runs once per
     * distinct image, and a matched pod without a recorded image is a probe that cannot run.
     */
    imageOf: PodRefSchema.optional(),
    timeoutSeconds: seconds.default(5),
    succeedsWhen: ExecSuccessSchema.default({ exitCode: 0 }),
  })
  .strict();

/** Where a connection goes: a Service by name (cluster DNS) or a host. */
export const TargetSchema = z.union([
  z
    .object({ service: z.object({ namespace: name, name }).strict(), port: z.number().int().min(1).max(65535) })
    .strict(),
  /** `host: '{{hostIP}}'` is the node each source pod runs on. */
  z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict(),
  /**
   * That port on node addresses (each Node's InternalIP): `others` skips the node the source pod
   * runs on, whose traffic NetworkPolicy never blocks (Kubernetes documents traffic between a pod
   * and its own node as always allowed); `all` includes it.
   */
  z.object({ nodes: z.enum(['all', 'others']), port: z.number().int().min(1).max(65535) }).strict(),
]);

/** A TCP connection from pods to a target: `nc -z -w T host port` in each source pod. */
export const ReachabilityProbeSchema = z
  .object({
    kind: z.literal('reachability'),
    /** One or more source pod references; the probe runs from every pod they match. */
    from: z.union([PodRefSchema, z.array(PodRefSchema).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
    to: TargetSchema,
    timeoutSeconds: seconds.default(2),
  })
  .strict();

/** An HTTP request from the internet to a node port, a load balancer, or a host. */
export const InternetProbeSchema = z
  .object({
    kind: z.literal('internet'),
    /**
     * `service`: wherever that Service is exposed right now (a node address and
     * its nodePort, or its load-balancer address); not exposed means the probe fails.
     * `nodePort`: that port on a node address. `host`: that address.
     */
    to: z.union([
      z.object({ service: z.object({ namespace: name, name }).strict(), port: z.number().int() }).strict(),
      z.object({ nodePort: z.number().int().min(1).max(65535) }).strict(),
      z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict(),
    ]),
    scheme: z.enum(['http', 'https']).default('http'),
    method: z.string().default('GET'),
    path: z.string().startsWith('/').default('/'),
    headers: z.record(z.string(), z.string()).optional(),
    succeedsWhen: z
      .object({
        /** Accepted status codes (default: any 2xx). */
        status: z.array(z.number().int()).optional(),
        bodyContains: z.string().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** One "can S do V on R" question. */
export const AccessAttemptSchema = z
  .object({
    verb: z.string().min(1),
    /** API group ('' for core); `*` is not meaningful in a review. */
    group: z.string().default(''),
    resource: z.string().min(1),
    subresource: z.string().default(''),
    name: z.string().default(''),
  })
  .strict();

/**
 * SubjectAccessReviews for a subject, asked cluster-wide and (with
 * `namespaces: all`) in every namespace, so every binding path is covered:
 * the subject's user and groups, ClusterRoleBindings and RoleBindings.
 * Succeeds when any attempt is allowed anywhere.
 */
export const AccessReviewProbeSchema = z
  .object({
    kind: z.literal('access-review'),
    subject: z.union([
      z.object({ serviceAccount: z.object({ namespace: name, name }).strict() }).strict(),
      z.object({ user: z.string().min(1), groups: z.array(z.string()).default([]) }).strict(),
      /**
       * The service account of every pod or workload template that runs this image (a repository,
       * normalised as the kubelet does) and gets its token: whatever account the learner moves it to.
       */
      z.object({ serviceAccountsOf: z.object({ image: z.string().min(1) }).strict() }).strict(),
    ]),
    /**
     * `all`: cluster scope and every namespace with a RoleBinding (in the others RBAC answers
     * as it does cluster-wide); a list: exactly those namespaces; default: cluster scope only.
     */
    namespaces: z.union([z.literal('all'), z.array(name)]).default([]),
    attempts: z.array(AccessAttemptSchema).min(1),
  })
  .strict();

const manifest = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.object({ name: z.string().optional(), namespace: z.string().optional() }).loose(),
  })
  .loose();

/**
 * A server-side dry-run: `create` of an object, or adding an ephemeral container
 * to a running pod (the only way ephemeral containers are admitted). Succeeds when
 * admission admits it.
 */
export const DryRunProbeSchema = z
  .object({
    kind: z.literal('dry-run'),
    create: manifest.optional(),
    ephemeralContainer: z
      .object({ pod: PodRefSchema, container: z.object({ name, image: z.string() }).loose() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => (p.create === undefined) !== (p.ephemeralContainer === undefined), {
    message: 'exactly one of `create` or `ephemeralContainer` in a dry-run probe',
  });

/** The probes a sequence is made of: every kind but a sequence. */
export const StepProbeSchema = z.discriminatedUnion('kind', [
  ExecProbeSchema,
  ReachabilityProbeSchema,
  InternetProbeSchema,
  AccessReviewProbeSchema,
  DryRunProbeSchema,
]);

/**
 * Probes run one after another, each seeing the cluster as the ones before left it: an attack in
 * stages (mark the victim, do the harm, look at the victim). It succeeds when every step
 * succeeds; it stops at the first that does not, and a step that cannot run at all (no pod)
 * makes the whole sequence an error. Steps run in order, so a sequence takes as long as its
 * steps together.
 */
export const SequenceProbeSchema = z
  .object({
    kind: z.literal('sequence'),
    steps: z.array(StepProbeSchema).min(2).max(6),
  })
  .strict();

/** Falco's priorities, most severe first. */
export const ALERT_PRIORITIES = [
  'Emergency',
  'Alert',
  'Critical',
  'Error',
  'Warning',
  'Notice',
  'Informational',
  'Debug',
] as const;

/**
 * Replays commands in pods (as `kubectl exec` runs them) and reads the alerts a runtime-security
 * agent wrote to its log meanwhile: the lines its pods' logs gained between just before the replay
 * and `settleSeconds` after it, in Falco's JSON output. Succeeds when one of them is at
 * `minPriority` or more severe. Probes of this kind run one at a time per cluster, so one
 * replay's alerts are never counted for another.
 */
export const RuntimeAlertsProbeSchema = z
  .object({
    kind: z.literal('runtime-alerts'),
    /** The agent: its pods (every running pod the selector matches), and the image it must run. */
    agent: z
      .object({
        namespace: name,
        selector: z.record(z.string(), z.string()),
        /** Repository of the agent's image: a container running anything else is not read. */
        image: z.string().min(1),
        /** The program the container must run (its command, or its args under the image's entrypoint). */
        program: z.string().min(1),
      })
      .strict(),
    /** What happens, in order. */
    replay: z
      .array(z.object({ pod: PodRefSchema, command: z.array(z.string()).min(1) }).strict())
      .min(1)
      .max(10),
    /** How long after the replay alerts may still arrive (an agent reads the kernel's buffers as it can). */
    settleSeconds: seconds.default(2),
    minPriority: z.enum(ALERT_PRIORITIES).default('Debug'),
    /**
     * `alerted` (default): the probe succeeds when such an alert was raised (detection works).
     * `unnoticed`: when none was (an attack probe: the attack went unseen).
     */
    succeedsWhen: z.enum(['alerted', 'unnoticed']).default('alerted'),
  })
  .strict();

/** Validates any probe, choosing the schema by its `kind`. */
export const ProbeSchema = z.discriminatedUnion('kind', [
  RuntimeAlertsProbeSchema,
  ExecProbeSchema,
  ReachabilityProbeSchema,
  InternetProbeSchema,
  AccessReviewProbeSchema,
  DryRunProbeSchema,
  SequenceProbeSchema,
]);
/** Any probe as parsed, told apart by `kind`. */
export type Probe = z.output<typeof ProbeSchema>;
/** An exec probe as parsed: a command run in matching pods and what makes it succeed. */
export type ExecProbe = z.output<typeof ExecProbeSchema>;
/** A reachability probe as parsed: a TCP connection from source pods to a target. */
export type ReachabilityProbe = z.output<typeof ReachabilityProbeSchema>;
/** An internet probe as parsed: an HTTP request from outside to a node port, load balancer or host. */
export type InternetProbe = z.output<typeof InternetProbeSchema>;
/** An access-review probe as parsed: "can S do V on R" questions asked of the API's authorizer. */
export type AccessReviewProbe = z.output<typeof AccessReviewProbeSchema>;
/** A dry-run probe as parsed: an object the API must refuse (or admit) without it being created. */
export type DryRunProbe = z.output<typeof DryRunProbeSchema>;
/** A probe that may be a step of a sequence, as parsed. */
export type StepProbe = z.output<typeof StepProbeSchema>;
/** A sequence probe as parsed: steps run in order whose results combine into one. */
export type SequenceProbe = z.output<typeof SequenceProbeSchema>;
/** A runtime-alerts probe as parsed: which runtime alerts a replayed attack must (not) raise. */
export type RuntimeAlertsProbe = z.output<typeof RuntimeAlertsProbeSchema>;
