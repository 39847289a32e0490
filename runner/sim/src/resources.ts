/**
 * Every resource the simulated apiserver serves, as discovery describes it
 * (the same names, short names, verbs and categories a kind 1.32 cluster lists
 * in `kubectl api-resources`). Table columns live in `api/table.ts`.
 */
export interface SubresourceDef {
  name: string;
  /** Kind of the subresource's body when it differs from the parent's (e.g. Scale). */
  kind?: { group: string; version: string; kind: string };
  verbs: string[];
}

/** A resource the API serves: its group, version, kind, names, scope and verbs. */
export interface ResourceDef {
  group: string;
  version: string;
  kind: string;
  /** Plural, lower case: the URL segment. */
  resource: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceDef[];
  /** Create-only virtual resources (access reviews, TokenReview): never stored. */
  virtual?: boolean;
  /** Served from a CustomResourceDefinition (no strategic merge patch, printer columns from the CRD). */
  custom?: boolean;
  /** A CRD's `additionalPrinterColumns`. */
  printerColumns?: {
    name: string;
    type: string;
    jsonPath: string;
    description?: string;
    priority?: number;
    format?: string;
  }[];
}

const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE = ['create'];
const STATUS: SubresourceDef = { name: 'status', verbs: ['get', 'patch', 'update'] };
const scale = (): SubresourceDef => ({
  name: 'scale',
  kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  verbs: ['get', 'patch', 'update'],
});

type Short = Omit<ResourceDef, 'group' | 'version' | 'verbs' | 'singular'> & { verbs?: string[]; singular?: string };

function groupVersion(group: string, version: string, defs: Short[]): ResourceDef[] {
  return defs.map((d) => ({
    group,
    version,
    verbs: CRUD,
    singular: d.kind.toLowerCase(),
    ...d,
  }));
}

/** The served resources, in discovery order. */
export const RESOURCES: ResourceDef[] = [
  ...groupVersion('', 'v1', [
    { kind: 'Binding', resource: 'bindings', namespaced: true, verbs: CREATE, virtual: true },
    {
      kind: 'ComponentStatus',
      resource: 'componentstatuses',
      namespaced: false,
      verbs: ['get', 'list'],
      shortNames: ['cs'],
    },
    { kind: 'ConfigMap', resource: 'configmaps', namespaced: true, shortNames: ['cm'] },
    { kind: 'Endpoints', resource: 'endpoints', namespaced: true, shortNames: ['ep'], singular: 'endpoints' },
    { kind: 'Event', resource: 'events', namespaced: true, shortNames: ['ev'] },
    { kind: 'LimitRange', resource: 'limitranges', namespaced: true, shortNames: ['limits'] },
    {
      kind: 'Namespace',
      resource: 'namespaces',
      namespaced: false,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['ns'],
      subresources: [{ name: 'finalize', verbs: ['update'] }, STATUS],
    },
    {
      kind: 'Node',
      resource: 'nodes',
      namespaced: false,
      shortNames: ['no'],
      subresources: [{ name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update'] }, STATUS],
    },
    {
      kind: 'PersistentVolumeClaim',
      resource: 'persistentvolumeclaims',
      namespaced: true,
      shortNames: ['pvc'],
      subresources: [STATUS],
    },
    {
      kind: 'PersistentVolume',
      resource: 'persistentvolumes',
      namespaced: false,
      shortNames: ['pv'],
      subresources: [STATUS],
    },
    {
      kind: 'Pod',
      resource: 'pods',
      namespaced: true,
      shortNames: ['po'],
      categories: ['all'],
      subresources: [
        { name: 'attach', kind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] },
        { name: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
        { name: 'ephemeralcontainers', verbs: ['get', 'patch', 'update'] },
        { name: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
        { name: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
        { name: 'log', verbs: ['get'] },
        {
          name: 'portforward',
          kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' },
          verbs: ['create', 'get'],
        },
        {
          name: 'proxy',
          kind: { group: '', version: 'v1', kind: 'PodProxyOptions' },
          verbs: ['create', 'delete', 'get', 'patch', 'update'],
        },
        STATUS,
      ],
    },
    { kind: 'PodTemplate', resource: 'podtemplates', namespaced: true },
    {
      kind: 'ReplicationController',
      resource: 'replicationcontrollers',
      namespaced: true,
      shortNames: ['rc'],
      categories: ['all'],
      subresources: [scale(), STATUS],
    },
    {
      kind: 'ResourceQuota',
      resource: 'resourcequotas',
      namespaced: true,
      shortNames: ['quota'],
      subresources: [STATUS],
    },
    { kind: 'Secret', resource: 'secrets', namespaced: true },
    {
      kind: 'ServiceAccount',
      resource: 'serviceaccounts',
      namespaced: true,
      shortNames: ['sa'],
      subresources: [
        {
          name: 'token',
          kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
          verbs: ['create'],
        },
      ],
    },
    {
      kind: 'Service',
      resource: 'services',
      namespaced: true,
      shortNames: ['svc'],
      categories: ['all'],
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: [{ name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update'] }, STATUS],
    },
  ]),
  ...groupVersion('admissionregistration.k8s.io', 'v1', [
    {
      kind: 'MutatingWebhookConfiguration',
      resource: 'mutatingwebhookconfigurations',
      namespaced: false,
      categories: ['api-extensions'],
    },
    {
      kind: 'ValidatingAdmissionPolicy',
      resource: 'validatingadmissionpolicies',
      namespaced: false,
      categories: ['api-extensions'],
      subresources: [STATUS],
    },
    {
      kind: 'ValidatingAdmissionPolicyBinding',
      resource: 'validatingadmissionpolicybindings',
      namespaced: false,
      categories: ['api-extensions'],
    },
    {
      kind: 'ValidatingWebhookConfiguration',
      resource: 'validatingwebhookconfigurations',
      namespaced: false,
      categories: ['api-extensions'],
    },
  ]),
  ...groupVersion('apiextensions.k8s.io', 'v1', [
    {
      kind: 'CustomResourceDefinition',
      resource: 'customresourcedefinitions',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      subresources: [STATUS],
    },
  ]),
  ...groupVersion('apiregistration.k8s.io', 'v1', [
    {
      kind: 'APIService',
      resource: 'apiservices',
      namespaced: false,
      categories: ['api-extensions'],
      subresources: [STATUS],
    },
  ]),
  ...groupVersion('apps', 'v1', [
    { kind: 'ControllerRevision', resource: 'controllerrevisions', namespaced: true },
    {
      kind: 'DaemonSet',
      resource: 'daemonsets',
      namespaced: true,
      shortNames: ['ds'],
      categories: ['all'],
      subresources: [STATUS],
    },
    {
      kind: 'Deployment',
      resource: 'deployments',
      namespaced: true,
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: [scale(), STATUS],
    },
    {
      kind: 'ReplicaSet',
      resource: 'replicasets',
      namespaced: true,
      shortNames: ['rs'],
      categories: ['all'],
      subresources: [scale(), STATUS],
    },
    {
      kind: 'StatefulSet',
      resource: 'statefulsets',
      namespaced: true,
      shortNames: ['sts'],
      categories: ['all'],
      subresources: [scale(), STATUS],
    },
  ]),
  ...groupVersion('authentication.k8s.io', 'v1', [
    { kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', namespaced: false, verbs: CREATE, virtual: true },
    { kind: 'TokenReview', resource: 'tokenreviews', namespaced: false, verbs: CREATE, virtual: true },
  ]),
  ...groupVersion('authorization.k8s.io', 'v1', [
    {
      kind: 'LocalSubjectAccessReview',
      resource: 'localsubjectaccessreviews',
      namespaced: true,
      verbs: CREATE,
      virtual: true,
    },
    {
      kind: 'SelfSubjectAccessReview',
      resource: 'selfsubjectaccessreviews',
      namespaced: false,
      verbs: CREATE,
      virtual: true,
    },
    {
      kind: 'SelfSubjectRulesReview',
      resource: 'selfsubjectrulesreviews',
      namespaced: false,
      verbs: CREATE,
      virtual: true,
    },
    { kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', namespaced: false, verbs: CREATE, virtual: true },
  ]),
  ...groupVersion('autoscaling', 'v2', [
    {
      kind: 'HorizontalPodAutoscaler',
      resource: 'horizontalpodautoscalers',
      namespaced: true,
      shortNames: ['hpa'],
      categories: ['all'],
      subresources: [STATUS],
    },
  ]),
  ...groupVersion('batch', 'v1', [
    {
      kind: 'CronJob',
      resource: 'cronjobs',
      namespaced: true,
      shortNames: ['cj'],
      categories: ['all'],
      subresources: [STATUS],
    },
    { kind: 'Job', resource: 'jobs', namespaced: true, categories: ['all'], subresources: [STATUS] },
  ]),
  ...groupVersion('certificates.k8s.io', 'v1', [
    {
      kind: 'CertificateSigningRequest',
      resource: 'certificatesigningrequests',
      namespaced: false,
      shortNames: ['csr'],
      subresources: [{ name: 'approval', verbs: ['get', 'patch', 'update'] }, STATUS],
    },
  ]),
  ...groupVersion('coordination.k8s.io', 'v1', [{ kind: 'Lease', resource: 'leases', namespaced: true }]),
  ...groupVersion('discovery.k8s.io', 'v1', [{ kind: 'EndpointSlice', resource: 'endpointslices', namespaced: true }]),
  ...groupVersion('networking.k8s.io', 'v1', [
    { kind: 'IngressClass', resource: 'ingressclasses', namespaced: false },
    { kind: 'Ingress', resource: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: [STATUS] },
    { kind: 'NetworkPolicy', resource: 'networkpolicies', namespaced: true, shortNames: ['netpol'] },
  ]),
  ...groupVersion('node.k8s.io', 'v1', [{ kind: 'RuntimeClass', resource: 'runtimeclasses', namespaced: false }]),
  ...groupVersion('policy', 'v1', [
    {
      kind: 'PodDisruptionBudget',
      resource: 'poddisruptionbudgets',
      namespaced: true,
      shortNames: ['pdb'],
      subresources: [STATUS],
    },
  ]),
  ...groupVersion('rbac.authorization.k8s.io', 'v1', [
    { kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false },
    { kind: 'ClusterRole', resource: 'clusterroles', namespaced: false },
    { kind: 'RoleBinding', resource: 'rolebindings', namespaced: true },
    { kind: 'Role', resource: 'roles', namespaced: true },
  ]),
  ...groupVersion('scheduling.k8s.io', 'v1', [
    { kind: 'PriorityClass', resource: 'priorityclasses', namespaced: false, shortNames: ['pc'] },
  ]),
  ...groupVersion('storage.k8s.io', 'v1', [
    { kind: 'CSIDriver', resource: 'csidrivers', namespaced: false },
    { kind: 'CSINode', resource: 'csinodes', namespaced: false },
    { kind: 'CSIStorageCapacity', resource: 'csistoragecapacities', namespaced: true },
    { kind: 'StorageClass', resource: 'storageclasses', namespaced: false, shortNames: ['sc'] },
    { kind: 'VolumeAttachment', resource: 'volumeattachments', namespaced: false, subresources: [STATUS] },
  ]),
];

/** metrics.k8s.io/v1beta1, served only when the cluster has a metrics source. */
export const METRICS_RESOURCES: ResourceDef[] = groupVersion('metrics.k8s.io', 'v1beta1', [
  { kind: 'NodeMetrics', resource: 'nodes', namespaced: false, verbs: ['get', 'list'], virtual: true },
  { kind: 'PodMetrics', resource: 'pods', namespaced: true, verbs: ['get', 'list'], virtual: true },
]);

/** Finds a resource by group, version and plural name. */
export function findResource(
  resources: readonly ResourceDef[],
  group: string,
  version: string,
  resource: string,
): ResourceDef | undefined {
  return resources.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** Finds a resource by group and kind (any served version). */
export function findResourceByKind(
  resources: readonly ResourceDef[],
  group: string,
  kind: string,
): ResourceDef | undefined {
  return resources.find((r) => r.group === group && r.kind === kind);
}
