import type { RequestAttributes, UserInfo } from '@paranoid/k8s/identity.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from '../admission/types.ts';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createMemoryStore } from '../store/memory-store.ts';
import { aggregateClusterRoles, clusterRoleAggregation } from './aggregation.ts';
import { authorize } from './authorizer.ts';
import { bootstrapRbacObjects } from './bootstrap.ts';
import { checkRbacEscalation } from './escalation.ts';
import { forbiddenError, forbiddenMessage } from './forbidden.ts';
import { rulesReview } from './rules-review.ts';

const RBAC = 'rbac.authorization.k8s.io';
const KINDS: Record<string, { group: string; resource: string }> = {
  Namespace: { group: '', resource: 'namespaces' },
  Role: { group: RBAC, resource: 'roles' },
  ClusterRole: { group: RBAC, resource: 'clusterroles' },
  RoleBinding: { group: RBAC, resource: 'rolebindings' },
  ClusterRoleBinding: { group: RBAC, resource: 'clusterrolebindings' },
};

function cluster(extra: KubeObject[] = []) {
  const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
  for (const name of ['kube-system', 'kube-public', 'dev', 'prod']) {
    store.create(KINDS.Namespace!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  for (const o of [...bootstrapRbacObjects(), ...extra]) store.create(KINDS[o.kind]!, o);
  aggregateClusterRoles(store);
  return store;
}

const alice: UserInfo = { username: 'alice', groups: ['system:authenticated'] };

const bind = (
  name: string,
  namespace: string,
  role: string,
  subject: Record<string, string>,
  roleKind = 'ClusterRole',
): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: RBAC, kind: roleKind, name: role },
  subjects: [subject],
});

const res = (
  user: UserInfo,
  verb: string,
  resource: string,
  namespace = '',
  extra: Partial<Extract<RequestAttributes, { resourceRequest: true }>> = {},
): RequestAttributes => ({
  user,
  resourceRequest: true,
  verb,
  apiGroup: '',
  apiVersion: 'v1',
  resource,
  subresource: '',
  namespace,
  name: '',
  ...extra,
});

describe('authorize', () => {
  it('names the binding that allowed a request', () => {
    const store = cluster([bind('alice-view', 'dev', 'view', { apiGroup: RBAC, kind: 'User', name: 'alice' })]);
    expect(authorize(res(alice, 'list', 'pods', 'dev'), store)).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "alice-view/dev" of ClusterRole "view" to User "alice"',
    });
    expect(authorize(res(alice, 'list', 'pods', 'prod'), store)).toEqual({ allowed: false, reason: '' });
    expect(authorize(res(alice, 'get', 'secrets', 'dev'), store).allowed).toBe(false);
  });

  it('matches service accounts by their username, defaulting the namespace to the binding', () => {
    const store = cluster([bind('sa-edit', 'dev', 'edit', { kind: 'ServiceAccount', name: 'ci' })]);
    const sa: UserInfo = { username: 'system:serviceaccount:dev:ci', groups: ['system:serviceaccounts'] };
    expect(authorize(res(sa, 'create', 'deployments', 'dev', { apiGroup: 'apps' }), store).reason).toBe(
      'RBAC: allowed by RoleBinding "sa-edit/dev" of ClusterRole "edit" to ServiceAccount "ci/dev"',
    );
  });

  it('lets system:masters do anything before RBAC is asked', () => {
    const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
    const admin: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters'] };
    expect(authorize(res(admin, 'delete', 'nodes'), store).allowed).toBe(true);
  });

  it('reports a binding to a missing role as the reason', () => {
    const store = cluster([bind('broken', 'dev', 'nope', { apiGroup: RBAC, kind: 'User', name: 'alice' }, 'Role')]);
    expect(authorize(res(alice, 'get', 'pods', 'dev'), store)).toEqual({
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "nope" not found',
    });
  });

  it('lets anonymous users read /version but not /api', () => {
    const store = cluster();
    const anon: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
    expect(authorize({ user: anon, resourceRequest: false, verb: 'get', path: '/version' }, store).reason).toBe(
      'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"',
    );
    expect(authorize({ user: anon, resourceRequest: false, verb: 'get', path: '/api' }, store).allowed).toBe(false);
  });
});

describe('bootstrapRbacObjects', () => {
  it('has the upstream default roles and bindings', () => {
    const objects = bootstrapRbacObjects();
    const names = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name);
    expect(names('ClusterRole')).toHaveLength(31);
    expect(names('ClusterRole')).toEqual(
      expect.arrayContaining(['cluster-admin', 'admin', 'edit', 'view', 'system:node']),
    );
    expect(names('ClusterRoleBinding')).toEqual(
      expect.arrayContaining(['cluster-admin', 'system:discovery', 'system:basic-user', 'system:public-info-viewer']),
    );
    expect(
      objects.find((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === 'cluster-admin')!.subjects,
    ).toEqual([{ apiGroup: RBAC, kind: 'Group', name: 'system:masters' }]);
  });
});

describe('forbiddenMessage', () => {
  it('writes the apiserver text for each kind of request', () => {
    expect(forbiddenMessage(res(alice, 'list', 'pods', 'dev'))).toBe(
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"',
    );
    expect(forbiddenMessage(res(alice, 'get', 'pods', 'dev', { name: 'web', subresource: 'log' }))).toBe(
      'pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "dev"',
    );
    expect(forbiddenMessage(res(alice, 'list', 'clusterroles', '', { apiGroup: RBAC }))).toBe(
      'clusterroles.rbac.authorization.k8s.io is forbidden: User "alice" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );
    expect(forbiddenMessage({ user: alice, resourceRequest: false, verb: 'get', path: '/metrics' })).toBe(
      'forbidden: User "alice" cannot get path "/metrics"',
    );
  });

  it('builds a 403 Status with details', () => {
    const status = forbiddenError(
      res(alice, 'get', 'deployments', 'dev', { name: 'web', apiGroup: 'apps' }),
    ).toStatus();
    expect(status).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
  });
});

describe('aggregation', () => {
  it('fills admin, edit and view from the aggregate-to roles', () => {
    const store = cluster();
    const rules = (name: string) => store.get(KINDS.ClusterRole!, undefined, name)!.rules as { resources?: string[] }[];
    const has = (name: string, resource: string) => rules(name).some((r) => r.resources?.includes(resource));
    expect(has('view', 'pods')).toBe(true);
    expect(has('view', 'secrets')).toBe(false);
    expect(has('edit', 'secrets')).toBe(true);
    expect(has('edit', 'roles')).toBe(false);
    expect(has('admin', 'roles')).toBe(true);
    expect(has('admin', 'pods')).toBe(true);
  });

  it('keeps aggregating as labelled ClusterRoles come and go', async () => {
    const store = cluster();
    const stop = clusterRoleAggregation(store, new ManualClock());
    store.create(KINDS.ClusterRole!, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'crontab-reader', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: ['stable.example.com'], resources: ['crontabs'], verbs: ['get', 'list'] }],
    });
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(JSON.stringify(store.get(KINDS.ClusterRole!, undefined, 'view')!.rules)).toContain('crontabs');
    const admin = store.get(KINDS.ClusterRole!, undefined, 'admin')!;
    expect(JSON.stringify(admin.rules)).toContain('crontabs');
    stop();
  });
});

describe('rulesReview', () => {
  it('lists the rules that apply in a namespace', () => {
    const store = cluster([bind('alice-view', 'dev', 'view', { apiGroup: RBAC, kind: 'User', name: 'alice' })]);
    const review = rulesReview(alice, 'dev', store);
    expect(review.incomplete).toBe(false);
    expect(review.resourceRules).toContainEqual({
      verbs: ['create'],
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    });
    expect(review.resourceRules.some((r) => r.resources?.includes('pods') && r.verbs.includes('list'))).toBe(true);
    expect(review.nonResourceRules).toContainEqual({
      verbs: ['get'],
      nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'],
    });
    expect(rulesReview(alice, 'prod', store).resourceRules.some((r) => r.resources?.includes('pods'))).toBe(false);
  });
});

describe('escalation', () => {
  const write = (object: KubeObject, resource: string, user: UserInfo, namespace = 'dev'): AdmissionRequest => ({
    operation: 'CREATE',
    resource: { group: RBAC, version: 'v1', resource },
    subresource: '',
    kind: { group: RBAC, version: 'v1', kind: object.kind },
    namespace,
    name: object.metadata.name ?? '',
    object,
    userInfo: user,
    dryRun: false,
  });
  const secretReader: KubeObject = {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name: 'secret-reader', namespace: 'dev' },
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }],
  };

  it('refuses a Role granting what the user does not hold', () => {
    const store = cluster([
      bind('alice-rbac', 'dev', 'rbac-writer', { apiGroup: RBAC, kind: 'User', name: 'alice' }),
      {
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRole',
        metadata: { name: 'rbac-writer' },
        rules: [{ apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ['create', 'get', 'list'] }],
      },
    ]);
    expect(checkRbacEscalation(write(secretReader, 'roles', alice), store).denied).toEqual({
      code: 403,
      reason: 'Forbidden',
      message:
        'roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    });
  });

  it('allows a Role the user already holds, or with escalate', () => {
    const store = cluster([bind('alice-admin', 'dev', 'admin', { apiGroup: RBAC, kind: 'User', name: 'alice' })]);
    expect(checkRbacEscalation(write(secretReader, 'roles', alice), store).denied).toBeUndefined();
  });

  it('refuses binding a role the user does not hold unless they may bind it', () => {
    const store = cluster([bind('alice-edit', 'dev', 'edit', { apiGroup: RBAC, kind: 'User', name: 'alice' })]);
    const binding = bind('bob-admin', 'dev', 'admin', { apiGroup: RBAC, kind: 'User', name: 'bob' });
    const denied = checkRbacEscalation(write(binding, 'rolebindings', alice), store).denied;
    expect(denied?.message).toMatch(
      /^rolebindings\.rbac\.authorization\.k8s\.io "bob-admin" is forbidden: user "alice" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["authorization\.k8s\.io"\], Resources:\["localsubjectaccessreviews"\], Verbs:\["create"\]\}\n/,
    );
    const binder: KubeObject = {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'admin-binder' },
      rules: [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['admin'] }],
    };
    const store2 = cluster([
      binder,
      bind('alice-binder', 'dev', 'admin-binder', { apiGroup: RBAC, kind: 'User', name: 'alice' }),
    ]);
    expect(checkRbacEscalation(write(binding, 'rolebindings', alice), store2).denied).toBeUndefined();
  });

  it('lets system:masters write anything', () => {
    const store = cluster();
    const admin: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters'] };
    expect(checkRbacEscalation(write(secretReader, 'roles', admin), store).denied).toBeUndefined();
  });
});
