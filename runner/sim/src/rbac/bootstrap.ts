/**
 * The RBAC objects a fresh kind (kubeadm) cluster of Kubernetes 1.32 has: the
 * default ClusterRoles (upstream golden file, see bootstrap-cluster-roles.ts), the
 * default ClusterRoleBindings (bootstrappolicy clusterRoleBindings()), kubeadm's
 * `kubeadm:cluster-admins` binding, and the Roles and RoleBindings bootstrappolicy
 * creates in kube-system and kube-public (namespace_policy.go).
 */

import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { PolicyRule, Subject } from 'kubernetes-types/rbac/v1';
import { RBAC_GROUP } from './authorizer.ts';
import { BOOTSTRAP_CLUSTER_ROLES } from './bootstrap-cluster-roles.ts';

const API_VERSION = `${RBAC_GROUP}/v1`;
const DEFAULTS = {
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
};

const copyDefaults = (): typeof DEFAULTS => JSON.parse(JSON.stringify(DEFAULTS)) as typeof DEFAULTS;

const user = (name: string): Subject => ({ apiGroup: RBAC_GROUP, kind: 'User', name });
const group = (name: string): Subject => ({ apiGroup: RBAC_GROUP, kind: 'Group', name });
const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

function clusterRoleBinding(name: string, role: string, subjects: Subject[], bootstrapped = true): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: { name, ...(bootstrapped ? copyDefaults() : {}) },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    ...(subjects.length > 0 ? { subjects } : {}),
  };
}

function role(namespace: string, name: string, rules: PolicyRule[]): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Role',
    metadata: { name, namespace, ...copyDefaults() },
    rules,
  };
}

function roleBinding(namespace: string, name: string, roleName: string, subjects: Subject[]): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'RoleBinding',
    metadata: { name, namespace, ...copyDefaults() },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
    subjects,
  };
}

const r = (verbs: string[], resources: string[], resourceNames?: string[], apiGroups = ['']): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
  ...(resourceNames ? { resourceNames } : {}),
});

/** Default ClusterRoleBindings, in the order upstream lists them. */
export function bootstrapClusterRoleBindings(): KubeObject[] {
  return [
    clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')]),
    clusterRoleBinding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
    clusterRoleBinding('system:discovery', 'system:discovery', [group('system:authenticated')]),
    clusterRoleBinding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [
      group('system:authenticated'),
      group('system:unauthenticated'),
    ]),
    clusterRoleBinding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
    clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', [
      user('system:kube-controller-manager'),
    ]),
    clusterRoleBinding('system:kube-dns', 'system:kube-dns', [sa('kube-system', 'kube-dns')]),
    clusterRoleBinding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterRoleBinding('system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]),
    clusterRoleBinding('system:node', 'system:node', []),
    clusterRoleBinding('system:service-account-issuer-discovery', 'system:service-account-issuer-discovery', [
      group('system:serviceaccounts'),
    ]),
    // kubeadm ≥ 1.29 gives its admin.conf user this group instead of system:masters.
    clusterRoleBinding('kubeadm:cluster-admins', 'cluster-admin', [group('kubeadm:cluster-admins')], false),
  ];
}

/** Roles and RoleBindings bootstrappolicy creates in kube-system and kube-public. */
export function bootstrapNamespacedRbac(): KubeObject[] {
  const ks = 'kube-system';
  return [
    role(ks, 'extension-apiserver-authentication-reader', [
      r(['get', 'list', 'watch'], ['configmaps'], ['extension-apiserver-authentication']),
    ]),
    role(ks, 'system::leader-locking-kube-controller-manager', [
      r(['watch'], ['configmaps']),
      r(['get', 'update'], ['configmaps'], ['kube-controller-manager']),
    ]),
    role(ks, 'system::leader-locking-kube-scheduler', [
      r(['watch'], ['configmaps']),
      r(['get', 'update'], ['configmaps'], ['kube-scheduler']),
    ]),
    role(ks, 'system:controller:bootstrap-signer', [r(['get', 'list', 'watch'], ['secrets'])]),
    role(ks, 'system:controller:cloud-provider', [r(['create', 'get', 'list', 'watch'], ['configmaps'])]),
    role(ks, 'system:controller:token-cleaner', [
      r(['delete', 'get', 'list', 'watch'], ['secrets']),
      r(['create', 'patch', 'update'], ['events'], undefined, ['', 'events.k8s.io']),
    ]),
    role('kube-public', 'system:controller:bootstrap-signer', [
      r(['get', 'list', 'watch'], ['configmaps']),
      r(['update'], ['configmaps'], ['cluster-info']),
      r(['create', 'patch', 'update'], ['events'], undefined, ['', 'events.k8s.io']),
    ]),
    roleBinding(ks, 'system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader', [
      user('system:kube-controller-manager'),
      user('system:kube-scheduler'),
    ]),
    roleBinding(
      ks,
      'system::leader-locking-kube-controller-manager',
      'system::leader-locking-kube-controller-manager',
      [user('system:kube-controller-manager'), sa(ks, 'kube-controller-manager')],
    ),
    roleBinding(ks, 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', [
      user('system:kube-scheduler'),
      sa(ks, 'kube-scheduler'),
    ]),
    roleBinding(ks, 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [
      sa(ks, 'bootstrap-signer'),
    ]),
    roleBinding(ks, 'system:controller:cloud-provider', 'system:controller:cloud-provider', [sa(ks, 'cloud-provider')]),
    roleBinding(ks, 'system:controller:token-cleaner', 'system:controller:token-cleaner', [sa(ks, 'token-cleaner')]),
    roleBinding('kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [
      sa(ks, 'bootstrap-signer'),
    ]),
  ];
}

/**
 * Every RBAC object of a fresh cluster: ClusterRoles, ClusterRoleBindings, then the
 * namespaced Roles and RoleBindings (their namespaces must exist first). Aggregated
 * roles (admin, edit, view) come with `rules: null`; run {@link aggregateClusterRoles}
 * or the {@link clusterRoleAggregation} hook to fill them.
 */
export function bootstrapRbacObjects(): KubeObject[] {
  return [
    ...(JSON.parse(JSON.stringify(BOOTSTRAP_CLUSTER_ROLES)) as KubeObject[]),
    ...bootstrapClusterRoleBindings(),
    ...bootstrapNamespacedRbac(),
  ];
}
