import { join, relative } from 'node:path';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Problem } from '@paranoid/schema/problem.ts';
import { resourceForKind } from '@paranoid/schema/resources.ts';
import type { LoadedScenario } from './load.ts';

/**
 * Judges a pod (or a workload's pod template) against a Pod Security level: the reasons it
 * fails, none when it passes. The simulator's evaluator is passed in by the CLI, since the
 * catalog may not import the simulator.
 */
export type PodSecurityJudge = (
  level: 'restricted' | 'baseline',
  metadata: Record<string, unknown> | undefined,
  spec: Record<string, unknown> | undefined,
) => string[];

/**
 * ClusterRoles every cluster has that a RoleBinding may grant inside one namespace
 * (upstream's user-facing roles). A scenario's own ClusterRole is cluster-scoped and so
 * cannot run in a namespace.
 */
const BUILT_IN_CLUSTER_ROLES = new Set(['admin', 'edit', 'view']);

/** Kinds the namespace provider lets a scenario create: namespaced ones the resource table knows, plus a few it does not read. */
const EXTRA_NAMESPACED_KINDS = new Set(['PersistentVolumeClaim', 'Endpoints', 'PodDisruptionBudget', 'Event']);

/** Kinds the namespace provider writes to fence a learner and the learner may only read. */
const PROVIDER_KINDS = new Set(['NetworkPolicy', 'ResourceQuota', 'LimitRange']);

interface Sourced {
  object: KubeObject;
  file: string;
}

/**
 * Holds a scenario's `runsInNamespace` declaration against what it creates: every
 * object of the setup, the solution and the variants must live in the declared
 * namespace (its own Namespace object aside), be of a namespaced kind, bind roles only
 * inside it, expose nothing on the host's nodes, and run pods the declared Pod Security
 * level admits; every check and attack must look only in that namespace. A scenario
 * without the declaration is not checked: it simply does not run on that provider.
 */
export function namespaceFitProblems(loaded: LoadedScenario, root: string, judge?: PodSecurityJudge): Problem[] {
  const fit = loaded.scenario.runsInNamespace;
  if (!fit) return [];
  const problems: Problem[] = [];
  const scenarioFile = relative(root, join(loaded.dir, 'scenario.yaml'));
  const add = (file: string, field: string, expected: string, found: string) =>
    problems.push({ file, field, expected, found });
  const where = (dir: string) => relative(root, dir);
  const objects: Sourced[] = [
    ...loaded.setup.map((object) => ({ object, file: where(join(loaded.dir, 'setup')) })),
    ...loaded.solution.manifests.map((object) => ({ object, file: where(loaded.solution.dir) })),
    ...loaded.variants.flatMap((v) => v.manifests.map((object) => ({ object, file: where(v.dir) }))),
  ];
  const ns = fit.namespace;
  // What fences the learner is the provider's: a fix the learner cannot apply cannot be the fix.
  for (const { object, file } of objects.slice(loaded.setup.length)) {
    if (PROVIDER_KINDS.has(object.kind)) {
      add(
        file,
        `runsInNamespace (${object.kind} ${object.metadata?.name ?? ''})`,
        "a fix the learner may apply (NetworkPolicy, ResourceQuota and LimitRange are the provider's)",
        object.kind,
      );
    }
  }
  for (const { object, file } of objects) {
    const name = `${object.kind} ${object.metadata?.name ?? ''}`;
    const field = `runsInNamespace (${name})`;
    if (object.kind === 'Namespace') {
      if (object.metadata?.name !== ns)
        add(file, field, `no Namespace other than ${JSON.stringify(ns)}`, 'another one');
      continue;
    }
    const known = resourceForKind(object.apiVersion, object.kind);
    if (known ? !known.namespaced : !EXTRA_NAMESPACED_KINDS.has(object.kind)) {
      add(
        file,
        field,
        'only objects that live in a namespace',
        known ? 'a cluster-scoped kind' : 'a kind not known here',
      );
      continue;
    }
    const namespace = object.metadata?.namespace;
    if (namespace !== undefined && namespace !== ns) add(file, field, `namespace ${JSON.stringify(ns)}`, namespace);
    if (object.kind === 'RoleBinding') {
      const binding = object as unknown as {
        roleRef?: { kind?: string; name?: string };
        subjects?: { kind?: string; name?: string; namespace?: string }[];
      };
      if (binding.roleRef?.kind === 'ClusterRole' && !BUILT_IN_CLUSTER_ROLES.has(binding.roleRef.name ?? '')) {
        add(file, field, 'a Role, or one of the built-in ClusterRoles admin, edit, view', binding.roleRef.name ?? '');
      }
      for (const s of binding.subjects ?? []) {
        if (s.kind === 'ServiceAccount' && s.namespace !== undefined && s.namespace !== ns) {
          add(file, field, `subjects in namespace ${JSON.stringify(ns)}`, `ServiceAccount ${s.namespace}/${s.name}`);
        }
      }
    }
    if (object.kind === 'Service') {
      const type = (object as unknown as { spec?: { type?: string } }).spec?.type;
      if (type === 'NodePort' || type === 'LoadBalancer') {
        add(file, field, 'a ClusterIP Service (the host cluster has no ports to give)', type);
      }
    }
    const template = podTemplateOf(object);
    if (template && judge) {
      const reasons = judge(fit.podSecurity, template.metadata, template.spec);
      if (reasons.length > 0)
        add(file, field, `pods that Pod Security "${fit.podSecurity}" admits`, reasons.join(', '));
    }
  }
  const deletions = [loaded.solution, ...loaded.variants].flatMap((c) =>
    c.deletions.map((d) => ({ d, file: where(c.dir) })),
  );
  for (const { d, file } of deletions) {
    if (d.namespace !== undefined && d.namespace !== ns) {
      add(file, `runsInNamespace (delete ${d.kind})`, `namespace ${JSON.stringify(ns)}`, d.namespace);
    }
  }
  const foreign = new Set<string>();
  collectNamespaces({ checks: loaded.scenario.checks, attack: loaded.scenario.attack }, foreign);
  foreign.delete(ns);
  if (foreign.size > 0) {
    add(
      scenarioFile,
      'runsInNamespace',
      `checks and attacks that look only in ${JSON.stringify(ns)}`,
      [...foreign].join(', '),
    );
  }
  return problems;
}

/** The pod template a workload runs (a Pod is its own), or undefined for other kinds. */
export function podTemplateOf(
  object: KubeObject,
): { metadata?: Record<string, unknown>; spec?: Record<string, unknown> } | undefined {
  const spec = (object as { spec?: Record<string, unknown> }).spec;
  switch (object.kind) {
    case 'Pod':
      return { metadata: object.metadata as Record<string, unknown>, spec };
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'ReplicationController':
      return spec?.template as { metadata?: Record<string, unknown>; spec?: Record<string, unknown> } | undefined;
    case 'CronJob': {
      const job = spec?.jobTemplate as { spec?: { template?: Record<string, unknown> } } | undefined;
      return job?.spec?.template as { metadata?: Record<string, unknown>; spec?: Record<string, unknown> } | undefined;
    }
    default:
      return undefined;
  }
}

/** Every value under a `namespace` key and every entry of a `namespaces` list, anywhere in `value`. */
function collectNamespaces(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectNamespaces(v, into);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === 'namespace' && typeof v === 'string') {
      into.add(v);
    } else if (key === 'namespaces' && Array.isArray(v)) {
      for (const n of v) if (typeof n === 'string') into.add(n);
    } else {
      collectNamespaces(v, into);
    }
  }
}
