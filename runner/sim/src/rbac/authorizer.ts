/**
 * The RBAC authorizer (plugin/pkg/auth/authorizer/rbac) over the cluster's
 * Roles, ClusterRoles and their bindings, behind kube-apiserver's privileged-group
 * authorizer that lets `system:masters` do anything.
 */

import type { AuthorizationDecision, RequestAttributes, UserInfo } from '@paranoid/k8s/identity.ts';
import type { ClusterRoleBinding, PolicyRule, RoleBinding, RoleRef, Subject } from 'kubernetes-types/rbac/v1';
import type { ObjectStore } from '../store.ts';
import { ruleAllows } from './policy-rule.ts';

/** The API group of Roles, ClusterRoles and their bindings. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** The group whose members every request is allowed to, before RBAC is consulted. */
export const SYSTEM_MASTERS = 'system:masters';

const R = {
  roles: { group: RBAC_GROUP, resource: 'roles' },
  clusterRoles: { group: RBAC_GROUP, resource: 'clusterroles' },
  roleBindings: { group: RBAC_GROUP, resource: 'rolebindings' },
  clusterRoleBindings: { group: RBAC_GROUP, resource: 'clusterrolebindings' },
} as const;

/** `system:serviceaccount:<ns>:<name>`: the username a service account's token authenticates as. */
export const serviceAccountUsername = (namespace: string, name: string): string =>
  `system:serviceaccount:${namespace}:${name}`;

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/** Whether a binding subject names this user (appliesToUser); `namespace` defaults ServiceAccount subjects. */
export function subjectAppliesTo(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.username === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || namespace;
      return ns !== '' && user.username === serviceAccountUsername(ns, s.name);
    }
    default:
      return false;
  }
}

/**
 * RBAC objects as of one store resourceVersion. Authorization runs on every
 * request, and listing copies objects, so the bindings are read once per change
 * of the store, not once per request.
 */
interface Snapshot {
  rv: string;
  clusterRoleBindings: ClusterRoleBinding[];
  roleBindings: Map<string, RoleBinding[]>;
  roles: Map<string, PolicyRule[] | undefined>;
}

const snapshots = new WeakMap<ObjectStore, Snapshot>();

function snapshot(store: ObjectStore): Snapshot {
  const rv = store.resourceVersion();
  const cached = snapshots.get(store);
  if (cached && cached.rv === rv) return cached;
  const roleBindings = new Map<string, RoleBinding[]>();
  for (const obj of store.list(R.roleBindings)) {
    const ns = obj.metadata.namespace ?? '';
    const list = roleBindings.get(ns) ?? [];
    list.push(obj as unknown as RoleBinding);
    roleBindings.set(ns, list);
  }
  const snap: Snapshot = {
    rv,
    clusterRoleBindings: store.list(R.clusterRoleBindings) as unknown as ClusterRoleBinding[],
    roleBindings,
    roles: new Map(),
  };
  snapshots.set(store, snap);
  return snap;
}

function cachedRules(store: ObjectStore, kind: 'Role' | 'ClusterRole', namespace: string, name: string) {
  const snap = snapshot(store);
  const key = `${kind}/${namespace}/${name}`;
  if (snap.roles.has(key)) return snap.roles.get(key);
  const role = kind === 'Role' ? store.get(R.roles, namespace, name) : store.get(R.clusterRoles, undefined, name);
  const rules = role ? ((role.rules as PolicyRule[] | null) ?? []) : undefined;
  snap.roles.set(key, rules);
  return rules;
}

/** The rules a roleRef points at, or the lister's NotFound text (GetRoleReferenceRules). */
export function roleReferenceRules(
  store: ObjectStore,
  ref: RoleRef,
  bindingNamespace: string,
): { rules: PolicyRule[]; error?: string } {
  if (ref.kind === 'Role' || ref.kind === 'ClusterRole') {
    const rules = cachedRules(store, ref.kind, ref.kind === 'Role' ? bindingNamespace : '', ref.name);
    if (rules) return { rules };
    return { rules: [], error: `${ref.kind.toLowerCase()}.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
  }
  return { rules: [], error: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
}

/**
 * Visits every rule that applies to `user` in `namespace` ('' = cluster-scoped: only
 * ClusterRoleBindings), ClusterRoleBindings first, with the text that names where it
 * came from. The visitor returns false to stop (VisitRulesFor).
 */
export function visitRulesFor(
  store: ObjectStore,
  user: UserInfo,
  namespace: string,
  visit: (source: string, rule: PolicyRule | undefined, error: string | undefined) => boolean,
): void {
  const snap = snapshot(store);
  for (const binding of snap.clusterRoleBindings) {
    const subject = (binding.subjects ?? []).find((s) => subjectAppliesTo(user, s, ''));
    if (!subject) continue;
    const { rules, error } = roleReferenceRules(store, binding.roleRef, '');
    if (error && !visit('', undefined, error)) return;
    const source = `ClusterRoleBinding ${JSON.stringify(binding.metadata?.name)} of ${binding.roleRef.kind} ${JSON.stringify(binding.roleRef.name)} to ${describeSubject(subject, '')}`;
    for (const rule of rules) if (!visit(source, rule, undefined)) return;
  }
  if (namespace === '') return;
  for (const binding of snap.roleBindings.get(namespace) ?? []) {
    const ns = binding.metadata?.namespace ?? namespace;
    const subject = (binding.subjects ?? []).find((s) => subjectAppliesTo(user, s, ns));
    if (!subject) continue;
    const { rules, error } = roleReferenceRules(store, binding.roleRef, ns);
    if (error && !visit('', undefined, error)) return;
    const source = `RoleBinding ${JSON.stringify(`${binding.metadata?.name}/${ns}`)} of ${binding.roleRef.kind} ${JSON.stringify(binding.roleRef.name)} to ${describeSubject(subject, ns)}`;
    for (const rule of rules) if (!visit(source, rule, undefined)) return;
  }
}

/** Every rule that applies to `user` in `namespace`, and the errors met resolving them (RulesFor). */
export function rulesFor(
  store: ObjectStore,
  user: UserInfo,
  namespace: string,
): { rules: PolicyRule[]; errors: string[] } {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  visitRulesFor(store, user, namespace, (_source, rule, error) => {
    if (rule) rules.push(rule);
    if (error) errors.push(error);
    return true;
  });
  return { rules, errors };
}

/** Go's utilerrors.NewAggregate(...).Error(): one message alone, several in brackets, duplicates once. */
export function aggregateErrors(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

/** RBAC alone, without the `system:masters` short cut. */
export function rbacAuthorize(attrs: RequestAttributes, store: ObjectStore): AuthorizationDecision {
  let reason = '';
  const errors: string[] = [];
  const namespace = attrs.resourceRequest ? attrs.namespace : '';
  visitRulesFor(store, attrs.user, namespace, (source, rule, error) => {
    if (rule && ruleAllows(attrs, rule)) {
      reason = `RBAC: allowed by ${source}`;
      return false;
    }
    if (error) errors.push(error);
    return true;
  });
  if (reason) return { allowed: true, reason };
  return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregateErrors(errors)}` : '' };
}

/**
 * The cluster's authorizer: members of `system:masters` are allowed everything
 * (kube-apiserver's privileged-group authorizer runs first and gives no reason),
 * everyone else is judged by RBAC. `reason` is what an access review's
 * `status.reason` carries.
 */
export function authorize(attrs: RequestAttributes, store: ObjectStore): AuthorizationDecision {
  if (attrs.user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
  return rbacAuthorize(attrs, store);
}
