import { z } from 'zod';
import { CheckSchema } from './check.ts';
import { ProbeSchema } from './probe.ts';

const id = z.string().regex(/^[a-z0-9-]+$/, 'an id of lower-case letters, digits and -');

/** The CKS curriculum domains a scenario trains. */
export const CKS_DOMAINS = [
  'Cluster Setup',
  'Cluster Hardening',
  'System Hardening',
  'Minimize Microservice Vulnerabilities',
  'Supply Chain Security',
  'Monitoring, Logging and Runtime Security',
] as const;

/** The real incident a scenario is drawn from. */
export const IncidentSchema = z
  .object({
    title: z.string().min(1),
    /** A few lines: what happened, and why it matters here. */
    summary: z.string().min(1),
    year: z.number().int().min(2000).max(2100).optional(),
    /** Public sources; at least one. */
    sources: z
      .array(z.object({ title: z.string().min(1), url: z.url({ protocol: /^https$/ }) }).strict())
      .min(1, 'at least one public source'),
  })
  .strict();

/** A guided step: a Markdown file, and the checks it completes. */
export const StepSchema = z
  .object({
    id,
    title: z.string().min(1),
    /** What the learner does in this step. */
    kind: z.enum(['explore', 'attack', 'fix', 'verify']),
    /** Path of the Markdown, relative to the scenario folder: `steps/01-explore.md`. */
    file: z.string().regex(/^steps\/[^/]+\.md$/, 'a path like steps/01-explore.md'),
    /** Checks this step completes (ids from `checks`). */
    checks: z.array(id).default([]),
    hints: z
      .union([z.string(), z.array(z.string())])
      .transform((h) => (typeof h === 'string' ? [h] : h))
      .default([]),
  })
  .strict();

/** An attack probe: it must succeed on the setup and fail after any correct fix. */
export const AttackSchema = z
  .object({
    id,
    title: z.string().min(1),
    probe: ProbeSchema,
  })
  .strict();

/**
 * A host on the simulated internet (the sim provider serves these; on kind the real
 * internet answers). Probes such as "db reaches the internet" connect to one.
 */
export const InternetHostSchema = z
  .object({
    names: z.array(z.string().min(1)).min(1),
    ips: z.array(z.ipv4()).min(1),
    ports: z
      .array(
        z
          .object({ port: z.number().int().min(1).max(65535), protocol: z.enum(['TCP', 'UDP']).default('TCP') })
          .strict(),
      )
      .optional(),
  })
  .strict();

/**
 * Whether a scenario can run in a namespace of a shared cluster (`serve --provider
 * namespace`, the Educates model) and how. Absent: it cannot, because its setup or its
 * fix needs power over the whole cluster (a node, a ClusterRoleBinding, an admission
 * policy). `paranoid lint` holds the declaration against every object the setup, the
 * solution and the variants create.
 */
export const RunsInNamespaceSchema = z
  .object({
    /**
     * The one namespace every object of the scenario lives in. On the namespace provider the
     * learner gets a namespace of their own in its place; its Namespace object, if the setup
     * has one, is not applied.
     */
    namespace: id,
    /**
     * The Pod Security level the learner's namespace enforces: `restricted` unless the
     * scenario's pods need what only `baseline` allows. `privileged` is never offered: it is
     * the node, and the node is not the learner's on a shared cluster.
     */
    podSecurity: z.enum(['restricted', 'baseline']).default('restricted'),
  })
  .strict();
/** Whether and how a scenario can run in one namespace of a shared cluster, as parsed. */
export type RunsInNamespace = z.output<typeof RunsInNamespaceSchema>;

/** `scenario.yaml`. */
export const ScenarioSchema = z
  .object({
    /** Equals the folder name. */
    id,
    title: z.string().min(1),
    summary: z.string().min(1),
    difficulty: z.enum(['beginner', 'intermediate', 'advanced']),
    /** Expected time for a learner who knows kubectl basics. */
    minutes: z.number().int().positive().max(240),
    tags: z.array(z.string().regex(/^[a-z0-9-]+$/)).default([]),
    cks: z.array(z.enum(CKS_DOMAINS)).min(1),
    incident: IncidentSchema,
    steps: z.array(StepSchema).min(1),
    attack: z.array(AttackSchema).min(1, 'at least one attack probe, so validate can prove the hole is real'),
    checks: z.array(CheckSchema).min(1),
    /** Hosts outside the cluster this scenario's probes and workloads talk to (for the sim). */
    internet: z.array(InternetHostSchema).default([]),
    /** Set when the scenario can run in one namespace of a shared cluster; see {@link RunsInNamespaceSchema}. */
    runsInNamespace: RunsInNamespaceSchema.optional(),
    /**
     * Why the scenario does not run on real kind clusters yet, when it does not (a component
     * kind cannot get offline, an attack a shared CI runner must not suffer). Such a scenario
     * is left out of the kind workflow's matrix, `validate --provider kind` reports it as not
     * run with this reason, and `serve --provider kind` does not offer it. Absent: it runs there.
     */
    notOnKind: z.string().min(20).max(600).optional(),
  })
  .strict();
/** A `scenario.yaml` as parsed, defaults filled in. */
export type Scenario = z.output<typeof ScenarioSchema>;
/** A guided step as parsed: its Markdown file and the checks it completes. */
export type Step = z.output<typeof StepSchema>;
/** An attack probe as parsed: it must succeed on the setup and fail after any correct fix. */
export type Attack = z.output<typeof AttackSchema>;

/**
 * An entry of a `delete.yaml` in `solution/` or a variant: objects to delete before
 * applying the rest, by `name`, or by `labelSelector` (`app=cache-warmer`) for objects
 * whose names a controller made up (the Jobs a CronJob started).
 */
export const DeletionSchema = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    namespace: z.string().optional(),
    name: z.string().min(1).optional(),
    labelSelector: z.string().min(1).optional(),
  })
  .strict()
  .refine((d) => (d.name === undefined) !== (d.labelSelector === undefined), {
    message: 'exactly one of `name` or `labelSelector`',
  });
/** An entry of a `delete.yaml` as parsed: objects to delete before the manifests are applied. */
export type Deletion = z.output<typeof DeletionSchema>;

/**
 * An entry of a `cloud.yaml` in `solution/` or a variant: what the fix changes in the cloud
 * behind the cluster, where no Kubernetes object reaches. Each entry is
 * `aws ec2 modify-instance-metadata-options` on the instance of every node, or of the nodes
 * `nodeSelector` (a label selector, as `kubectl get nodes -l` takes) selects. Applied after the
 * deletions and before the manifests. Only a scenario marked `notOnKind` may have one: kind's
 * nodes have no cloud.
 */
export const CloudChangeSchema = z
  .object({
    nodeSelector: z.string().min(1).max(256).optional(),
    httpTokens: z.enum(['optional', 'required']).optional(),
    httpPutResponseHopLimit: z.number().int().min(1).max(64).optional(),
  })
  .strict()
  .refine((c) => c.httpTokens !== undefined || c.httpPutResponseHopLimit !== undefined, {
    message: 'at least one of `httpTokens` or `httpPutResponseHopLimit`',
  });
/** An entry of a `cloud.yaml` as parsed: one change to the nodes' instances. */
export type CloudChange = z.output<typeof CloudChangeSchema>;

/** A manifest in setup/, solution/ or a variant: any Kubernetes object with a name. */
export const ManifestSchema = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.object({ name: z.string().min(1), namespace: z.string().optional() }).loose(),
  })
  .loose();
