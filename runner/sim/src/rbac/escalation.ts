/**
 * RBAC escalation prevention (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased): a user may only
 * write a Role or ClusterRole whose rules they already hold (or with `escalate` on
 * it), and may only bind a role whose rules they hold (or with `bind` on it).
 * `system:masters` may do both. kube-apiserver does this in the RBAC storage; here it
 * is an admission plugin that runs on RBAC writes.
 */

import type { UserInfo } from '@paranoid/k8s/identity.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { PolicyRule, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { AdmissionPlugin, AdmissionRequest, AdmissionResult } from '../admission/types.ts';
import type { ObjectStore } from '../store.ts';
import { aggregateErrors, authorize, RBAC_GROUP, roleReferenceRules, rulesFor, SYSTEM_MASTERS } from './authorizer.ts';
import { compactRules, compactString, covers, goQuoteList } from './policy-rule.ts';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/**
 * `undefined` when `user` holds every permission in `rules` within `namespace`
 * ('' = cluster-wide only), else the upstream text naming what is missing
 * (ConfirmNoEscalation).
 */
export function confirmNoEscalation(
  store: ObjectStore,
  user: UserInfo,
  namespace: string,
  rules: readonly PolicyRule[],
): string | undefined {
  const owner = rulesFor(store, user, namespace);
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owner.errors.length > 0) msg += `; resolution errors: [${aggregateErrors(owner.errors)}]`;
  return msg;
}

function strip(o: KubeObject | undefined): string {
  if (!o) return '';
  const {
    ownerReferences: _o,
    finalizers: _f,
    resourceVersion: _rv,
    managedFields: _mf,
    generation: _g,
    uid: _u,
    creationTimestamp: _c,
    ...meta
  } = o.metadata;
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sorted({ ...o, metadata: meta }));
}

/** An update that only touches what garbage collection writes never needs re-checking (IsOnlyMutatingGCFields). */
const onlyGcFields = (request: AdmissionRequest): boolean =>
  request.operation === 'UPDATE' && strip(request.object) === strip(request.oldObject);

function may(
  store: ObjectStore,
  user: UserInfo,
  verb: string,
  resource: string,
  namespace: string,
  name: string,
): boolean {
  return authorize(
    {
      user,
      resourceRequest: true,
      verb,
      apiGroup: RBAC_GROUP,
      apiVersion: 'v1',
      resource,
      subresource: '',
      namespace,
      name,
    },
    store,
  ).allowed;
}

const deny = (resource: string, name: string, why: string): AdmissionResult => ({
  warnings: [],
  denied: {
    code: 403,
    reason: 'Forbidden',
    message: `${resource}.${RBAC_GROUP} ${JSON.stringify(name)} is forbidden: ${why}`,
  },
});

/**
 * The escalation check for one write, or `undefined` if it is not an RBAC
 * role or binding write. Returns the denial as an admission result.
 */
export function checkRbacEscalation(request: AdmissionRequest, store: ObjectStore): AdmissionResult {
  const ok: AdmissionResult = { warnings: [] };
  const { group, resource } = request.resource;
  if (group !== RBAC_GROUP || request.subresource !== '') return ok;
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return ok;
  const obj = request.object;
  if (!obj) return ok;
  const user = request.userInfo;
  if (user.groups.includes(SYSTEM_MASTERS)) return ok;
  if (onlyGcFields(request)) return ok;
  const name = obj.metadata.name ?? request.name;
  const namespace = resource === 'roles' || resource === 'rolebindings' ? request.namespace : '';

  if (resource === 'roles' || resource === 'clusterroles') {
    if (may(store, user, 'escalate', resource, namespace, name)) return ok;
    const rules = (obj.rules as PolicyRule[] | null) ?? [];
    const why = confirmNoEscalation(store, user, namespace, rules);
    if (why) return deny(resource, name, why);
    if (resource === 'clusterroles' && obj.aggregationRule) {
      // An aggregation rule can gather anything, so it takes full authority to set one.
      if (confirmNoEscalation(store, user, '', FULL_AUTHORITY)) {
        return deny(resource, name, 'must have cluster-admin privileges to use the aggregationRule');
      }
    }
    return ok;
  }
  if (resource === 'rolebindings' || resource === 'clusterrolebindings') {
    const binding = obj as unknown as RoleBinding;
    const ref = binding.roleRef;
    if (!ref) return ok;
    const refResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
    if (may(store, user, 'bind', refResource, namespace, ref.name)) return ok;
    const { rules, error } = roleReferenceRules(store, ref, namespace);
    if (error) return deny(resource, name, error);
    const why = confirmNoEscalation(store, user, namespace, rules);
    if (why) return deny(resource, name, why);
  }
  return ok;
}

/** Admission plugin form of {@link checkRbacEscalation}. */
export const rbacEscalationAdmission: AdmissionPlugin = {
  name: 'RBACEscalation',
  validate: checkRbacEscalation,
};
