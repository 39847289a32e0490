import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createMemoryStore } from '../store/memory-store.ts';
import type { AdmissionRequest } from './types.ts';
import { policyExpressionCauses, validateWithPolicies } from './validating-admission-policy.ts';

const GROUP = 'admissionregistration.k8s.io';

const policy = (expression: string, name = 'p'): KubeObject => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
    },
    validations: [{ expression }],
  },
});

const policyWrite = (object: KubeObject): AdmissionRequest => ({
  operation: 'CREATE',
  resource: { group: GROUP, version: 'v1', resource: 'validatingadmissionpolicies' },
  subresource: '',
  kind: { group: GROUP, version: 'v1', kind: 'ValidatingAdmissionPolicy' },
  namespace: '',
  name: object.metadata.name ?? '',
  object,
  userInfo: { username: 'learner', groups: ['system:masters'] },
  dryRun: false,
});

/** A list literal of `n` ones, the longest cel-js parses being 1000. */
const ones = (n: number) => `[${Array.from({ length: n }, () => '1').join(',')}]`;

describe('the CEL cost budget of ValidatingAdmissionPolicy', () => {
  it('accepts the one-comprehension policies scenarios use', () => {
    const causes = policyExpressionCauses(
      policy(
        "object.spec.containers.all(c, c.image.startsWith('registry.lab.local/approved/')) && " +
          "(!has(object.spec.initContainers) || object.spec.initContainers.all(c, c.image.startsWith('r/')))",
      ),
    );
    expect(causes).toEqual([]);
  });

  it('stores a comprehension nested in another, as a real API server does, and bounds it at run', () => {
    const causes = policyExpressionCauses(
      policy('object.spec.containers.all(c, c.securityContext.capabilities.add.all(a, a in ["NET_BIND_SERVICE"]))'),
    );
    expect(causes).toEqual([]);
  });

  it('refuses an expression that does not compile', () => {
    const causes = policyExpressionCauses(policy('object.data.all(k,'));
    expect(causes[0]?.message).toMatch(/compilation failed/);
  });

  it('stops an evaluation past the per-call limit with "operation cancelled: actual cost limit exceeded"', () => {
    const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
    // 1000 x 1000 x 2 steps passes the static estimate (literal lists are bounded) but not the meter.
    store.create(
      { group: GROUP, resource: 'validatingadmissionpolicies' },
      policy(`${ones(1000)}.all(a, ${ones(1000)}.all(b, a == b))`),
    );
    store.create(
      { group: GROUP, resource: 'validatingadmissionpolicybindings' },
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'ValidatingAdmissionPolicyBinding',
        metadata: { name: 'b' },
        spec: { policyName: 'p', validationActions: ['Deny'] },
      },
    );
    const result = validateWithPolicies(
      {
        operation: 'CREATE',
        resource: { group: '', version: 'v1', resource: 'configmaps' },
        subresource: '',
        kind: { group: '', version: 'v1', kind: 'ConfigMap' },
        namespace: 'default',
        name: 'c',
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } },
        userInfo: { username: 'learner', groups: ['system:masters'] },
        dryRun: false,
      },
      store,
    );
    expect(result.denied?.message).toContain('resulted in error: operation cancelled: actual cost limit exceeded');
  });
});
