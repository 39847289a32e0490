import type { KubeObject } from '@paranoid/k8s/object.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objAt = (parent: Obj, key: string): Obj => {
  if (!isObj(parent[key])) parent[key] = {};
  return parent[key] as Obj;
};
const listAt = (parent: Obj, key: string): Obj[] =>
  Array.isArray(parent[key]) ? (parent[key] as unknown[]).filter(isObj) : [];
const setDefault = (o: Obj, key: string, value: unknown): void => {
  if (o[key] === undefined || o[key] === null) o[key] = value;
};

/**
 * The apiserver's defaulting for the served kinds (`pkg/apis/<group>/v1/defaults.go`), plus what create-time
 * strategies and the always-on admission plugins add to a Pod (ServiceAccount, DefaultTolerationSeconds,
 * Priority): what `kubectl get -o yaml` shows that the user did not write. Allocations that need cluster state
 * (Service clusterIP and nodePorts, the service account token volume, Job selectors) are the API layer's.
 * With `{ admission: false }` the Pod admission additions are left out (see `applyPodAdmissionDefaults`).
 * Returns a defaulted copy; the input is not changed.
 */
export function applyDefaults(obj: KubeObject, options: { admission?: boolean } = {}): KubeObject {
  const out = JSON.parse(JSON.stringify(obj)) as KubeObject & Obj;
  const group = out.apiVersion.includes('/') ? out.apiVersion.slice(0, out.apiVersion.indexOf('/')) : '';
  const key = `${group}/${out.kind}`;
  const spec = (): Obj => objAt(out, 'spec');
  switch (key) {
    case '/Pod':
      defaultPod(out, options.admission !== false);
      break;
    case '/Service':
      defaultService(spec());
      break;
    case '/Namespace': {
      out.metadata.labels ??= {};
      const labels = out.metadata.labels;
      if (out.metadata.name) labels['kubernetes.io/metadata.name'] = out.metadata.name;
      setDefault(spec(), 'finalizers', ['kubernetes']);
      setDefault(objAt(out, 'status'), 'phase', 'Active');
      break;
    }
    case '/Secret':
      setDefault(out, 'type', 'Opaque');
      break;
    case '/Endpoints':
      for (const subset of listAt(out, 'subsets'))
        for (const p of listAt(subset, 'ports')) setDefault(p, 'protocol', 'TCP');
      break;
    case 'discovery.k8s.io/EndpointSlice':
      for (const p of listAt(out, 'ports')) {
        setDefault(p, 'protocol', 'TCP');
        setDefault(p, 'name', '');
      }
      break;
    case '/LimitRange':
      for (const item of listAt(spec(), 'limits')) {
        if (item.type !== 'Container') continue;
        // A max without a default becomes the default; a default becomes the default request.
        if (isObj(item.max)) item.default = { ...item.max, ...(isObj(item.default) ? item.default : {}) };
        if (isObj(item.default))
          item.defaultRequest = { ...item.default, ...(isObj(item.defaultRequest) ? item.defaultRequest : {}) };
      }
      break;
    case 'apps/Deployment': {
      const s = spec();
      setDefault(s, 'replicas', 1);
      const strategy = objAt(s, 'strategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const ru = objAt(strategy, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', '25%');
        setDefault(ru, 'maxSurge', '25%');
      }
      setDefault(s, 'revisionHistoryLimit', 10);
      setDefault(s, 'progressDeadlineSeconds', 600);
      defaultTemplate(s);
      break;
    }
    case 'apps/ReplicaSet':
    case '/ReplicationController':
      setDefault(spec(), 'replicas', 1);
      defaultTemplate(spec());
      break;
    case 'apps/DaemonSet': {
      const s = spec();
      const strategy = objAt(s, 'updateStrategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const ru = objAt(strategy, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', 1);
        setDefault(ru, 'maxSurge', 0);
      }
      setDefault(s, 'revisionHistoryLimit', 10);
      defaultTemplate(s);
      break;
    }
    case 'apps/StatefulSet': {
      const s = spec();
      setDefault(s, 'replicas', 1);
      setDefault(s, 'podManagementPolicy', 'OrderedReady');
      const strategy = objAt(s, 'updateStrategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') setDefault(objAt(strategy, 'rollingUpdate'), 'partition', 0);
      setDefault(s, 'revisionHistoryLimit', 10);
      const retention = objAt(s, 'persistentVolumeClaimRetentionPolicy');
      setDefault(retention, 'whenDeleted', 'Retain');
      setDefault(retention, 'whenScaled', 'Retain');
      defaultTemplate(s);
      break;
    }
    case 'batch/Job':
      defaultJob(out);
      break;
    case 'batch/CronJob': {
      const s = spec();
      setDefault(s, 'concurrencyPolicy', 'Allow');
      setDefault(s, 'suspend', false);
      setDefault(s, 'successfulJobsHistoryLimit', 3);
      setDefault(s, 'failedJobsHistoryLimit', 1);
      defaultTemplate(objAt(objAt(s, 'jobTemplate'), 'spec'));
      break;
    }
    case 'networking.k8s.io/NetworkPolicy': {
      const s = spec();
      if (!Array.isArray(s.policyTypes) || s.policyTypes.length === 0) {
        s.policyTypes = Array.isArray(s.egress) && s.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
      }
      for (const dir of ['ingress', 'egress'])
        for (const rule of listAt(s, dir)) for (const p of listAt(rule, 'ports')) setDefault(p, 'protocol', 'TCP');
      setDefault(s, 'podSelector', {});
      break;
    }
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      for (const subject of listAt(out, 'subjects')) {
        // A ServiceAccount's group is the core group, "", which is omitted on output.
        if (subject.kind === 'User' || subject.kind === 'Group')
          setDefault(subject, 'apiGroup', 'rbac.authorization.k8s.io');
      }
      break;
    case 'admissionregistration.k8s.io/ValidatingAdmissionPolicy': {
      const s = spec();
      setDefault(s, 'failurePolicy', 'Fail');
      const match = objAt(s, 'matchConstraints');
      setDefault(match, 'matchPolicy', 'Equivalent');
      setDefault(match, 'namespaceSelector', {});
      setDefault(match, 'objectSelector', {});
      for (const rule of [...listAt(match, 'resourceRules'), ...listAt(match, 'excludeResourceRules')])
        setDefault(rule, 'scope', '*');
      break;
    }
    case 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': {
      const s = spec();
      if (isObj(s.matchResources)) {
        const match = s.matchResources;
        setDefault(match, 'matchPolicy', 'Equivalent');
        setDefault(match, 'namespaceSelector', {});
        setDefault(match, 'objectSelector', {});
      }
      if (isObj(s.paramRef)) setDefault(s.paramRef, 'parameterNotFoundAction', 'Deny');
      break;
    }
  }
  return out;
}

function defaultJob(job: KubeObject & Obj): void {
  const s = objAt(job, 'spec');
  if (s.completions === undefined && s.parallelism === undefined) s.completions = 1;
  setDefault(s, 'parallelism', 1);
  setDefault(s, 'backoffLimit', s.backoffLimitPerIndex === undefined ? 6 : 2147483647);
  setDefault(s, 'completionMode', 'NonIndexed');
  setDefault(s, 'suspend', false);
  setDefault(s, 'podReplacementPolicy', isObj(s.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  const templateLabels = isObj(s.template) && isObj(s.template.metadata) ? s.template.metadata.labels : undefined;
  if (isObj(templateLabels) && Object.keys(job.metadata.labels ?? {}).length === 0) {
    job.metadata.labels = { ...(templateLabels as Record<string, string>) };
  }
  defaultTemplate(s);
}

function defaultTemplate(spec: Obj): void {
  const template = objAt(spec, 'template');
  defaultPodSpec(objAt(template, 'spec'));
}

function defaultPod(pod: Obj, admission: boolean): void {
  const spec = objAt(pod, 'spec');
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  for (const c of [...listAt(spec, 'containers'), ...listAt(spec, 'initContainers')]) {
    // Limits without requests: the requests default to the limits.
    const resources = objAt(c, 'resources');
    if (isObj(resources.limits)) {
      const requests = isObj(resources.requests) ? resources.requests : {};
      for (const [name, value] of Object.entries(resources.limits))
        if (requests[name] === undefined) requests[name] = value;
      resources.requests = requests;
    }
  }
  // PrepareForCreate: a new Pod is Pending with its QoS class computed.
  const status = objAt(pod, 'status');
  setDefault(status, 'phase', 'Pending');
  setDefault(status, 'qosClass', qosClass(spec));
  if (admission) applyPodAdmissionDefaults(spec);
}

/**
 * What the always-on admission plugins add to a Pod spec (ServiceAccount, Priority, DefaultTolerationSeconds).
 * Separate because the apiserver records field ownership before admission: these fields belong to no manager.
 */
export function applyPodAdmissionDefaults(spec: Obj): void {
  if (!spec.serviceAccountName)
    spec.serviceAccountName =
      typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : 'default';
  spec.serviceAccount = spec.serviceAccountName;
  if (spec.priorityClassName === undefined) setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  const tolerations = listAt(spec, 'tolerations');
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const covered = tolerations.some(
      (t) =>
        (t.key === key || (t.key === undefined && t.operator === 'Exists')) &&
        (t.effect === undefined || t.effect === 'NoExecute'),
    );
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
}

/** `kubectl describe pod` QoS: Guaranteed, Burstable or BestEffort (k8s.io/kubernetes/pkg/apis/core/helper/qos). */
export function qosClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...listAt(spec, 'containers'), ...listAt(spec, 'initContainers')];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const r = isObj(c.resources) ? c.resources : {};
    const requests = isObj(r.requests) ? r.requests : {};
    const limits = isObj(r.limits) ? r.limits : {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const res of ['cpu', 'memory']) {
      if (limits[res] === undefined || String(limits[res]) !== String(requests[res] ?? limits[res])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [
    ...listAt(spec, 'containers'),
    ...listAt(spec, 'initContainers'),
    ...listAt(spec, 'ephemeralContainers'),
  ])
    defaultContainer(c, hostNetwork);
  for (const v of listAt(spec, 'volumes')) defaultVolume(v);
}

function defaultContainer(c: Obj, hostNetwork: boolean): void {
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = pullPolicyFor(c.image);
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  for (const p of listAt(c, 'ports')) {
    setDefault(p, 'protocol', 'TCP');
    if (hostNetwork) setDefault(p, 'hostPort', p.containerPort);
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (!isObj(c[probe])) continue;
    const p = c[probe] as Obj;
    setDefault(p, 'timeoutSeconds', 1);
    setDefault(p, 'periodSeconds', 10);
    setDefault(p, 'successThreshold', 1);
    setDefault(p, 'failureThreshold', 3);
    if (isObj(p.httpGet)) setDefault(p.httpGet, 'scheme', 'HTTP');
  }
  for (const e of listAt(c, 'env')) {
    if (isObj(e.valueFrom) && isObj(e.valueFrom.fieldRef)) setDefault(e.valueFrom.fieldRef, 'apiVersion', 'v1');
  }
}

/** Always for `:latest` or no tag, IfNotPresent for any other tag or a digest (SetDefaults_Container). */
export function pullPolicyFor(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultVolume(v: Obj): void {
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isObj(v[source])) setDefault(v[source] as Obj, 'defaultMode', 420);
  }
  if (isObj(v.hostPath)) setDefault(v.hostPath, 'type', '');
  if (isObj(v.downwardAPI)) {
    for (const item of listAt(v.downwardAPI, 'items'))
      if (isObj(item.fieldRef)) setDefault(item.fieldRef, 'apiVersion', 'v1');
  }
}

function defaultService(s: Obj): void {
  setDefault(s, 'type', 'ClusterIP');
  setDefault(s, 'sessionAffinity', 'None');
  for (const p of listAt(s, 'ports')) {
    setDefault(p, 'protocol', 'TCP');
    if (s.type !== 'ExternalName') setDefault(p, 'targetPort', p.port);
  }
  if (s.type === 'ExternalName') return;
  setDefault(s, 'internalTrafficPolicy', 'Cluster');
  setDefault(s, 'ipFamilyPolicy', 'SingleStack');
  setDefault(s, 'ipFamilies', ['IPv4']);
  if (s.type === 'NodePort' || s.type === 'LoadBalancer') setDefault(s, 'externalTrafficPolicy', 'Cluster');
  if (s.type === 'LoadBalancer') setDefault(s, 'allocateLoadBalancerNodePorts', true);
  if (s.sessionAffinity === 'ClientIP') {
    const cfg = objAt(s, 'sessionAffinityConfig');
    setDefault(objAt(cfg, 'clientIP'), 'timeoutSeconds', 10800);
  }
}
