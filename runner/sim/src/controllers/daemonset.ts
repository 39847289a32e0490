import type { DaemonSetStatus } from 'kubernetes-types/apps/v1';
import type { Toleration } from 'kubernetes-types/core/v1';
import type { StoreEvent } from '../store.ts';
import { claim } from './claim.ts';
import { CONTROLLER_REVISION_HASH, ensureRevision } from './controller-revision.ts';
import { deleteObject } from './delete.ts';
import { type ControllerEnv, createAs, errorMessage } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { byCreation, deepEqual, objectKey, scaledValue, splitKey } from './meta.ts';
import { isPodActive, isPodAvailable, isPodReady, msUntilAvailable, podFromTemplate } from './pod-util.ts';
import { Backoff, enqueueOwners, statusOnlyChange } from './replicaset.ts';
import { R, sameResource } from './resources.ts';
import { matchesLabelSelector, matchesMap, matchesNodeSelector } from './selector.ts';
import { untoleratedTaint } from './taints.ts';
import { computeHash } from './template-hash.ts';
import type { DaemonSetObject, NodeObject, PodObject } from './types.ts';

const COMPONENT = 'daemonset-controller';

/** Tolerations every daemon pod gets (util.AddOrUpdateDaemonPodTolerations). */
function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });
  return [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(hostNetwork ? [t('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
}

function withTolerations(existing: Toleration[] | undefined, extra: Toleration[]): Toleration[] {
  const out = [...(existing ?? [])];
  for (const t of extra) {
    if (!out.some((o) => o.key === t.key && o.effect === t.effect && o.operator === t.operator)) out.push(t);
  }
  return out;
}

/** The node a daemon pod is pinned to through its required matchFields affinity, or its nodeName. */
function podNode(pod: PodObject): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms ?? []) {
    const f = term.matchFields?.find((m) => m.key === 'metadata.name' && m.operator === 'In');
    if (f?.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/**
 * The DaemonSet controller: one pod per node the template's selector, affinity
 * and tolerations allow, pinned by node affinity and placed by the scheduler;
 * rolling updates one node at a time (maxUnavailable), ControllerRevisions for
 * history, and the daemon status counters.
 */
export class DaemonSetController implements Controller {
  readonly name = COMPONENT;
  private backoff = new Backoff();

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    if (sameResource(event.resource, R.daemonsets)) {
      if (!statusOnlyChange(event)) queue.add(objectKey(event.object));
    } else if (sameResource(event.resource, R.pods)) {
      enqueueOwners(event, 'DaemonSet', queue, () =>
        this.env.lister
          .list(R.daemonsets, event.object.metadata.namespace)
          .filter((ds) => matchesLabelSelector((ds as DaemonSetObject).spec?.selector, event.object.metadata.labels))
          .map(objectKey),
      );
    } else if (sameResource(event.resource, R.nodes)) {
      const n = event.object as NodeObject;
      const o = event.old as NodeObject | undefined;
      if (
        event.type !== 'MODIFIED' ||
        !deepEqual(n.spec, o?.spec) ||
        !deepEqual(n.metadata.labels, o?.metadata.labels)
      ) {
        for (const ds of this.env.lister.list(R.daemonsets)) queue.add(objectKey(ds));
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const ds of this.env.store.list(R.daemonsets)) queue.add(objectKey(ds));
  }

  /** Whether the daemon should run on a node (NodeShouldRunDaemonPod): selector, affinity, taints. */
  shouldRun(ds: DaemonSetObject, node: NodeObject): boolean {
    const spec = ds.spec.template?.spec;
    if (!matchesMap(spec?.nodeSelector, node.metadata.labels)) return false;
    const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required && !matchesNodeSelector(required, node)) return false;
    const tolerations = withTolerations(spec?.tolerations, daemonTolerations(Boolean(spec?.hostNetwork)));
    return !untoleratedTaint(node.spec?.taints, tolerations);
  }

  reconcile(key: string, queue: WorkQueue): void {
    const { namespace, name } = splitKey(key);
    const { store, clock, recorder } = this.env;
    const ds = store.get(R.daemonsets, namespace, name) as DaemonSetObject | undefined;
    if (!ds) return;
    const pods = claim(this.env, R.pods, ds, ds.spec.selector, this.env.lister.list(R.pods, namespace) as PodObject[]);
    const hash = computeHash(ds.spec.template);
    if (!ds.metadata.deletionTimestamp) ensureRevision(this.env, ds, ds.spec.template, hash);
    const nodes = this.env.lister.list(R.nodes) as NodeObject[];
    const byNode = new Map<string, PodObject[]>();
    for (const p of pods) {
      const n = podNode(p);
      if (!n) continue;
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const now = clock.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    const toCreate: string[] = [];
    const toDelete: PodObject[] = [];
    const shouldRunOn = new Set<string>();
    for (const node of nodes) {
      const nodeName = node.metadata.name ?? '';
      const here = (byNode.get(nodeName) ?? []).filter((p) => !p.metadata.deletionTimestamp);
      if (!this.shouldRun(ds, node)) {
        toDelete.push(...here);
        continue;
      }
      shouldRunOn.add(nodeName);
      // Failed daemon pods are deleted and replaced, as upstream does.
      const failed = here.filter((p) => p.status?.phase === 'Failed');
      toDelete.push(...failed);
      const live = here.filter((p) => p.status?.phase !== 'Failed').sort(byCreation);
      if (live.length === 0) toCreate.push(nodeName);
      else if (live.length > 1) toDelete.push(...live.slice(1));
    }
    for (const [n, list] of byNode) {
      if (!nodes.some((node) => node.metadata.name === n))
        toDelete.push(...list.filter((p) => !p.metadata.deletionTimestamp));
    }

    if (!ds.metadata.deletionTimestamp) {
      // Rolling update: replace out-of-date pods while staying within maxUnavailable.
      if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        const desired = shouldRunOn.size;
        const maxUnavailable = scaledValue(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable, desired, true, 1);
        let unavailable = 0;
        const old: PodObject[] = [];
        for (const n of shouldRunOn) {
          const live = (byNode.get(n) ?? []).filter(isPodActive);
          const p = live[0];
          if (!p || !isPodAvailable(p, minReady, now)) unavailable++;
          if (p && p.metadata.labels?.[CONTROLLER_REVISION_HASH] !== hash && !toDelete.includes(p)) old.push(p);
        }
        // Unavailable old pods go first: replacing them costs no availability.
        old.sort((a, b) => Number(isPodAvailable(a, minReady, now)) - Number(isPodAvailable(b, minReady, now)));
        for (const p of old) {
          const available = isPodAvailable(p, minReady, now);
          if (available && unavailable >= maxUnavailable) break;
          toDelete.push(p);
          if (available) unavailable++;
        }
      }
      let failure = false;
      for (const nodeName of toCreate) {
        const pod = podFromTemplate(ds.spec.template, ds, `${name}-`, {
          [CONTROLLER_REVISION_HASH]: hash,
          'pod-template-generation': String(ds.metadata.generation ?? 1),
        });
        pod.spec.affinity = {
          ...(pod.spec.affinity ?? {}),
          nodeAffinity: {
            ...(pod.spec.affinity?.nodeAffinity ?? {}),
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
            },
          },
        };
        pod.spec.tolerations = withTolerations(pod.spec.tolerations, daemonTolerations(Boolean(pod.spec.hostNetwork)));
        try {
          const created = createAs(this.env, COMPONENT, R.pods, pod);
          recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, COMPONENT);
        } catch (e) {
          recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`, COMPONENT);
          failure = true;
          break;
        }
      }
      if (failure) queue.addAfter(key, this.backoff.next(key));
      else this.backoff.reset(key);
    }
    for (const p of toDelete) {
      if (deleteObject(store, clock, R.pods, p)) {
        recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, COMPONENT);
      }
    }

    const current = (this.env.lister.list(R.pods, namespace) as PodObject[]).filter(
      (p) => p.metadata.ownerReferences?.some((r) => r.uid === ds.metadata.uid && r.controller) && isPodActive(p),
    );
    let scheduled = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    const seen = new Set<string>();
    for (const p of current) {
      const n = podNode(p);
      if (!n || seen.has(n)) continue;
      seen.add(n);
      if (!shouldRunOn.has(n)) {
        misscheduled++;
        continue;
      }
      scheduled++;
      if (isPodReady(p)) ready++;
      if (isPodAvailable(p, minReady, now)) available++;
      const wait = msUntilAvailable(p, minReady, now);
      if (wait !== undefined) queue.addAfter(key, wait);
      if (p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash) updated++;
    }
    const status: DaemonSetStatus = {
      currentNumberScheduled: scheduled,
      desiredNumberScheduled: shouldRunOn.size,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: Math.max(0, shouldRunOn.size - available),
    };
    const clean = (s: DaemonSetStatus | undefined) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s ?? {})) {
        if ((k === 'updatedNumberScheduled' || k === 'numberAvailable' || k === 'numberUnavailable') && v === 0)
          continue;
        if (v !== undefined) out[k] = v;
      }
      return out;
    };
    if (!deepEqual(clean(status), clean(ds.status))) {
      const fresh = store.get(R.daemonsets, namespace, name) as DaemonSetObject | undefined;
      if (!fresh) return;
      fresh.status = clean(status) as unknown as DaemonSetStatus;
      store.update(R.daemonsets, fresh);
    }
  }
}
