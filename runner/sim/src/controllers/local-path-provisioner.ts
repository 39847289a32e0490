import type { KubeObject } from '@paranoid/k8s/object.ts';
import type {
  PersistentVolumeClaimSpec,
  PersistentVolumeClaimStatus,
  PersistentVolumeSpec,
} from 'kubernetes-types/core/v1';
import type { StoreEvent } from '../store.ts';
import { deleteObject } from './delete.ts';
import type { ControllerEnv } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { clone, keyOf, objectKey, splitKey } from './meta.ts';
import { R, sameResource } from './resources.ts';
import type { PodObject } from './types.ts';

const PROVISIONER = 'rancher.io/local-path';
const STORAGE_CLASSES = { group: 'storage.k8s.io', resource: 'storageclasses' };
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const PV = 'pv:';

type PvcObject = KubeObject & { spec?: PersistentVolumeClaimSpec; status?: PersistentVolumeClaimStatus };
type PvObject = KubeObject & { spec?: PersistentVolumeSpec; status?: { phase?: string } };

/**
 * kind's local-path provisioner together with the persistent volume binder:
 * a claim of a `rancher.io/local-path` class (or of the default class) gets a
 * hostPath PersistentVolume `pvc-<claim uid>` pinned to the node of its first
 * consumer (WaitForFirstConsumer) and is bound to it; when the claim goes, a
 * Delete-policy volume goes too.
 */
export class LocalPathProvisioner implements Controller {
  readonly name = 'persistentvolume-controller';
  private readonly waiting = new Set<string>();

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    const { object } = event;
    if (sameResource(event.resource, R.persistentvolumeclaims)) {
      if (event.type === 'DELETED') {
        const volume = (object as PvcObject).spec?.volumeName;
        if (volume) queue.add(`${PV}${volume}`);
      } else queue.add(objectKey(object));
    } else if (sameResource(event.resource, R.pods) && event.type !== 'DELETED') {
      const pod = object as PodObject;
      if (!pod.spec?.nodeName) return;
      for (const v of pod.spec.volumes ?? []) {
        if (v.persistentVolumeClaim) queue.add(keyOf(pod.metadata.namespace, v.persistentVolumeClaim.claimName));
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const c of this.env.store.list(R.persistentvolumeclaims)) queue.add(objectKey(c));
  }

  reconcile(key: string): void {
    const { store, clock, recorder } = this.env;
    if (key.startsWith(PV)) {
      const pv = store.get(R.persistentvolumes, undefined, key.slice(PV.length)) as PvObject | undefined;
      const ref = pv?.spec?.claimRef;
      if (!pv || !ref) return;
      const claim = store.get(R.persistentvolumeclaims, ref.namespace, ref.name ?? '');
      if (claim && claim.metadata.uid === ref.uid) return;
      if ((pv.spec?.persistentVolumeReclaimPolicy ?? 'Delete') === 'Delete')
        deleteObject(store, clock, R.persistentvolumes, pv);
      return;
    }
    const { namespace, name } = splitKey(key);
    const pvc = store.get(R.persistentvolumeclaims, namespace, name) as PvcObject | undefined;
    if (!pvc || pvc.metadata.deletionTimestamp || pvc.spec?.volumeName || pvc.status?.phase === 'Bound') return;
    const classes = store.list(STORAGE_CLASSES);
    const className =
      pvc.spec?.storageClassName ??
      classes.find((c) => c.metadata.annotations?.[DEFAULT_CLASS] === 'true')?.metadata.name;
    const sc = classes.find((c) => c.metadata.name === className);
    if (!sc || sc.provisioner !== PROVISIONER) return;
    const consumer = (this.env.lister.list(R.pods, namespace) as PodObject[]).find(
      (p) => p.spec.nodeName && (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name),
    );
    let node = consumer?.spec.nodeName;
    if (!node && sc.volumeBindingMode === 'WaitForFirstConsumer') {
      if (!this.waiting.has(key)) {
        this.waiting.add(key);
        recorder.event(
          pvc,
          'Normal',
          'WaitForFirstConsumer',
          'waiting for first consumer to be created before binding',
          this.name,
        );
      }
      return;
    }
    node ??= this.env.lister.list(R.nodes).find((n) => !(n.spec as { taints?: unknown[] } | undefined)?.taints?.length)
      ?.metadata.name;
    if (!node) return;
    this.waiting.delete(key);
    const uid = pvc.metadata.uid ?? '';
    const pvName = `pvc-${uid}`;
    const storage = pvc.spec?.resources?.requests?.storage ?? '1Gi';
    const accessModes = pvc.spec?.accessModes ?? ['ReadWriteOnce'];
    const component = `${PROVISIONER}_local-path-provisioner`;
    recorder.event(
      pvc,
      'Normal',
      'Provisioning',
      `External provisioner is provisioning volume for claim "${namespace}/${name}"`,
      component,
    );
    if (!store.get(R.persistentvolumes, undefined, pvName)) {
      store.create(R.persistentvolumes, {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: {
          name: pvName,
          annotations: { 'local.path.provisioner/selected-node': node, 'pv.kubernetes.io/provisioned-by': PROVISIONER },
        },
        spec: {
          accessModes,
          capacity: { storage },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            name,
            namespace,
            resourceVersion: pvc.metadata.resourceVersion,
            uid,
          },
          hostPath: { path: `/var/local-path-provisioner/${pvName}_${namespace}_${name}`, type: 'DirectoryOrCreate' },
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
              ],
            },
          },
          persistentVolumeReclaimPolicy: (sc.reclaimPolicy as string | undefined) ?? 'Delete',
          storageClassName: className,
          volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
        },
        status: { phase: 'Bound' },
      });
    }
    const bound = clone(pvc);
    bound.metadata.annotations = {
      ...(bound.metadata.annotations ?? {}),
      'pv.kubernetes.io/bind-completed': 'yes',
      'pv.kubernetes.io/bound-by-controller': 'yes',
      'volume.beta.kubernetes.io/storage-provisioner': PROVISIONER,
      'volume.kubernetes.io/selected-node': node,
      'volume.kubernetes.io/storage-provisioner': PROVISIONER,
    };
    bound.spec = { ...(bound.spec ?? {}), volumeName: pvName, storageClassName: className };
    bound.status = { phase: 'Bound', accessModes, capacity: { storage } };
    store.update(R.persistentvolumeclaims, bound);
    recorder.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`, component);
  }
}
