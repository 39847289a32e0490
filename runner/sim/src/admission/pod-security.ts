/**
 * The PodSecurity admission plugin (k8s.io/pod-security-admission/admission):
 * enforces the namespace's `enforce` level on pods, reports `warn` as warnings and
 * `audit` as audit annotations, judges workload pod templates for warn and audit
 * only (a Deployment is never denied, its pods are), validates the labels on
 * namespaces, and on a stricter enforce label warns about existing pods.
 */

import type { KubeObject, ObjectMeta } from '@paranoid/k8s/object.ts';
import type { StatusDetails } from '@paranoid/k8s/status.ts';
import type { PodSpec } from 'kubernetes-types/core/v1';
import type { ObjectStore } from '../store.ts';
import {
  type LevelVersion,
  levelVersionString,
  type NamespacePolicy,
  policyToEvaluate,
  sameLevelVersion,
} from './pod-security-labels.ts';
import { evaluatePod, forbiddenDetail, forbiddenReason, type PodEvaluation } from './pod-security-policy.ts';
import type { AdmissionPlugin, AdmissionRequest, AdmissionResult } from './types.ts';

/** Audit annotation naming the Pod Security policy enforced on a request. */
export const ENFORCE_POLICY_ANNOTATION = 'pod-security.kubernetes.io/enforce-policy';
/** Audit annotation listing the Pod Security violations of an admitted pod under the audit level. */
export const AUDIT_VIOLATIONS_ANNOTATION = 'pod-security.kubernetes.io/audit-violations';
/** Audit annotation for a Pod Security evaluation that failed, such as invalid namespace labels. */
export const ERROR_ANNOTATION = 'pod-security.kubernetes.io/error';

/** Upstream stops checking existing pods after this many when a namespace label changes. */
const NAMESPACE_MAX_PODS_TO_CHECK = 3000;

interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

const get = (o: unknown, ...path: string[]): unknown => {
  let cur = o;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
};

/** Where each workload keeps the pod it stamps out (the PodSpecExtractor's table). */
function extractTemplate(resource: string, group: string, obj: KubeObject): PodTemplate | undefined {
  const key = `${group}/${resource}`;
  switch (key) {
    case '/replicationcontrollers':
    case 'apps/replicasets':
    case 'apps/deployments':
    case 'apps/statefulsets':
    case 'apps/daemonsets':
    case 'batch/jobs':
      return get(obj, 'spec', 'template') as PodTemplate | undefined;
    case 'batch/cronjobs':
      return get(obj, 'spec', 'jobTemplate', 'spec', 'template') as PodTemplate | undefined;
    case '/podtemplates':
      return get(obj, 'template') as PodTemplate | undefined;
    default:
      return undefined;
  }
}

const WORKLOADS = new Set([
  '/replicationcontrollers',
  '/podtemplates',
  'apps/replicasets',
  'apps/deployments',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
]);

const allowed = (): AdmissionResult => ({ warnings: [] });

function namespaceLabels(store: ObjectStore, namespace: string): Record<string, string> | undefined {
  return store.get({ group: '', resource: 'namespaces' }, undefined, namespace)?.metadata.labels;
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : val,
  );
}

/** Only image changes and seccomp annotation changes make a pod update worth re-checking (isSignificantPodUpdate). */
function isSignificantPodUpdate(pod: KubeObject, old: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as PodSpec;
  const oldSpec = (old.spec ?? {}) as PodSpec;
  const ann = pod.metadata.annotations ?? {};
  const oldAnn = old.metadata.annotations ?? {};
  const seccompKey = (name: string) => `container.seccomp.security.alpha.kubernetes.io/${name}`;
  const changed = (c: { name: string; image?: string }, o: { name: string; image?: string }): boolean =>
    c.image !== o.image || ann[seccompKey(c.name)] !== oldAnn[seccompKey(c.name)];
  const containers = spec.containers ?? [];
  const oldContainers = oldSpec.containers ?? [];
  const inits = spec.initContainers ?? [];
  const oldInits = oldSpec.initContainers ?? [];
  if (containers.length !== oldContainers.length || inits.length !== oldInits.length) return true;
  if (containers.some((c, i) => changed(c, oldContainers[i]!))) return true;
  if (inits.some((c, i) => changed(c, oldInits[i]!))) return true;
  for (const e of spec.ephemeralContainers ?? []) {
    const o = (oldSpec.ephemeralContainers ?? []).find((x) => x.name === e.name);
    if (!o || changed(e, o)) return true;
  }
  return false;
}

function errorAnnotation(errors: { field: string; value: string; message: string }[]): Record<string, string> {
  if (errors.length === 0) return {};
  return {
    [ERROR_ANNOTATION]: errors
      .map((e) => `${e.field}: Invalid value: ${JSON.stringify(e.value)}: ${e.message}`)
      .join(', '),
  };
}

/** Evaluates one pod (or template) under a namespace's policy, reusing results for identical level:versions. */
function judge(meta: ObjectMeta | undefined, spec: PodSpec | undefined): (lv: LevelVersion) => PodEvaluation {
  const cache = new Map<string, PodEvaluation>();
  return (lv) => {
    const key = levelVersionString(lv);
    let r = cache.get(key);
    if (!r) {
      r = evaluatePod(lv.level, lv.version, meta, spec);
      cache.set(key, r);
    }
    return r;
  };
}

function validatePod(request: AdmissionRequest, store: ObjectStore): AdmissionResult {
  if (request.subresource !== '' && request.subresource !== 'ephemeralcontainers') return allowed();
  const pod = request.object;
  if (!pod) return allowed();
  if (request.operation === 'UPDATE' && request.oldObject && !isSignificantPodUpdate(pod, request.oldObject)) {
    return allowed();
  }
  const { policy, errors } = policyToEvaluate(namespaceLabels(store, request.namespace));
  if (errors.length === 0 && isFullyPrivileged(policy)) return allowed();
  const evaluate = judge(pod.metadata, pod.spec as PodSpec | undefined);
  const result: AdmissionResult = { warnings: [], auditAnnotations: { ...errorAnnotation(errors) } };
  if (policy.enforce.level !== 'privileged') {
    result.auditAnnotations![ENFORCE_POLICY_ANNOTATION] = levelVersionString(policy.enforce);
    const r = evaluate(policy.enforce);
    if (!r.allowed) {
      const name = request.name || pod.metadata.name || '';
      const what = name ? `pods ${JSON.stringify(name)}` : 'pods';
      result.denied = {
        code: 403,
        reason: 'Forbidden',
        message: `${what} is forbidden: violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(r)}`,
      };
    }
  }
  addAuditAndWarn(result, policy, evaluate, !result.denied);
  return result;
}

function addAuditAndWarn(
  result: AdmissionResult,
  policy: NamespacePolicy,
  evaluate: (lv: LevelVersion) => PodEvaluation,
  warn: boolean,
): void {
  if (policy.audit.level !== 'privileged') {
    const a = evaluate(policy.audit);
    if (!a.allowed) {
      result.auditAnnotations ??= {};
      result.auditAnnotations[AUDIT_VIOLATIONS_ANNOTATION] =
        `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${forbiddenDetail(a)}`;
    }
  }
  // A request that is already rejected gets no warnings on top of its error.
  if (warn && policy.warn.level !== 'privileged') {
    const w = evaluate(policy.warn);
    if (!w.allowed) {
      result.warnings.push(
        `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.warn))}: ${forbiddenDetail(w)}`,
      );
    }
  }
}

const isFullyPrivileged = (p: NamespacePolicy): boolean =>
  p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';

function validateWorkload(request: AdmissionRequest, store: ObjectStore): AdmissionResult {
  if (request.subresource !== '') return allowed();
  const obj = request.object;
  if (!obj) return allowed();
  const template = extractTemplate(request.resource.resource, request.resource.group, obj);
  if (!template) return allowed();
  if (request.operation === 'UPDATE' && request.oldObject) {
    const oldTemplate = extractTemplate(request.resource.resource, request.resource.group, request.oldObject);
    if (
      oldTemplate &&
      stableJson(oldTemplate.spec) === stableJson(template.spec) &&
      stableJson(oldTemplate.metadata) === stableJson(template.metadata)
    ) {
      return allowed();
    }
  }
  const { policy, errors } = policyToEvaluate(namespaceLabels(store, request.namespace));
  if (errors.length === 0 && policy.audit.level === 'privileged' && policy.warn.level === 'privileged') {
    return allowed();
  }
  const result: AdmissionResult = { warnings: [], auditAnnotations: { ...errorAnnotation(errors) } };
  addAuditAndWarn(result, policy, judge(template.metadata, template.spec), true);
  return result;
}

/** Controllers' pods first (one per owner), then the rest, as upstream's prioritizePods orders them. */
function prioritizePods(pods: KubeObject[]): KubeObject[] {
  const first: KubeObject[] = [];
  const rest: KubeObject[] = [];
  const seenOwners = new Set<string>();
  for (const pod of pods) {
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
    if (!owner) first.push(pod);
    else if (!seenOwners.has(owner.uid)) {
      seenOwners.add(owner.uid);
      first.push(pod);
    } else rest.push(pod);
  }
  return [...first, ...rest];
}

/**
 * The warnings kubectl prints when a namespace gets a stricter enforce level:
 * which existing pods the new level would reject, grouped by reasons.
 */
export function evaluatePodsInNamespace(store: ObjectStore, namespace: string, enforce: LevelVersion): string[] {
  const all = prioritizePods(store.list({ group: '', resource: 'pods' }, namespace));
  const pods = all.slice(0, NAMESPACE_MAX_PODS_TO_CHECK);
  const order: string[] = [];
  const counts = new Map<string, { podName: string; count: number }>();
  for (const pod of pods) {
    const r = evaluatePod(enforce.level, enforce.version, pod.metadata, pod.spec as PodSpec | undefined);
    if (r.allowed) continue;
    const warning = forbiddenReason(r);
    const name = pod.metadata.name ?? '';
    const c = counts.get(warning);
    if (!c) {
      order.push(warning);
      counts.set(warning, { podName: name, count: 1 });
    } else {
      if (name < c.podName) c.podName = name;
      c.count++;
    }
  }
  const warnings: string[] = [];
  if (order.length > 0) {
    warnings.push(
      `existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`,
    );
  }
  for (const w of order) {
    const c = counts.get(w)!;
    warnings.push(
      c.count === 1
        ? `${c.podName}: ${w}`
        : `${c.podName} (and ${c.count - 1} other ${c.count - 1 === 1 ? 'pod' : 'pods'}): ${w}`,
    );
  }
  if (pods.length < all.length) {
    warnings.push(
      `new PodSecurity enforce level only checked against the first ${pods.length} of ${all.length} existing pods`,
    );
  }
  return warnings;
}

function invalidNamespace(name: string, errors: { field: string; value: string; message: string }[]): AdmissionResult {
  const causes = errors.map((e) => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(e.value)}: ${e.message}`,
    field: e.field,
  }));
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  // kubectl prints an Invalid error from its causes, so the Status must carry them (see README).
  const denied: NonNullable<AdmissionResult['denied']> & { details: StatusDetails } = {
    code: 422,
    reason: 'Invalid',
    message: `Namespace ${JSON.stringify(name)} is invalid: ${joined}`,
    details: { name, kind: 'Namespace', causes },
  };
  return { warnings: [], denied };
}

function validateNamespace(request: AdmissionRequest, store: ObjectStore): AdmissionResult {
  if (request.subresource !== '' || !request.object) return allowed();
  const name = request.object.metadata.name ?? request.name;
  const next = policyToEvaluate(request.object.metadata.labels);
  if (request.operation === 'CREATE') {
    return next.errors.length > 0 ? invalidNamespace(name, next.errors) : allowed();
  }
  if (request.operation !== 'UPDATE') return allowed();
  const prev = policyToEvaluate(request.oldObject?.metadata.labels);
  // Labels that were already invalid may stay so; a change must be valid.
  if (next.errors.length > 0 && (prev.errors.length === 0 || stableJson(next.errors) !== stableJson(prev.errors))) {
    return invalidNamespace(name, next.errors);
  }
  const { enforce } = next.policy;
  const oldEnforce = prev.policy.enforce;
  if (sameLevelVersion(enforce, oldEnforce)) return allowed();
  if (enforce.level === 'privileged') return allowed();
  const rank = ['privileged', 'baseline', 'restricted'];
  const sameVersion =
    levelVersionString({ ...enforce, level: 'privileged' }) ===
    levelVersionString({ ...oldEnforce, level: 'privileged' });
  if (sameVersion && rank.indexOf(enforce.level) <= rank.indexOf(oldEnforce.level)) return allowed();
  return { warnings: evaluatePodsInNamespace(store, name, enforce) };
}

/**
 * PodSecurity: validate on CREATE/UPDATE of pods (enforce, audit, warn), of
 * workload templates (audit, warn) and of namespaces (labels, existing pods).
 */
export const podSecurityAdmission: AdmissionPlugin = {
  name: 'PodSecurity',
  validate(request, store) {
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allowed();
    const { group, resource } = request.resource;
    if (group === '' && resource === 'pods') return validatePod(request, store);
    if (group === '' && resource === 'namespaces') return validateNamespace(request, store);
    if (WORKLOADS.has(`${group}/${resource}`)) return validateWorkload(request, store);
    return allowed();
  },
};
