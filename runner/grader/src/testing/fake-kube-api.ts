import { celEnvironment, labelSelectorMatches } from '@paranoid/k8s/cel.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { ResourceInfo } from '@paranoid/schema/resources.ts';
import { resourceForKind } from '@paranoid/schema/resources.ts';
import type { Deletion } from '@paranoid/schema/scenario.ts';
import { evaluatePod, forbiddenDetail } from '@paranoid/sim/admission/pod-security-policy.ts';
import type { PodSpec } from 'kubernetes-types/core/v1';
import type {
  AccessReviewCall,
  DryRunResult,
  ExecCall,
  ExecResult,
  InternetRequest,
  InternetResponse,
  KubeApi,
} from '../kube-api.ts';

/**
 * An in-memory KubeApi for tests: objects in a map, a tiny Deployment/CronJob
 * "controller" that makes one running Pod per workload, and a small RBAC
 * authorizer for access reviews. Exec, internet and dry-run answers come from
 * hooks a test sets, because they need a real cluster (or the simulator).
 * It is test scaffolding, not a simulator.
 */
export class FakeKubeApi implements KubeApi {
  private readonly objects = new Map<string, KubeObject>();
  execHook: (call: ExecCall, pod: KubeObject) => ExecResult = () => ({ stdout: '', stderr: '', exitCode: 1 });
  internetHook: (request: InternetRequest) => InternetResponse = () => ({ ok: false, error: 'connection refused' });
  /** Default: a small admission chain (Pod Security `enforce` labels, ValidatingAdmissionPolicies). */
  dryRunHook: (object: KubeObject, operation: 'CREATE' | 'UPDATE', resource: string) => DryRunResult = (
    object,
    operation,
    resource,
  ) => admit(this.all(), object, operation, resource);
  /** Calls made, for assertions on what the grader asked. */
  readonly calls: string[] = [];

  constructor() {
    for (const role of builtinClusterRoles()) this.put(role);
    this.put({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'lab-control-plane' },
      status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] },
    });
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    // Cluster DNS, so probes that resolve names have a kube-dns to ask.
    this.put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        clusterIP: '10.96.0.10',
        selector: { 'k8s-app': 'kube-dns' },
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      },
    });
    this.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'coredns-7db6d8ff4d-abcde', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        nodeName: 'lab-control-plane',
        containers: [
          {
            name: 'coredns',
            image: 'registry.k8s.io/coredns/coredns:v1.11.3',
            ports: [
              { containerPort: 53, protocol: 'UDP' },
              { containerPort: 53, protocol: 'TCP' },
            ],
          },
        ],
      },
      status: { phase: 'Running', podIP: '10.244.0.2', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }

  private nextPodIp = 10;
  private nextServiceIp = 20;

  private key(o: { apiVersion: string; kind: string; metadata: { namespace?: string; name?: string } }): string {
    return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  }

  /** Create or replace, then let the fake controllers react. */
  apply(objects: KubeObject[]): void {
    for (const o of objects) this.put(clone(o));
    this.reconcile();
  }

  delete(deletions: Deletion[]): void {
    for (const d of deletions) {
      if (d.labelSelector) {
        const [k, v] = d.labelSelector.split('=');
        for (const [key, o] of this.objects) {
          if (o.kind === d.kind && o.metadata.namespace === d.namespace && o.metadata.labels?.[k ?? ''] === v) {
            this.objects.delete(key);
          }
        }
        continue;
      }
      this.objects.delete(`${d.kind}/${d.namespace ?? ''}/${d.name}`);
      if (d.kind === 'Namespace') {
        for (const [key, o] of this.objects) if (o.metadata.namespace === d.name) this.objects.delete(key);
      }
    }
    this.reconcile();
  }

  /** Stores an object, filling in what the API server and kubelet would: namespace labels, IPs, pod status. */
  put(o: KubeObject): void {
    if (o.kind === 'Namespace')
      o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name ?? '' };
    if (o.kind === 'Service') {
      const spec = (o.spec ?? {}) as { clusterIP?: string };
      const old = this.objects.get(this.key(o))?.spec as { clusterIP?: string } | undefined;
      spec.clusterIP ??= old?.clusterIP ?? `10.96.1.${this.nextServiceIp++}`;
      o.spec = spec;
    }
    if (o.kind === 'Pod' && !o.status) {
      o.status = {
        phase: 'Running',
        podIP: `10.244.1.${this.nextPodIp++}`,
        conditions: [{ type: 'Ready', status: 'True' }],
      };
      (o.spec as { nodeName?: string }).nodeName ??= 'lab-control-plane';
    }
    this.objects.set(this.key(o), o);
  }

  all(): KubeObject[] {
    return [...this.objects.values()];
  }

  /** One Running, Ready pod per Deployment/StatefulSet/DaemonSet (replicas > 0), owned by it. */
  private reconcile(): void {
    for (const [key, o] of this.objects)
      if (o.kind === 'Pod' && o.metadata.labels?.['fake/owned'] === 'true') this.objects.delete(key);
    for (const o of [...this.objects.values()]) {
      if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)) continue;
      const spec = o.spec as {
        replicas?: number;
        template: { metadata?: { labels?: Record<string, string> }; spec: unknown };
      };
      const replicas = spec.replicas ?? 1;
      o.status = { replicas, readyReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas };
      if (replicas === 0) continue;
      this.put({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${o.metadata.name}-abc12`,
          namespace: o.metadata.namespace,
          labels: { ...(spec.template.metadata?.labels ?? {}), 'fake/owned': 'true' },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${o.metadata.name}-abc`, uid: 'u', controller: true },
          ],
        },
        spec: { ...(clone(spec.template.spec) as Record<string, unknown>), nodeName: 'lab-control-plane' },
        status: {
          phase: 'Running',
          podIP: `10.244.1.${this.nextPodIp++}`,
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      });
    }
  }

  async list(resource: ResourceInfo, namespace?: string): Promise<KubeObject[]> {
    this.calls.push(`list ${resource.resource}`);
    return this.all().filter(
      (o) =>
        resourceForKind(o.apiVersion, o.kind)?.resource === resource.resource &&
        resourceForKind(o.apiVersion, o.kind)?.group === resource.group &&
        (namespace === undefined || o.metadata.namespace === namespace),
    );
  }

  async exec(call: ExecCall): Promise<ExecResult> {
    this.calls.push(`exec ${call.namespace}/${call.pod} ${call.command.join(' ')}`);
    const pod = this.objects.get(`Pod/${call.namespace}/${call.pod}`);
    if (!pod) throw new Error(`pods "${call.pod}" not found`);
    return this.execHook(call, pod);
  }

  async accessReview(call: AccessReviewCall): Promise<{ allowed: boolean; reason?: string }> {
    this.calls.push(`sar ${call.verb} ${call.resource} ${call.namespace}`);
    return authorize(this.all(), call);
  }

  async dryRunCreate(object: KubeObject): Promise<DryRunResult> {
    this.calls.push(`dry-run ${object.kind}`);
    return this.dryRunHook(object, 'CREATE', resourceForKind(object.apiVersion, object.kind)?.resource ?? '');
  }

  async dryRunEphemeralContainer(
    namespace: string,
    pod: string,
    container: Record<string, unknown>,
  ): Promise<DryRunResult> {
    this.calls.push(`dry-run ephemeral ${namespace}/${pod}`);
    const existing = this.objects.get(`Pod/${namespace}/${pod}`);
    if (!existing) throw new Error(`pods "${pod}" not found`);
    const updated = clone(existing);
    const spec = updated.spec as { ephemeralContainers?: unknown[] };
    spec.ephemeralContainers = [...(spec.ephemeralContainers ?? []), container];
    return this.dryRunHook(updated, 'UPDATE', 'pods/ephemeralcontainers');
  }

  async requestFromInternet(request: InternetRequest): Promise<InternetResponse> {
    this.calls.push(`internet ${request.host}:${request.port}${request.path}`);
    return this.internetHook(request);
  }
}

/**
 * Admission as far as the seed scenarios need it: Pod Security `enforce` (baseline
 * host namespaces, privileged, hostPath, capabilities; restricted adds non-root,
 * no escalation, drop ALL, seccomp) and ValidatingAdmissionPolicies with Deny
 * bindings (resource rules, namespace selectors, matchConditions, variables).
 */
function admit(
  objects: KubeObject[],
  object: KubeObject,
  operation: 'CREATE' | 'UPDATE',
  resource: string,
): DryRunResult {
  const namespace = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === object.metadata.namespace);
  if (object.metadata.namespace && !namespace)
    return { admitted: false, code: 404, message: `namespaces "${object.metadata.namespace}" not found` };
  const nsLabels: Record<string, string> = {
    ...(namespace?.metadata.labels ?? {}),
    'kubernetes.io/metadata.name': object.metadata.namespace ?? '',
  };
  if (object.kind === 'Pod') {
    // The simulator's own Pod Security evaluator, so the fake judges pods exactly as the cluster does.
    const level = nsLabels['pod-security.kubernetes.io/enforce'];
    const version = nsLabels['pod-security.kubernetes.io/enforce-version'] ?? 'latest';
    if (level === 'baseline' || level === 'restricted') {
      const evaluation = evaluatePod(level, version, object.metadata, object.spec as PodSpec);
      if (!evaluation.allowed)
        return {
          admitted: false,
          code: 403,
          message: `pods "${object.metadata.name}" is forbidden: violates PodSecurity "${level}:${version}": ${forbiddenDetail(evaluation)}`,
        };
    }
  }
  const env = celEnvironment();
  for (const policy of objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy')) {
    const spec = policy.spec as {
      matchConstraints?: { resourceRules?: { apiGroups?: string[]; operations?: string[]; resources?: string[] }[] };
      matchConditions?: { name: string; expression: string }[];
      variables?: { name: string; expression: string }[];
      validations?: { expression: string; message?: string }[];
    };
    const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
    const matches = (spec.matchConstraints?.resourceRules ?? []).some(
      (r) =>
        (r.apiGroups ?? []).some((g) => g === '*' || g === group) &&
        (r.operations ?? []).some((op) => op === '*' || op === operation) &&
        (r.resources ?? []).some(
          (x) => x === '*' || x === resource || (x.endsWith('/*') && resource.startsWith(x.slice(0, -1))),
        ),
    );
    if (!matches) continue;
    const bindings = objects.filter(
      (b) =>
        b.kind === 'ValidatingAdmissionPolicyBinding' &&
        (b.spec as { policyName?: string }).policyName === policy.metadata.name &&
        ((b.spec as { validationActions?: string[] }).validationActions ?? []).includes('Deny') &&
        labelSelectorMatches(
          (b.spec as { matchResources?: { namespaceSelector?: Record<string, unknown> } }).matchResources
            ?.namespaceSelector ?? {},
          nsLabels,
        ),
    );
    if (bindings.length === 0) continue;
    const context: Record<string, unknown> = { object, oldObject: null, request: { operation } };
    const variables: Record<string, unknown> = {};
    context.variables = variables;
    for (const v of spec.variables ?? []) variables[v.name] = env.evaluate(v.expression, context);
    if (!(spec.matchConditions ?? []).every((c) => env.evaluate(c.expression, context) === true)) continue;
    for (const validation of spec.validations ?? []) {
      if (env.evaluate(validation.expression, context) !== true) {
        return {
          admitted: false,
          code: 403,
          message: `${resource} "${object.metadata.name}" is forbidden: ValidatingAdmissionPolicy '${policy.metadata.name}' denied request: ${validation.message ?? validation.expression}`,
        };
      }
    }
  }
  return { admitted: true };
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** RBAC as kube-apiserver evaluates it, minus aggregation and non-resource URLs. */
function authorize(objects: KubeObject[], call: AccessReviewCall): { allowed: boolean; reason?: string } {
  const subjectMatches = (subjects: { kind: string; name: string; namespace?: string }[] | undefined) =>
    (subjects ?? []).some(
      (s) =>
        (s.kind === 'User' && s.name === call.user) ||
        (s.kind === 'Group' && call.groups.includes(s.name)) ||
        (s.kind === 'ServiceAccount' && `system:serviceaccount:${s.namespace}:${s.name}` === call.user),
    );
  const resource = call.subresource ? `${call.resource}/${call.subresource}` : call.resource;
  const ruleAllows = (r: Rule) =>
    (r.verbs ?? []).some((v) => v === '*' || v === call.verb) &&
    (r.apiGroups ?? []).some((g) => g === '*' || g === call.group) &&
    (r.resources ?? []).some((x) => x === '*' || x === resource) &&
    (!r.resourceNames || r.resourceNames.length === 0 || r.resourceNames.includes(call.name));
  const roleRules = (kind: string, name: string, namespace?: string) =>
    (objects.find(
      (o) =>
        o.kind === kind && o.metadata.name === name && (kind === 'ClusterRole' || o.metadata.namespace === namespace),
    )?.rules ?? []) as Rule[];
  for (const b of objects) {
    const isCluster = b.kind === 'ClusterRoleBinding';
    const isNs = b.kind === 'RoleBinding' && b.metadata.namespace === call.namespace && call.namespace !== '';
    if (!isCluster && !isNs) continue;
    if (!subjectMatches(b.subjects as { kind: string; name: string; namespace?: string }[])) continue;
    const ref = b.roleRef as { kind: string; name: string };
    if (roleRules(ref.kind, ref.name, b.metadata.namespace).some(ruleAllows)) {
      return { allowed: true, reason: `RBAC: allowed by ${b.kind} "${b.metadata.name}"` };
    }
  }
  return { allowed: false };
}

/** The four user-facing default ClusterRoles, with their aggregated rules filled in (abridged). */
function builtinClusterRoles(): KubeObject[] {
  const meta = (name: string) => ({
    name,
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  });
  const read = ['get', 'list', 'watch'];
  const write = ['create', 'delete', 'deletecollection', 'patch', 'update'];
  const viewRules: Rule[] = [
    {
      apiGroups: [''],
      resources: ['pods', 'services', 'configmaps', 'endpoints', 'serviceaccounts', 'namespaces'],
      verbs: read,
    },
    { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: read },
    { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: read },
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies', 'ingresses'], verbs: read },
  ];
  const editRules: Rule[] = [
    ...viewRules,
    { apiGroups: [''], resources: ['secrets'], verbs: [...read, ...write] },
    { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'serviceaccounts'], verbs: write },
    { apiGroups: [''], resources: ['pods/exec', 'pods/attach', 'pods/portforward'], verbs: ['create', 'get'] },
    { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
    { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
    { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: write },
    { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: write },
  ];
  const adminRules: Rule[] = [
    ...editRules,
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: [...read, ...write] },
  ];
  const aggregation = (name: string) => ({
    clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${name}`]: 'true' } }],
  });
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('cluster-admin'),
      rules: [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('admin'),
      aggregationRule: aggregation('admin'),
      rules: adminRules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('edit'),
      aggregationRule: aggregation('edit'),
      rules: editRules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('view'),
      aggregationRule: aggregation('view'),
      rules: viewRules,
    },
  ];
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
