/**
 * The Kubernetes resources a check may read, by the name a scenario author
 * writes (`deployments.apps`, `pods`), with what a client needs to list them.
 * Kept as a fixed table so a typo in a scenario is a lint error, not an empty
 * list that silently passes a check.
 */
export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural resource name, as in the REST path. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

const table: ResourceInfo[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false },
  { group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', namespaced: true },
  { group: '', version: 'v1', resource: 'resourcequotas', kind: 'ResourceQuota', namespaced: true },
  { group: '', version: 'v1', resource: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', kind: 'Ingress', namespaced: true },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'validatingadmissionpolicies',
    kind: 'ValidatingAdmissionPolicy',
    namespaced: false,
  },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'validatingadmissionpolicybindings',
    kind: 'ValidatingAdmissionPolicyBinding',
    namespaced: false,
  },
];

/** The resource name an author writes: `pods`, `deployments.apps`. */
export const resourceName = (info: ResourceInfo): string =>
  info.group === '' ? info.resource : `${info.resource}.${info.group}`;

/** Every readable resource by its author-facing name. */
export const RESOURCES: ReadonlyMap<string, ResourceInfo> = new Map(table.map((info) => [resourceName(info), info]));

/**
 * A virtual resource: every pod spec that runs or will run, i.e. running Pods and
 * the templates of the workloads that make them. See `grader/pod-specs.ts`.
 */
export const POD_SPECS = 'podspecs';

/**
 * A virtual resource: one `KubeletConfiguration` per Node, the configuration its
 * kubelet runs with now (`nodes/<name>/proxy/configz`), named after the node.
 * See `grader/kubelet-configs.ts`.
 */
export const KUBELET_CONFIGS = 'kubeletconfigs';

/**
 * A virtual resource: one EC2 `Instance` per Node, as the cloud's control plane describes it
 * (`describe-instances`: its id and `MetadataOptions`), named after the node. Not in the
 * cluster at all, so nothing a learner writes into the cluster changes it.
 * See `grader/cloud-instances.ts`.
 */
export const CLOUD_INSTANCES = 'cloudinstances';

/** Names accepted where a check names a resource. */
export const READABLE_RESOURCES: readonly string[] = [POD_SPECS, KUBELET_CONFIGS, CLOUD_INSTANCES, ...RESOURCES.keys()];

/** Finds a resource by kind (for manifests that name apiVersion and kind). */
export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return table.find((info) => info.kind === kind && info.group === group);
}
