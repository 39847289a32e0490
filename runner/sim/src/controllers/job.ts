import type { JobCondition, JobStatus } from 'kubernetes-types/batch/v1';
import type { StoreEvent } from '../store.ts';
import { claim } from './claim.ts';
import { deleteObject, removeFinalizer } from './delete.ts';
import { type ControllerEnv, createAs, errorMessage } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import {
  byCreation,
  clone,
  controllerRef,
  deepEqual,
  getCondition,
  keyOf,
  objectKey,
  parseTime,
  rfc3339,
  splitKey,
} from './meta.ts';
import { isPodActive, isPodReady, podFromTemplate } from './pod-util.ts';
import { Backoff } from './replicaset.ts';
import { R, sameResource } from './resources.ts';
import type { JobObject, PodObject } from './types.ts';

const COMPONENT = 'job-controller';
/** The finalizer a Job puts on its pods so none finishes uncounted before the Job records it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;

const INDEX = 'batch.kubernetes.io/job-completion-index';

const podIndex = (pod: PodObject): number | undefined => {
  const v = pod.metadata.annotations?.[INDEX];
  return v === undefined ? undefined : Number(v);
};

/** `1,3-5` → {1,3,4,5}: the status.completedIndexes format. */
export function parseIndexes(text: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const [a = '', b] = part.split('-');
    for (let i = Number(a); i <= Number(b ?? a); i++) out.add(i);
  }
  return out;
}

/** Writes a set of completion indexes in upstream's compressed form (`1,3-5,7`). */
export function formatIndexes(set: Set<number>): string {
  const sorted = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Whether a Job has a true Complete or Failed condition, after which its controller leaves it alone. */
export const isJobFinished = (job: JobObject): boolean =>
  (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');

/** The label selector a Job uses: its own, or the controller-uid label the API defaults. */
function jobSelectorLabels(job: JobObject): Record<string, string> {
  return {
    'batch.kubernetes.io/controller-uid': job.metadata.uid ?? '',
    'batch.kubernetes.io/job-name': job.metadata.name ?? '',
    'controller-uid': job.metadata.uid ?? '',
    'job-name': job.metadata.name ?? '',
  };
}

/**
 * The Job controller: runs `parallelism` pods (`<job>-<5 chars>`) until
 * `completions` succeed, counts finished pods through the job-tracking
 * finalizer, retries failures with exponential backoff up to backoffLimit,
 * honours activeDeadlineSeconds, sets the 1.32 conditions (SuccessCriteriaMet
 * then Complete; FailureTarget then Failed) and deletes finished Jobs after
 * ttlSecondsAfterFinished. Pods finish when the kubelet sets phase Succeeded or Failed.
 */
export class JobController implements Controller {
  readonly name = COMPONENT;
  private backoff = new Backoff();
  private lastFailure = new Map<string, number>();

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    if (sameResource(event.resource, R.jobs)) {
      queue.add(objectKey(event.object));
    } else if (sameResource(event.resource, R.pods)) {
      for (const o of event.old ? [event.object, event.old] : [event.object]) {
        const ref = controllerRef(o);
        if (ref?.kind === 'Job') queue.add(keyOf(o.metadata.namespace, ref.name));
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const j of this.env.store.list(R.jobs)) queue.add(objectKey(j));
  }

  reconcile(key: string, queue: WorkQueue): void {
    const { namespace, name } = splitKey(key);
    const { store, clock, recorder } = this.env;
    const job = store.get(R.jobs, namespace, name) as JobObject | undefined;
    if (!job) {
      this.lastFailure.delete(key);
      this.releaseOrphans(namespace, name);
      return;
    }
    const selector = job.spec.selector ?? {
      matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid ?? '' },
    };
    const pods = claim(this.env, R.pods, job, selector, this.env.lister.list(R.pods, namespace) as PodObject[]);
    const now = clock.now();
    const status: JobStatus = clone(job.status ?? {});
    let succeeded = status.succeeded ?? 0;
    let failed = status.failed ?? 0;

    const indexed = job.spec.completionMode === 'Indexed';
    const done = parseIndexes(status.completedIndexes);
    // Count finished (or deleted) pods exactly once, by removing the tracking finalizer.
    for (const p of pods) {
      if (!(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) continue;
      const phase = p.status?.phase;
      if (phase === 'Succeeded') {
        const index = podIndex(p);
        if (indexed && index !== undefined) {
          if (!done.has(index)) succeeded++;
          done.add(index);
        } else succeeded++;
      } else if (phase === 'Failed' || p.metadata.deletionTimestamp) {
        failed++;
        this.lastFailure.set(key, now);
      } else continue;
      removeFinalizer(store, R.pods, p, JOB_TRACKING_FINALIZER);
    }
    status.succeeded = succeeded;
    status.failed = failed;
    if (indexed) status.completedIndexes = formatIndexes(done);
    const active = pods.filter((p) => isPodActive(p) && store.get(R.pods, namespace, p.metadata.name ?? ''));
    status.startTime ??= rfc3339(now);

    const finished = isJobFinished(job);
    const completions = job.spec.completions;
    const parallelism = job.spec.parallelism ?? 1;
    const backoffLimit = job.spec.backoffLimit ?? 6;
    let conditions = (status.conditions ?? []) as JobCondition[];
    const addCondition = (type: string, reason: string, message: string) => {
      if (getCondition(conditions, type)) return;
      const t = rfc3339(now);
      conditions = [...conditions, { type, status: 'True', lastProbeTime: t, lastTransitionTime: t, reason, message }];
    };

    let activeCount = active.length;
    if (!finished && !job.metadata.deletionTimestamp) {
      const deadline = job.spec.activeDeadlineSeconds;
      const started = parseTime(status.startTime) ?? now;
      const complete =
        completions !== undefined && completions !== null
          ? succeeded >= completions
          : succeeded > 0 && activeCount === 0;
      let failure: { reason: string; message: string } | undefined;
      if (failed > backoffLimit)
        failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
      else if (deadline !== undefined && deadline !== null && now - started >= deadline * 1000) {
        failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
      }
      if (complete) {
        for (const p of active) this.deletePod(job, p);
        activeCount = 0;
        addCondition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods');
        addCondition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods');
        status.completionTime = rfc3339(now);
        recorder.event(job, 'Normal', 'Completed', 'Job completed', COMPONENT);
      } else if (failure) {
        for (const p of active) this.deletePod(job, p);
        activeCount = 0;
        addCondition('FailureTarget', failure.reason, failure.message);
        addCondition('Failed', failure.reason, failure.message);
        recorder.event(job, 'Warning', failure.reason, failure.message, COMPONENT);
      } else if (!job.spec.suspend) {
        if (deadline !== undefined && deadline !== null) queue.addAfter(key, started + deadline * 1000 - now);
        const remaining = completions !== undefined && completions !== null ? completions - succeeded : parallelism;
        const wanted = Math.max(0, Math.min(parallelism, remaining));
        if (activeCount > wanted) {
          for (const p of [...active]
            .sort(byCreation)
            .reverse()
            .slice(0, activeCount - wanted))
            this.deletePod(job, p);
          activeCount = wanted;
        } else if (activeCount < wanted && !(completions === undefined && succeeded > 0)) {
          const last = this.lastFailure.get(key);
          const delay =
            failed > 0 && last !== undefined ? Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failed - 1)) : 0;
          if (last !== undefined && now < last + delay) queue.addAfter(key, last + delay - now);
          else {
            // Indexed: the lowest indexes neither done nor running get the new pods.
            const running = new Set(active.map(podIndex));
            const free: number[] = [];
            for (let i = 0; indexed && i < (completions ?? 0) && free.length < wanted - activeCount; i++) {
              if (!done.has(i) && !running.has(i)) free.push(i);
            }
            activeCount += this.createPods(job, wanted - activeCount, queue, key, indexed ? free : undefined);
          }
        }
      } else if (activeCount > 0) {
        for (const p of active) this.deletePod(job, p);
        activeCount = 0;
      }
    }
    status.active = activeCount;
    status.ready = active.filter(isPodReady).length;
    status.terminating = 0;
    status.uncountedTerminatedPods = {};
    if (conditions.length) status.conditions = conditions;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(status)) {
      if ((k === 'active' || k === 'succeeded' || k === 'failed') && v === 0) continue;
      if (v !== undefined) out[k] = v;
    }
    if (!deepEqual(out, job.status ?? {})) {
      const fresh = store.get(R.jobs, namespace, name) as JobObject | undefined;
      if (fresh) {
        fresh.status = out as JobStatus;
        store.update(R.jobs, fresh);
      }
    }
    if (isJobFinished({ ...job, status: out as JobStatus })) this.ttl(job, out as JobStatus, queue, key);
  }

  private createPods(job: JobObject, n: number, queue: WorkQueue, key: string, indexes?: number[]): number {
    const { recorder } = this.env;
    let made = 0;
    const count = indexes ? indexes.length : n;
    for (let i = 0; i < count; i++) {
      const index = indexes?.[i];
      const name = job.metadata.name ?? '';
      const pod = podFromTemplate(
        job.spec.template,
        job,
        index === undefined ? `${name}-` : `${name}-${index}-`,
        index === undefined ? jobSelectorLabels(job) : { ...jobSelectorLabels(job), [INDEX]: String(index) },
      );
      if (index !== undefined) {
        pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [INDEX]: String(index) };
        pod.spec.hostname = `${name}-${index}`;
        addCompletionIndexEnv(pod);
      }
      pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
      try {
        const created = createAs(this.env, COMPONENT, R.pods, pod);
        recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, COMPONENT);
        made++;
      } catch (e) {
        recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`, COMPONENT);
        queue.addAfter(key, this.backoff.next(key));
        return made;
      }
    }
    this.backoff.reset(key);
    return made;
  }

  /**
   * A Job that is gone can no longer count its pods, so nothing may hold them: the
   * tracking finalizer comes off every pod it controlled, or a deleted Job's pods
   * would hang in Terminating forever (upstream's syncOrphanPod).
   */
  private releaseOrphans(namespace: string | undefined, jobName: string): void {
    const { store } = this.env;
    for (const p of this.env.lister.list(R.pods, namespace) as PodObject[]) {
      const ref = controllerRef(p);
      if (ref?.kind !== 'Job' || ref.name !== jobName) continue;
      if (!(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) continue;
      const fresh = store.get(R.pods, p.metadata.namespace, p.metadata.name ?? '');
      if (fresh) removeFinalizer(store, R.pods, fresh, JOB_TRACKING_FINALIZER);
    }
  }

  private deletePod(job: JobObject, pod: PodObject): void {
    const { store, clock, recorder } = this.env;
    const fresh = store.get(R.pods, pod.metadata.namespace, pod.metadata.name ?? '');
    if (!fresh) return;
    if ((fresh.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) {
      removeFinalizer(store, R.pods, fresh, JOB_TRACKING_FINALIZER);
    }
    if (deleteObject(store, clock, R.pods, pod)) {
      recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
    }
  }

  /** The ttl-after-finished controller: deletes a finished Job (and, in the foreground, its pods) after its TTL. */
  private ttl(job: JobObject, status: JobStatus, queue: WorkQueue, key: string): void {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp) return;
    const finishedAt =
      parseTime(status.completionTime) ??
      parseTime((status.conditions ?? []).find((c) => c.type === 'Failed')?.lastTransitionTime) ??
      this.env.clock.now();
    const due = finishedAt + ttl * 1000 - this.env.clock.now();
    if (due > 0) {
      queue.addAfter(key, due);
      return;
    }
    deleteObject(this.env.store, this.env.clock, R.jobs, job, 'Foreground');
  }
}

/**
 * Tells each container of an Indexed Job's pod its index as `JOB_COMPLETION_INDEX`, read from the
 * pod's annotation through the downward API, unless the container names that variable itself
 * (upstream: addCompletionIndexEnvVariables in pkg/controller/job/indexed_job_utils.go).
 */
function addCompletionIndexEnv(pod: PodObject): void {
  const env = {
    name: 'JOB_COMPLETION_INDEX',
    valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${INDEX}']` } },
  };
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    if (!c.env?.some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env];
  }
}
