/**
 * The namespace labels that select a Pod Security policy, parsed as
 * k8s.io/pod-security-admission/api PolicyToEvaluate does: an invalid level is
 * an error and evaluates as `restricted`, an invalid version an error evaluated as
 * `latest`, and warn follows a stricter explicitly set enforce level.
 */
import type { PodSecurityLevel, PodSecurityVersion } from './pod-security-policy.ts';

/** Namespace label: the Pod Security level a pod must meet to be admitted. */
export const ENFORCE_LEVEL_LABEL = 'pod-security.kubernetes.io/enforce';
/** Namespace label: which Kubernetes version's enforce level rules apply. */
export const ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';
/** Namespace label: the Pod Security level whose violations are recorded in the audit log. */
export const AUDIT_LEVEL_LABEL = 'pod-security.kubernetes.io/audit';
/** Namespace label: which Kubernetes version's audit level rules apply. */
export const AUDIT_VERSION_LABEL = 'pod-security.kubernetes.io/audit-version';
/** Namespace label: the Pod Security level whose violations come back to the client as warnings. */
export const WARN_LEVEL_LABEL = 'pod-security.kubernetes.io/warn';
/** Namespace label: which Kubernetes version's warn level rules apply. */
export const WARN_VERSION_LABEL = 'pod-security.kubernetes.io/warn-version';

/** A Pod Security level pinned to the version of its rules. */
export interface LevelVersion {
  level: PodSecurityLevel;
  version: PodSecurityVersion;
}

/** A namespace's Pod Security policy for each mode, read from its labels. */
export interface NamespacePolicy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

/** A Pod Security label with a value upstream rejects, reported as a field error. */
export interface LabelError {
  field: string;
  value: string;
  message: string;
}

const LEVELS: PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

/** Reads a Pod Security level label, with upstream's error for anything but privileged, baseline or restricted. */
export function parseLevel(value: string): { level: PodSecurityLevel; error?: string } {
  if ((LEVELS as string[]).includes(value)) return { level: value as PodSecurityLevel };
  return { level: 'restricted', error: `must be one of ${LEVELS.join(', ')}` };
}

/** Reads a Pod Security version label (`latest` or `v1.X`), with upstream's error for anything else. */
export function parseVersion(value: string): { version: PodSecurityVersion; error?: string } {
  if (value === 'latest') return { version: 'latest' };
  const m = /^v1\.(0|[1-9][0-9]*)$/.exec(value);
  if (m) return { version: { minor: Number(m[1]) } };
  return { version: 'latest', error: 'must be "latest" or "v1.x"' };
}

/** `restricted:latest`, `baseline:v1.30`: how upstream names a policy in messages. */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${lv.version === 'latest' ? 'latest' : `v1.${lv.version.minor}`}`;
}

/** Whether two level/version pairs mean the same policy. */
export const sameLevelVersion = (a: LevelVersion, b: LevelVersion): boolean =>
  levelVersionString(a) === levelVersionString(b);

const levelRank = (l: PodSecurityLevel): number => LEVELS.indexOf(l);

/** Reads a namespace's labels; no labels (or none of ours) is privileged:latest everywhere. */
export function policyToEvaluate(labels: Record<string, string> | undefined): {
  policy: NamespacePolicy;
  errors: LabelError[];
} {
  const privileged: LevelVersion = { level: 'privileged', version: 'latest' };
  const policy: NamespacePolicy = { enforce: { ...privileged }, audit: { ...privileged }, warn: { ...privileged } };
  const errors: LabelError[] = [];
  const l = labels ?? {};
  const field = (label: string): string => `metadata.labels[${label}]`;
  const level = (label: string, set: (lv: PodSecurityLevel) => void): boolean => {
    const value = l[label];
    if (value === undefined) return false;
    const r = parseLevel(value);
    set(r.level);
    if (r.error) errors.push({ field: field(label), value, message: r.error });
    return !r.error;
  };
  const version = (label: string, set: (v: PodSecurityVersion) => void): boolean => {
    const value = l[label];
    if (value === undefined) return false;
    const r = parseVersion(value);
    set(r.version);
    if (r.error) errors.push({ field: field(label), value, message: r.error });
    return true;
  };
  const hasEnforceLevel = level(ENFORCE_LEVEL_LABEL, (v) => {
    policy.enforce.level = v;
  });
  version(ENFORCE_VERSION_LABEL, (v) => {
    policy.enforce.version = v;
  });
  level(AUDIT_LEVEL_LABEL, (v) => {
    policy.audit.level = v;
  });
  version(AUDIT_VERSION_LABEL, (v) => {
    policy.audit.version = v;
  });
  const hasWarnLevel = l[WARN_LEVEL_LABEL] !== undefined;
  level(WARN_LEVEL_LABEL, (v) => {
    policy.warn.level = v;
  });
  const hasWarnVersion = version(WARN_VERSION_LABEL, (v) => {
    policy.warn.version = v;
  });
  // Warn defaults to a stricter enforce level, so `kubectl apply` of a workload tells
  // the user about pods its controller will not be able to create.
  if (!hasWarnLevel && hasEnforceLevel && levelRank(policy.enforce.level) > levelRank(policy.warn.level)) {
    policy.warn.level = policy.enforce.level;
    if (!hasWarnVersion) policy.warn.version = policy.enforce.version;
  }
  return { policy, errors };
}
