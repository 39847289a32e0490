import { StatusError } from '@paranoid/k8s/status.ts';
import type { CronJobStatus } from 'kubernetes-types/batch/v1';
import type { ObjectReference } from 'kubernetes-types/core/v1';
import type { StoreEvent } from '../store.ts';
import { type CronSchedule, nextTime, parseCron, validTimeZone } from './cron-schedule.ts';
import { deleteObject } from './delete.ts';
import { type ControllerEnv, createAs, errorMessage } from './env.ts';
import { isJobFinished } from './job.ts';
import type { Controller, WorkQueue } from './manager.ts';
import {
  clone,
  controllerRef,
  deepEqual,
  isControlledBy,
  keyOf,
  newControllerRef,
  objectKey,
  parseTime,
  rfc3339,
  splitKey,
} from './meta.ts';
import { R, sameResource } from './resources.ts';
import type { CronJobObject, JobObject } from './types.ts';

const COMPONENT = 'cronjob-controller';
/** The annotation on a CronJob's Job recording the start time it was scheduled for. */
export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Beyond this many missed start times the controller gives up catching up, as upstream. */
const TOO_MANY_MISSED = 100;

const jobFinishedType = (job: JobObject): string | undefined =>
  job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;

/**
 * The CronJob controller (v2): on the clock, creates Job `<cronjob>-<scheduled
 * time in minutes>` from jobTemplate at each schedule time (5-field cron,
 * @shorthands, optional timeZone), honouring suspend, startingDeadlineSeconds
 * and concurrencyPolicy, keeps status.active / lastScheduleTime /
 * lastSuccessfulTime, and prunes finished Jobs beyond the history limits.
 */
export class CronJobController implements Controller {
  readonly name = COMPONENT;

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    if (sameResource(event.resource, R.cronjobs)) {
      queue.add(objectKey(event.object));
    } else if (sameResource(event.resource, R.jobs)) {
      for (const o of event.old ? [event.object, event.old] : [event.object]) {
        const ref = controllerRef(o);
        if (ref?.kind === 'CronJob') queue.add(keyOf(o.metadata.namespace, ref.name));
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const c of this.env.store.list(R.cronjobs)) queue.add(objectKey(c));
  }

  reconcile(key: string, queue: WorkQueue): void {
    const { namespace, name } = splitKey(key);
    const { store, clock, recorder } = this.env;
    const cj = store.get(R.cronjobs, namespace, name) as CronJobObject | undefined;
    if (!cj || cj.metadata.deletionTimestamp) return;
    const now = clock.now();
    const jobs = (this.env.lister.list(R.jobs, namespace) as JobObject[]).filter((j) => isControlledBy(j, cj));
    const status: CronJobStatus = clone(cj.status ?? {});
    const jobUids = new Set(jobs.map((j) => j.metadata.uid));
    let active: ObjectReference[] = (status.active ?? []).filter((r) => jobUids.has(r.uid));

    for (const job of jobs) {
      const inActive = active.some((r) => r.uid === job.metadata.uid);
      const finished = jobFinishedType(job);
      if (!finished && !inActive) {
        active.push(this.ref(job));
      } else if (finished && inActive) {
        active = active.filter((r) => r.uid !== job.metadata.uid);
        recorder.event(
          cj,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${job.metadata.name}, status: ${finished}`,
          COMPONENT,
        );
      }
      if (finished === 'Complete' && job.status?.completionTime) {
        const t = parseTime(job.status.completionTime) ?? 0;
        if (t > (parseTime(status.lastSuccessfulTime) ?? 0)) status.lastSuccessfulTime = job.status.completionTime;
      }
    }
    this.pruneHistory(cj, jobs);

    let schedule: CronSchedule | undefined;
    const tz = cj.spec.timeZone ?? undefined;
    try {
      if (tz && !validTimeZone(tz)) throw new Error(`unknown time zone ${tz}`);
      schedule = parseCron(cj.spec.schedule);
    } catch (e) {
      recorder.event(
        cj,
        'Warning',
        tz && !validTimeZone(tz) ? 'UnknownTimeZone' : 'InvalidSchedule',
        `invalid schedule: ${cj.spec.schedule} : ${errorMessage(e)}`,
        COMPONENT,
      );
    }

    if (schedule && !cj.spec.suspend) {
      const earliest = parseTime(status.lastScheduleTime) ?? parseTime(cj.metadata.creationTimestamp) ?? now;
      // The most recent unmet schedule time, counting how many were missed on the way.
      let scheduled: number | undefined;
      let missed = 0;
      for (let t = nextTime(schedule, earliest, tz); t !== undefined && t <= now; t = nextTime(schedule, t, tz)) {
        scheduled = t;
        if (++missed > TOO_MANY_MISSED) break;
      }
      if (missed > TOO_MANY_MISSED) {
        recorder.event(
          cj,
          'Warning',
          'TooManyMissedTimes',
          'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
          COMPONENT,
        );
      }
      const deadline = cj.spec.startingDeadlineSeconds;
      const tooLate =
        scheduled !== undefined && deadline !== undefined && deadline !== null && scheduled + deadline * 1000 < now;
      if (scheduled !== undefined && tooLate) {
        recorder.event(
          cj,
          'Warning',
          'MissSchedule',
          `Missed scheduled time to start a job: ${rfc3339(scheduled)}`,
          COMPONENT,
        );
      } else if (scheduled !== undefined) {
        const policy = cj.spec.concurrencyPolicy ?? 'Allow';
        if (policy === 'Forbid' && active.length > 0) {
          recorder.event(
            cj,
            'Normal',
            'JobAlreadyActive',
            'Not starting job because prior execution is running and concurrency policy is Forbid',
            COMPONENT,
          );
        } else {
          if (policy === 'Replace') {
            for (const ref of active) {
              const job = jobs.find((j) => j.metadata.uid === ref.uid);
              if (job && deleteObject(store, clock, R.jobs, job, 'Background')) {
                recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`, COMPONENT);
              }
            }
            active = [];
          }
          const created = this.createJob(cj, scheduled);
          if (created) {
            if (!active.some((r) => r.uid === created.metadata.uid)) active.push(this.ref(created));
            status.lastScheduleTime = rfc3339(scheduled);
          }
        }
      }
      const next = nextTime(schedule, now, tz);
      // Wake a little after the minute, as upstream's requeue does.
      if (next !== undefined) queue.addAfter(key, next - now + 100);
    }

    if (active.length) status.active = active;
    else delete status.active;
    if (!deepEqual(status, cj.status ?? {})) {
      const fresh = store.get(R.cronjobs, namespace, name) as CronJobObject | undefined;
      if (fresh) {
        fresh.status = status;
        store.update(R.cronjobs, fresh);
      }
    }
  }

  private ref(job: JobObject): ObjectReference {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: job.metadata.name,
      namespace: job.metadata.namespace,
      resourceVersion: job.metadata.resourceVersion,
      uid: job.metadata.uid,
    };
  }

  private createJob(cj: CronJobObject, scheduled: number): JobObject | undefined {
    const { store, recorder } = this.env;
    const name = `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;
    const tmpl = clone(cj.spec.jobTemplate);
    const job: JobObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        ...(tmpl.metadata?.labels ? { labels: tmpl.metadata.labels } : {}),
        annotations: { ...(tmpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: rfc3339(scheduled) },
        ownerReferences: [newControllerRef(cj)],
      },
      spec: tmpl.spec ?? { template: {} },
    };
    try {
      const created = createAs(this.env, COMPONENT, R.jobs, job) as JobObject;
      recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`, COMPONENT);
      return created;
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'AlreadyExists') {
        const existing = store.get(R.jobs, cj.metadata.namespace, name) as JobObject | undefined;
        return existing && isControlledBy(existing, cj) ? existing : undefined;
      }
      recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(e)}`, COMPONENT);
      return undefined;
    }
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit (3) and failedJobsHistoryLimit (1). */
  private pruneHistory(cj: CronJobObject, jobs: JobObject[]): void {
    const { store, clock, recorder } = this.env;
    const started = (j: JobObject) => parseTime(j.status?.startTime) ?? parseTime(j.metadata.creationTimestamp) ?? 0;
    for (const [type, limit] of [
      ['Complete', cj.spec.successfulJobsHistoryLimit ?? 3],
      ['Failed', cj.spec.failedJobsHistoryLimit ?? 1],
    ] as const) {
      const done = jobs.filter((j) => isJobFinished(j) && jobFinishedType(j) === type && !j.metadata.deletionTimestamp);
      done.sort((a, b) => started(a) - started(b));
      for (const job of done.slice(0, Math.max(0, done.length - limit))) {
        if (deleteObject(store, clock, R.jobs, job, 'Background')) {
          recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`, COMPONENT);
        }
      }
    }
  }
}
