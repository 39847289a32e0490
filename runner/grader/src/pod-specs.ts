import type { KubeObject, ObjectMeta } from '@paranoid/k8s/object.ts';

/**
 * One pod spec that runs or will run: a running Pod, or the template of a
 * workload that makes Pods. Checks over `podspecs` judge both, because admission
 * never evicts a Pod that already runs, and a template is what the next Pod will be.
 */
export interface PodSpecView {
  apiVersion: string;
  /** `Pod`, `Deployment`, `CronJob`, ... */
  kind: string;
  /** The Pod's or the workload's metadata (namespace and name say where). */
  metadata: ObjectMeta;
  /** The metadata of the pod template (labels the Pods get); the Pod's own for a Pod. */
  podMetadata: ObjectMeta;
  /** The PodSpec. */
  spec: Record<string, unknown>;
  /** containers, initContainers and ephemeralContainers together. */
  containers: Record<string, unknown>[];
  /** `pod` or `template`. */
  source: 'pod' | 'template';
}

const hasController = (o: KubeObject) => (o.metadata.ownerReferences ?? []).some((r) => r.controller === true);

function templateOf(o: KubeObject): { metadata?: ObjectMeta; spec?: Record<string, unknown> } | undefined {
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (o.kind === 'CronJob') {
    const jobTemplate = spec.jobTemplate as { spec?: { template?: unknown } } | undefined;
    return jobTemplate?.spec?.template as { metadata?: ObjectMeta; spec?: Record<string, unknown> } | undefined;
  }
  return spec.template as { metadata?: ObjectMeta; spec?: Record<string, unknown> } | undefined;
}

function finishedJob(job: KubeObject): boolean {
  const conditions = ((job.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ??
    []) as { type: string; status: string }[];
  return conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/**
 * Which objects count: Pods that are neither finished nor terminating; templates of
 * Deployments, StatefulSets, DaemonSets, CronJobs and ReplicationControllers; and
 * ReplicaSets and Jobs only when no controller owns them (an owned one follows its
 * owner's template, and a Deployment's old ReplicaSets, scaled to zero, run nothing).
 */
export function podSpecViews(objects: KubeObject[]): PodSpecView[] {
  const views: PodSpecView[] = [];
  for (const o of objects) {
    if (o.kind === 'Pod') {
      const phase = (o.status as { phase?: string } | undefined)?.phase;
      if (phase === 'Succeeded' || phase === 'Failed' || o.metadata.deletionTimestamp) continue;
      views.push(view(o, o.metadata, (o.spec ?? {}) as Record<string, unknown>, 'pod'));
      continue;
    }
    if ((o.kind === 'ReplicaSet' || o.kind === 'Job') && hasController(o)) continue;
    if (o.kind === 'ReplicaSet' && (o.spec as { replicas?: number } | undefined)?.replicas === 0) continue;
    if (o.kind === 'Job' && finishedJob(o)) continue;
    const template = templateOf(o);
    if (!template) continue;
    views.push(view(o, template.metadata ?? {}, template.spec ?? {}, 'template'));
  }
  return views;
}

function view(
  o: KubeObject,
  podMetadata: ObjectMeta,
  spec: Record<string, unknown>,
  source: 'pod' | 'template',
): PodSpecView {
  const list = (field: string) => (Array.isArray(spec[field]) ? (spec[field] as Record<string, unknown>[]) : []);
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: o.metadata,
    podMetadata,
    spec,
    containers: [...list('containers'), ...list('initContainers'), ...list('ephemeralContainers')],
    source,
  };
}

/**
 * The kinds whose objects feed {@link podSpecViews}, as author-facing resource names.
 * Workloads come before Pods so a failure names what to edit first.
 */
export const POD_SPEC_SOURCES = [
  'deployments.apps',
  'replicasets.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'jobs.batch',
  'cronjobs.batch',
  'replicationcontrollers',
  'pods',
] as const;
