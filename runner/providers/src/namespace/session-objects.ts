import type { KubeObject } from '@paranoid/k8s/object.ts';
import { MANAGED_BY, NS_ANNOTATIONS, NS_LABELS } from './labels.ts';

/** A session's resource budget (ResourceQuota `hard`), in Kubernetes quantities. */
export type Quota = Record<string, string>;

/**
 * What one learner may use at once. Pods, CPU and memory bound what a learner costs
 * the host; `services.nodeports` and `services.loadbalancers` are zero because a port on
 * the host's nodes or a cloud load balancer is not the learner's to open; claims are
 * zero because storage outlives namespaces on many clusters.
 */
export const DEFAULT_QUOTA: Quota = {
  pods: '10',
  'requests.cpu': '2',
  'requests.memory': '2Gi',
  'limits.cpu': '4',
  'limits.memory': '4Gi',
  services: '10',
  'services.nodeports': '0',
  'services.loadbalancers': '0',
  persistentvolumeclaims: '0',
  secrets: '50',
  configmaps: '50',
};

/** Defaults for containers that ask for nothing, so the quota can admit them, and a ceiling for each. */
export const DEFAULT_LIMITS = {
  default: { cpu: '500m', memory: '256Mi' },
  defaultRequest: { cpu: '50m', memory: '64Mi' },
  max: { cpu: '2', memory: '1Gi' },
};

/** The learner's ServiceAccount in their namespace; the toolbox runs as it. */
export const LEARNER_SERVICE_ACCOUNT = 'learner';
/** The name of the learner's shell pod in a session namespace. */
export const TOOLBOX_POD = 'toolbox';

const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const READ = ['get', 'list', 'watch'];

/**
 * The learner's rights, confined to their namespace by a RoleBinding there. What keeps
 * learners apart (NetworkPolicies) and what bounds them (ResourceQuota, LimitRange) is
 * read-only: a learner who could edit them could open their namespace to the host or
 * take more than their share. No `bind`, `escalate` or `impersonate`: a Role they write
 * can grant no more than they hold, as the API server's escalation check enforces.
 */
export const LEARNER_RULES = [
  {
    apiGroups: [''],
    resources: [
      'pods',
      'services',
      'endpoints',
      'configmaps',
      'secrets',
      'serviceaccounts',
      'persistentvolumeclaims',
      'replicationcontrollers',
    ],
    verbs: ALL,
  },
  { apiGroups: [''], resources: ['pods/log', 'pods/status', 'events', 'resourcequotas', 'limitranges'], verbs: READ },
  { apiGroups: [''], resources: ['pods/exec', 'pods/attach', 'pods/portforward'], verbs: ['get', 'create'] },
  { apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'deployments/scale', 'statefulsets/scale'],
    verbs: ALL,
  },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ALL },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ALL },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ALL },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ALL },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
];

/** Which namespace and session the objects are made for, and the scenario's needs. */
export interface SessionNamespaceOptions {
  namespace: string;
  session: string;
  scenario?: string;
  /** The namespace the scenario's own files name (see `runsInNamespace`). */
  scenarioNamespace?: string;
  podSecurity: 'restricted' | 'baseline';
  createdAt: number;
  expiresAt: number;
  owner: string;
  quota?: Quota;
  /**
   * Where the host's API server listens, as pods reach it once the `kubernetes` Service is
   * resolved (its Endpoints): the one address outside the namespace the toolbox may reach.
   */
  apiServer?: { ip: string; port: number }[];
}

/** The labels every object of the session carries. */
export function sessionLabels(o: SessionNamespaceOptions, component: string): Record<string, string> {
  return {
    [NS_LABELS.managed]: MANAGED_BY,
    [NS_LABELS.session]: o.session,
    [NS_LABELS.component]: component,
    ...(o.scenario ? { [NS_LABELS.scenario]: o.scenario } : {}),
  };
}

const meta = (o: SessionNamespaceOptions, name: string, component: string) => ({
  name,
  namespace: o.namespace,
  labels: sessionLabels(o, component),
});

/**
 * A learner's namespace and everything that fences it, as plain objects: Pod Security
 * labels (enforce, and warn and audit at the same level), a ResourceQuota, a LimitRange,
 * NetworkPolicies that deny every packet in and out except between the namespace's own
 * pods, to the cluster's DNS and to the API server, and a ServiceAccount bound to
 * {@link LEARNER_RULES} in this namespace only.
 */
export function sessionNamespaceObjects(o: SessionNamespaceOptions): KubeObject[] {
  const level = o.podSecurity;
  const namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: o.namespace,
      labels: {
        ...sessionLabels(o, 'namespace'),
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': level,
        'pod-security.kubernetes.io/audit': level,
      },
      annotations: {
        [NS_ANNOTATIONS.createdAt]: String(o.createdAt),
        [NS_ANNOTATIONS.expiresAt]: String(o.expiresAt),
        [NS_ANNOTATIONS.owner]: o.owner,
        ...(o.scenarioNamespace ? { [NS_ANNOTATIONS.scenarioNamespace]: o.scenarioNamespace } : {}),
      },
    },
  };
  const quota = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: meta(o, 'paranoid-quota', 'quota'),
    spec: { hard: o.quota ?? DEFAULT_QUOTA },
  };
  const limits = {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: meta(o, 'paranoid-limits', 'limits'),
    spec: { limits: [{ type: 'Container', ...DEFAULT_LIMITS }] },
  };
  const policy = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(o, name, 'isolation'),
    spec: { podSelector: {}, ...spec },
  });
  const policies = [
    policy('paranoid-default-deny', { policyTypes: ['Ingress', 'Egress'] }),
    policy('paranoid-same-namespace', {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    }),
    policy('paranoid-dns', {
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    }),
    ...(o.apiServer && o.apiServer.length > 0
      ? [
          policy('paranoid-api-server', {
            policyTypes: ['Egress'],
            egress: o.apiServer.map((a) => ({
              to: [{ ipBlock: { cidr: a.ip.includes(':') ? `${a.ip}/128` : `${a.ip}/32` } }],
              ports: [{ protocol: 'TCP', port: a.port }],
            })),
          }),
        ]
      : []),
  ];
  const account = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(o, LEARNER_SERVICE_ACCOUNT, 'learner'),
  };
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(o, 'paranoid-learner', 'learner'),
    rules: LEARNER_RULES,
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(o, 'paranoid-learner', 'learner'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'paranoid-learner' },
    subjects: [{ kind: 'ServiceAccount', name: LEARNER_SERVICE_ACCOUNT, namespace: o.namespace }],
  };
  return [namespace, quota, limits, ...policies, account, role, binding] as unknown as KubeObject[];
}

/**
 * The learner's toolbox: a pod that does nothing until the runner execs a shell into it.
 * It passes Pod Security restricted (non-root, no capabilities, no privilege escalation,
 * RuntimeDefault seccomp) with a read-only root and small private scratch space, runs as
 * the learner's ServiceAccount, so kubectl in it has the learner's rights and no more,
 * and the kubelet ends it at the session's expiry even if no runner is left to.
 */
export function toolboxPod(
  o: SessionNamespaceOptions,
  image: string,
  options: { name?: string; component?: string; serviceAccount?: string } = {},
): KubeObject {
  const lifeSeconds = Math.max(60, Math.ceil((o.expiresAt - o.createdAt) / 1000));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(o, options.name ?? TOOLBOX_POD, options.component ?? 'toolbox'),
    spec: {
      serviceAccountName: options.serviceAccount ?? LEARNER_SERVICE_ACCOUNT,
      automountServiceAccountToken: true,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      activeDeadlineSeconds: lifeSeconds,
      terminationGracePeriodSeconds: 1,
      hostname: 'paranoid',
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'toolbox',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sleep', String(lifeSeconds)],
          workingDir: '/home/learner',
          env: [
            { name: 'HOME', value: '/home/learner' },
            { name: 'TERM', value: 'xterm-256color' },
          ],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          resources: {
            requests: { cpu: '50m', memory: '64Mi' },
            limits: { cpu: '1', memory: '256Mi' },
          },
          volumeMounts: [
            { name: 'home', mountPath: '/home/learner' },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'home', emptyDir: { sizeLimit: '64Mi' } },
        { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      ],
    },
  } as unknown as KubeObject;
}

/**
 * A scenario's setup moved into the learner's namespace: every object that names the
 * scenario's namespace (or none) gets the learner's, ServiceAccount subjects of
 * RoleBindings follow, and the scenario's own Namespace object is dropped (the provider
 * made the namespace). Objects elsewhere are left as they are, so the API refuses them
 * under the learner's rules: lint keeps a declared scenario from having any.
 */
export function intoNamespace(
  objects: KubeObject[],
  from: string,
  to: string,
  labels: Record<string, string>,
): KubeObject[] {
  return objects
    .filter((o) => !(o.kind === 'Namespace' && o.metadata?.name === from))
    .map((o) => {
      const copy = structuredClone(o) as KubeObject & { subjects?: { kind?: string; namespace?: string }[] };
      const ns = copy.metadata.namespace;
      if (ns === undefined || ns === from) copy.metadata.namespace = to;
      copy.metadata.labels = { ...(copy.metadata.labels ?? {}), ...labels };
      for (const s of copy.subjects ?? []) if (s.kind === 'ServiceAccount' && s.namespace === from) s.namespace = to;
      return copy;
    });
}
