/**
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): policies and their
 * bindings read from the store, CEL validations evaluated over `object`,
 * `oldObject`, `request`, `namespaceObject`, `params` and `variables`, with
 * upstream's matching, failure policy, validation actions and messages
 * (k8s.io/apiserver/pkg/admission/plugin/policy/validating).
 */

import { type AuthorizationQuery, CelAuthorizer, kubernetesCelEnvironment } from '@paranoid/k8s/cel.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { invalid, type StatusCause, type StatusDetails } from '@paranoid/k8s/status.ts';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { authorize } from '../rbac/authorizer.ts';
import { selectorMatches } from '../rbac/label-selector.ts';
import { findResource, findResourceByKind, RESOURCES } from '../resources.ts';
import type { ObjectStore } from '../store.ts';
import { type CostBudget, meteredRunner, newBudget } from './cel-cost.ts';
import type { AdmissionPlugin, AdmissionRequest, AdmissionResult } from './types.ts';
import { type MatchResources, matchesResources } from './vap-match.ts';

const GROUP = 'admissionregistration.k8s.io';
const POLICIES = { group: GROUP, resource: 'validatingadmissionpolicies' };
const BINDINGS = { group: GROUP, resource: 'validatingadmissionpolicybindings' };

interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
}

interface PolicySpec {
  paramKind?: { apiVersion?: string; kind?: string };
  matchConstraints?: MatchResources;
  validations?: Validation[];
  failurePolicy?: 'Fail' | 'Ignore';
  matchConditions?: { name: string; expression: string }[];
  variables?: { name: string; expression: string }[];
  auditAnnotations?: { key: string; valueExpression: string }[];
}

interface BindingSpec {
  policyName?: string;
  paramRef?: {
    name?: string;
    namespace?: string;
    selector?: LabelSelector;
    parameterNotFoundAction?: 'Allow' | 'Deny';
  };
  matchResources?: MatchResources;
  validationActions?: ('Deny' | 'Warn' | 'Audit')[];
}

/** Policies and bindings never judge themselves or webhook configurations, so they cannot lock a cluster out. */
const EXEMPT = new Set([
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
]);

const env = kubernetesCelEnvironment();
const metered = meteredRunner(env);
/** The budget of the policy evaluation under way: its expressions draw from it in turn. */
let budget: CostBudget | undefined;

const compiled = new Map<string, (ctx: Record<string, unknown>) => unknown>();
function compile(expression: string): (ctx: Record<string, unknown>) => unknown {
  let fn = compiled.get(expression);
  if (!fn) {
    const parsed = env.parse(expression);
    fn = (ctx) => metered(parsed, ctx, budget);
    // Expressions are the learner's: keep the cache bounded.
    if (compiled.size >= 4096) compiled.clear();
    compiled.set(expression, fn);
  }
  return fn;
}

/**
 * Why a policy's expressions cannot be stored, as kube-apiserver's validation words it:
 * a compilation error, or an estimated cost over the limit.
 */
export function policyExpressionCauses(policy: KubeObject): Required<StatusCause>[] {
  const spec = (policy.spec ?? {}) as PolicySpec;
  const causes: Required<StatusCause>[] = [];
  const check = (field: string, expression: unknown) => {
    if (typeof expression !== 'string') return;
    try {
      env.parse(expression);
    } catch (error) {
      causes.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${JSON.stringify(expression)}: compilation failed: ${errorText(error)}`,
      });
    }
  };
  (spec.validations ?? []).forEach((v, i) => {
    check(`spec.validations[${i}].expression`, v.expression);
    check(`spec.validations[${i}].messageExpression`, v.messageExpression);
  });
  for (const [i, c] of (spec.matchConditions ?? []).entries())
    check(`spec.matchConditions[${i}].expression`, c.expression);
  for (const [i, v] of (spec.variables ?? []).entries()) check(`spec.variables[${i}].expression`, v.expression);
  for (const [i, a] of (spec.auditAnnotations ?? []).entries()) {
    check(`spec.auditAnnotations[${i}].valueExpression`, a.valueExpression);
  }
  return causes;
}

/** JSON integers are CEL ints; cel-js represents those as bigint. */
function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toCel(v);
    return out;
  }
  return value;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0]! : String(e));

interface Decision {
  action: 'deny' | 'error';
  message: string;
  reason: string;
}

function isNamespaced(request: AdmissionRequest): boolean {
  const def = findResource(RESOURCES, request.resource.group, request.resource.version, request.resource.resource);
  return def ? def.namespaced : request.namespace !== '';
}

function requestVariable(request: AdmissionRequest): Record<string, unknown> {
  return {
    uid: '',
    kind: request.kind,
    resource: request.resource,
    subResource: request.subresource,
    requestKind: request.kind,
    requestResource: request.resource,
    ...(request.subresource ? { requestSubResource: request.subresource } : {}),
    name: request.name,
    namespace: request.namespace,
    operation: request.operation,
    userInfo: {
      username: request.userInfo.username,
      ...(request.userInfo.uid ? { uid: request.userInfo.uid } : {}),
      groups: request.userInfo.groups,
      ...(request.userInfo.extra ? { extra: request.userInfo.extra } : {}),
    },
    dryRun: request.dryRun,
  };
}

/** The params objects a binding selects; null when the policy takes none, undefined entries when missing. */
function resolveParams(
  policy: PolicySpec,
  binding: BindingSpec,
  request: AdmissionRequest,
  store: ObjectStore,
): { params: (KubeObject | null)[]; error?: string } {
  if (!policy.paramKind || !binding.paramRef) return { params: [null] };
  const apiVersion = policy.paramKind.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const def = findResourceByKind(RESOURCES, group, policy.paramKind.kind ?? '');
  const notFound = (): { params: (KubeObject | null)[]; error?: string } =>
    binding.paramRef?.parameterNotFoundAction === 'Allow'
      ? { params: [] }
      : {
          params: [],
          error: 'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction',
        };
  if (!def) return notFound();
  const gr = { group: def.group, resource: def.resource };
  const ns = def.namespaced ? binding.paramRef.namespace || request.namespace : undefined;
  if (binding.paramRef.name) {
    const p = store.get(gr, ns, binding.paramRef.name);
    return p ? { params: [p] } : notFound();
  }
  const selector = binding.paramRef.selector ?? {};
  const found = store.list(gr, ns).filter((o) => selectorMatches(selector, o.metadata.labels));
  return found.length > 0 ? { params: found } : notFound();
}

/** `authorizer`: RBAC checks for the user making the request. */
function authorizerFor(request: AdmissionRequest, store: ObjectStore): CelAuthorizer {
  const user = request.userInfo;
  const check = (q: AuthorizationQuery) =>
    q.path !== undefined
      ? authorize({ user, resourceRequest: false, verb: q.verb ?? '', path: q.path }, store)
      : authorize(
          {
            user,
            resourceRequest: true,
            verb: q.verb ?? '',
            apiGroup: q.group ?? '',
            apiVersion: '*',
            resource: q.resource ?? '',
            subresource: q.subresource ?? '',
            namespace: q.namespace ?? '',
            name: q.name ?? '',
          },
          store,
        );
  return new CelAuthorizer(check, {
    group: request.resource.group,
    resource: request.resource.resource,
    subresource: request.subresource,
    namespace: request.namespace,
    name: request.name,
  });
}

function evaluatePolicy(policy: PolicySpec, ctx: Record<string, unknown>): { decisions: Decision[]; skipped: boolean } {
  const decisions: Decision[] = [];
  for (const condition of policy.matchConditions ?? []) {
    try {
      const v = compile(condition.expression)(ctx);
      if (v !== true) {
        if (typeof v !== 'boolean') throw new Error(`expected bool, got ${typeof v}`);
        return { decisions, skipped: true };
      }
    } catch (e) {
      decisions.push({
        action: 'error',
        message: `failed to evaluate matchCondition ${JSON.stringify(condition.name)}: ${errorText(e)}`,
        reason: 'Invalid',
      });
      return { decisions, skipped: false };
    }
  }
  for (const v of policy.validations ?? []) {
    let ok: unknown;
    try {
      ok = compile(v.expression)(ctx);
    } catch (e) {
      decisions.push({
        action: 'error',
        message: `expression '${v.expression}' resulted in error: ${errorText(e)}`,
        reason: v.reason ?? 'Invalid',
      });
      continue;
    }
    if (ok === true) continue;
    if (typeof ok !== 'boolean') {
      decisions.push({
        action: 'error',
        message: `expression '${v.expression}' resulted in error: validation expression must evaluate to bool`,
        reason: v.reason ?? 'Invalid',
      });
      continue;
    }
    decisions.push({ action: 'deny', message: validationMessage(v, ctx), reason: v.reason ?? 'Invalid' });
  }
  return { decisions, skipped: false };
}

/** messageExpression wins when it yields a non-empty single-line string; then message; then the expression. */
function validationMessage(v: Validation, ctx: Record<string, unknown>): string {
  if (v.messageExpression) {
    try {
      const m = compile(v.messageExpression)(ctx);
      if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) return m.trim();
    } catch {
      // Upstream falls back to `message` when the message expression fails.
    }
  }
  if (v.message) return v.message;
  return `failed expression: ${v.expression.trim()}`;
}

const REASON_CODES: Record<string, number> = {
  Unauthorized: 401,
  Forbidden: 403,
  Invalid: 422,
  RequestEntityTooLarge: 413,
};

function objectName(request: AdmissionRequest): string {
  return request.name || request.object?.metadata.name || request.oldObject?.metadata.name || '';
}

/** Evaluates every bound policy for one request. */
export function validateWithPolicies(request: AdmissionRequest, store: ObjectStore): AdmissionResult {
  const result: AdmissionResult = { warnings: [] };
  if (
    request.resource.group === GROUP &&
    request.resource.resource === 'validatingadmissionpolicies' &&
    !request.subresource &&
    (request.operation === 'CREATE' || request.operation === 'UPDATE') &&
    request.object
  ) {
    const causes = policyExpressionCauses(request.object);
    if (causes.length > 0) {
      const error = invalid(GROUP, 'ValidatingAdmissionPolicy', objectName(request), causes);
      result.denied = { code: 422, reason: 'Invalid', message: error.message, details: error.details } as NonNullable<
        AdmissionResult['denied']
      >;
      return result;
    }
  }
  if (request.resource.group === GROUP && EXEMPT.has(request.resource.resource)) return result;
  const bindings = store.list(BINDINGS);
  if (bindings.length === 0) return result;
  const namespaced = isNamespaced(request);
  const failures: Record<string, unknown>[] = [];
  const annotations: Record<string, string> = {};
  let denied: { policy: string; binding: string; decision: Decision } | undefined;

  for (const b of bindings) {
    const binding = (b.spec ?? {}) as BindingSpec;
    const policyObj = binding.policyName ? store.get(POLICIES, undefined, binding.policyName) : undefined;
    if (!policyObj) continue;
    const policy = (policyObj.spec ?? {}) as PolicySpec;
    if (!matchesResources(policy.matchConstraints, request, store, namespaced, true)) continue;
    if (!matchesResources(binding.matchResources, request, store, namespaced, false)) continue;
    const actions = binding.validationActions ?? [];
    const policyName = policyObj.metadata.name ?? '';
    const bindingName = b.metadata.name ?? '';
    const failClosed = (policy.failurePolicy ?? 'Fail') === 'Fail';

    const { params, error } = resolveParams(policy, binding, request, store);
    const decisions: Decision[] = [];
    if (error) decisions.push({ action: 'error', message: error, reason: 'Invalid' });
    for (const param of params) {
      const base: Record<string, unknown> = {
        object: toCel(request.object ?? null),
        oldObject: toCel(request.oldObject ?? null),
        request: toCel(requestVariable(request)),
        params: toCel(param),
        namespaceObject:
          namespaced && request.namespace
            ? toCel(store.get({ group: '', resource: 'namespaces' }, undefined, request.namespace) ?? null)
            : null,
      };
      base.authorizer = authorizerFor(request, store);
      // Each (policy, binding, param) evaluation has a budget of its own, as upstream.
      budget = newBudget();
      const variables: Record<string, unknown> = {};
      const ctx = { ...base, variables };
      for (const v of policy.variables ?? []) {
        try {
          variables[v.name] = compile(v.expression)(ctx);
        } catch {
          // A variable that fails is an error only where a validation reads it (lazy upstream).
        }
      }
      const r = evaluatePolicy(policy, ctx);
      decisions.push(...r.decisions);
      if (!r.skipped) {
        for (const a of policy.auditAnnotations ?? []) {
          try {
            const value = compile(a.valueExpression)(ctx);
            if (typeof value === 'string' && value !== '') annotations[`${policyName}/${a.key}`] = value;
          } catch (e) {
            decisions.push({
              action: 'error',
              message: `valueExpression '${a.valueExpression}' resulted in error: ${errorText(e)}`,
              reason: 'Invalid',
            });
          }
        }
      }
    }

    for (const d of decisions) {
      if (d.action === 'error' && !failClosed) continue;
      for (const action of actions) {
        if (action === 'Deny') {
          denied ??= { policy: policyName, binding: bindingName, decision: d };
        } else if (action === 'Warn') {
          result.warnings.push(
            `Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${d.message}`,
          );
        } else if (action === 'Audit') {
          failures.push({
            message: d.message,
            policy: policyName,
            binding: bindingName,
            expressionIndex: 0,
            validationActions: actions,
          });
        }
      }
    }
  }

  if (failures.length > 0) {
    annotations['validation.policy.admission.k8s.io/validation_failure'] = JSON.stringify(failures);
  }
  if (Object.keys(annotations).length > 0) result.auditAnnotations = annotations;
  if (denied) {
    const message = `ValidatingAdmissionPolicy '${denied.policy}' with binding '${denied.binding}' denied request: ${denied.decision.message}`;
    const { group, resource } = request.resource;
    const gr = group ? `${resource}.${group}` : resource;
    const name = objectName(request);
    const reason = denied.decision.reason as 'Forbidden' | 'Invalid' | 'BadRequest';
    // kubectl prints an Invalid error's causes, so the Status must carry the message as a cause too.
    const details: StatusDetails = {
      ...(name ? { name } : {}),
      ...(group ? { group } : {}),
      kind: resource,
      causes: [{ message }],
    };
    const full: NonNullable<AdmissionResult['denied']> & { details: StatusDetails } = {
      code: REASON_CODES[reason] ?? 422,
      reason,
      message: `${name ? `${gr} ${JSON.stringify(name)}` : gr} is forbidden: ${message}`,
      details,
    };
    result.denied = full;
  }
  return result;
}

/** ValidatingAdmissionPolicy: validate on every write that a bound policy matches. */
export const validatingAdmissionPolicy: AdmissionPlugin = {
  name: 'ValidatingAdmissionPolicy',
  validate: validateWithPolicies,
};
