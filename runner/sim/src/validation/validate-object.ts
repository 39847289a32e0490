import { asLabelSelector, matchesLabelSelector } from '@paranoid/k8s/label-selector.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { invalid, type StatusError } from '@paranoid/k8s/status.ts';
import {
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
} from '../api/job-strategy.ts';
import { deepEqual } from '../patch/json.ts';
import { type Cause, ErrorList, goLabelSelector, goValue } from './field-errors.ts';
import {
  configMapKey,
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  labelValue,
  pathSegmentName,
  portName,
  qualifiedName,
} from './names.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const sameJson = (a: unknown, b: unknown): boolean => deepEqual(a, b);

/**
 * The apiserver's validation of a (defaulted) object for the kinds the simulator serves — the common
 * `Invalid` answers, with upstream's field paths, reasons and texts (`pkg/apis/<group>/validation`). With `old`,
 * the update rules too (immutable fields). Returns the causes; empty means valid. See `invalidError`.
 */
/** Bytes of all annotations of one object, keys and values together (256 KiB upstream). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/**
 * Validates an object (and an update against its old version) as upstream's validation does; the causes
 * become a 422.
 */
export function validateObject(o: KubeObject, old?: KubeObject): Cause[] {
  const errs = new ErrorList();
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
  const key = `${group}/${o.kind}`;
  validateMeta(o, errs, NAME_RULES[key] ?? dns1123Subdomain);
  const spec = obj(o.spec);
  const oldSpec = obj(old?.spec);
  switch (key) {
    case '/Pod':
      validatePodSpec(spec, 'spec', errs);
      if (old) validatePodUpdate(spec, oldSpec, errs);
      break;
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/StatefulSet':
    case 'apps/DaemonSet': {
      if (o.kind !== 'DaemonSet') nonNegative(spec.replicas, 'spec.replicas', errs);
      validateSelectorAndTemplate(spec, errs, o.kind === 'Deployment' ? 'deployment' : undefined);
      if (old && !sameJson(spec.selector, oldSpec.selector)) {
        errs.invalid('spec.selector', spec.selector, 'field is immutable', goLabelSelector(spec.selector));
      }
      break;
    }
    case 'batch/Job':
      if (!old) validateGeneratedSelector(o, errs);
      validateJobSpec(spec, 'spec', errs);
      if (old && !sameJson(spec.selector, oldSpec.selector)) {
        errs.invalid('spec.selector', spec.selector, 'field is immutable', goLabelSelector(spec.selector));
      }
      break;
    case 'batch/CronJob': {
      if (!spec.schedule) errs.required('spec.schedule');
      if (typeof o.metadata.name === 'string' && o.metadata.name.length > 52)
        errs.invalid('metadata.name', o.metadata.name, 'must be no more than 52 characters');
      const policy = spec.concurrencyPolicy;
      if (policy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(String(policy)))
        errs.notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']);
      const jobSpec = obj(obj(spec.jobTemplate).spec);
      validatePodTemplate(jobSpec.template, 'spec.jobTemplate.spec.template', errs, ['OnFailure', 'Never']);
      break;
    }
    case '/Service':
      validateService(spec, errs);
      if (old && oldSpec.clusterIP && spec.clusterIP && spec.clusterIP !== oldSpec.clusterIP) {
        errs.invalid('spec.clusterIPs[0]', strs(spec.clusterIPs), 'may not change once set');
      }
      break;
    case '/ConfigMap':
    case '/Secret':
      for (const field of ['data', 'binaryData', 'stringData'])
        for (const k of Object.keys(obj(o[field])))
          for (const m of configMapKey(k)) errs.invalid(`${field}[${k}]`, k, m);
      if (
        o.kind === 'Secret' &&
        o.type === 'kubernetes.io/service-account-token' &&
        !o.metadata.annotations?.['kubernetes.io/service-account.name']
      )
        errs.required('metadata.annotations[kubernetes.io/service-account.name]');
      if (old && old.immutable === true) {
        if (!sameJson(o.data ?? {}, old.data ?? {}))
          errs.forbidden('data', 'field is immutable when `immutable` is set');
        if (o.immutable !== true) errs.forbidden('immutable', 'field is immutable when `immutable` is set');
      }
      break;
    case 'rbac.authorization.k8s.io/Role':
    case 'rbac.authorization.k8s.io/ClusterRole':
      list(o.rules).forEach((rule, i) => {
        validatePolicyRule(rule, `rules[${i}]`, o.kind === 'Role', errs);
      });
      break;
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      validateRoleBinding(o, o.kind === 'RoleBinding', errs);
      if (old && !sameJson(o.roleRef, old.roleRef)) {
        const r = obj(o.roleRef);
        errs.invalid(
          'roleRef',
          o.roleRef,
          'cannot change roleRef',
          `rbac.RoleRef{APIGroup:${goValue(r.apiGroup ?? '')}, Kind:${goValue(r.kind ?? '')}, Name:${goValue(r.name ?? '')}}`,
        );
      }
      break;
    case 'networking.k8s.io/NetworkPolicy':
      validateNetworkPolicy(spec, errs);
      break;
    case 'admissionregistration.k8s.io/ValidatingAdmissionPolicy':
      list(spec.validations).forEach((v, i) => {
        if (!v.expression) errs.required(`spec.validations[${i}].expression`);
      });
      if (list(spec.validations).length === 0 && list(spec.auditAnnotations).length === 0)
        errs.required('spec.validations', 'validations or auditAnnotations must contain at least one item');
      break;
    case 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': {
      if (!spec.policyName) errs.required('spec.policyName');
      const actions = strs(spec.validationActions);
      if (actions.length === 0) errs.required('spec.validationActions');
      actions.forEach((a, i) => {
        if (!['Deny', 'Warn', 'Audit'].includes(a))
          errs.notSupported(`spec.validationActions[${i}]`, a, ['Audit', 'Deny', 'Warn']);
      });
      break;
    }
  }
  return errs.causes;
}

/** The 422 `Invalid` error for an object and its causes (status.ts `invalid`). */
export function invalidError(o: KubeObject, causes: Cause[]): StatusError {
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
  return invalid(group, o.kind, o.metadata.name ?? o.metadata.generateName ?? '', causes);
}

const NAME_RULES: Record<string, (name: string) => string[]> = {
  '/Namespace': dns1123Label,
  '/Service': dns1035Label,
  'rbac.authorization.k8s.io/Role': pathSegmentName,
  'rbac.authorization.k8s.io/ClusterRole': pathSegmentName,
  'rbac.authorization.k8s.io/RoleBinding': pathSegmentName,
  'rbac.authorization.k8s.io/ClusterRoleBinding': pathSegmentName,
};

function validateMeta(o: KubeObject, errs: ErrorList, nameRule: (name: string) => string[]): void {
  const { name, generateName } = o.metadata;
  if (!name && !generateName) errs.required('metadata.name', 'name or generateName is required');
  if (name) for (const m of nameRule(name)) errs.invalid('metadata.name', name, m);
  validateLabels(o.metadata.labels, 'metadata.labels', errs);
  let annotationBytes = 0;
  for (const [k, v] of Object.entries(o.metadata.annotations ?? {})) {
    for (const m of qualifiedName(k.toLowerCase())) errs.invalid('metadata.annotations', k, m);
    annotationBytes += k.length + String(v).length;
  }
  // apimachinery's TotalAnnotationSizeLimitB: keys and values together.
  if (annotationBytes > TOTAL_ANNOTATION_SIZE_LIMIT) errs.tooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE_LIMIT);
}

function validateLabels(labels: unknown, field: string, errs: ErrorList): void {
  for (const [k, v] of Object.entries(obj(labels))) {
    for (const m of qualifiedName(k)) errs.invalid(field, k, m);
    for (const m of labelValue(String(v))) errs.invalid(field, v, m);
  }
}

function nonNegative(v: unknown, field: string, errs: ErrorList): void {
  if (typeof v === 'number' && v < 0) errs.invalid(field, v, 'must be greater than or equal to 0');
}

function selectorMatches(selector: Obj, labels: Obj): boolean {
  const strings: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) strings[k] = String(v);
  return matchesLabelSelector(asLabelSelector(selector), strings);
}

function validateSelectorAndTemplate(spec: Obj, errs: ErrorList, emptyInvalidFor?: string): void {
  const selector = spec.selector;
  if (!isObj(selector)) {
    errs.required('spec.selector');
  } else {
    const empty = Object.keys(obj(selector.matchLabels)).length === 0 && list(selector.matchExpressions).length === 0;
    if (empty && emptyInvalidFor) {
      errs.invalid(
        'spec.selector',
        selector,
        `empty selector is invalid for ${emptyInvalidFor}`,
        goLabelSelector(selector),
      );
    }
    const template = obj(spec.template);
    const labels = obj(obj(template.metadata).labels);
    if (!empty && !selectorMatches(selector, labels)) {
      errs.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`');
    }
  }
  validatePodTemplate(spec.template, 'spec.template', errs, ['Always']);
}

function validatePodTemplate(template: unknown, path: string, errs: ErrorList, restartPolicies: string[]): void {
  if (!isObj(template)) {
    errs.required(path);
    return;
  }
  validateLabels(obj(template.metadata).labels, `${path}.metadata.labels`, errs);
  const spec = obj(template.spec);
  validatePodSpec(spec, `${path}.spec`, errs);
  const rp = spec.restartPolicy;
  if (
    rp !== undefined &&
    ['Always', 'OnFailure', 'Never'].includes(String(rp)) &&
    !restartPolicies.includes(String(rp))
  ) {
    errs.notSupported(`${path}.spec.restartPolicy`, rp, restartPolicies);
  }
  if (restartPolicies.length === 1 && spec.activeDeadlineSeconds !== undefined) {
    errs.forbidden(`${path}.spec.activeDeadlineSeconds`, 'activeDeadlineSeconds in ReplicaSet is not Supported');
  }
}

function validateJobSpec(spec: Obj, path: string, errs: ErrorList): void {
  nonNegative(spec.parallelism, `${path}.parallelism`, errs);
  nonNegative(spec.completions, `${path}.completions`, errs);
  nonNegative(spec.backoffLimit, `${path}.backoffLimit`, errs);
  // Generated or manual, the selector must select the pods the Job makes (upstream validateJobSpec).
  const labels = obj(obj(obj(spec.template).metadata).labels);
  if (!isObj(spec.selector)) errs.required(`${path}.selector`);
  else if (!selectorMatches(spec.selector, labels)) {
    errs.invalid(`${path}.template.metadata.labels`, labels, '`selector` does not match template `labels`');
  }
  validatePodTemplate(spec.template, `${path}.template`, errs, ['OnFailure', 'Never']);
}

/**
 * A new Job whose selector the API generated (no `manualSelector: true`): its pod template must
 * carry its uid and name under both label spellings and its selector must select exactly those
 * (upstream validateGeneratedSelector), so a copied or hand-written selector cannot adopt another
 * Job's pods without the author saying so.
 */
function validateGeneratedSelector(o: KubeObject, errs: ErrorList): void {
  const spec = obj(o.spec);
  if (spec.manualSelector === true || !isObj(spec.selector)) return;
  const uid = o.metadata.uid ?? '';
  if (!uid) errs.required('metadata.uid');
  const labels = obj(obj(obj(spec.template).metadata).labels);
  const expected: Record<string, string> = {};
  for (const [key, value] of [
    [LEGACY_CONTROLLER_UID_LABEL, uid],
    [LEGACY_JOB_NAME_LABEL, o.metadata.name ?? ''],
    [CONTROLLER_UID_LABEL, uid],
    [JOB_NAME_LABEL, o.metadata.name ?? ''],
  ] as const) {
    const field = `spec.template.metadata.labels[${key}]`;
    if (!(key in labels)) errs.required(field, `must be '${value}'`);
    else if (String(labels[key]) !== value) errs.invalid(field, labels, `must be '${value}'`);
    expected[key] = value;
  }
  if (!selectorMatches(spec.selector, expected)) {
    errs.invalid('spec.selector', spec.selector, '`selector` not auto-generated', goLabelSelector(spec.selector));
  }
}

function validatePorts(ports: Obj[], path: string, errs: ErrorList): void {
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (typeof p.name === 'string' && p.name) {
      for (const m of portName(p.name)) errs.invalid(`${at}.name`, p.name, m);
      if (names.has(p.name)) errs.duplicate(`${at}.name`, p.name);
      names.add(p.name);
    }
    if (p.containerPort === undefined) errs.required(`${at}.containerPort`);
    else portRange(p.containerPort, `${at}.containerPort`, errs);
    if (p.hostPort !== undefined && p.hostPort !== 0) portRange(p.hostPort, `${at}.hostPort`, errs);
    protocol(p.protocol, `${at}.protocol`, errs);
  });
}

function portRange(v: unknown, field: string, errs: ErrorList): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    errs.invalid(field, v, 'must be between 1 and 65535, inclusive');
}

function protocol(v: unknown, field: string, errs: ErrorList): void {
  if (v === undefined) errs.required(field);
  else if (!['SCTP', 'TCP', 'UDP'].includes(String(v))) errs.notSupported(field, v, ['SCTP', 'TCP', 'UDP']);
}

function validateContainers(containers: Obj[], path: string, errs: ErrorList, names: Set<string>): void {
  containers.forEach((c, i) => {
    const at = `${path}[${i}]`;
    const name = c.name;
    if (typeof name !== 'string' || name === '') errs.required(`${at}.name`);
    else {
      for (const m of dns1123Label(name)) errs.invalid(`${at}.name`, name, m);
      if (names.has(name)) errs.duplicate(`${at}.name`, name);
      names.add(name);
    }
    if (typeof c.image !== 'string' || c.image.trim() === '') errs.required(`${at}.image`);
    validatePorts(list(c.ports), `${at}.ports`, errs);
    const policy = c.imagePullPolicy;
    if (policy === undefined) errs.required(`${at}.imagePullPolicy`);
    else if (!['Always', 'IfNotPresent', 'Never'].includes(String(policy)))
      errs.notSupported(`${at}.imagePullPolicy`, policy, ['Always', 'IfNotPresent', 'Never']);
    if (isObj(c.securityContext)) validateSecurityContext(c.securityContext, `${at}.securityContext`, errs, true);
    // A container's own restartPolicy exists only for native sidecars (KEP-753): `Always`, on an init container.
    if (c.restartPolicy !== undefined) {
      if (!path.endsWith('.initContainers'))
        errs.forbidden(`${at}.restartPolicy`, 'may not be set for non-init containers');
      else if (c.restartPolicy !== 'Always') errs.notSupported(`${at}.restartPolicy`, c.restartPolicy, ['Always']);
    }
    list(c.env).forEach((e, j) => {
      if (!e.name) errs.required(`${at}.env[${j}].name`);
    });
    const mountNames = new Set<string>();
    list(c.volumeMounts).forEach((m, j) => {
      if (!m.name) errs.required(`${at}.volumeMounts[${j}].name`);
      if (!m.mountPath) errs.required(`${at}.volumeMounts[${j}].mountPath`);
      else if (mountNames.has(String(m.mountPath)))
        errs.invalid(`${at}.volumeMounts[${j}].mountPath`, m.mountPath, 'must be unique');
      mountNames.add(String(m.mountPath));
    });
  });
}

function validatePodSpec(spec: Obj, path: string, errs: ErrorList): void {
  const volumes = new Set<string>();
  list(spec.volumes).forEach((v, i) => {
    const name = v.name;
    if (typeof name !== 'string' || !name) errs.required(`${path}.volumes[${i}].name`);
    else {
      for (const m of dns1123Label(name)) errs.invalid(`${path}.volumes[${i}].name`, name, m);
      if (volumes.has(name)) errs.duplicate(`${path}.volumes[${i}].name`, name);
      volumes.add(name);
    }
  });
  const containers = list(spec.containers);
  const names = new Set<string>();
  if (containers.length === 0) errs.required(`${path}.containers`);
  validateContainers(containers, `${path}.containers`, errs, names);
  validateContainers(list(spec.initContainers), `${path}.initContainers`, errs, names);
  for (const [i, c] of [...containers.entries(), ...list(spec.initContainers).entries()]) {
    list(c.volumeMounts).forEach((m, j) => {
      if (typeof m.name === 'string' && m.name && !volumes.has(m.name)) {
        const which = containers.includes(c) ? 'containers' : 'initContainers';
        errs.invalid(`${path}.${which}[${i}].volumeMounts[${j}].name`, m.name, 'not found');
      }
    });
  }
  if (isObj(spec.securityContext))
    validateSecurityContext(spec.securityContext, `${path}.securityContext`, errs, false);
  const rp = spec.restartPolicy;
  if (rp === undefined) errs.required(`${path}.restartPolicy`);
  else if (!['Always', 'OnFailure', 'Never'].includes(String(rp)))
    errs.notSupported(`${path}.restartPolicy`, rp, ['Always', 'OnFailure', 'Never']);
  const dns = spec.dnsPolicy;
  if (dns === undefined) errs.required(`${path}.dnsPolicy`);
  else if (!['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(String(dns)))
    errs.notSupported(`${path}.dnsPolicy`, dns, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']);
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName)
    for (const m of dns1123Subdomain(spec.serviceAccountName))
      errs.invalid(`${path}.serviceAccountName`, spec.serviceAccountName, m);
  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0)
    errs.invalid(
      `${path}.terminationGracePeriodSeconds`,
      spec.terminationGracePeriodSeconds,
      'must be greater than or equal to 0',
    );
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds <= 0)
    errs.invalid(
      `${path}.activeDeadlineSeconds`,
      spec.activeDeadlineSeconds,
      'must be between 1 and 2147483647, inclusive',
    );
  if (spec.hostNetwork === true) {
    for (const [i, c] of containers.entries())
      list(c.ports).forEach((p, j) => {
        if (p.hostPort !== undefined && p.hostPort !== p.containerPort)
          errs.invalid(
            `${path}.containers[${i}].ports[${j}].hostPort`,
            p.hostPort,
            'must match `containerPort` when `hostNetwork` is true',
          );
      });
  }
}

const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function validatePodUpdate(spec: Obj, old: Obj, errs: ErrorList): void {
  const strip = (s: Obj): Obj => {
    const c = JSON.parse(JSON.stringify(s)) as Obj;
    for (const k of ['containers', 'initContainers']) for (const ctr of list(c[k])) delete ctr.image;
    delete c.activeDeadlineSeconds;
    delete c.tolerations;
    delete c.terminationGracePeriodSeconds;
    delete c.nodeName;
    return c;
  };
  const keptTolerations = list(old.tolerations).every((t) => list(spec.tolerations).some((n) => deepEqual(n, t)));
  if (!sameJson(strip(spec), strip(old)) || !keptTolerations) {
    errs.forbidden('spec', POD_UPDATE_MESSAGE);
  }
  // Binding sets nodeName once; a plain update may not move the pod.
  if (old.nodeName && spec.nodeName !== old.nodeName) errs.forbidden('spec', POD_UPDATE_MESSAGE);
}

function validateService(spec: Obj, errs: ErrorList): void {
  const type = spec.type ?? 'ClusterIP';
  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (!types.includes(String(type))) {
    errs.notSupported('spec.type', type, types);
    return;
  }
  const ports = list(spec.ports);
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.required('spec.externalName');
    else
      for (const m of dns1123Subdomain(String(spec.externalName).replace(/\.$/, '')))
        errs.invalid('spec.externalName', spec.externalName, m);
  } else if (ports.length === 0 && spec.clusterIP !== 'None') {
    errs.required('spec.ports');
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.required(`${at}.name`);
    if (typeof p.name === 'string' && p.name) {
      for (const m of dns1123Label(p.name)) errs.invalid(`${at}.name`, p.name, m);
      if (names.has(p.name)) errs.duplicate(`${at}.name`, p.name);
      names.add(p.name);
    }
    portRange(p.port, `${at}.port`, errs);
    protocol(p.protocol, `${at}.protocol`, errs);
    if (typeof p.targetPort === 'number') portRange(p.targetPort, `${at}.targetPort`, errs);
    else if (typeof p.targetPort === 'string')
      for (const m of portName(p.targetPort)) errs.invalid(`${at}.targetPort`, p.targetPort, m);
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type === 'ClusterIP' || type === 'ExternalName')
        errs.forbidden(`${at}.nodePort`, `may not be used when \`type\` is '${type}'`);
      else if (typeof p.nodePort !== 'number' || p.nodePort < 30000 || p.nodePort > 32767)
        errs.invalid(
          `${at}.nodePort`,
          p.nodePort,
          'provided port is not in the valid range. The range of valid ports is 30000-32767',
        );
    }
  });
  const affinity = spec.sessionAffinity;
  if (affinity !== undefined && !['ClientIP', 'None'].includes(String(affinity)))
    errs.notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']);
  const etp = spec.externalTrafficPolicy;
  if (etp !== undefined && (type === 'ClusterIP' || type === 'ExternalName'))
    errs.invalid('spec.externalTrafficPolicy', etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'");
}

function validatePolicyRule(rule: Obj, path: string, namespaced: boolean, errs: ErrorList): void {
  if (strs(rule.verbs).length === 0) errs.required(`${path}.verbs`, 'verbs must contain at least one value');
  const urls = strs(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs');
    if (strs(rule.apiGroups).length > 0 || strs(rule.resources).length > 0 || strs(rule.resourceNames).length > 0)
      errs.invalid(
        `${path}.nonResourceURLs`,
        urls,
        'rules cannot apply to both regular resources and non-resource URLs',
      );
    return;
  }
  if (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0)
    errs.required(`${path}.apiGroups`, 'resource rules must supply at least one api group');
  if (strs(rule.resources).length === 0)
    errs.required(`${path}.resources`, 'resource rules must supply at least one resource');
}

function validateRoleBinding(o: KubeObject, namespaced: boolean, errs: ErrorList): void {
  const ref = obj(o.roleRef);
  if (ref.apiGroup && ref.apiGroup !== 'rbac.authorization.k8s.io')
    errs.notSupported('roleRef.apiGroup', ref.apiGroup, ['rbac.authorization.k8s.io']);
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(String(ref.kind ?? ''))) errs.notSupported('roleRef.kind', ref.kind ?? '', kinds);
  if (!ref.name) errs.required('roleRef.name');
  else for (const m of pathSegmentName(String(ref.name))) errs.invalid('roleRef.name', ref.name, m);
  list(o.subjects).forEach((s, i) => {
    const at = `subjects[${i}]`;
    if (!s.name) errs.required(`${at}.name`);
    switch (s.kind) {
      case 'ServiceAccount':
        if (typeof s.name === 'string' && s.name)
          for (const m of dns1123Subdomain(s.name)) errs.invalid(`${at}.name`, s.name, m);
        if (s.apiGroup) errs.notSupported(`${at}.apiGroup`, s.apiGroup, ['']);
        if (!namespaced && !s.namespace) errs.required(`${at}.namespace`);
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== 'rbac.authorization.k8s.io')
          errs.notSupported(`${at}.apiGroup`, s.apiGroup ?? '', ['rbac.authorization.k8s.io']);
        break;
      default:
        errs.notSupported(`${at}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']);
    }
  });
}

function validateNetworkPolicy(spec: Obj, errs: ErrorList): void {
  if (!isObj(spec.podSelector)) errs.required('spec.podSelector');
  strs(spec.policyTypes).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']);
  });
  for (const dir of ['ingress', 'egress'] as const) {
    list(spec[dir]).forEach((rule, i) => {
      const peers = dir === 'ingress' ? 'from' : 'to';
      list(rule.ports).forEach((p, j) => {
        const at = `spec.${dir}[${i}].ports[${j}]`;
        if (p.protocol !== undefined && !['SCTP', 'TCP', 'UDP'].includes(String(p.protocol)))
          errs.notSupported(`${at}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']);
        if (typeof p.port === 'number') portRange(p.port, `${at}.port`, errs);
        if (p.endPort !== undefined && (typeof p.port !== 'number' || Number(p.endPort) < p.port))
          errs.invalid(`${at}.endPort`, p.endPort, 'must be greater than or equal to `port`');
      });
      list(rule[peers]).forEach((peer, j) => {
        const at = `spec.${dir}[${i}].${peers}[${j}]`;
        const set = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer[k] !== undefined);
        if (set.length === 0) errs.required(at, 'must specify a peer');
        if (peer.ipBlock !== undefined && set.length > 1)
          errs.forbidden(at, 'may not specify both ipBlock and another peer');
        if (isObj(peer.ipBlock)) {
          const cidr = String(peer.ipBlock.cidr ?? '');
          if (!cidr) errs.required(`${at}.ipBlock.cidr`);
          else if (!isCidr(cidr))
            errs.invalid(`${at}.ipBlock.cidr`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)');
          strs(peer.ipBlock.except).forEach((e, k) => {
            if (!isCidr(e))
              errs.invalid(
                `${at}.ipBlock.except[${k}]`,
                e,
                'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
              );
          });
        }
      });
    });
  }
}

function isCidr(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  if (m) return m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
  return /^[0-9a-fA-F:]+\/\d{1,3}$/.test(v) && v.includes(':');
}

const PROFILE_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];

/** Pod and container security contexts: the checks a hardening fix most often trips over. */
function validateSecurityContext(sc: Obj, path: string, errs: ErrorList, container: boolean): void {
  for (const field of ['runAsUser', 'runAsGroup', ...(container ? [] : ['fsGroup'])]) {
    const v = sc[field];
    if (typeof v === 'number' && (v < 0 || v > 2147483647))
      errs.invalid(`${path}.${field}`, v, 'must be between 0 and 2147483647, inclusive');
  }
  for (const profile of ['seccompProfile', 'appArmorProfile']) {
    if (!isObj(sc[profile])) continue;
    const p = sc[profile] as Obj;
    const at = `${path}.${profile}`;
    if (p.type === undefined) errs.required(`${at}.type`);
    else if (!PROFILE_TYPES.includes(String(p.type))) errs.notSupported(`${at}.type`, p.type, PROFILE_TYPES);
    else if (p.type === 'Localhost' && !p.localhostProfile)
      errs.required(
        `${at}.localhostProfile`,
        `must be set when ${profile === 'seccompProfile' ? 'seccomp' : 'AppArmor'} type is Localhost`,
      );
    else if (p.type !== 'Localhost' && p.localhostProfile !== undefined)
      errs.forbidden(
        `${at}.localhostProfile`,
        `can only be set when ${profile === 'seccompProfile' ? 'seccomp' : 'AppArmor'} type is Localhost`,
      );
  }
  if (!container) return;
  if (sc.procMount !== undefined && !['Default', 'Unmasked'].includes(String(sc.procMount)))
    errs.notSupported(`${path}.procMount`, sc.procMount, ['Default', 'Unmasked']);
  if (sc.privileged === true && sc.allowPrivilegeEscalation === false) {
    errs.invalid(
      path,
      sc,
      'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
      'core.SecurityContext{...}',
    );
  }
  const caps = obj(sc.capabilities);
  if (sc.allowPrivilegeEscalation === false && strs(caps.add).includes('SYS_ADMIN')) {
    errs.invalid(
      path,
      sc,
      'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
      'core.SecurityContext{...}',
    );
  }
}
