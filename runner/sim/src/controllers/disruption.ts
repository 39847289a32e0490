import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1';
import type { StoreEvent } from '../store.ts';
import type { ControllerEnv } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { type Condition, clone, controllerRef, deepEqual, objectKey, rfc3339, setCondition, splitKey } from './meta.ts';
import { isPodReady } from './pod-util.ts';
import { R, resourceForKind, sameResource } from './resources.ts';
import { matchesLabelSelector } from './selector.ts';
import type { PodObject } from './types.ts';

type PdbObject = KubeObject & { spec?: PodDisruptionBudgetSpec; status?: PodDisruptionBudgetStatus };

const isPercent = (v: unknown): v is string => typeof v === 'string' && v.endsWith('%');

/**
 * The disruption controller: keeps each PodDisruptionBudget's status
 * (currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed and the
 * DisruptionAllowed condition) current, which the eviction API (`kubectl
 * drain`) consults. Percentages count the replicas the pods' controllers
 * want, as upstream; integers count the matching pods.
 */
export class DisruptionController implements Controller {
  readonly name = 'disruption-controller';

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    if (sameResource(event.resource, R.poddisruptionbudgets)) {
      if (event.type !== 'DELETED') queue.add(objectKey(event.object));
    } else if (sameResource(event.resource, R.pods)) {
      const labels = [event.object.metadata.labels, event.old?.metadata.labels];
      for (const pdb of this.env.lister.list(R.poddisruptionbudgets, event.object.metadata.namespace) as PdbObject[]) {
        if (labels.some((l) => l && matchesLabelSelector(pdb.spec?.selector ?? undefined, l)))
          queue.add(objectKey(pdb));
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const p of this.env.store.list(R.poddisruptionbudgets)) queue.add(objectKey(p));
  }

  /** The replicas the pods' controllers ask for (each controller counted once). */
  private expectedFromControllers(pods: PodObject[]): number {
    const seen = new Set<string>();
    let total = 0;
    for (const p of pods) {
      const ref = controllerRef(p);
      if (!ref) {
        total++;
        continue;
      }
      if (seen.has(ref.uid)) continue;
      seen.add(ref.uid);
      const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
      const resource = resourceForKind(group, ref.kind);
      const owner = resource && this.env.store.get(resource, p.metadata.namespace, ref.name);
      const spec = owner?.spec as { replicas?: number } | undefined;
      if (ref.kind === 'DaemonSet') {
        total += (owner?.status as { desiredNumberScheduled?: number } | undefined)?.desiredNumberScheduled ?? 0;
      } else total += spec?.replicas ?? 1;
    }
    return total;
  }

  reconcile(key: string): void {
    const { store, clock } = this.env;
    const { namespace, name } = splitKey(key);
    const pdb = store.get(R.poddisruptionbudgets, namespace, name) as PdbObject | undefined;
    if (!pdb) return;
    const pods = (this.env.lister.list(R.pods, namespace) as PodObject[]).filter(
      (p) => !p.metadata.deletionTimestamp && matchesLabelSelector(pdb.spec?.selector ?? undefined, p.metadata.labels),
    );
    const currentHealthy = pods.filter(isPodReady).length;
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    let expectedPods = pods.length;
    let desiredHealthy = 0;
    if (maxUnavailable !== undefined && maxUnavailable !== null) {
      expectedPods = this.expectedFromControllers(pods);
      const max = isPercent(maxUnavailable)
        ? Math.ceil((Number.parseInt(maxUnavailable, 10) * expectedPods) / 100)
        : Number(maxUnavailable);
      desiredHealthy = Math.max(0, expectedPods - max);
    } else if (isPercent(minAvailable)) {
      expectedPods = this.expectedFromControllers(pods);
      desiredHealthy = Math.ceil((Number.parseInt(minAvailable, 10) * expectedPods) / 100);
    } else {
      desiredHealthy = Number(minAvailable ?? 1);
    }
    const disruptionsAllowed = Math.max(0, currentHealthy - desiredHealthy);
    const now = rfc3339(clock.now());
    const condition: Condition =
      disruptionsAllowed > 0
        ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: now }
        : {
            type: 'DisruptionAllowed',
            status: 'False',
            reason: 'InsufficientPods',
            message: '',
            lastTransitionTime: now,
          };
    const status: PodDisruptionBudgetStatus = {
      ...clone(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 }),
      observedGeneration: pdb.metadata.generation ?? 1,
      currentHealthy,
      desiredHealthy,
      disruptionsAllowed,
      expectedPods,
    };
    status.conditions = setCondition(
      status.conditions as Condition[] | undefined,
      condition,
    ) as PodDisruptionBudgetStatus['conditions'];
    if (deepEqual(status, pdb.status)) return;
    const fresh = clone(pdb);
    fresh.status = status;
    store.update(R.poddisruptionbudgets, fresh);
  }
}
