import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { ControllerEnv } from './env.ts';
import { clone, controllerRef, isTerminating, newControllerRef } from './meta.ts';
import { matchesLabelSelector } from './selector.ts';

/**
 * The objects an owner controls, after adopting orphans its selector matches and
 * releasing ones it no longer matches (controller.ClaimObjects). An owner being
 * deleted adopts nothing. Candidates may be the lister's read-only objects.
 */
export function claim<T extends KubeObject>(
  env: ControllerEnv,
  resource: GroupResource,
  owner: KubeObject,
  selector: LabelSelector | undefined,
  candidates: readonly T[],
): T[] {
  const owned: T[] = [];
  const uid = owner.metadata.uid;
  for (const cached of candidates) {
    const obj = cached;
    const ref = controllerRef(obj);
    const matches = matchesLabelSelector(selector, obj.metadata.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches || isTerminating(obj) || isTerminating(owner)) {
        owned.push(obj);
        continue;
      }
      // Release: the selector no longer matches, so drop our reference.
      const released = clone(obj);
      released.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      if (released.metadata.ownerReferences.length === 0) delete released.metadata.ownerReferences;
      env.store.update(resource, released);
      continue;
    }
    if (!matches || isTerminating(obj) || isTerminating(owner)) continue;
    const adopted = clone(obj);
    adopted.metadata.ownerReferences = [...(obj.metadata.ownerReferences ?? []), newControllerRef(owner)];
    owned.push(env.store.update(resource, adopted) as T);
  }
  return owned;
}
