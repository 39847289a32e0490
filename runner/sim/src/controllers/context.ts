import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import type { Clock, IdSource } from '../clock.ts';
import type { ObjectStore } from '../store.ts';

/**
 * Creates an object the way a controller's client would: through the API's
 * admission chain (PodSecurity, ValidatingAdmissionPolicy, quota...), name
 * generation from `metadata.generateName` and defaulting included. Throws the
 * {@link StatusError} the API would answer with. `user` is the controller's
 * service account, e.g. `system:serviceaccount:kube-system:replicaset-controller`.
 */
export type CreateThroughApi = (resource: GroupResource, object: KubeObject, user?: UserInfo) => KubeObject;

/** What `startControllers` needs from the cluster. */
export interface ControllerContext {
  store: ObjectStore;
  clock: Clock;
  ids: IdSource;
  /** When absent, objects go straight into the store (names generated here). */
  createThroughApi?: CreateThroughApi;
  /** Extra namespaced resources (CRDs...) a namespace's deletion must empty. */
  namespacedResources?: () => GroupResource[];
}

/** The kube-controller-manager's per-controller identity (`--use-service-account-credentials`). */
export function controllerUser(controller: string): UserInfo {
  return {
    username: `system:serviceaccount:kube-system:${controller}`,
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
  };
}
