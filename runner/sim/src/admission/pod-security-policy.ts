/**
 * The Pod Security Standards as k8s.io/pod-security-admission/policy evaluates
 * them: one check per ID, each with versions keyed by the Kubernetes minor that
 * introduced them, the restricted level inheriting every baseline check except
 * the ones a restricted check overrides. Reasons and details are upstream's words,
 * because learners read them in kubectl's error output.
 */

import type { ObjectMeta } from '@paranoid/k8s/object.ts';
import type { Container, EphemeralContainer, PodSpec } from 'kubernetes-types/core/v1';

/** The Pod Security Standards' levels, from no restriction to hardened. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** A policy version: a Kubernetes minor of the 1.x line, or 'latest'. */
export type PodSecurityVersion = { minor: number } | 'latest';

/** What one Pod Security check found in a pod: whether it passes and, if not, upstream's reason text. */
export interface CheckResult {
  allowed: boolean;
  reason?: string;
  detail?: string;
}

/** Whether a pod meets a Pod Security level, and each failed check for the denial message. */
export interface PodEvaluation {
  allowed: boolean;
  /** Failed checks, in upstream order (baseline IDs sorted, then restricted IDs sorted). */
  reasons: { id: string; reason: string; detail: string }[];
}

type CheckPod = (meta: ObjectMeta, spec: PodSpec) => CheckResult;

interface VersionedCheck {
  minimumMinor: number;
  checkPod: CheckPod;
  overrides?: string[];
}

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  versions: VersionedCheck[];
}

const ALLOWED: CheckResult = { allowed: true };

const pluralize = (one: string, many: string, n: number): string => (n === 1 ? one : many);
const joinQuote = (items: readonly string[]): string => items.map((s) => JSON.stringify(s)).join(', ');
const sortedUnique = (items: Iterable<string>): string[] => [...new Set(items)].sort(byteOrder);
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type AnyContainer = Container | EphemeralContainer;

/** Init containers, then containers, then ephemeral containers: the order upstream names them in. */
function visitContainers(spec: PodSpec, visit: (c: AnyContainer) => void): void {
  for (const c of spec.initContainers ?? []) visit(c);
  for (const c of spec.containers ?? []) visit(c);
  for (const c of spec.ephemeralContainers ?? []) visit(c);
}

const isWindows = (spec: PodSpec): boolean => spec.os?.name === 'windows';

function containersPhrase(names: string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

// --- baseline ---------------------------------------------------------------

const appArmorAnnotationPrefix = 'container.apparmor.security.beta.kubernetes.io/';
const allowedAppArmorAnnotation = (v: string): boolean =>
  v === '' || v === 'runtime/default' || v.startsWith('localhost/');
const allowedAppArmorType = (t: string | undefined): boolean => t === 'RuntimeDefault' || t === 'Localhost';
/**
 * AppArmor: since 1.30 the 1.0 check (amended in place, so at every policy version)
 * reads the `appArmorProfile` fields of the pod and its containers as well as the
 * beta annotations; forbidden annotations count as one more setter.
 */
function appArmorProfile_1_0(meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile && !allowedAppArmorType(podProfile.type)) {
    badSetters.push('pod');
    badValues.add(podProfile.type);
  }
  const badContainers: string[] = [];
  visitContainers(spec, (c) => {
    const profile = c.securityContext?.appArmorProfile;
    if (profile && !allowedAppArmorType(profile.type)) {
      badContainers.push(c.name);
      badValues.add(profile.type);
    }
  });
  if (badContainers.length > 0) badSetters.push(containersPhrase(badContainers));
  const forbiddenAnnotations: string[] = [];
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (k.startsWith(appArmorAnnotationPrefix) && !allowedAppArmorAnnotation(v)) {
      forbiddenAnnotations.push(`${k}=${JSON.stringify(v)}`);
    }
  }
  const values = sortedUnique(badValues);
  if (forbiddenAnnotations.length > 0) {
    forbiddenAnnotations.sort(byteOrder);
    values.push(...forbiddenAnnotations);
    badSetters.push(pluralize('annotation', 'annotations', forbiddenAnnotations.length));
  }
  if (badSetters.length === 0) return ALLOWED;
  return {
    allowed: false,
    reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    detail: `${badSetters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
  };
}

const defaultCapabilities = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

function capabilitiesBaseline_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badContainers: string[] = [];
  const nonDefault = new Set<string>();
  visitContainers(spec, (c) => {
    let valid = true;
    for (const cap of c.securityContext?.capabilities?.add ?? []) {
      if (!defaultCapabilities.has(cap)) {
        valid = false;
        nonDefault.add(cap);
      }
    }
    if (!valid) badContainers.push(c.name);
  });
  if (badContainers.length === 0) return ALLOWED;
  return {
    allowed: false,
    reason: 'non-default capabilities',
    detail: `${containersPhrase(badContainers)} must not include ${joinQuote(sortedUnique(nonDefault))} in securityContext.capabilities.add`,
  };
}

function hostNamespaces_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const set: string[] = [];
  if (spec.hostNetwork) set.push('hostNetwork=true');
  if (spec.hostPID) set.push('hostPID=true');
  if (spec.hostIPC) set.push('hostIPC=true');
  if (set.length === 0) return ALLOWED;
  return { allowed: false, reason: 'host namespaces', detail: set.join(', ') };
}

function hostPathVolumes_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const names = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
  if (names.length === 0) return ALLOWED;
  return {
    allowed: false,
    reason: 'hostPath volumes',
    detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}`,
  };
}

function hostPorts_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badContainers: string[] = [];
  const ports = new Set<string>();
  visitContainers(spec, (c) => {
    let valid = true;
    for (const p of c.ports ?? []) {
      if (p.hostPort) {
        valid = false;
        ports.add(String(p.hostPort));
      }
    }
    if (!valid) badContainers.push(c.name);
  });
  if (badContainers.length === 0) return ALLOWED;
  const n = badContainers.length;
  return {
    allowed: false,
    reason: 'hostPort',
    detail: `${containersPhrase(badContainers)} ${pluralize('uses', 'use', n)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${sortedUnique(ports).join(', ')}`,
  };
}

function privileged_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.privileged) bad.push(c.name);
  });
  if (bad.length === 0) return ALLOWED;
  return {
    allowed: false,
    reason: 'privileged',
    detail: `${containersPhrase(bad)} must not set securityContext.privileged=true`,
  };
}

function procMount_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const types = new Set<string>();
  visitContainers(spec, (c) => {
    const pm = c.securityContext?.procMount;
    if (pm !== undefined && pm !== null && pm !== 'Default') {
      bad.push(c.name);
      types.add(pm);
    }
  });
  if (bad.length === 0) return ALLOWED;
  return {
    allowed: false,
    reason: 'procMount',
    detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedUnique(types))}`,
  };
}

function seLinuxOptions(allowedTypes: ReadonlySet<string>): CheckPod {
  return (_meta, spec) => {
    const badSetters: string[] = [];
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (o: { type?: string; user?: string; role?: string }): boolean => {
      let ok = true;
      if (!allowedTypes.has(o.type ?? '')) {
        ok = false;
        badTypes.add(o.type ?? '');
      }
      if (o.user) {
        ok = false;
        setUser = true;
      }
      if (o.role) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const podOpts = spec.securityContext?.seLinuxOptions;
    if (podOpts && !valid(podOpts)) badSetters.push('pod');
    const badContainers: string[] = [];
    visitContainers(spec, (c) => {
      const o = c.securityContext?.seLinuxOptions;
      if (o && !valid(o)) badContainers.push(c.name);
    });
    if (badContainers.length > 0) badSetters.push(containersPhrase(badContainers));
    if (badSetters.length === 0) return ALLOWED;
    const badData: string[] = [];
    if (badTypes.size > 0) {
      badData.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sortedUnique(badTypes))}`);
    }
    if (setUser) badData.push('user may not be set');
    if (setRole) badData.push('role may not be set');
    return {
      allowed: false,
      reason: 'seLinuxOptions',
      detail: `${badSetters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${badData.join('; ')}`,
    };
  };
}

const seLinuxTypes_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const seLinuxTypes_1_31 = new Set([...seLinuxTypes_1_0, 'container_engine_t']);

const seccompPodAnnotation = 'seccomp.security.alpha.kubernetes.io/pod';
const seccompContainerAnnotationPrefix = 'container.seccomp.security.alpha.kubernetes.io/';
const validSeccompAnnotation = (v: string): boolean =>
  v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
const validSeccompType = (t: string | undefined): boolean => t === 'Localhost' || t === 'RuntimeDefault';

function seccompProfileBaseline_1_0(meta: ObjectMeta, spec: PodSpec): CheckResult {
  const annotations = meta.annotations ?? {};
  const forbidden = new Set<string>();
  const podValue = annotations[seccompPodAnnotation];
  if (podValue !== undefined && !validSeccompAnnotation(podValue)) {
    forbidden.add(`${seccompPodAnnotation}=${JSON.stringify(podValue)}`);
  }
  visitContainers(spec, (c) => {
    const key = seccompContainerAnnotationPrefix + c.name;
    const value = annotations[key];
    if (value !== undefined && !validSeccompAnnotation(value)) forbidden.add(`${key}=${JSON.stringify(value)}`);
  });
  if (forbidden.size === 0) return ALLOWED;
  return {
    allowed: false,
    reason: 'seccompProfile',
    detail: `forbidden ${pluralize('annotation', 'annotations', forbidden.size)} ${sortedUnique(forbidden).join(', ')}`,
  };
}

function seccompProfileBaseline_1_19(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile && !validSeccompType(podProfile.type)) {
    badSetters.push('pod');
    badValues.add(podProfile.type);
  }
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    const p = c.securityContext?.seccompProfile;
    if (p && !validSeccompType(p.type)) {
      bad.push(c.name);
      badValues.add(p.type);
    }
  });
  if (bad.length > 0) badSetters.push(containersPhrase(bad));
  if (badSetters.length === 0) return ALLOWED;
  return {
    allowed: false,
    reason: 'seccompProfile',
    detail: `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}`,
  };
}

function sysctls(allowed: ReadonlySet<string>): CheckPod {
  return (_meta, spec) => {
    const forbidden = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !allowed.has(n));
    if (forbidden.length === 0) return ALLOWED;
    return { allowed: false, reason: 'forbidden sysctls', detail: forbidden.join(', ') };
  };
}

const sysctls_1_0 = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
]);
const sysctls_1_27 = new Set([...sysctls_1_0, 'net.ipv4.ip_local_reserved_ports']);
const sysctls_1_29 = new Set([
  ...sysctls_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const sysctls_1_32 = new Set([...sysctls_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']);

function windowsHostProcess_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const podForbidden = spec.securityContext?.windowsOptions?.hostProcess === true;
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.windowsOptions?.hostProcess === true) bad.push(c.name);
  });
  if (!podForbidden && bad.length === 0) return ALLOWED;
  const setters: string[] = [];
  if (podForbidden) setters.push('pod');
  if (bad.length > 0) setters.push(containersPhrase(bad));
  return {
    allowed: false,
    reason: 'hostProcess',
    detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
  };
}

// --- restricted -------------------------------------------------------------

function allowPrivilegeEscalation_1_8(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.allowPrivilegeEscalation !== false) bad.push(c.name);
  });
  if (bad.length === 0) return ALLOWED;
  return {
    allowed: false,
    reason: 'allowPrivilegeEscalation != false',
    detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  };
}

/** From 1.25 the restricted Linux-only checks admit pods that declare `spec.os.name: windows`. */
const linuxOnly =
  (check: CheckPod): CheckPod =>
  (meta, spec) =>
    isWindows(spec) ? ALLOWED : check(meta, spec);

function capabilitiesRestricted_1_22(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbiddenCaps = new Set<string>();
  visitContainers(spec, (c) => {
    const caps = c.securityContext?.capabilities;
    if (!caps) {
      missingDropAll.push(c.name);
      return;
    }
    if (!(caps.drop ?? []).includes('ALL')) missingDropAll.push(c.name);
    let addedForbidden = false;
    for (const cap of caps.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') {
        addedForbidden = true;
        forbiddenCaps.add(cap);
      }
    }
    if (addedForbidden) addingForbidden.push(c.name);
  });
  const details: string[] = [];
  if (missingDropAll.length > 0) {
    details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  }
  if (addingForbidden.length > 0) {
    details.push(
      `${containersPhrase(addingForbidden)} must not include ${joinQuote(sortedUnique(forbiddenCaps))} in securityContext.capabilities.add`,
    );
  }
  if (details.length === 0) return ALLOWED;
  return { allowed: false, reason: 'unrestricted capabilities', detail: details.join('; ') };
}

const allowedRestrictedVolumeFields = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
] as const;

const restrictedVolumeFields = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
] as const;

function restrictedVolumes_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badVolumes: string[] = [];
  const badTypes = new Set<string>();
  for (const volume of spec.volumes ?? []) {
    const v = volume as unknown as Record<string, unknown>;
    if (allowedRestrictedVolumeFields.some((f) => v[f] != null)) continue;
    // A volume with no source is defaulted to emptyDir by the apiserver before admission.
    if (Object.keys(v).every((k) => k === 'name' || v[k] == null)) continue;
    badVolumes.push(volume.name);
    badTypes.add(restrictedVolumeFields.find((f) => v[f] != null) ?? 'unknown');
  }
  if (badVolumes.length === 0) return ALLOWED;
  const n = badVolumes.length;
  return {
    allowed: false,
    reason: 'restricted volume types',
    detail: `${pluralize('volume', 'volumes', n)} ${joinQuote(badVolumes)} ${pluralize('uses', 'use', n)} ${pluralize('restricted volume type', 'restricted volume types', badTypes.size)} ${joinQuote(sortedUnique(badTypes))}`,
  };
}

function runAsNonRoot_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  let podRunAsNonRoot = false;
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue === false) badSetters.push('pod');
  else if (podValue === true) podRunAsNonRoot = true;
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  visitContainers(spec, (c) => {
    const v = c.securityContext?.runAsNonRoot;
    if (v === false) explicitlyBad.push(c.name);
    else if (v === undefined || v === null) {
      if (!podRunAsNonRoot) implicitlyBad.push(c.name);
    }
  });
  if (explicitlyBad.length > 0) badSetters.push(containersPhrase(explicitlyBad));
  if (badSetters.length > 0) {
    return {
      allowed: false,
      reason: 'runAsNonRoot != true',
      detail: `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
    };
  }
  if (implicitlyBad.length > 0) {
    return {
      allowed: false,
      reason: 'runAsNonRoot != true',
      detail: `pod or ${containersPhrase(implicitlyBad)} must set securityContext.runAsNonRoot=true`,
    };
  }
  return ALLOWED;
}

function runAsUser_1_23(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) badSetters.push('pod');
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.runAsUser === 0) bad.push(c.name);
  });
  if (bad.length > 0) badSetters.push(containersPhrase(bad));
  if (badSetters.length === 0) return ALLOWED;
  return { allowed: false, reason: 'runAsUser=0', detail: `${badSetters.join(' and ')} must not set runAsUser=0` };
}

function seccompProfileRestricted_1_19(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  let podSet = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile) {
    if (!validSeccompType(podProfile.type)) {
      badSetters.push('pod');
      badValues.add(podProfile.type);
    } else podSet = true;
  }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  visitContainers(spec, (c) => {
    const p = c.securityContext?.seccompProfile;
    if (p) {
      if (!validSeccompType(p.type)) {
        explicitlyBad.push(c.name);
        badValues.add(p.type);
      }
    } else if (!podSet) implicitlyBad.push(c.name);
  });
  if (explicitlyBad.length > 0) badSetters.push(containersPhrase(explicitlyBad));
  if (badSetters.length > 0) {
    return {
      allowed: false,
      reason: 'seccompProfile',
      detail: `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}`,
    };
  }
  if (implicitlyBad.length > 0) {
    return {
      allowed: false,
      reason: 'seccompProfile',
      detail: `pod or ${containersPhrase(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
  }
  return ALLOWED;
}

/** Every check of Kubernetes 1.32, with the minor each of its versions took effect in. */
const CHECKS: Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: appArmorProfile_1_0 }] },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    versions: [{ minimumMinor: 0, checkPod: capabilitiesBaseline_1_0 }],
  },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: hostNamespaces_1_0 }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: hostPathVolumes_1_0 }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: hostPorts_1_0 }] },
  { id: 'privileged', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: privileged_1_0 }] },
  { id: 'procMount', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: procMount_1_0 }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { minimumMinor: 0, checkPod: seLinuxOptions(seLinuxTypes_1_0) },
      { minimumMinor: 31, checkPod: seLinuxOptions(seLinuxTypes_1_31) },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { minimumMinor: 0, checkPod: seccompProfileBaseline_1_0 },
      { minimumMinor: 19, checkPod: seccompProfileBaseline_1_19 },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { minimumMinor: 0, checkPod: sysctls(sysctls_1_0) },
      { minimumMinor: 27, checkPod: sysctls(sysctls_1_27) },
      { minimumMinor: 29, checkPod: sysctls(sysctls_1_29) },
      { minimumMinor: 32, checkPod: sysctls(sysctls_1_32) },
    ],
  },
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    versions: [{ minimumMinor: 0, checkPod: windowsHostProcess_1_0 }],
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { minimumMinor: 8, checkPod: allowPrivilegeEscalation_1_8 },
      { minimumMinor: 25, checkPod: linuxOnly(allowPrivilegeEscalation_1_8) },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      { minimumMinor: 22, checkPod: capabilitiesRestricted_1_22, overrides: ['capabilities_baseline'] },
      { minimumMinor: 25, checkPod: linuxOnly(capabilitiesRestricted_1_22), overrides: ['capabilities_baseline'] },
    ],
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    versions: [{ minimumMinor: 0, checkPod: restrictedVolumes_1_0, overrides: ['hostPathVolumes'] }],
  },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ minimumMinor: 0, checkPod: runAsNonRoot_1_0 }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ minimumMinor: 23, checkPod: runAsUser_1_23 }] },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      { minimumMinor: 19, checkPod: seccompProfileRestricted_1_19, overrides: ['seccompProfile_baseline'] },
      {
        minimumMinor: 25,
        checkPod: linuxOnly(seccompProfileRestricted_1_19),
        overrides: ['seccompProfile_baseline'],
      },
    ],
  },
];

/** The newest policy version this evaluator knows: `latest`, and any newer label, evaluate as this. */
export const MAX_POLICY_MINOR = Math.max(...CHECKS.flatMap((c) => c.versions.map((v) => v.minimumMinor)));

function versionAt(check: Check, minor: number): VersionedCheck | undefined {
  let found: VersionedCheck | undefined;
  for (const v of check.versions) if (v.minimumMinor <= minor) found = v;
  return found;
}

const byLevel = (level: 'baseline' | 'restricted'): Check[] =>
  CHECKS.filter((c) => c.level === level).sort((a, b) => byteOrder(a.id, b.id));
// Baseline IDs sorted, then restricted IDs sorted: the order upstream reports in.
const ORDERED = [...byLevel('baseline'), ...byLevel('restricted')];
const cache = new Map<string, { id: string; checkPod: CheckPod }[]>();

function checksFor(level: 'baseline' | 'restricted', minor: number): { id: string; checkPod: CheckPod }[] {
  const key = `${level}:${minor}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const active = new Map<string, VersionedCheck>();
  for (const check of ORDERED) {
    if (level === 'baseline' && check.level !== 'baseline') continue;
    const v = versionAt(check, minor);
    if (v) active.set(check.id, v);
  }
  if (level === 'restricted') {
    for (const check of ORDERED) {
      if (check.level !== 'restricted') continue;
      for (const id of active.get(check.id)?.overrides ?? []) active.delete(id);
    }
  }
  const list = ORDERED.filter((c) => active.has(c.id)).map((c) => ({ id: c.id, checkPod: active.get(c.id)!.checkPod }));
  cache.set(key, list);
  return list;
}

/**
 * Evaluates a pod (or a workload's pod template) against one level and version
 * of the Pod Security Standards, exactly as kube-apiserver 1.32 does.
 */
export function evaluatePod(
  level: PodSecurityLevel,
  version: PodSecurityVersion | string,
  podMetadata: ObjectMeta | undefined,
  podSpec: PodSpec | undefined,
): PodEvaluation {
  if (level === 'privileged') return { allowed: true, reasons: [] };
  const v = typeof version === 'string' ? parseVersionText(version) : version;
  const minor = v === 'latest' ? MAX_POLICY_MINOR : Math.min(v.minor, MAX_POLICY_MINOR);
  const meta = podMetadata ?? {};
  const spec = podSpec ?? ({ containers: [] } as PodSpec);
  const reasons: PodEvaluation['reasons'] = [];
  for (const { id, checkPod } of checksFor(level, minor)) {
    const r = checkPod(meta, spec);
    if (!r.allowed) reasons.push({ id, reason: r.reason || 'unknown forbidden reason', detail: r.detail ?? '' });
  }
  return { allowed: reasons.length === 0, reasons };
}

/** `v1.30` → minor 30; `latest` or anything unparsable (as upstream) → latest. */
function parseVersionText(text: string): PodSecurityVersion {
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(text);
  return m ? { minor: Number(m[1]) } : 'latest';
}

/** `reason (detail), reason (detail)`: the text after `violates PodSecurity "...": `. */
export function forbiddenDetail(evaluation: PodEvaluation): string {
  return evaluation.reasons.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ');
}

/** `reason, reason`: what the namespace-label warning lists per pod. */
export function forbiddenReason(evaluation: PodEvaluation): string {
  return evaluation.reasons.map((r) => r.reason).join(', ');
}
