import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createMemoryStore } from '../store/memory-store.ts';
import type { AdmissionRequest } from './types.ts';
import { validateWithPolicies } from './validating-admission-policy.ts';

const GROUP = 'admissionregistration.k8s.io';
const POLICIES = { group: GROUP, resource: 'validatingadmissionpolicies' };
const BINDINGS = { group: GROUP, resource: 'validatingadmissionpolicybindings' };

function cluster(policySpec: Record<string, unknown>, bindingSpec: Record<string, unknown> = {}, nsLabels = {}) {
  const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
  store.create(
    { group: '', resource: 'namespaces' },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels: nsLabels } },
  );
  store.create(POLICIES, {
    apiVersion: `${GROUP}/v1`,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'max-replicas' },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] },
        ],
      },
      validations: [{ expression: 'object.spec.replicas <= 5' }],
      ...policySpec,
    },
  });
  store.create(BINDINGS, {
    apiVersion: `${GROUP}/v1`,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'max-replicas-binding' },
    spec: { policyName: 'max-replicas', validationActions: ['Deny'], ...bindingSpec },
  });
  return store;
}

const deployment = (replicas: number, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'dev', labels },
  spec: { replicas, template: { spec: { containers: [{ name: 'c', image: 'nginx:latest' }] } } },
});

const request = (object: KubeObject, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  operation: 'CREATE',
  resource: { group: 'apps', version: 'v1', resource: 'deployments' },
  subresource: '',
  kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
  namespace: 'dev',
  name: 'web',
  object,
  userInfo: { username: 'alice', groups: ['system:authenticated'] },
  dryRun: false,
  ...extra,
});

describe('validateWithPolicies', () => {
  it('denies with the upstream message, reason Invalid and the message as a cause', () => {
    const r = validateWithPolicies(request(deployment(7)), cluster({}));
    expect(r.denied).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message:
        "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5",
    });
    expect((r.denied as unknown as { details: { causes: unknown[] } }).details.causes).toHaveLength(1);
    expect(validateWithPolicies(request(deployment(3)), cluster({})).denied).toBeUndefined();
  });

  it('uses message, messageExpression and reason', () => {
    const store = cluster({
      validations: [
        {
          expression: 'object.spec.template.spec.containers.all(c, !c.image.endsWith(":latest"))',
          messageExpression: '"image tag latest is not allowed in " + object.metadata.name',
          message: 'no latest',
          reason: 'Forbidden',
        },
      ],
    });
    const r = validateWithPolicies(request(deployment(1)), store);
    expect(r.denied?.code).toBe(403);
    expect(r.denied?.message).toMatch(/denied request: image tag latest is not allowed in web$/);
  });

  it('warns and audits instead of denying when the binding says so', () => {
    const r = validateWithPolicies(request(deployment(9)), cluster({}, { validationActions: ['Warn', 'Audit'] }));
    expect(r.denied).toBeUndefined();
    expect(r.warnings).toEqual([
      "Validation failed for ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding': failed expression: object.spec.replicas <= 5",
    ]);
    expect(r.auditAnnotations?.['validation.policy.admission.k8s.io/validation_failure']).toContain('max-replicas');
  });

  it('honours namespace and object selectors, binding matchResources and matchConditions', () => {
    const byNamespace = cluster({}, { matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } });
    expect(validateWithPolicies(request(deployment(9)), byNamespace).denied).toBeUndefined();
    const prod = cluster(
      {},
      { matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } },
      { env: 'prod' },
    );
    expect(validateWithPolicies(request(deployment(9)), prod).denied).toBeDefined();
    const byObject = cluster({ matchConstraints: undefined }, {});
    expect(validateWithPolicies(request(deployment(9)), byObject).denied).toBeUndefined();
    const conditioned = cluster({
      matchConditions: [
        { name: 'not-exempt', expression: '!has(object.metadata.labels) || !("exempt" in object.metadata.labels)' },
      ],
    });
    expect(validateWithPolicies(request(deployment(9, { exempt: 'yes' })), conditioned).denied).toBeUndefined();
    expect(validateWithPolicies(request(deployment(9)), conditioned).denied).toBeDefined();
  });

  it('fails closed on an evaluation error unless failurePolicy is Ignore', () => {
    const broken = { validations: [{ expression: 'object.spec.missing == 1' }] };
    expect(validateWithPolicies(request(deployment(1)), cluster(broken)).denied?.message).toMatch(
      /denied request: expression 'object.spec.missing == 1' resulted in error: /,
    );
    expect(
      validateWithPolicies(request(deployment(1)), cluster({ ...broken, failurePolicy: 'Ignore' })).denied,
    ).toBeUndefined();
  });

  it('evaluates variables and sees the request and the namespace', () => {
    const store = cluster(
      {
        variables: [{ name: 'isProd', expression: 'namespaceObject.metadata.labels.env == "prod"' }],
        validations: [
          {
            expression: '!variables.isProd || request.userInfo.username != "alice"',
            message: 'alice may not deploy to prod',
          },
        ],
      },
      {},
      { env: 'prod' },
    );
    expect(validateWithPolicies(request(deployment(1)), store).denied?.message).toMatch(
      /alice may not deploy to prod$/,
    );
  });

  it('reads params from the object the binding names', () => {
    const store = cluster(
      {
        paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
        validations: [{ expression: 'object.spec.replicas <= int(params.data.max)' }],
      },
      { paramRef: { name: 'limits', namespace: 'dev' } },
    );
    expect(validateWithPolicies(request(deployment(3)), store).denied?.message).toMatch(
      /no params found for policy binding with `Deny` parameterNotFoundAction/,
    );
    store.create(
      { group: '', resource: 'configmaps' },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'dev' }, data: { max: '2' } },
    );
    expect(validateWithPolicies(request(deployment(3)), store).denied).toBeDefined();
    expect(validateWithPolicies(request(deployment(2)), store).denied).toBeUndefined();
  });

  it('offers the authorizer library for the requesting user', () => {
    const store = cluster({
      validations: [
        {
          expression: 'authorizer.group("").resource("secrets").namespace("dev").check("list").allowed()',
          message: 'only users who may list secrets may deploy',
        },
      ],
    });
    expect(validateWithPolicies(request(deployment(1)), store).denied?.message).toMatch(
      /only users who may list secrets may deploy$/,
    );
    const admin = { username: 'root', groups: ['system:masters'] };
    expect(validateWithPolicies(request(deployment(1), { userInfo: admin }), store).denied).toBeUndefined();
  });

  it('publishes audit annotations under the policy name', () => {
    const store = cluster({
      validations: [],
      auditAnnotations: [{ key: 'replicas', valueExpression: '"asked for " + string(object.spec.replicas)' }],
    });
    expect(validateWithPolicies(request(deployment(4)), store).auditAnnotations).toEqual({
      'max-replicas/replicas': 'asked for 4',
    });
  });

  it('never judges policies and bindings themselves', () => {
    const store = cluster({
      matchConstraints: {
        resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }],
      },
      validations: [{ expression: 'false' }],
    });
    const r = validateWithPolicies(
      request(deployment(1), {
        resource: { group: GROUP, version: 'v1', resource: 'validatingadmissionpolicybindings' },
      }),
      store,
    );
    expect(r.denied).toBeUndefined();
    expect(validateWithPolicies(request(deployment(1)), store).denied).toBeDefined();
  });
});
