import type { KubeObject } from '@paranoid/k8s/object.ts';
import { StatusError } from '@paranoid/k8s/status.ts';
import type { StatefulSetStatus } from 'kubernetes-types/apps/v1';
import type { Volume } from 'kubernetes-types/core/v1';
import type { StoreEvent } from '../store.ts';
import { claim } from './claim.ts';
import { CONTROLLER_REVISION_HASH, ensureRevision } from './controller-revision.ts';
import { deleteObject } from './delete.ts';
import { type ControllerEnv, createAs, errorMessage } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { clone, deepEqual, objectKey, splitKey } from './meta.ts';
import { isPodAvailable, isPodFinished, isPodReady, msUntilAvailable, podFromTemplate } from './pod-util.ts';
import { Backoff, enqueueOwners, statusOnlyChange } from './replicaset.ts';
import { R, sameResource } from './resources.ts';
import { matchesLabelSelector } from './selector.ts';
import { computeHash } from './template-hash.ts';
import type { PodObject, StatefulSetObject } from './types.ts';

const COMPONENT = 'statefulset-controller';

const ordinalOf = (sts: StatefulSetObject, pod: PodObject): number => {
  const m = new RegExp(`^${sts.metadata.name}-(\\d+)$`).exec(pod.metadata.name ?? '');
  return m ? Number(m[1]) : -1;
};

const runningAndReady = (p: PodObject): boolean => p.status?.phase === 'Running' && isPodReady(p);

/**
 * The StatefulSet controller: pods `<name>-<ordinal>` with stable hostnames
 * under the governing (headless) Service, PersistentVolumeClaims from
 * volumeClaimTemplates, OrderedReady start and reverse-order scale-down (or
 * Parallel), and rolling updates from the highest ordinal down to the partition.
 */
export class StatefulSetController implements Controller {
  readonly name = COMPONENT;
  private backoff = new Backoff();

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    if (sameResource(event.resource, R.statefulsets)) {
      if (!statusOnlyChange(event)) queue.add(objectKey(event.object));
    } else if (sameResource(event.resource, R.pods)) {
      enqueueOwners(event, 'StatefulSet', queue, () =>
        this.env.lister
          .list(R.statefulsets, event.object.metadata.namespace)
          .filter((s) => matchesLabelSelector((s as StatefulSetObject).spec?.selector, event.object.metadata.labels))
          .map(objectKey),
      );
    }
  }

  resync(queue: WorkQueue): void {
    for (const s of this.env.store.list(R.statefulsets)) queue.add(objectKey(s));
  }

  reconcile(key: string, queue: WorkQueue): void {
    const { namespace, name } = splitKey(key);
    const { store, clock, recorder } = this.env;
    const sts = store.get(R.statefulsets, namespace, name) as StatefulSetObject | undefined;
    if (!sts) return;
    const pods = claim(
      this.env,
      R.pods,
      sts,
      sts.spec.selector,
      this.env.lister.list(R.pods, namespace) as PodObject[],
    ).filter((p) => ordinalOf(sts, p) >= 0);
    const revision = `${name}-${computeHash(sts.spec.template)}`;
    const replicas = sts.spec.replicas ?? 1;
    const parallel = sts.spec.podManagementPolicy === 'Parallel';
    const start = sts.spec.ordinals?.start ?? 0;
    const byOrdinal = new Map(pods.map((p) => [ordinalOf(sts, p), p]));
    let failed = false;

    if (!sts.metadata.deletionTimestamp) {
      ensureRevision(this.env, sts, sts.spec.template, revision.slice(name.length + 1));
      for (let i = start; i < start + replicas; i++) {
        const pod = byOrdinal.get(i);
        if (!pod) {
          try {
            this.createPod(sts, i, revision);
          } catch (e) {
            recorder.event(
              sts,
              'Warning',
              'FailedCreate',
              `create Pod ${name}-${i} in StatefulSet ${name} failed error: ${errorMessage(e)}`,
              COMPONENT,
            );
            failed = true;
            break;
          }
          if (!parallel) break;
          continue;
        }
        if (pod.metadata.deletionTimestamp) {
          if (!parallel) break;
          continue;
        }
        if (isPodFinished(pod)) {
          this.deletePod(sts, pod);
          if (!parallel) break;
          continue;
        }
        if (!parallel && !runningAndReady(pod)) break;
      }
      // Scale down: highest ordinal first, one at a time unless Parallel.
      const extra = pods
        .filter((p) => {
          const o = ordinalOf(sts, p);
          return o < start || o >= start + replicas;
        })
        .sort((a, b) => ordinalOf(sts, b) - ordinalOf(sts, a));
      for (const p of extra) {
        if (p.metadata.deletionTimestamp) {
          if (!parallel) break;
          continue;
        }
        const lowerReady = pods.every((q) => ordinalOf(sts, q) >= ordinalOf(sts, p) || runningAndReady(q));
        if (!parallel && !lowerReady) break;
        this.deletePod(sts, p);
        if (!parallel) break;
      }
      // Rolling update: replace the highest out-of-date pod once every other pod is ready.
      if ((sts.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        const partition = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
        const live = [...byOrdinal.values()].filter((p) => {
          const o = ordinalOf(sts, p);
          return o >= start && o < start + replicas;
        });
        const allReady =
          live.length === replicas && live.every((p) => runningAndReady(p) && !p.metadata.deletionTimestamp);
        if (allReady) {
          const stale = live
            .filter((p) => ordinalOf(sts, p) >= partition && p.metadata.labels?.[CONTROLLER_REVISION_HASH] !== revision)
            .sort((a, b) => ordinalOf(sts, b) - ordinalOf(sts, a))[0];
          if (stale) this.deletePod(sts, stale);
        }
      }
    }
    if (failed) queue.addAfter(key, this.backoff.next(key));
    else this.backoff.reset(key);

    const now = clock.now();
    const minReady = sts.spec.minReadySeconds ?? 0;
    const current = (this.env.lister.list(R.pods, namespace) as PodObject[]).filter(
      (p) =>
        p.metadata.ownerReferences?.some((r) => r.uid === sts.metadata.uid && r.controller) && ordinalOf(sts, p) >= 0,
    );
    for (const p of current) {
      const wait = msUntilAvailable(p, minReady, now);
      if (wait !== undefined) queue.addAfter(key, wait);
    }
    const updated = current.filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === revision).length;
    // currentRevision moves to the update revision only once every replica runs it, so
    // `kubectl rollout status` waits for the whole rolling update.
    const previous = sts.status?.currentRevision;
    const done = updated === replicas && current.length === replicas && current.every(isPodReady);
    const currentRevision = !previous || done ? revision : previous;
    const status: StatefulSetStatus = {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: current.length,
      readyReplicas: current.filter(isPodReady).length,
      currentReplicas: current.filter((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision: revision,
      collisionCount: 0,
      availableReplicas: current.filter((p) => isPodAvailable(p, minReady, now)).length,
    };
    const clean = (s: StatefulSetStatus | undefined) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s ?? {})) {
        if ((k === 'readyReplicas' || k === 'currentReplicas' || k === 'updatedReplicas') && v === 0) continue;
        if (v !== undefined) out[k] = v;
      }
      return out;
    };
    if (!deepEqual(clean(status), clean(sts.status))) {
      const fresh = store.get(R.statefulsets, namespace, name) as StatefulSetObject | undefined;
      if (!fresh) return;
      fresh.status = clean(status) as unknown as StatefulSetStatus;
      store.update(R.statefulsets, fresh);
    }
  }

  private createPod(sts: StatefulSetObject, ordinal: number, revision: string): void {
    const { store, recorder } = this.env;
    const name = sts.metadata.name ?? '';
    const podName = `${name}-${ordinal}`;
    const pod = podFromTemplate(sts.spec.template, sts, '', {
      [CONTROLLER_REVISION_HASH]: revision,
      'statefulset.kubernetes.io/pod-name': podName,
      'apps.kubernetes.io/pod-index': String(ordinal),
    });
    delete pod.metadata.generateName;
    pod.metadata.name = podName;
    pod.spec.hostname = podName;
    if (sts.spec.serviceName) pod.spec.subdomain = sts.spec.serviceName;
    for (const tmpl of sts.spec.volumeClaimTemplates ?? []) {
      const claimName = `${tmpl.metadata?.name}-${name}-${ordinal}`;
      if (!store.get(R.persistentvolumeclaims, sts.metadata.namespace, claimName)) {
        const pvc: KubeObject = {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: claimName,
            namespace: sts.metadata.namespace,
            labels: { ...(sts.spec.selector?.matchLabels ?? {}), ...(tmpl.metadata?.labels ?? {}) },
            ...(tmpl.metadata?.annotations ? { annotations: tmpl.metadata.annotations } : {}),
          },
          spec: clone(tmpl.spec ?? {}),
          status: { phase: 'Pending' },
        };
        try {
          store.create(R.persistentvolumeclaims, pvc);
          recorder.event(
            sts,
            'Normal',
            'SuccessfulCreate',
            `create Claim ${claimName} Pod ${podName} in StatefulSet ${name} success`,
            COMPONENT,
          );
        } catch (e) {
          if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
        }
      }
      const volume: Volume = { name: tmpl.metadata?.name ?? '', persistentVolumeClaim: { claimName } };
      pod.spec.volumes = [...(pod.spec.volumes ?? []).filter((v) => v.name !== volume.name), volume];
    }
    createAs(this.env, COMPONENT, R.pods, pod);
    recorder.event(
      sts,
      'Normal',
      'SuccessfulCreate',
      `create Pod ${podName} in StatefulSet ${name} successful`,
      COMPONENT,
    );
  }

  private deletePod(sts: StatefulSetObject, pod: PodObject): void {
    if (deleteObject(this.env.store, this.env.clock, R.pods, pod)) {
      this.env.recorder.event(
        sts,
        'Normal',
        'SuccessfulDelete',
        `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`,
        COMPONENT,
      );
    }
  }
}
