import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { StoreEvent } from '../store.ts';
import { CLUSTER_CA_PEM } from './cluster-ca.ts';
import type { ControllerEnv } from './env.ts';
import type { Controller, WorkQueue } from './manager.ts';
import { deepEqual } from './meta.ts';
import { R, sameResource } from './resources.ts';

/** The ConfigMap every namespace gets with the cluster's CA, which projected service account tokens mount. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/** The `kube-root-ca.crt` ConfigMap the root-ca-cert-publisher keeps in every namespace. */
export function rootCaConfigMap(namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': DESCRIPTION } },
    data: { 'ca.crt': CLUSTER_CA_PEM },
  };
}

/**
 * The serviceaccount controller and the root-ca-cert-publisher together: every
 * live namespace has ServiceAccount `default` and ConfigMap `kube-root-ca.crt`,
 * recreated if deleted and restored if edited. (Since 1.24 no token Secrets are
 * made: tokens are bound and requested through the TokenRequest API.)
 */
export class ServiceAccountController implements Controller {
  readonly name = 'serviceaccount-controller';

  constructor(private readonly env: ControllerEnv) {}

  onEvent(event: StoreEvent, queue: WorkQueue): void {
    const { object } = event;
    if (sameResource(event.resource, R.namespaces)) {
      if (event.type !== 'DELETED') queue.add(object.metadata.name ?? '');
    } else if (sameResource(event.resource, R.serviceaccounts)) {
      if (event.type === 'DELETED' && object.metadata.name === 'default') queue.add(object.metadata.namespace ?? '');
    } else if (sameResource(event.resource, R.configmaps)) {
      if (event.type !== 'ADDED' && object.metadata.name === ROOT_CA_CONFIGMAP)
        queue.add(object.metadata.namespace ?? '');
    }
  }

  resync(queue: WorkQueue): void {
    for (const ns of this.env.store.list(R.namespaces)) queue.add(ns.metadata.name ?? '');
  }

  reconcile(namespace: string): void {
    const { store } = this.env;
    const ns = store.get(R.namespaces, undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    if (!store.get(R.serviceaccounts, namespace, 'default')) {
      store.create(R.serviceaccounts, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace },
      });
    }
    const data = { 'ca.crt': CLUSTER_CA_PEM };
    const annotations = { 'kubernetes.io/description': DESCRIPTION };
    const cm = store.get(R.configmaps, namespace, ROOT_CA_CONFIGMAP);
    if (!cm) {
      store.create(R.configmaps, rootCaConfigMap(namespace));
    } else if (!deepEqual(cm.data, data) || cm.metadata.annotations?.['kubernetes.io/description'] !== DESCRIPTION) {
      cm.data = data;
      cm.metadata.annotations = { ...(cm.metadata.annotations ?? {}), ...annotations };
      store.update(R.configmaps, cm);
    }
  }
}
