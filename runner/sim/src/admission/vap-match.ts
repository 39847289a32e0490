/**
 * Which requests a ValidatingAdmissionPolicy (and its binding's matchResources)
 * applies to: resource rules, exclusions, namespace and object selectors, as
 * k8s.io/apiserver/pkg/admission/plugin/policy/matching decides.
 */

import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { selectorMatches } from '../rbac/label-selector.ts';
import type { ObjectStore } from '../store.ts';
import type { AdmissionRequest } from './types.ts';

/** admissionregistration.k8s.io/v1 NamedRuleWithOperations. */
export interface NamedRuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  resourceNames?: string[];
  scope?: 'Cluster' | 'Namespaced' | '*';
}

/** admissionregistration.k8s.io/v1 MatchResources. */
export interface MatchResources {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: NamedRuleWithOperations[];
  excludeResourceRules?: NamedRuleWithOperations[];
  matchPolicy?: 'Exact' | 'Equivalent';
}

const anyOf = (list: readonly string[] | undefined, value: string): boolean =>
  (list ?? []).some((x) => x === '*' || x === value);

function resourceMatches(patterns: readonly string[] | undefined, resource: string, subresource: string): boolean {
  for (const p of patterns ?? []) {
    if (p === '*/*') return true;
    if (p === '*') {
      if (subresource === '') return true;
      continue;
    }
    const [res, sub = ''] = p.split('/', 2) as [string, string?];
    if ((res === '*' || res === resource) && (sub === '*' ? subresource !== '' : sub === subresource)) {
      return true;
    }
  }
  return false;
}

/** Whether a rule names the request's operation, group, version, resource and scope. */
export function ruleMatches(rule: NamedRuleWithOperations, request: AdmissionRequest, namespaced: boolean): boolean {
  if (!anyOf(rule.operations, request.operation)) return false;
  if (!anyOf(rule.apiGroups, request.resource.group)) return false;
  if (!anyOf(rule.apiVersions, request.resource.version)) return false;
  if (!resourceMatches(rule.resources, request.resource.resource, request.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && namespaced) return false;
  if (scope === 'Namespaced' && !namespaced) return false;
  if ((rule.resourceNames ?? []).length > 0 && !rule.resourceNames!.includes(request.name)) return false;
  return true;
}

/** The labels a namespaceSelector is judged against; undefined when it does not apply (other cluster-scoped objects). */
function namespaceLabelsFor(request: AdmissionRequest, store: ObjectStore): Record<string, string> | undefined | null {
  if (request.resource.group === '' && request.resource.resource === 'namespaces') {
    return (request.object ?? request.oldObject)?.metadata.labels ?? {};
  }
  if (!request.namespace) return null;
  return store.get({ group: '', resource: 'namespaces' }, undefined, request.namespace)?.metadata.labels ?? {};
}

function objectSelectorMatches(selector: LabelSelector | undefined, request: AdmissionRequest): boolean {
  if (!selector) return true;
  const objs = [request.object, request.oldObject].filter((o): o is KubeObject => !!o);
  if (objs.length === 0) return selectorMatches(selector, {});
  return objs.some((o) => selectorMatches(selector, o.metadata.labels));
}

/**
 * Whether `match` selects the request. `requireRules`: a policy's matchConstraints
 * must list resource rules; a binding's matchResources without rules matches
 * whatever its policy matches.
 */
export function matchesResources(
  match: MatchResources | undefined,
  request: AdmissionRequest,
  store: ObjectStore,
  namespaced: boolean,
  requireRules: boolean,
): boolean {
  if (!match) return !requireRules;
  const nsLabels = namespaceLabelsFor(request, store);
  if (match.namespaceSelector && nsLabels !== null && !selectorMatches(match.namespaceSelector, nsLabels)) return false;
  if (!objectSelectorMatches(match.objectSelector, request)) return false;
  const rules = match.resourceRules ?? [];
  if (rules.length > 0 || requireRules) {
    if (!rules.some((r) => ruleMatches(r, request, namespaced))) return false;
  }
  if ((match.excludeResourceRules ?? []).some((r) => ruleMatches(r, request, namespaced))) return false;
  return true;
}
