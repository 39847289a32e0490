import { describe, expect, it } from 'vitest';
import { openApiV2 } from './v2.ts';

describe('openApiV2', () => {
  it('serves swagger 2.0 with definitions and body parameters', () => {
    const doc = openApiV2() as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
    expect(doc.swagger).toBe('2.0');
    const patch = doc.paths!['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']!.patch as {
      consumes: string[];
      parameters: { name: string; in: string; schema?: { $ref: string } }[];
      'x-kubernetes-group-version-kind': unknown;
    };
    expect(patch.consumes).toContain('application/strategic-merge-patch+json');
    expect(patch.parameters[0]).toEqual({
      in: 'body',
      name: 'body',
      required: true,
      schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' },
    });
    expect(patch.parameters.map((p) => p.name)).toContain('fieldValidation');
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', kind: 'Deployment', version: 'v1' });
    const spec = doc.definitions!['io.k8s.api.apps.v1.Deployment']!.properties as Record<string, { $ref?: string }>;
    expect(spec.spec?.$ref).toBe('#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
  });
});
