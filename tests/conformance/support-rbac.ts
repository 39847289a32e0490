/**
 * RBAC conformance: the vectors in ../shared/conformance/rbac turned into cluster
 * objects and access reviews, judged apart from how they reach the cluster. Every
 * case shares one cluster, so each case's users, groups, roles and namespaces get
 * a prefix that keeps it from seeing another case's grants.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthorizationDecision, RequestAttributes } from '@paranoid/k8s/identity.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { conformanceData } from './support-data.ts';

export const RBAC_DATA = conformanceData('rbac');
const RBAC = 'rbac.authorization.k8s.io';

/** How roles reach a cluster and how access is asked about. */
export interface RbacTransport {
  /** Creates the objects (Namespaces, Roles, ClusterRoles, bindings) with full authority. */
  apply(objects: KubeObject[]): Promise<void>;
  /** A SubjectAccessReview for `attrs`. */
  review(attrs: RequestAttributes): Promise<AuthorizationDecision>;
}

/** One request with its expectation; `setup` runs once per case before its requests. */
export interface RbacVector {
  id: string;
  setup: KubeObject[];
  attrs: RequestAttributes;
  expectAllowed: boolean;
}

interface RawRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface RawSubject {
  kind: string;
  name: string;
  namespace?: string;
}
interface RawBinding {
  kind: string;
  namespace?: string;
  roleRef: { kind: string; name: string };
  subjects: RawSubject[];
}
interface RawRequest {
  user?: string;
  groups?: string[];
  resourceRequest: boolean;
  verb: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path?: string;
  expectAllowed: boolean;
}

const read = (file: string) => JSON.parse(readFileSync(join(RBAC_DATA, file), 'utf8'));

function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function attrsOf(r: RawRequest, p: (s: string) => string, ns: (s: string) => string): RequestAttributes {
  const user = { username: r.user ? p(r.user) : '', groups: (r.groups ?? []).map(p) };
  if (!r.resourceRequest) return { user, resourceRequest: false, verb: r.verb, path: r.path ?? '' };
  return {
    user,
    resourceRequest: true,
    verb: r.verb,
    apiGroup: r.apiGroup ?? '',
    apiVersion: '',
    resource: r.resource ?? '',
    subresource: r.subresource ?? '',
    namespace: r.namespace ? ns(r.namespace) : '',
    name: r.name ?? '',
  };
}

/** authorizer-vectors.json: TestAuthorizer cases and TestRuleMatches cases. */
export function authorizerVectors(): RbacVector[] {
  const data = read('authorizer-vectors.json');
  const out: RbacVector[] = [];
  data.authorizerCases.forEach(
    (
      c: {
        id: string;
        clusterRoles?: { name: string; rules: RawRule[] }[];
        roles?: { name: string; namespace: string; rules: RawRule[] }[];
        roleBindings?: RawBinding[];
        clusterRoleBindings?: RawBinding[];
        requests: RawRequest[];
      },
      i: number,
    ) => {
      const p = (s: string) => `a${i}-${s}`;
      const ns = (s: string) => `a${i}-${s}`;
      const setup: KubeObject[] = [];
      const namespaces = new Set<string>();
      for (const b of c.roleBindings ?? []) if (b.namespace) namespaces.add(ns(b.namespace));
      for (const r of c.roles ?? []) namespaces.add(ns(r.namespace));
      for (const n of namespaces) setup.push(namespaceObject(n));
      for (const r of c.clusterRoles ?? []) {
        setup.push({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: p(r.name) }, rules: r.rules });
      }
      for (const r of c.roles ?? []) {
        setup.push({
          apiVersion: `${RBAC}/v1`,
          kind: 'Role',
          metadata: { name: p(r.name), namespace: ns(r.namespace) },
          rules: r.rules,
        });
      }
      const binding = (b: RawBinding, j: number): KubeObject => ({
        apiVersion: `${RBAC}/v1`,
        kind: b.kind,
        metadata: { name: p(`binding-${j}`), ...(b.namespace ? { namespace: ns(b.namespace) } : {}) },
        roleRef: { apiGroup: RBAC, kind: b.roleRef.kind, name: p(b.roleRef.name) },
        subjects: b.subjects.map((s) => ({
          kind: s.kind,
          name: s.kind === 'ServiceAccount' ? s.name : p(s.name),
          ...(s.kind === 'ServiceAccount' ? { namespace: ns(s.namespace ?? b.namespace ?? '') } : { apiGroup: RBAC }),
        })),
      });
      for (const [j, b] of (c.roleBindings ?? []).entries()) setup.push(binding(b, j));
      for (const [j, b] of (c.clusterRoleBindings ?? []).entries()) setup.push(binding(b, 100 + j));
      c.requests.forEach((r, j) => {
        out.push({
          id: `${c.id} #${j}`,
          setup: j === 0 ? setup : [],
          attrs: attrsOf(r, p, ns),
          expectAllowed: r.expectAllowed,
        });
      });
    },
  );
  data.ruleMatchCases.forEach((c: { name: string; rule: RawRule; requests: RawRequest[] }, i: number) => {
    const p = (s: string) => `m${i}-${s}`;
    const user = p('user');
    const setup: KubeObject[] = [
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: p('role') }, rules: [c.rule] },
      {
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: { name: p('binding') },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: p('role') },
        subjects: [{ apiGroup: RBAC, kind: 'User', name: user }],
      },
    ];
    c.requests.forEach((r, j) => {
      out.push({
        id: `rule "${c.name}" #${j}`,
        setup: j === 0 ? setup : [],
        attrs: attrsOf({ ...r, user: 'user', groups: [] }, p, (s) => s),
        expectAllowed: r.expectAllowed,
      });
    });
  });
  return out;
}

/** derived-default-role-vectors.json: can-i checks against the default roles. */
export function derivedVectors(): RbacVector[] {
  const data = read('derived-default-role-vectors.json');
  const out: RbacVector[] = [];
  const namespaces = new Set<string>();
  data.cases.forEach(
    (
      c: {
        user: string;
        groups: string[];
        roleBindings?: { namespace: string; clusterRole: string }[];
        request: Record<string, string>;
        expectAllowed: boolean;
      },
      i: number,
    ) => {
      const username = `d${i}-${c.user}`;
      const setup: KubeObject[] = [];
      for (const b of c.roleBindings ?? []) {
        if (!namespaces.has(b.namespace)) {
          namespaces.add(b.namespace);
          setup.push(namespaceObject(b.namespace));
        }
        setup.push({
          apiVersion: `${RBAC}/v1`,
          kind: 'RoleBinding',
          metadata: { name: `d${i}-${b.clusterRole}`, namespace: b.namespace },
          roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: b.clusterRole },
          subjects: [{ apiGroup: RBAC, kind: 'User', name: username }],
        });
      }
      const q = c.request;
      const user = { username, groups: c.groups };
      const attrs: RequestAttributes =
        q.nonResourceURL !== undefined
          ? { user, resourceRequest: false, verb: q.verb!, path: q.nonResourceURL }
          : {
              user,
              resourceRequest: true,
              verb: q.verb!,
              apiGroup: q.group ?? '',
              apiVersion: '',
              resource: q.resource ?? '',
              subresource: q.subresource ?? '',
              namespace: q.namespace ?? '',
              name: q.name ?? '',
            };
      out.push({
        id: `derived #${i} ${c.user} ${q.verb} ${q.nonResourceURL ?? `${q.resource}${q.subresource ? `/${q.subresource}` : ''} in "${q.namespace}"`}`,
        setup,
        attrs,
        expectAllowed: c.expectAllowed,
      });
    },
  );
  return out;
}

/** Returns '' when the decision is the expected one, else why not. */
export async function judgeVector(v: RbacVector, transport: RbacTransport): Promise<string> {
  if (v.setup.length > 0) await transport.apply(v.setup);
  const decision = await transport.review(v.attrs);
  if (decision.allowed === v.expectAllowed) return '';
  return `expected ${v.expectAllowed ? 'allowed' : 'denied'}, got ${decision.allowed ? 'allowed' : 'denied'} (${decision.reason})`;
}
