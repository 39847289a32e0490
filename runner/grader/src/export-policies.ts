/**
 * Turns a scenario's object checks into ValidatingAdmissionPolicies and their
 * bindings (admissionregistration.k8s.io/v1), in the CEL a real API server runs,
 * so a team that fixed a cluster can keep it fixed. What admission cannot judge
 * (a probe, a rule over other objects, status that controllers write later, a lab
 * helper the Kubernetes CEL library lacks) is skipped, with the reason said.
 *
 * Pure: the scenario in, plain objects out.
 */
import type { Check } from '@paranoid/schema/check.ts';
import { CLOUD_INSTANCES, KUBELET_CONFIGS, POD_SPECS, RESOURCES } from '@paranoid/schema/resources.ts';
import type { Scenario } from '@paranoid/schema/scenario.ts';
import { celString, codeOf, expandHelpers, rewriteObjectFields, UNTRANSLATABLE_HELPERS } from './kubernetes-cel.ts';

/** What the binding does with a violation: refuse it, warn the client, or only record it in the audit log. */
export type ExportMode = 'deny' | 'warn' | 'audit';

/** A check that did not become a policy, and why. */
export interface SkippedCheck {
  id: string;
  title: string;
  reason: string;
}

/** A check that became a policy with part of its meaning left out, and which part. */
export interface ExportNote {
  id: string;
  note: string;
}

/** The admission policies exported for a scenario, and which of its checks they cover. */
export interface ExportResult {
  /** Policies and bindings, in pairs, in the order of the scenario's checks. */
  objects: Record<string, unknown>[];
  /** Ids of the checks exported. */
  exported: string[];
  skipped: SkippedCheck[];
  notes: ExportNote[];
}

const ADMISSION = 'admissionregistration.k8s.io/v1';
const OPERATIONS = ['CREATE', 'UPDATE'];

/** The workload kinds whose pod spec `podspecs` judges, with where the spec sits in each. */
const POD_SPEC_RULES = [
  { apiGroups: [''], resources: ['pods', 'replicationcontrollers'] },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'] },
];

/**
 * The `podspecs` view (grader/pod-specs.ts) rebuilt from the one object admission
 * sees. `request.kind.kind` rather than `object.kind`: admission always fills the
 * request's kind, and the object's TypeMeta is not promised to CEL.
 */
const POD_SPEC_VARIABLES = [
  {
    name: 'template',
    expression:
      "request.kind.kind == 'CronJob' ? object.spec.jobTemplate.spec.template : request.kind.kind == 'Pod' ? object : object.spec.template",
  },
  { name: 'spec', expression: 'variables.template.spec' },
  {
    name: 'podMetadata',
    expression: "request.kind.kind == 'Pod' ? object.metadata : variables.template.?metadata.orValue({})",
  },
  {
    name: 'containers',
    expression:
      'variables.spec.containers + variables.spec.?initContainers.orValue([]) + variables.spec.?ephemeralContainers.orValue([])',
  },
  { name: 'source', expression: "request.kind.kind == 'Pod' ? 'pod' : 'template'" },
  {
    // As the grader: a ReplicaSet or Job a controller owns follows its owner's template (judged there),
    // a ReplicaSet scaled to zero runs nothing, and a Pod on its way out is not judged. Without this,
    // scaling down an old bad ReplicaSet during a good rollout would be refused.
    name: 'judged',
    expression:
      "!has(object.metadata.deletionTimestamp) && !(request.kind.kind in ['ReplicaSet', 'Job'] && " +
      'object.metadata.?ownerReferences.orValue([]).exists(r, r.?controller.orValue(false) == true)) && ' +
      "!(request.kind.kind == 'ReplicaSet' && object.spec.?replicas.orValue(1) == 0)",
  },
];

/** `object.<field>` of the podspecs view, and what it becomes in a policy. */
const POD_SPEC_FIELDS: Record<string, string> = {
  spec: 'variables.spec',
  containers: 'variables.containers',
  podMetadata: 'variables.podMetadata',
  source: 'variables.source',
  kind: 'request.kind.kind',
};
const OBJECT_FIELDS: Record<string, string> = { kind: 'request.kind.kind' };

/** Why admission cannot judge this check, or undefined when it can. */
function whyNotExportable(check: Check): string | undefined {
  if (check.probe !== undefined) {
    return `${/^[aeiou]/.test(check.probe.kind) ? 'an' : 'a'} ${check.probe.kind} probe replays behaviour in the running cluster; admission judges one object as it is written`;
  }
  const object = check.object!;
  if (object.with !== undefined && Object.keys(object.with).length > 0) {
    return `it reads other objects too (${Object.entries(object.with)
      .map(([name, resource]) => `${name}: ${resource}`)
      .join(', ')}); admission sees only the object being written`;
  }
  const code = [object.rule, object.select ?? ''].map(codeOf).join(' ');
  if (/\.\s*\??\s*status\b/.test(code)) {
    return 'it judges status, which controllers write after admission';
  }
  const helpers = UNTRANSLATABLE_HELPERS.filter((h) => new RegExp(`\\b${h}\\s*\\(`).test(code));
  if (helpers.length > 0) {
    return `it calls ${helpers.map((h) => `${h}()`).join(', ')}, a lab helper with no equivalent in Kubernetes' CEL library`;
  }
  if (object.resource === KUBELET_CONFIGS) {
    return "it reads the kubelets' running configuration on the nodes, which is no API object admission sees";
  }
  if (object.resource === CLOUD_INSTANCES) {
    return "it reads the cloud's instance settings, which live outside the cluster where no admission sees them";
  }
  if (object.resource !== POD_SPECS && !RESOURCES.has(object.resource)) {
    return `resource ${object.resource} has no admission equivalent`;
  }
  if (object.resource !== POD_SPECS && !RESOURCES.get(object.resource)!.namespaced && object.namespaces) {
    // The grader puts cluster-scoped objects outside every listed namespace: the check selects nothing.
    return `${object.resource} is cluster-scoped and the check lists namespaces, so it judges nothing`;
  }
  return undefined;
}

const usesUntranslatable = (expression: string): boolean =>
  UNTRANSLATABLE_HELPERS.some((h) => new RegExp(`\\b${h}\\s*\\(`).test(codeOf(expression)));

/** DNS-subdomain policy name: `paranoid.<scenario>.<check>`. */
export const policyName = (scenarioId: string, checkId: string): string => `paranoid.${scenarioId}.${checkId}`;

const ACTIONS: Record<ExportMode, string[]> = { deny: ['Deny'], warn: ['Warn'], audit: ['Audit'] };

function resourceRules(resource: string) {
  if (resource === POD_SPECS) {
    return POD_SPEC_RULES.map((r) => ({ ...r, apiVersions: ['*'], operations: OPERATIONS }));
  }
  const info = RESOURCES.get(resource)!;
  return [{ apiGroups: [info.group], apiVersions: ['*'], operations: OPERATIONS, resources: [info.resource] }];
}

function namespaceSelector(check: NonNullable<Check['object']>) {
  const expressions = [
    ...(check.namespaces ? [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: check.namespaces }] : []),
    ...(check.excludeNamespaces
      ? [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: check.excludeNamespaces }]
      : []),
  ];
  return expressions.length > 0 ? { namespaceSelector: { matchExpressions: expressions } } : {};
}

function policyFor(scenario: Scenario, check: Check): Record<string, unknown>[] {
  const object = check.object!;
  const podSpecs = object.resource === POD_SPECS;
  const fields = podSpecs ? POD_SPEC_FIELDS : OBJECT_FIELDS;
  const translate = (expression: string) => rewriteObjectFields(expandHelpers(expression), fields);
  const rule = translate(object.rule);
  const conditions = [
    ...(podSpecs ? ['variables.judged'] : []),
    ...(object.select !== undefined ? [`(${translate(object.select)})`] : []),
  ];
  // Only selected objects are judged: an object the check does not select passes.
  const expression = conditions.length > 0 ? `!(${conditions.join(' && ')}) || (${rule})` : rule;
  const validation: Record<string, unknown> = { expression, message: check.failure.trim() };
  // A describe that needs an untranslatable helper is left out: the plain message still says what is wrong.
  if (object.describe !== undefined && !usesUntranslatable(object.describe)) {
    validation.messageExpression = `${celString(`${check.failure.trim()} Found: `)} + (${translate(object.describe)})`;
  }
  const name = policyName(scenario.id, check.id);
  const labels = {
    'app.kubernetes.io/managed-by': 'paranoid',
    'paranoid.dev/scenario': scenario.id,
    'paranoid.dev/check': check.id,
  };
  const metadata = {
    name,
    labels,
    annotations: { 'paranoid.dev/title': check.title, 'paranoid.dev/level': check.level },
  };
  return [
    {
      apiVersion: ADMISSION,
      kind: 'ValidatingAdmissionPolicy',
      metadata,
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { ...namespaceSelector(object), resourceRules: resourceRules(object.resource) },
        ...(podSpecs ? { variables: POD_SPEC_VARIABLES } : {}),
        validations: [validation],
      },
    },
    {
      apiVersion: ADMISSION,
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels },
      spec: { policyName: name, validationActions: [] as string[] },
    },
  ];
}

/**
 * Exports a scenario's object checks as admission policies. MUST checks bind with
 * `mode`; SHOULD checks are advice, so in deny mode they warn rather than refuse.
 */
export function exportPolicies(scenario: Scenario, mode: ExportMode): ExportResult {
  const result: ExportResult = { objects: [], exported: [], skipped: [], notes: [] };
  for (const check of scenario.checks) {
    const reason = whyNotExportable(check);
    if (reason !== undefined) {
      result.skipped.push({ id: check.id, title: check.title, reason });
      continue;
    }
    const [policy, binding] = policyFor(scenario, check) as [
      Record<string, unknown>,
      { spec: { validationActions: string[] } },
    ];
    binding.spec.validationActions = check.level === 'SHOULD' && mode === 'deny' ? ['Warn'] : ACTIONS[mode];
    result.objects.push(policy, binding as unknown as Record<string, unknown>);
    result.exported.push(check.id);
    if (check.object!.min > 0) {
      result.notes.push({
        id: check.id,
        note: `the check also wants at least ${check.object!.min} such object to exist; admission judges writes and cannot require one`,
      });
    }
  }
  return result;
}
