import type { KubeObject } from '@paranoid/k8s/object.ts';

/** The label that ties a Job's pods to the one Job: its uid (upstream `batch.ControllerUidLabel`). */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
/** The Job's name on its pods, what `kubectl logs -l job-name=…` still selects by (upstream `batch.JobNameLabel`). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The unprefixed twin of the uid label the API still sets for older clients (upstream `LegacyControllerUidLabel`). */
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
/** The unprefixed twin of the name label the API still sets for older clients (upstream `LegacyJobNameLabel`). */
export const LEGACY_JOB_NAME_LABEL = 'job-name';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The Job strategy's selector generation (upstream `generateSelector` in
 * pkg/registry/batch/job/strategy.go, which runs from the strategy's Validate once the registry
 * has given the Job its uid). Unless `spec.manualSelector` is true, the pod template gets the
 * Job's uid and name under both label spellings, each only where the author did not set that key
 * (a conflicting value is then refused by validation, not overwritten), and the selector gets
 * `batch.kubernetes.io/controller-uid: <uid>`, so it selects this Job's pods and no other's. With
 * it, kubectl finds the pods of `job/NAME` (`logs`, `describe`, `wait`) as on a real cluster.
 * Mutates `job`.
 */
export function generateJobSelector(job: KubeObject): void {
  const spec = (isObj(job.spec) ? job.spec : {}) as Obj;
  job.spec = spec;
  if (spec.manualSelector === true) return;
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const template = (isObj(spec.template) ? spec.template : {}) as Obj;
  spec.template = template;
  const meta = (isObj(template.metadata) ? template.metadata : {}) as Obj;
  template.metadata = meta;
  const labels = (isObj(meta.labels) ? meta.labels : {}) as Record<string, unknown>;
  meta.labels = labels;
  for (const [key, value] of [
    [LEGACY_JOB_NAME_LABEL, name],
    [JOB_NAME_LABEL, name],
    [LEGACY_CONTROLLER_UID_LABEL, uid],
    [CONTROLLER_UID_LABEL, uid],
  ] as const) {
    if (!(key in labels)) labels[key] = value;
  }
  const selector = (isObj(spec.selector) ? spec.selector : {}) as Obj;
  spec.selector = selector;
  const matchLabels = (isObj(selector.matchLabels) ? selector.matchLabels : {}) as Record<string, unknown>;
  selector.matchLabels = matchLabels;
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}
