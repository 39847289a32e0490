import { describe, expect, it } from 'vitest';
import { parseResourcePath, resourceAttributes } from './request-info.ts';

const user = { username: 'jane', groups: ['system:authenticated'] };

describe('the attributes a resource request is authorized by', () => {
  it('name the verb, group, subresource, namespace and object as upstream does for kubectl exec', () => {
    const info = parseResourcePath('/api/v1/namespaces/shop/pods/web/exec', 'POST', {})!;
    expect(resourceAttributes(user, info)).toEqual({
      user,
      resourceRequest: true,
      verb: 'create',
      apiGroup: '',
      apiVersion: 'v1',
      resource: 'pods',
      subresource: 'exec',
      namespace: 'shop',
      name: 'web',
    });
  });

  it('make a watch across namespaces a cluster-wide watch of the resource', () => {
    const info = parseResourcePath('/apis/apps/v1/deployments', 'GET', { watch: ['true'] })!;
    expect(resourceAttributes(user, info)).toMatchObject({
      verb: 'watch',
      apiGroup: 'apps',
      resource: 'deployments',
      namespace: '',
      name: '',
    });
  });
});
