import { StatusError } from '@paranoid/k8s/status.ts';
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1';
import type { StoreEvent } from '../store.ts';
import { claim } from './claim.ts';
import { deleteObject } from './delete.ts';
import type { ControllerEnv } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import {
  byCreation,
  clone,
  controllerRef,
  deepEqual,
  getCondition,
  isControlledBy,
  keyOf,
  newControllerRef,
  objectKey,
  parseTime,
  removeCondition,
  rfc3339,
  scaledValue,
  setCondition,
  splitKey,
} from './meta.ts';
import { R, sameResource } from './resources.ts';
import { matchesLabelSelector } from './selector.ts';
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH } from './template-hash.ts';
import type { DeploymentObject, PodObject, ReplicaSetObject } from './types.ts';

const COMPONENT = 'deployment-controller';
/** The annotation holding a Deployment's and its ReplicaSets' rollout revision number. */
export const REVISION = 'deployment.kubernetes.io/revision';
const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
/** Deployment annotations that are not copied onto its ReplicaSets. */
const SKIP_COPY = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

const revisionOf = (rs: ReplicaSetObject): number =>
  Number.parseInt(rs.metadata.annotations?.[REVISION] ?? '0', 10) || 0;
const specReplicas = (rs: ReplicaSetObject): number => rs.spec.replicas ?? 1;
const sum = (list: ReplicaSetObject[], f: (rs: ReplicaSetObject) => number): number =>
  list.reduce((n, rs) => n + f(rs), 0);

function isRolling(d: DeploymentObject): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** maxSurge and maxUnavailable as numbers (deploymentutil.ResolveFenceposts). */
export function fenceposts(d: DeploymentObject): { surge: number; unavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  const ru = d.spec.strategy?.rollingUpdate;
  const surge = scaledValue(ru?.maxSurge, replicas, true, Math.ceil(replicas * 0.25));
  const unavailable = scaledValue(ru?.maxUnavailable, replicas, false, Math.floor(replicas * 0.25));
  if (surge === 0 && unavailable === 0) return { surge: 0, unavailable: 1 };
  return { surge, unavailable };
}

const maxSurge = (d: DeploymentObject): number => (isRolling(d) ? fenceposts(d).surge : 0);

function maxUnavailable(d: DeploymentObject): number {
  const replicas = d.spec.replicas ?? 1;
  if (!isRolling(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

/** Deployment → ReplicaSets (pkg/controller/deployment): rolling update, recreate, history, status. */
export class DeploymentController implements Controller {
  readonly name = COMPONENT;

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    const { object } = event;
    if (sameResource(event.resource, R.deployments)) {
      // Status writes requeue too, as upstream: cleanup runs on the sync after the one that completes.
      queue.add(objectKey(object));
    } else if (sameResource(event.resource, R.replicasets)) {
      const refs = [controllerRef(object), event.old && controllerRef(event.old)];
      let owned = false;
      for (const ref of refs) {
        if (ref?.kind === 'Deployment') {
          queue.add(keyOf(object.metadata.namespace, ref.name));
          owned = true;
        }
      }
      if (!owned && !controllerRef(object) && event.type !== 'DELETED') {
        for (const d of this.env.lister.list(R.deployments, object.metadata.namespace) as DeploymentObject[]) {
          if (matchesLabelSelector(d.spec.selector, object.metadata.labels)) queue.add(objectKey(d));
        }
      }
    } else if (sameResource(event.resource, R.pods) && event.type === 'DELETED') {
      // Recreate waits for old pods to be gone.
      const ref = controllerRef(object);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = this.env.store.get(R.replicasets, object.metadata.namespace, ref.name);
      const owner = rs && controllerRef(rs);
      if (owner?.kind === 'Deployment') queue.add(keyOf(object.metadata.namespace, owner.name));
    }
  }

  resync(queue: WorkQueue): void {
    for (const d of this.env.store.list(R.deployments)) queue.add(objectKey(d));
  }

  reconcile(key: string, queue: WorkQueue): void {
    const { namespace, name } = splitKey(key);
    const { store } = this.env;
    const d = store.get(R.deployments, namespace, name) as DeploymentObject | undefined;
    if (!d) return;
    const selector = d.spec.selector;
    if (
      !selector ||
      (Object.keys(selector.matchLabels ?? {}).length === 0 && !(selector.matchExpressions ?? []).length)
    ) {
      this.env.recorder.event(
        d,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
        COMPONENT,
      );
      return;
    }
    const rsList = claim(
      this.env,
      R.replicasets,
      d,
      selector,
      this.env.lister.list(R.replicasets, namespace) as ReplicaSetObject[],
    );
    const run = new Sync(this.env, d, rsList, queue);
    if (d.metadata.deletionTimestamp) {
      run.syncStatusOnly();
      return;
    }
    run.checkPausedConditions();
    if (d.spec.paused) {
      run.syncPaused();
      return;
    }
    if (isRolling(d)) run.rolloutRolling();
    else run.rolloutRecreate();
  }
}

/** One sync of one Deployment: the state it reads and the writes it makes. */
class Sync {
  private d: DeploymentObject;
  constructor(
    private readonly env: ControllerEnv,
    d: DeploymentObject,
    private rsList: ReplicaSetObject[],
    private readonly queue: WorkQueue,
  ) {
    this.d = d;
  }

  private get replicas(): number {
    return this.d.spec.replicas ?? 1;
  }

  checkPausedConditions(): void {
    const cond = getCondition(this.d.status?.conditions, 'Progressing');
    if (cond?.reason === 'ProgressDeadlineExceeded') return;
    const paused = Boolean(this.d.spec.paused);
    let next: DeploymentCondition | undefined;
    if (paused && cond?.reason !== 'DeploymentPaused') {
      next = this.condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused');
    } else if (!paused && cond?.reason === 'DeploymentPaused') {
      next = this.condition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed');
    }
    if (!next) return;
    const status = clone(this.d.status ?? {});
    status.conditions = setCondition(status.conditions as DeploymentCondition[], next);
    this.writeStatus(status);
  }

  syncStatusOnly(): void {
    const { newRS, oldRSs } = this.allReplicaSets(false);
    this.syncDeploymentStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  syncPaused(): void {
    const { newRS, oldRSs } = this.allReplicaSets(false);
    this.scaleForPaused(newRS, oldRSs);
    this.syncDeploymentStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  /** A scaling event while paused: resize the one active ReplicaSet (proportional scaling is not modelled). */
  private scaleForPaused(newRS: ReplicaSetObject | undefined, oldRSs: ReplicaSetObject[]): void {
    const active = [...(newRS ? [newRS] : []), ...oldRSs].filter((rs) => specReplicas(rs) > 0);
    const target = active.length === 1 ? active[0] : active.length === 0 ? newRS : undefined;
    if (target && specReplicas(target) !== this.replicas) this.scale(target, this.replicas);
  }

  rolloutRolling(): void {
    const { newRS, oldRSs } = this.allReplicaSets(true);
    if (!newRS) return;
    const all = [newRS, ...oldRSs];
    if (this.reconcileNewReplicaSet(all, newRS)) {
      this.syncRolloutStatus(all, newRS);
      return;
    }
    if (
      this.reconcileOldReplicaSets(
        all,
        oldRSs.filter((rs) => specReplicas(rs) > 0),
        newRS,
      )
    ) {
      this.syncRolloutStatus(all, newRS);
      return;
    }
    if (this.isComplete(this.d.status ?? {})) this.cleanup(oldRSs);
    this.syncRolloutStatus(all, newRS);
  }

  rolloutRecreate(): void {
    let { newRS, oldRSs } = this.allReplicaSets(false);
    const all = () => [...oldRSs, ...(newRS ? [newRS] : [])];
    let scaledDown = false;
    for (const rs of oldRSs) {
      if (specReplicas(rs) > 0) {
        this.scale(rs, 0);
        scaledDown = true;
      }
    }
    if (scaledDown) {
      this.syncRolloutStatus(all(), newRS);
      return;
    }
    if (this.oldPodsRunning(oldRSs)) {
      this.syncRolloutStatus(all(), newRS);
      return;
    }
    if (!newRS) {
      ({ newRS, oldRSs } = this.allReplicaSets(true));
      if (!newRS) return;
    }
    if (specReplicas(newRS) !== this.replicas) {
      this.scale(newRS, this.replicas);
      this.syncRolloutStatus(all(), newRS);
      return;
    }
    if (this.isComplete(this.d.status ?? {})) this.cleanup(oldRSs);
    this.syncRolloutStatus(all(), newRS);
  }

  private oldPodsRunning(oldRSs: ReplicaSetObject[]): boolean {
    if (sum(oldRSs, (rs) => rs.status?.replicas ?? 0) > 0) return true;
    const uids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    return (this.env.lister.list(R.pods, this.d.metadata.namespace) as PodObject[]).some(
      (p) => uids.has(controllerRef(p)?.uid) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
    );
  }

  /** Splits owned ReplicaSets into the one matching the template and the rest; creates the new one if asked. */
  private allReplicaSets(create: boolean): { newRS: ReplicaSetObject | undefined; oldRSs: ReplicaSetObject[] } {
    const sorted = [...this.rsList].sort(byCreation);
    let newRS = sorted.find((rs) => equalIgnoreHash(rs.spec.template, this.d.spec.template));
    const oldRSs = sorted.filter((rs) => rs !== newRS);
    const maxOld = Math.max(0, ...oldRSs.map(revisionOf));
    const newRevision = maxOld + 1;
    if (newRS) {
      newRS = this.syncNewReplicaSetAnnotations(newRS, newRevision);
      const revision = String(revisionOf(newRS));
      const status = clone(this.d.status ?? {});
      let changed = this.setDeploymentRevision(revision);
      if (!getCondition(status.conditions, 'Progressing')) {
        const msg = `Found new replica set "${newRS.metadata.name}"`;
        status.conditions = setCondition(
          status.conditions as DeploymentCondition[],
          this.condition('Progressing', 'True', 'FoundNewReplicaSet', msg),
        );
        changed = true;
      }
      if (changed) this.writeStatus(status);
      return { newRS, oldRSs };
    }
    if (!create) return { newRS: undefined, oldRSs };
    const created = this.createNewReplicaSet(oldRSs, newRevision);
    return { newRS: created, oldRSs };
  }

  private syncNewReplicaSetAnnotations(rs: ReplicaSetObject, newRevision: number): ReplicaSetObject {
    const copy = clone(rs);
    const ann = { ...(copy.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(this.d.metadata.annotations ?? {})) if (!SKIP_COPY.has(k)) ann[k] = v;
    const old = revisionOf(rs);
    if (old < newRevision) {
      ann[REVISION] = String(newRevision);
      if (old > 0) ann[REVISION_HISTORY] = ann[REVISION_HISTORY] ? `${ann[REVISION_HISTORY]},${old}` : String(old);
    }
    ann[DESIRED_REPLICAS] = String(this.replicas);
    ann[MAX_REPLICAS] = String(this.replicas + maxSurge(this.d));
    copy.metadata.annotations = ann;
    const minReady = this.d.spec.minReadySeconds;
    if ((copy.spec.minReadySeconds ?? 0) !== (minReady ?? 0)) copy.spec.minReadySeconds = minReady ?? 0;
    if (deepEqual(copy.metadata.annotations, rs.metadata.annotations) && deepEqual(copy.spec, rs.spec)) return rs;
    return this.replace(this.env.store.update(R.replicasets, copy) as ReplicaSetObject);
  }

  private createNewReplicaSet(oldRSs: ReplicaSetObject[], revision: number): ReplicaSetObject | undefined {
    const d = this.d;
    const collisionCount = d.status?.collisionCount ?? 0;
    const hash = computeHash(d.spec.template, collisionCount);
    const template = clone(d.spec.template);
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
    };
    const selector = clone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!SKIP_COPY.has(k)) annotations[k] = v;
    annotations[DESIRED_REPLICAS] = String(this.replicas);
    annotations[MAX_REPLICAS] = String(this.replicas + maxSurge(d));
    annotations[REVISION] = String(revision);
    const newReplicas = this.newReplicasCount(oldRSs, undefined);
    const rs: ReplicaSetObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        annotations,
        ownerReferences: [newControllerRef(d)],
      },
      spec: {
        replicas: newReplicas,
        minReadySeconds: d.spec.minReadySeconds ?? 0,
        selector,
        template,
      },
    };
    let created: ReplicaSetObject;
    try {
      // Written straight to the store: a ReplicaSet's template must stay byte-equal to the
      // Deployment's, or the hash comparison would never find it again.
      created = this.env.store.create(R.replicasets, rs) as ReplicaSetObject;
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
      const existing = this.env.store.get(R.replicasets, d.metadata.namespace, rs.metadata.name ?? '') as
        | ReplicaSetObject
        | undefined;
      if (existing && isControlledBy(existing, d) && equalIgnoreHash(existing.spec.template, d.spec.template)) {
        this.rsList.push(existing);
        return existing;
      }
      // A hash collision: bump collisionCount so the next sync picks another name.
      const status = clone(d.status ?? {});
      status.collisionCount = collisionCount + 1;
      this.writeStatus(status);
      this.queue.add(objectKey(d));
      return undefined;
    }
    this.rsList.push(created);
    if (newReplicas > 0) {
      this.env.recorder.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata.name} to ${newReplicas}`,
        COMPONENT,
      );
    }
    const status = clone(this.d.status ?? {});
    this.setDeploymentRevision(String(revision));
    status.conditions = setCondition(
      status.conditions as DeploymentCondition[],
      this.condition(
        'Progressing',
        'True',
        'NewReplicaSetCreated',
        `Created new replica set "${created.metadata.name}"`,
      ),
    );
    this.writeStatus(status);
    return created;
  }

  private setDeploymentRevision(revision: string): boolean {
    if (this.d.metadata.annotations?.[REVISION] === revision) return false;
    this.d.metadata.annotations = { ...(this.d.metadata.annotations ?? {}), [REVISION]: revision };
    return true;
  }

  /** deploymentutil.NewRSNewReplicas. */
  private newReplicasCount(all: ReplicaSetObject[], newRS: ReplicaSetObject | undefined): number {
    if (!isRolling(this.d)) return this.replicas;
    const current = sum(all, specReplicas);
    const maxTotal = this.replicas + maxSurge(this.d);
    if (current >= maxTotal) return newRS ? specReplicas(newRS) : 0;
    const up = maxTotal - current;
    const have = newRS ? specReplicas(newRS) : 0;
    return have + Math.max(0, Math.min(up, this.replicas - have));
  }

  private reconcileNewReplicaSet(all: ReplicaSetObject[], newRS: ReplicaSetObject): boolean {
    const have = specReplicas(newRS);
    if (have === this.replicas) return false;
    if (have > this.replicas) return this.scale(newRS, this.replicas);
    return this.scale(newRS, this.newReplicasCount(all, newRS));
  }

  private reconcileOldReplicaSets(
    all: ReplicaSetObject[],
    oldRSs: ReplicaSetObject[],
    newRS: ReplicaSetObject,
  ): boolean {
    if (sum(oldRSs, specReplicas) === 0) return false;
    const allPods = sum(all, specReplicas);
    const minAvailable = this.replicas - maxUnavailable(this.d);
    const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    let cleaned = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const n = specReplicas(rs);
      const available = rs.status?.availableReplicas ?? 0;
      if (n === 0 || n === available) continue;
      const down = Math.min(maxScaledDown - cleaned, n - available);
      this.scale(rs, n - down);
      cleaned += down;
    }
    const fresh = (rs: ReplicaSetObject) => this.rsList.find((r) => r.metadata.uid === rs.metadata.uid) ?? rs;
    const olds = oldRSs.map(fresh);
    const availableAll = sum([fresh(newRS), ...olds], (rs) => rs.status?.availableReplicas ?? 0);
    let scaled = 0;
    if (availableAll > minAvailable) {
      const total = availableAll - minAvailable;
      for (const rs of [...olds].sort(byCreation)) {
        if (scaled >= total) break;
        const n = specReplicas(rs);
        if (n === 0) continue;
        const down = Math.min(n, total - scaled);
        this.scale(rs, n - down);
        scaled += down;
      }
    }
    return cleaned + scaled > 0;
  }

  /** Resizes a ReplicaSet and keeps its replica annotations current; returns whether the size changed. */
  private scale(rs: ReplicaSetObject, to: number): boolean {
    const current = this.rsList.find((r) => r.metadata.uid === rs.metadata.uid) ?? rs;
    const from = specReplicas(current);
    const desired = String(this.replicas);
    const max = String(this.replicas + maxSurge(this.d));
    const ann = current.metadata.annotations ?? {};
    if (from === to && ann[DESIRED_REPLICAS] === desired && ann[MAX_REPLICAS] === max) return false;
    const copy = clone(current);
    copy.spec.replicas = to;
    copy.metadata.annotations = { ...ann, [DESIRED_REPLICAS]: desired, [MAX_REPLICAS]: max };
    this.replace(this.env.store.update(R.replicasets, copy) as ReplicaSetObject);
    if (from === to) return false;
    const op = to > from ? 'up' : 'down';
    this.env.recorder.event(
      this.d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${op} replica set ${current.metadata.name} to ${to} from ${from}`,
      COMPONENT,
    );
    return true;
  }

  private replace(rs: ReplicaSetObject): ReplicaSetObject {
    this.rsList = this.rsList.map((r) => (r.metadata.uid === rs.metadata.uid ? rs : r));
    return rs;
  }

  /** Deletes old, empty ReplicaSets beyond revisionHistoryLimit, lowest revision first. */
  private cleanup(oldRSs: ReplicaSetObject[]): void {
    const limit = this.d.spec.revisionHistoryLimit ?? 10;
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    const sorted = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of sorted.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata.generation ?? 1) > (rs.status?.observedGeneration ?? 0)) continue;
      deleteObject(this.env.store, this.env.clock, R.replicasets, rs);
    }
  }

  private isComplete(status: DeploymentStatus): boolean {
    return (
      (status.updatedReplicas ?? 0) === this.replicas &&
      (status.replicas ?? 0) === this.replicas &&
      (status.availableReplicas ?? 0) === this.replicas &&
      (status.observedGeneration ?? 0) >= (this.d.metadata.generation ?? 1)
    );
  }

  private calculateStatus(all: ReplicaSetObject[], newRS: ReplicaSetObject | undefined): DeploymentStatus {
    const available = sum(all, (rs) => rs.status?.availableReplicas ?? 0);
    const status: DeploymentStatus = {
      observedGeneration: this.d.metadata.generation ?? 1,
      replicas: sum(all, (rs) => rs.status?.replicas ?? 0),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sum(all, (rs) => rs.status?.readyReplicas ?? 0),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, this.replicas - available),
    };
    if (this.d.status?.collisionCount) status.collisionCount = this.d.status.collisionCount;
    let conditions = clone(this.d.status?.conditions ?? []) as DeploymentCondition[];
    conditions =
      available >= this.replicas - maxUnavailable(this.d)
        ? setCondition(
            conditions,
            this.condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
          )
        : setCondition(
            conditions,
            this.condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
          );
    status.conditions = conditions;
    return status;
  }

  private syncDeploymentStatus(all: ReplicaSetObject[], newRS: ReplicaSetObject | undefined): void {
    const status = this.calculateStatus(all, newRS);
    if (!deepEqual(compact(status), compact(this.d.status ?? {}))) this.writeStatus(status);
  }

  private syncRolloutStatus(all: ReplicaSetObject[], newRS: ReplicaSetObject | undefined): void {
    const status = this.calculateStatus(all, newRS);
    const deadline = this.d.spec.progressDeadlineSeconds ?? 600;
    const hasDeadline = deadline !== 2147483647;
    const current = getCondition(status.conditions as DeploymentCondition[], 'Progressing');
    const complete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
    const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${this.d.metadata.name}"`;
    if (hasDeadline && !complete) {
      if (this.isComplete(status)) {
        status.conditions = setCondition(
          status.conditions as DeploymentCondition[],
          this.condition('Progressing', 'True', 'NewReplicaSetAvailable', `${what} has successfully progressed.`),
        );
      } else if (this.isProgressing(status)) {
        const cond = this.condition('Progressing', 'True', 'ReplicaSetUpdated', `${what} is progressing.`);
        if (current?.status === 'True' && current.lastTransitionTime)
          cond.lastTransitionTime = current.lastTransitionTime;
        status.conditions = setCondition(
          removeCondition(status.conditions as DeploymentCondition[], 'Progressing'),
          cond,
        );
      } else if (this.timedOut(status, deadline)) {
        const already = current?.reason === 'ProgressDeadlineExceeded';
        status.conditions = setCondition(
          status.conditions as DeploymentCondition[],
          this.condition('Progressing', 'False', 'ProgressDeadlineExceeded', `${what} has timed out progressing.`),
        );
        if (!already) {
          this.env.recorder.event(
            this.d,
            'Warning',
            'ProgressDeadlineExceeded',
            `${what} has timed out progressing.`,
            COMPONENT,
          );
        }
      }
    }
    const failure = all.map((rs) => getCondition(rs.status?.conditions, 'ReplicaFailure')).find(Boolean);
    status.conditions = failure
      ? setCondition(
          status.conditions as DeploymentCondition[],
          this.condition('ReplicaFailure', failure.status, failure.reason ?? '', failure.message ?? ''),
        )
      : removeCondition(status.conditions as DeploymentCondition[], 'ReplicaFailure');
    if (!deepEqual(compact(status), compact(this.d.status ?? {}))) this.writeStatus(status);
    this.requeueStuck(status, deadline, hasDeadline);
  }

  private isProgressing(next: DeploymentStatus): boolean {
    const old = this.d.status ?? {};
    const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
    const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
    return (
      (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
      newOld < oldOld ||
      (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
      (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
    );
  }

  private timedOut(status: DeploymentStatus, deadline: number): boolean {
    const cond = getCondition(status.conditions as DeploymentCondition[], 'Progressing');
    if (!cond) return false;
    if (cond.reason === 'ProgressDeadlineExceeded') return true;
    if (cond.reason === 'NewReplicaSetAvailable') return false;
    const from = parseTime(cond.lastUpdateTime) ?? 0;
    return this.env.clock.now() > from + deadline * 1000;
  }

  private requeueStuck(status: DeploymentStatus, deadline: number, hasDeadline: boolean): void {
    if (!hasDeadline || this.isComplete(status)) return;
    const cond = getCondition(status.conditions as DeploymentCondition[], 'Progressing');
    if (!cond || cond.reason === 'ProgressDeadlineExceeded' || cond.reason === 'NewReplicaSetAvailable') return;
    const at = (parseTime(cond.lastUpdateTime) ?? 0) + deadline * 1000 + 1000;
    this.queue.addAfter(objectKey(this.d), Math.max(0, at - this.env.clock.now()));
  }

  private condition(type: string, status: string, reason: string, message: string): DeploymentCondition {
    const now = rfc3339(this.env.clock.now());
    return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
  }

  /** Writes status (and any annotation change made on this.d) in one update. */
  private writeStatus(status: DeploymentStatus): void {
    const fresh = this.env.store.get(R.deployments, this.d.metadata.namespace, this.d.metadata.name ?? '') as
      | DeploymentObject
      | undefined;
    if (!fresh) return;
    fresh.metadata.annotations = this.d.metadata.annotations;
    fresh.status = compact(status);
    this.d = this.env.store.update(R.deployments, fresh) as DeploymentObject;
  }
}

/** Drops zero counts, as the API's omitempty fields print (replicas and friends vanish at 0). */
function compact(status: DeploymentStatus): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status)) {
    if (v === undefined || v === 0 || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as DeploymentStatus;
}
