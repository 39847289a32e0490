/**
 * Policy costs per request: an RBAC decision against the default roles plus a
 * thousand bindings, a Pod Security evaluation, and a CEL policy check.
 */
import { performance } from 'node:perf_hooks';
import { podSecurityAdmission } from '@paranoid/sim/admission/pod-security.ts';
import { evaluatePod } from '@paranoid/sim/admission/pod-security-policy.ts';
import type { AdmissionRequest } from '@paranoid/sim/admission/types.ts';
import { validateWithPolicies } from '@paranoid/sim/admission/validating-admission-policy.ts';
import { ManualClock, SequentialIds } from '@paranoid/sim/clock.ts';
import { aggregateClusterRoles } from '@paranoid/sim/rbac/aggregation.ts';
import { authorize } from '@paranoid/sim/rbac/authorizer.ts';
import { bootstrapRbacObjects } from '@paranoid/sim/rbac/bootstrap.ts';
import { createMemoryStore } from '@paranoid/sim/store/memory-store.ts';
import type { Figure } from './main.ts';

const RBAC = 'rbac.authorization.k8s.io';
const RESOURCE: Record<string, string> = {
  Role: 'roles',
  ClusterRole: 'clusterroles',
  RoleBinding: 'rolebindings',
  ClusterRoleBinding: 'clusterrolebindings',
};

function perCall(n: number, fn: (i: number) => void): number {
  const started = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return ((performance.now() - started) * 1000) / n;
}

export async function run(): Promise<Figure[]> {
  const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
  store.create(
    { group: '', resource: 'namespaces' },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } },
  );
  for (const o of bootstrapRbacObjects()) store.create({ group: RBAC, resource: RESOURCE[o.kind]! }, o);
  for (let i = 0; i < 1000; i++) {
    store.create(
      { group: RBAC, resource: 'rolebindings' },
      {
        apiVersion: `${RBAC}/v1`,
        kind: 'RoleBinding',
        metadata: { name: `b${i}`, namespace: 'dev' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
        subjects: [{ apiGroup: RBAC, kind: 'User', name: `user${i}` }],
      },
    );
  }
  aggregateClusterRoles(store);
  const rbac = perCall(2000, (i) =>
    authorize(
      {
        user: { username: `user${i % 1000}`, groups: ['system:authenticated'] },
        resourceRequest: true,
        verb: 'list',
        apiGroup: '',
        apiVersion: 'v1',
        resource: 'secrets',
        subresource: '',
        namespace: 'dev',
        name: '',
      },
      store,
    ),
  );
  const spec = { containers: [{ name: 'c', image: 'nginx', securityContext: { privileged: true } }] };
  const psa = perCall(20000, () => evaluatePod('restricted', 'latest', {}, spec));
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'dev' }, spec };
  const request: AdmissionRequest = {
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'pods' },
    subresource: '',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    namespace: 'dev',
    name: 'p',
    object: pod,
    userInfo: { username: 'u', groups: [] },
    dryRun: true,
  };
  const psaPlugin = perCall(5000, () => podSecurityAdmission.validate!(request, store));
  store.create(
    { group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicies' },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'no-privileged' },
      spec: {
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
        },
        validations: [
          {
            expression:
              'object.spec.containers.all(c, !has(c.securityContext) || c.securityContext.privileged != true)',
          },
        ],
      },
    },
  );
  store.create(
    { group: 'admissionregistration.k8s.io', resource: 'validatingadmissionpolicybindings' },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'no-privileged' },
      spec: { policyName: 'no-privileged', validationActions: ['Deny'] },
    },
  );
  const vap = perCall(5000, () => validateWithPolicies(request, store));
  return [
    { name: 'RBAC decision, 1000 RoleBindings in namespace', value: rbac, unit: 'µs', goal: '< 1000 µs' },
    { name: 'Pod Security evaluatePod (restricted:latest)', value: psa, unit: 'µs', goal: '< 50 µs' },
    { name: 'PodSecurity plugin on a pod create', value: psaPlugin, unit: 'µs', goal: '< 200 µs' },
    { name: 'ValidatingAdmissionPolicy (1 CEL policy) on a pod', value: vap, unit: 'µs', goal: '< 500 µs' },
  ];
}
