import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { ControllerEnv } from './env.ts';
import { clone, isControlledBy, newControllerRef } from './meta.ts';
import { R } from './resources.ts';

/** The label on a StatefulSet's or DaemonSet's pods naming the ControllerRevision they were made from. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

/**
 * Ensures a ControllerRevision `<owner>-<hash>` holds the owner's current
 * template (what `kubectl rollout history` and `rollout undo` read for
 * DaemonSets and StatefulSets) and returns its revision number.
 */
export function ensureRevision(
  env: ControllerEnv,
  owner: KubeObject,
  template: PodTemplateSpec | undefined,
  hash: string,
): number {
  const { store } = env;
  const ns = owner.metadata.namespace;
  const name = `${owner.metadata.name}-${hash}`;
  const owned = env.lister.list(R.controllerrevisions, ns).filter((r) => isControlledBy(r, owner));
  const max = Math.max(0, ...owned.map((r) => Number(r.revision ?? 0)));
  const cached = owned.find((r) => r.metadata.name === name);
  if (cached) {
    const existing = clone(cached);
    const rev = Number(existing.revision ?? 0);
    if (rev === max) return rev;
    // Rolling back to an old template makes its revision the newest, as upstream does.
    existing.revision = max + 1;
    store.update(R.controllerrevisions, existing);
    return max + 1;
  }
  const t = clone(template ?? {});
  store.create(R.controllerrevisions, {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: ns,
      labels: { ...(t.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      ownerReferences: [newControllerRef(owner)],
    },
    data: { spec: { template: { ...t, $patch: 'replace' } } },
    revision: max + 1,
  });
  return max + 1;
}
