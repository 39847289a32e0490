import type { GroupResource } from '@paranoid/k8s/object.ts';
import { RESOURCES } from '../resources.ts';

/** The resources the controllers read and write, keyed the way the store keys them. */
export const R = {
  pods: { group: '', resource: 'pods' },
  nodes: { group: '', resource: 'nodes' },
  namespaces: { group: '', resource: 'namespaces' },
  services: { group: '', resource: 'services' },
  endpoints: { group: '', resource: 'endpoints' },
  events: { group: '', resource: 'events' },
  configmaps: { group: '', resource: 'configmaps' },
  secrets: { group: '', resource: 'secrets' },
  serviceaccounts: { group: '', resource: 'serviceaccounts' },
  persistentvolumeclaims: { group: '', resource: 'persistentvolumeclaims' },
  persistentvolumes: { group: '', resource: 'persistentvolumes' },
  limitranges: { group: '', resource: 'limitranges' },
  resourcequotas: { group: '', resource: 'resourcequotas' },
  podtemplates: { group: '', resource: 'podtemplates' },
  replicationcontrollers: { group: '', resource: 'replicationcontrollers' },
  endpointslices: { group: 'discovery.k8s.io', resource: 'endpointslices' },
  deployments: { group: 'apps', resource: 'deployments' },
  replicasets: { group: 'apps', resource: 'replicasets' },
  daemonsets: { group: 'apps', resource: 'daemonsets' },
  statefulsets: { group: 'apps', resource: 'statefulsets' },
  controllerrevisions: { group: 'apps', resource: 'controllerrevisions' },
  jobs: { group: 'batch', resource: 'jobs' },
  cronjobs: { group: 'batch', resource: 'cronjobs' },
  leases: { group: 'coordination.k8s.io', resource: 'leases' },
  roles: { group: 'rbac.authorization.k8s.io', resource: 'roles' },
  rolebindings: { group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
  networkpolicies: { group: 'networking.k8s.io', resource: 'networkpolicies' },
  ingresses: { group: 'networking.k8s.io', resource: 'ingresses' },
  poddisruptionbudgets: { group: 'policy', resource: 'poddisruptionbudgets' },
  horizontalpodautoscalers: { group: 'autoscaling', resource: 'horizontalpodautoscalers' },
  csistoragecapacities: { group: 'storage.k8s.io', resource: 'csistoragecapacities' },
  eventsEventsK8sIo: { group: 'events.k8s.io', resource: 'events' },
} as const satisfies Record<string, GroupResource>;

/** Namespaced resources a namespace's deletion must empty (besides any the cluster adds). */
export const NAMESPACED_RESOURCES: GroupResource[] = [
  R.deployments,
  R.daemonsets,
  R.statefulsets,
  R.cronjobs,
  R.jobs,
  R.replicasets,
  R.replicationcontrollers,
  R.pods,
  R.services,
  R.endpointslices,
  R.endpoints,
  R.configmaps,
  R.secrets,
  R.serviceaccounts,
  R.persistentvolumeclaims,
  R.limitranges,
  R.resourcequotas,
  R.podtemplates,
  R.controllerrevisions,
  R.leases,
  R.roles,
  R.rolebindings,
  R.networkpolicies,
  R.ingresses,
  R.poddisruptionbudgets,
  R.horizontalpodautoscalers,
  R.csistoragecapacities,
  R.events,
];

/** Cluster-scoped resources whose objects can own others (owner lookups need them). */
export const CLUSTER_RESOURCES: GroupResource[] = [R.nodes, R.namespaces, R.persistentvolumes];

/** Kind (with group) to resource, for resolving ownerReferences. */
const KIND_TO_RESOURCE = new Map<string, GroupResource>([
  ['/Pod', R.pods],
  ['/Node', R.nodes],
  ['/Namespace', R.namespaces],
  ['/Service', R.services],
  ['/Endpoints', R.endpoints],
  ['/ConfigMap', R.configmaps],
  ['/Secret', R.secrets],
  ['/ServiceAccount', R.serviceaccounts],
  ['/PersistentVolumeClaim', R.persistentvolumeclaims],
  ['/PersistentVolume', R.persistentvolumes],
  ['/ReplicationController', R.replicationcontrollers],
  ['/PodTemplate', R.podtemplates],
  ['discovery.k8s.io/EndpointSlice', R.endpointslices],
  ['apps/Deployment', R.deployments],
  ['apps/ReplicaSet', R.replicasets],
  ['apps/DaemonSet', R.daemonsets],
  ['apps/StatefulSet', R.statefulsets],
  ['apps/ControllerRevision', R.controllerrevisions],
  ['batch/Job', R.jobs],
  ['batch/CronJob', R.cronjobs],
  ['coordination.k8s.io/Lease', R.leases],
  ['networking.k8s.io/NetworkPolicy', R.networkpolicies],
  ['networking.k8s.io/Ingress', R.ingresses],
  ['policy/PodDisruptionBudget', R.poddisruptionbudgets],
  ['rbac.authorization.k8s.io/Role', R.roles],
  ['rbac.authorization.k8s.io/RoleBinding', R.rolebindings],
  ['rbac.authorization.k8s.io/ClusterRole', { group: 'rbac.authorization.k8s.io', resource: 'clusterroles' }],
  [
    'rbac.authorization.k8s.io/ClusterRoleBinding',
    { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
  ],
]);

/** The resource a kind is stored under, learnt from the table above or from objects seen in store events. */
export function resourceForKind(group: string, kind: string): GroupResource | undefined {
  const known = KIND_TO_RESOURCE.get(`${group}/${kind}`);
  if (known) return known;
  const served = RESOURCES.find((r) => r.group === group && r.kind === kind && !r.virtual);
  return served && { group: served.group, resource: served.resource };
}

/** Whether a resource is cluster-scoped, by the API's registry (or the table above). */
export function isClusterScoped(resource: GroupResource): boolean {
  if (CLUSTER_RESOURCES.some((r) => sameResource(r, resource))) return true;
  const served = RESOURCES.find((r) => r.group === resource.group && r.resource === resource.resource);
  return served ? !served.namespaced : false;
}

/** Records a kind seen in a store event, so owners of kinds outside the table resolve too. */
export function learnKind(group: string, kind: string, resource: GroupResource): void {
  const key = `${group}/${kind}`;
  if (!KIND_TO_RESOURCE.has(key)) KIND_TO_RESOURCE.set(key, resource);
}

/** Whether two group/resource pairs name the same resource. */
export const sameResource = (a: GroupResource, b: GroupResource): boolean =>
  a.group === b.group && a.resource === b.resource;

/**
 * Every stored namespaced resource the API serves (the registry in ../resources.ts)
 * plus the table above and any the cluster adds: what a namespace's deletion must empty.
 */
export function allNamespacedResources(extra: GroupResource[] = []): GroupResource[] {
  const served = RESOURCES.filter((r) => r.namespaced && !r.virtual).map((r) => ({
    group: r.group,
    resource: r.resource,
  }));
  const all = [...NAMESPACED_RESOURCES, ...served, ...extra];
  return all.filter((r, i) => all.findIndex((x) => sameResource(x, r)) === i);
}
