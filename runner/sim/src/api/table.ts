import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { ResourceDef } from '../resources.ts';

/** A column of a `meta.k8s.io/v1` Table, as the apiserver's printers declare it. */
export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 shows by default; 1 only with `-o wide`. */
  priority: number;
  cell(object: KubeObject, now: number): unknown;
}

/** `5m`, `3h2m`, `2d`: k8s.io/apimachinery duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

const since = (ts: unknown, now: number): string => {
  if (typeof ts !== 'string' || !ts) return '<unknown>';
  return humanDuration(now - Date.parse(ts));
};

// biome-ignore lint/suspicious/noExplicitAny: objects of many kinds are read here by field path, as the apiserver's printers and strategies do.
type Any = Record<string, any>;
const spec = (o: KubeObject): Any => (o.spec as Any) ?? {};
const status = (o: KubeObject): Any => (o.status as Any) ?? {};
const none = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : v);

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
  cell: (o) => o.metadata.name ?? '',
};
const AGE: Column = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  priority: 0,
  cell: (o, now) => since(o.metadata.creationTimestamp, now),
};
const CREATED_AT: Column = {
  name: 'Created At',
  type: 'date',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (o) => o.metadata.creationTimestamp ?? '',
};
const col = (
  name: string,
  cell: Column['cell'],
  priority = 0,
  type: Column['type'] = 'string',
  description = '',
): Column => ({ name, type, description, priority, cell });

function containerNames(podSpec: Any | undefined): string {
  return ((podSpec?.containers as Any[]) ?? []).map((c) => c.name).join(',');
}
function containerImages(podSpec: Any | undefined): string {
  return ((podSpec?.containers as Any[]) ?? []).map((c) => c.image).join(',');
}
function selectorString(sel: Any | undefined): string {
  if (!sel) return '<none>';
  const parts: string[] = [];
  for (const [k, v] of Object.entries((sel.matchLabels as Record<string, string>) ?? {})) parts.push(`${k}=${v}`);
  for (const e of (sel.matchExpressions as Any[]) ?? []) {
    const op = String(e.operator);
    if (op === 'In' || op === 'NotIn') parts.push(`${e.key} ${op.toLowerCase()} (${(e.values ?? []).join(',')})`);
    else if (op === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}
function mapSelector(sel: Record<string, string> | undefined): string {
  const parts = Object.entries(sel ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : '<none>';
}

/** The pod's STATUS column, following kubectl's printPod. */
export function podStatusReason(pod: KubeObject): string {
  const st = status(pod);
  let reason: string = st.reason || st.phase || 'Pending';
  const initStatuses: Any[] = st.initContainerStatuses ?? [];
  let initializing = false;
  initStatuses.forEach((c, i) => {
    if (initializing) return;
    if (c.state?.terminated?.exitCode === 0) return;
    if (c.state?.terminated) {
      reason = c.state.terminated.reason
        ? `Init:${c.state.terminated.reason}`
        : c.state.terminated.signal
          ? `Init:Signal:${c.state.terminated.signal}`
          : `Init:ExitCode:${c.state.terminated.exitCode}`;
    } else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${c.state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec(pod).initContainers ?? []).length}`;
    }
    initializing = true;
  });
  if (!initializing) {
    let hasRunning = false;
    const cs: Any[] = [...(st.containerStatuses ?? [])].reverse();
    for (const c of cs) {
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated) {
        reason = c.state.terminated.signal
          ? `Signal:${c.state.terminated.signal}`
          : `ExitCode:${c.state.terminated.exitCode}`;
      } else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (st.conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp && st.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

function podRestarts(pod: KubeObject, now: number): string {
  let restarts = 0;
  let last: number | undefined;
  for (const c of (status(pod).containerStatuses as Any[]) ?? []) {
    restarts += c.restartCount ?? 0;
    const t = c.lastState?.terminated?.finishedAt;
    if (t) last = Math.max(last ?? 0, Date.parse(t));
  }
  return last !== undefined && restarts > 0 ? `${restarts} (${humanDuration(now - last)} ago)` : String(restarts);
}

function podReady(pod: KubeObject): string {
  const total = ((spec(pod).containers as Any[]) ?? []).length;
  const ready = ((status(pod).containerStatuses as Any[]) ?? []).filter((c) => c.ready).length;
  return `${ready}/${total}`;
}

function servicePorts(svc: KubeObject): string {
  const ports: Any[] = spec(svc).ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function serviceExternalIP(svc: KubeObject): string {
  const s = spec(svc);
  const type = s.type ?? 'ClusterIP';
  const ingress: Any[] = status(svc).loadBalancer?.ingress ?? [];
  const lb = ingress.map((i) => i.ip || i.hostname).filter(Boolean);
  const external: string[] = s.externalIPs ?? [];
  if (type === 'ExternalName') return s.externalName ?? '<none>';
  if (type === 'LoadBalancer') {
    const all = [...lb, ...external];
    return all.length ? all.join(',') : '<pending>';
  }
  return external.length ? external.join(',') : '<none>';
}

function nodeStatus(node: KubeObject): string {
  const conds: Any[] = status(node).conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (spec(node).unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles: string[] = [];
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.push(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role') roles.push(v);
  }
  return roles.length ? roles.sort().join(',') : '<none>';
}

const nodeAddress = (node: KubeObject, type: string) =>
  none(((status(node).addresses as Any[]) ?? []).find((a) => a.type === type)?.address);

function subjects(o: KubeObject, kind: string): string {
  const s: Any[] = (o.subjects as Any[]) ?? [];
  return s
    .filter((x) => x.kind === kind)
    .map((x) => (kind === 'ServiceAccount' ? `${x.namespace ?? ''}/${x.name}` : x.name))
    .join(', ');
}

function jobDuration(job: KubeObject, now: number): string {
  const st = status(job);
  if (!st.startTime) return '';
  const end = st.completionTime ? Date.parse(st.completionTime) : now;
  return humanDuration(end - Date.parse(st.startTime));
}

function jobStatus(job: KubeObject): string {
  const conds: Any[] = status(job).conditions ?? [];
  const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
  if (has('Failed')) return 'Failed';
  if (has('Complete')) return 'Complete';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  return 'Running';
}

function ingressHosts(ing: KubeObject): string {
  const hosts = ((spec(ing).rules as Any[]) ?? []).map((r) => r.host).filter(Boolean);
  return hosts.length ? hosts.join(',') : '*';
}

function endpointsList(ep: KubeObject): string {
  const out: string[] = [];
  for (const s of (ep.subsets as Any[]) ?? []) {
    const ports: Any[] = s.ports ?? [];
    for (const a of (s.addresses as Any[]) ?? []) {
      if (ports.length === 0) out.push(a.ip);
      for (const p of ports) out.push(`${a.ip}:${p.port}`);
    }
  }
  if (out.length === 0) return '<none>';
  return out.length > 3 ? `${out.slice(0, 3).join(',')} + ${out.length - 3} more...` : out.join(',');
}

function sliceEndpoints(es: KubeObject): string {
  const addrs = ((es.endpoints as Any[]) ?? []).flatMap((e) => (e.addresses as string[]) ?? []);
  if (addrs.length === 0) return '<unset>';
  return addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
}

function quotaPairs(o: KubeObject, prefix: 'limits' | 'requests'): string {
  const hard: Record<string, string> = status(o).hard ?? spec(o).hard ?? {};
  const used: Record<string, string> = status(o).used ?? {};
  const keys = Object.keys(hard)
    .filter((k) => (prefix === 'limits' ? k.startsWith('limits.') : !k.startsWith('limits.')))
    .sort();
  return keys.map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`).join(', ');
}

function eventObject(ev: KubeObject): string {
  const io = (ev.involvedObject as Any) ?? {};
  return `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`;
}

function eventLastSeen(ev: KubeObject, now: number): string {
  const e = ev as Any;
  const t = e.series?.lastObservedTime || e.lastTimestamp || e.eventTime || ev.metadata.creationTimestamp;
  return t ? humanDuration(now - Date.parse(t)) : '<unknown>';
}

const replicasCols = (kind: 'deploy' | 'rs' | 'ds' | 'sts'): Column[] => {
  const wide: Column[] = [
    col('Containers', (o) => containerNames(spec(o).template?.spec), 1),
    col('Images', (o) => containerImages(spec(o).template?.spec), 1),
  ];
  const selectorCol = col('Selector', (o) => selectorString(spec(o).selector), 1);
  switch (kind) {
    case 'deploy':
      return [
        NAME,
        col('Ready', (o) => `${status(o).readyReplicas ?? 0}/${spec(o).replicas ?? 1}`),
        col('Up-to-date', (o) => status(o).updatedReplicas ?? 0, 0, 'integer'),
        col('Available', (o) => status(o).availableReplicas ?? 0, 0, 'integer'),
        AGE,
        ...wide,
        selectorCol,
      ];
    case 'rs':
      return [
        NAME,
        col('Desired', (o) => spec(o).replicas ?? 1, 0, 'integer'),
        col('Current', (o) => status(o).replicas ?? 0, 0, 'integer'),
        col('Ready', (o) => status(o).readyReplicas ?? 0, 0, 'integer'),
        AGE,
        ...wide,
        selectorCol,
      ];
    case 'ds':
      return [
        NAME,
        col('Desired', (o) => status(o).desiredNumberScheduled ?? 0, 0, 'integer'),
        col('Current', (o) => status(o).currentNumberScheduled ?? 0, 0, 'integer'),
        col('Ready', (o) => status(o).numberReady ?? 0, 0, 'integer'),
        col('Up-to-date', (o) => status(o).updatedNumberScheduled ?? 0, 0, 'integer'),
        col('Available', (o) => status(o).numberAvailable ?? 0, 0, 'integer'),
        col('Node Selector', (o) => mapSelector(spec(o).template?.spec?.nodeSelector)),
        AGE,
        ...wide,
        selectorCol,
      ];
    case 'sts':
      return [NAME, col('Ready', (o) => `${status(o).readyReplicas ?? 0}/${spec(o).replicas ?? 1}`), AGE, ...wide];
  }
};

/** Printers by `resource.group` (group omitted for core), as the apiserver's internal printers define them. */
const PRINTERS: Record<string, Column[]> = {
  pods: [
    NAME,
    col('Ready', podReady),
    col('Status', podStatusReason),
    col('Restarts', podRestarts),
    AGE,
    col('IP', (o) => none(status(o).podIP), 1),
    col('Node', (o) => none(spec(o).nodeName), 1),
    col('Nominated Node', (o) => none(status(o).nominatedNodeName), 1),
    col(
      'Readiness Gates',
      (o) => {
        const gates: Any[] = spec(o).readinessGates ?? [];
        if (gates.length === 0) return '<none>';
        const conds: Any[] = status(o).conditions ?? [];
        const ok = gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length;
        return `${ok}/${gates.length}`;
      },
      1,
    ),
  ],
  namespaces: [NAME, col('Status', (o) => status(o).phase ?? 'Active'), AGE],
  nodes: [
    NAME,
    col('Status', nodeStatus),
    col('Roles', nodeRoles),
    AGE,
    col('Version', (o) => status(o).nodeInfo?.kubeletVersion ?? ''),
    col('Internal-IP', (o) => nodeAddress(o, 'InternalIP'), 1),
    col('External-IP', (o) => nodeAddress(o, 'ExternalIP'), 1),
    col('OS-Image', (o) => status(o).nodeInfo?.osImage ?? '<unknown>', 1),
    col('Kernel-Version', (o) => status(o).nodeInfo?.kernelVersion ?? '<unknown>', 1),
    col('Container-Runtime', (o) => status(o).nodeInfo?.containerRuntimeVersion ?? '<unknown>', 1),
  ],
  services: [
    NAME,
    col('Type', (o) => spec(o).type ?? 'ClusterIP'),
    col('Cluster-IP', (o) => none(spec(o).clusterIP)),
    col('External-IP', serviceExternalIP),
    col('Port(s)', servicePorts),
    AGE,
    col('Selector', (o) => mapSelector(spec(o).selector), 1),
  ],
  'deployments.apps': replicasCols('deploy'),
  'replicasets.apps': replicasCols('rs'),
  'daemonsets.apps': replicasCols('ds'),
  'statefulsets.apps': replicasCols('sts'),
  replicationcontrollers: [
    NAME,
    col('Desired', (o) => spec(o).replicas ?? 1, 0, 'integer'),
    col('Current', (o) => status(o).replicas ?? 0, 0, 'integer'),
    col('Ready', (o) => status(o).readyReplicas ?? 0, 0, 'integer'),
    AGE,
    col('Containers', (o) => containerNames(spec(o).template?.spec), 1),
    col('Images', (o) => containerImages(spec(o).template?.spec), 1),
    col('Selector', (o) => mapSelector(spec(o).selector), 1),
  ],
  'jobs.batch': [
    NAME,
    col('Status', jobStatus),
    col('Completions', (o) => {
      const completions = spec(o).completions;
      const done = status(o).succeeded ?? 0;
      if (completions !== undefined && completions !== null) return `${done}/${completions}`;
      const parallelism = spec(o).parallelism ?? 0;
      return parallelism > 1 ? `${done}/1 of ${parallelism}` : `${done}/1`;
    }),
    col('Duration', jobDuration),
    AGE,
    col('Containers', (o) => containerNames(spec(o).template?.spec), 1),
    col('Images', (o) => containerImages(spec(o).template?.spec), 1),
    col('Selector', (o) => selectorString(spec(o).selector), 1),
  ],
  'cronjobs.batch': [
    NAME,
    col('Schedule', (o) => spec(o).schedule ?? ''),
    col('Timezone', (o) => none(spec(o).timeZone)),
    col('Suspend', (o) => (spec(o).suspend ? 'True' : 'False'), 0, 'boolean'),
    col('Active', (o) => ((status(o).active as unknown[]) ?? []).length, 0, 'integer'),
    col('Last Schedule', (o, now) => (status(o).lastScheduleTime ? since(status(o).lastScheduleTime, now) : '<none>')),
    AGE,
    col('Containers', (o) => containerNames(spec(o).jobTemplate?.spec?.template?.spec), 1),
    col('Images', (o) => containerImages(spec(o).jobTemplate?.spec?.template?.spec), 1),
    col('Selector', (o) => selectorString(spec(o).jobTemplate?.spec?.selector), 1),
  ],
  secrets: [
    NAME,
    col('Type', (o) => (o.type as string) ?? 'Opaque'),
    col('Data', (o) => Object.keys((o.data as object) ?? {}).length, 0, 'integer'),
    AGE,
  ],
  configmaps: [
    NAME,
    col(
      'Data',
      (o) => Object.keys((o.data as object) ?? {}).length + Object.keys((o.binaryData as object) ?? {}).length,
      0,
      'integer',
    ),
    AGE,
  ],
  serviceaccounts: [NAME, col('Secrets', (o) => ((o.secrets as unknown[]) ?? []).length, 0, 'integer'), AGE],
  'roles.rbac.authorization.k8s.io': [NAME, CREATED_AT],
  'clusterroles.rbac.authorization.k8s.io': [NAME, CREATED_AT],
  'rolebindings.rbac.authorization.k8s.io': [
    NAME,
    col('Role', (o) => `${(o.roleRef as Any)?.kind}/${(o.roleRef as Any)?.name}`),
    AGE,
    col('Users', (o) => subjects(o, 'User'), 1),
    col('Groups', (o) => subjects(o, 'Group'), 1),
    col('ServiceAccounts', (o) => subjects(o, 'ServiceAccount'), 1),
  ],
  'clusterrolebindings.rbac.authorization.k8s.io': [
    NAME,
    col('Role', (o) => `${(o.roleRef as Any)?.kind}/${(o.roleRef as Any)?.name}`),
    AGE,
    col('Users', (o) => subjects(o, 'User'), 1),
    col('Groups', (o) => subjects(o, 'Group'), 1),
    col('ServiceAccounts', (o) => subjects(o, 'ServiceAccount'), 1),
  ],
  'networkpolicies.networking.k8s.io': [
    NAME,
    col('Pod-Selector', (o) => {
      const s = selectorString(spec(o).podSelector);
      return s === '<none>' ? '<none>' : s;
    }),
    AGE,
  ],
  'ingresses.networking.k8s.io': [
    NAME,
    col('Class', (o) => none(spec(o).ingressClassName)),
    col('Hosts', ingressHosts),
    col('Address', (o) => ((status(o).loadBalancer?.ingress as Any[]) ?? []).map((i) => i.ip || i.hostname).join(',')),
    col('Ports', (o) => (((spec(o).tls as unknown[]) ?? []).length > 0 ? '80, 443' : '80')),
    AGE,
  ],
  'ingressclasses.networking.k8s.io': [
    NAME,
    col('Controller', (o) => spec(o).controller ?? ''),
    col('Parameters', () => '<none>'),
    AGE,
  ],
  events: [
    col('Last Seen', eventLastSeen),
    col('Type', (o) => (o as Any).type ?? ''),
    col('Reason', (o) => (o as Any).reason ?? ''),
    col('Object', eventObject),
    col('Subobject', (o) => (o as Any).involvedObject?.fieldPath ?? '', 1),
    col(
      'Source',
      (o) => {
        const s = (o as Any).source ?? {};
        return s.host ? `${s.component}, ${s.host}` : (s.component ?? (o as Any).reportingComponent ?? '');
      },
      1,
    ),
    col('Message', (o) => (o as Any).message ?? ''),
    col('First Seen', (o, now) => since((o as Any).firstTimestamp ?? (o as Any).eventTime, now), 1),
    col('Count', (o) => (o as Any).series?.count ?? (o as Any).count ?? 1, 1, 'integer'),
    col('Name', (o) => o.metadata.name ?? '', 1),
  ],
  endpoints: [NAME, col('Endpoints', endpointsList), AGE],
  componentstatuses: [
    NAME,
    col('Status', (o) => ((o as Any).conditions?.[0]?.status === 'True' ? 'Healthy' : 'Unhealthy')),
    col('Message', (o) => (o as Any).conditions?.[0]?.message ?? ''),
    col('Error', (o) => (o as Any).conditions?.[0]?.error ?? ''),
  ],
  'endpointslices.discovery.k8s.io': [
    NAME,
    col('AddressType', (o) => (o as Any).addressType ?? ''),
    col('Ports', (o) => {
      const ports: Any[] = (o as Any).ports ?? [];
      return ports.length ? ports.map((p) => p.port ?? '<unset>').join(',') : '<unset>';
    }),
    col('Endpoints', sliceEndpoints),
    AGE,
  ],
  limitranges: [NAME, CREATED_AT],
  resourcequotas: [
    NAME,
    AGE,
    col('Request', (o) => quotaPairs(o, 'requests')),
    col('Limit', (o) => quotaPairs(o, 'limits')),
  ],
  'validatingadmissionpolicies.admissionregistration.k8s.io': [
    NAME,
    col('Validations', (o) => ((spec(o).validations as unknown[]) ?? []).length, 0, 'integer'),
    col('ParamKind', (o) => {
      const pk = spec(o).paramKind;
      return pk ? `${pk.apiVersion}/${pk.kind}` : '<unset>';
    }),
    AGE,
  ],
  'validatingadmissionpolicybindings.admissionregistration.k8s.io': [
    NAME,
    col('PolicyName', (o) => spec(o).policyName ?? ''),
    col('ParamRef', (o) => {
      const p = spec(o).paramRef;
      if (!p) return '<unset>';
      return p.namespace ? `${p.namespace}/${p.name ?? '*'}` : `*/${p.name ?? '*'}`;
    }),
    AGE,
  ],
  persistentvolumeclaims: [
    NAME,
    col('Status', (o) => status(o).phase ?? 'Pending'),
    col('Volume', (o) => spec(o).volumeName ?? ''),
    col('Capacity', (o) => status(o).capacity?.storage ?? ''),
    col('Access Modes', (o) =>
      ((status(o).accessModes as string[]) ?? [])
        .map(
          (m) =>
            ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m,
        )
        .join(','),
    ),
    col('StorageClass', (o) => none(spec(o).storageClassName)),
    col('VolumeAttributesClass', (o) => none(spec(o).volumeAttributesClassName)),
    AGE,
    col('VolumeMode', (o) => spec(o).volumeMode ?? 'Filesystem', 1),
  ],
  'storageclasses.storage.k8s.io': [
    NAME,
    col('Provisioner', (o) => (o as Any).provisioner ?? ''),
    col('ReclaimPolicy', (o) => (o as Any).reclaimPolicy ?? 'Delete'),
    col('VolumeBindingMode', (o) => (o as Any).volumeBindingMode ?? 'Immediate'),
    col('AllowVolumeExpansion', (o) => ((o as Any).allowVolumeExpansion ? 'true' : 'false'), 0, 'boolean'),
    AGE,
  ],
  'poddisruptionbudgets.policy': [
    NAME,
    col('Min Available', (o) => spec(o).minAvailable ?? 'N/A'),
    col('Max Unavailable', (o) => spec(o).maxUnavailable ?? 'N/A'),
    col('Allowed Disruptions', (o) => status(o).disruptionsAllowed ?? 0, 0, 'integer'),
    AGE,
  ],
  'priorityclasses.scheduling.k8s.io': [
    NAME,
    col('Value', (o) => (o as Any).value ?? 0, 0, 'integer'),
    col('Global-Default', (o) => Boolean((o as Any).globalDefault), 0, 'boolean'),
    AGE,
    col('PreemptionPolicy', (o) => (o as Any).preemptionPolicy ?? 'PreemptLowerPriority'),
  ],
  'leases.coordination.k8s.io': [NAME, col('Holder', (o) => spec(o).holderIdentity ?? ''), AGE],
  'customresourcedefinitions.apiextensions.k8s.io': [NAME, CREATED_AT],
};

/** The Table columns of a resource; resources without a printer get Name and Created At, as in the apiserver. */
export function columnsFor(def: ResourceDef): Column[] {
  if (def.custom) return customColumns(def);
  return PRINTERS[def.group ? `${def.resource}.${def.group}` : def.resource] ?? [NAME, CREATED_AT];
}

/** Evaluates the simple JSONPath of a CRD printer column (`.spec.replicas`, `.status.conditions[0].type`). */
function jsonPathValue(o: unknown, path: string): unknown {
  let cur: unknown = o;
  const tokens = path.replace(/^\./, '').match(/[^.[\]]+|\[\d+\]/g) ?? [];
  for (const t of tokens) {
    if (cur === null || cur === undefined) return undefined;
    if (t.startsWith('[')) cur = Array.isArray(cur) ? cur[Number(t.slice(1, -1))] : undefined;
    else cur = (cur as Record<string, unknown>)[t];
  }
  return cur;
}

function customColumns(def: ResourceDef): Column[] {
  const extra = (def.printerColumns ?? []).map(
    (c): Column => ({
      name: c.name,
      type: (['integer', 'number', 'boolean', 'date'].includes(c.type) ? c.type : 'string') as Column['type'],
      ...(c.format ? { format: c.format } : {}),
      description: c.description ?? '',
      priority: c.priority ?? 0,
      cell: (o, now) => {
        const v = jsonPathValue(o, c.jsonPath);
        if (c.type === 'date') return typeof v === 'string' ? since(v, now) : '<unknown>';
        if (v === undefined || v === null) return null;
        return typeof v === 'object' ? JSON.stringify(v) : v;
      },
    }),
  );
  return [NAME, ...extra, ...(extra.some((c) => c.name === 'Age') ? [] : [AGE])];
}

/** Builds a `meta.k8s.io/v1` Table for objects. */
export function toTable(
  columns: Column[],
  objects: KubeObject[],
  options: {
    now: number;
    includeObject: 'None' | 'Metadata' | 'Object';
    withDefinitions: boolean;
    resourceVersion?: string;
    continueToken?: string;
  },
): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}),
      ...(options.continueToken ? { continue: options.continueToken } : {}),
    },
    columnDefinitions: options.withDefinitions
      ? columns.map((c) => ({
          name: c.name,
          type: c.type,
          format: c.format ?? '',
          description: c.description,
          priority: c.priority,
        }))
      : [],
    rows: objects.map((o) => ({
      cells: columns.map((c) => {
        try {
          return c.cell(o, options.now);
        } catch {
          return '<error>';
        }
      }),
      object:
        options.includeObject === 'Object'
          ? o
          : options.includeObject === 'Metadata'
            ? { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }
            : undefined,
    })),
  };
}
