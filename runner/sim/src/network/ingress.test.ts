import type { Ingress } from 'kubernetes-types/networking/v1';
import { describe, expect, it } from 'vitest';
import { routeIngress } from './network.ts';
import { service, shop } from './testing/fixtures.ts';

const ingress = (name: string, spec: Ingress['spec']): Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'shop' },
  spec,
});
const backend = (name: string, port: number | string) => ({
  service: { name, port: typeof port === 'number' ? { number: port } : { name: port } },
});

const objects = shop({
  services: [
    service('shop', 'admin', {
      selector: { app: 'api' },
      clusterIP: '10.96.10.20',
      ports: [{ name: 'http', port: 8000, targetPort: 8080 }],
    }),
  ],
});
objects.ingresses = [
  ingress('shop', {
    defaultBackend: backend('web', 80),
    rules: [
      {
        host: 'shop.example',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: backend('web', 80) },
            { path: '/api', pathType: 'Prefix', backend: backend('api', 80) },
            { path: '/admin', pathType: 'Exact', backend: backend('admin', 'http') },
          ],
        },
      },
      { host: '*.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('api', 80) }] } },
    ],
  }),
];

describe('routeIngress', () => {
  it('picks the longest matching prefix path on the matching host', () => {
    expect(routeIngress(objects, { host: 'shop.example', path: '/api/orders' })).toEqual({
      ingress: { namespace: 'shop', name: 'shop' },
      service: { namespace: 'shop', name: 'api' },
      port: 80,
      path: '/api',
    });
    expect(routeIngress(objects, { host: 'shop.example', path: '/apix' })?.service.name).toBe('web');
  });

  it('matches Exact paths exactly and resolves named Service ports', () => {
    expect(routeIngress(objects, { host: 'shop.example', path: '/admin' })).toMatchObject({
      service: { name: 'admin' },
      port: 8000,
    });
    expect(routeIngress(objects, { host: 'shop.example', path: '/admin/x' })?.service.name).toBe('web');
  });

  it('matches a wildcard host on one label only, and falls back to the default backend', () => {
    expect(routeIngress(objects, { host: 'other.example:8080', path: '/' })?.service.name).toBe('api');
    expect(routeIngress(objects, { host: 'a.b.example', path: '/' })).toEqual({
      ingress: { namespace: 'shop', name: 'shop' },
      service: { namespace: 'shop', name: 'web' },
      port: 80,
    });
  });

  it('answers nothing when there is no Ingress', () => {
    expect(routeIngress(shop(), { host: 'shop.example' })).toBeUndefined();
  });
});
