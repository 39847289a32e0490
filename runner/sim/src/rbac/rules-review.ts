/**
 * What a SelfSubjectRulesReview (`kubectl auth can-i --list`) answers: every rule
 * that applies to a user in a namespace, as the union of kube-apiserver's rule
 * resolvers reports them (privileged group first, then RBAC).
 */
import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { ObjectStore } from '../store.ts';
import { aggregateErrors, rulesFor, SYSTEM_MASTERS } from './authorizer.ts';

/** authorization.k8s.io/v1 ResourceRule (kubernetes-types drops some of its fields). */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** Verbs a user may use on non-resource paths, as a SelfSubjectRulesReview lists them. */
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** What a SelfSubjectRulesReview answers: the user's rules in a namespace (`kubectl auth can-i --list`). */
export interface RulesReviewStatus {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  evaluationError?: string;
}

/** `status` of a SelfSubjectRulesReview for `user` in `namespace`. */
export function rulesReview(user: UserInfo, namespace: string, store: ObjectStore): RulesReviewStatus {
  const resourceRules: ResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  if (user.groups.includes(SYSTEM_MASTERS)) {
    resourceRules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    nonResourceRules.push({ verbs: ['*'], nonResourceURLs: ['*'] });
  }
  const { rules, errors } = rulesFor(store, user, namespace);
  for (const rule of rules) {
    if ((rule.resources ?? []).length > 0) {
      resourceRules.push({
        verbs: [...rule.verbs],
        ...(rule.apiGroups ? { apiGroups: [...rule.apiGroups] } : {}),
        resources: [...rule.resources!],
        ...(rule.resourceNames?.length ? { resourceNames: [...rule.resourceNames] } : {}),
      });
    }
    if ((rule.nonResourceURLs ?? []).length > 0) {
      nonResourceRules.push({ verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs!] });
    }
  }
  return {
    resourceRules,
    nonResourceRules,
    incomplete: false,
    ...(errors.length > 0 ? { evaluationError: aggregateErrors(errors) } : {}),
  };
}
