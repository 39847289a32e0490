import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { KubeApi } from '../kube-api.ts';

/**
 * A {@link KubeApi} that only lists the objects it is given: no RBAC, no controllers, no
 * admission, no kubelet. For grading logic over states a real cluster never keeps (a forged
 * pod phase its kubelet writes back at once); everything else is tested on `sim-cluster.ts`.
 */
export function listedObjects(objects: KubeObject[]): KubeApi {
  const unavailable = (what: string) => () => Promise.reject(new Error(`failed to ${what}: only listing is stubbed`));
  return {
    list: async (resource, namespace) =>
      objects.filter(
        (o) =>
          o.kind === resource.kind &&
          (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '') === resource.group &&
          (namespace === undefined || o.metadata.namespace === namespace),
      ),
    exec: unavailable('exec'),
    accessReview: unavailable('review access'),
    dryRunCreate: unavailable('dry-run'),
    dryRunEphemeralContainer: unavailable('dry-run'),
    requestFromInternet: unavailable('request from the internet'),
    kubeletConfig: unavailable('read a kubelet configuration'),
    cloudInstances: unavailable('describe the cloud instances'),
    logs: unavailable('read logs'),
    pause: async () => undefined,
  };
}
