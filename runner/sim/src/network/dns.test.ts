import { describe, expect, it } from 'vitest';
import { createNetwork, resolve } from './network.ts';
import { allowDns, defaultDeny, netpol, pod, service, shop } from './testing/fixtures.ts';
import type { InternetHost } from './types.ts';

const internet: InternetHost[] = [{ names: ['example.com'], ips: ['93.184.215.14'] }];
const inShop = { namespace: 'shop' };
const ips = (r: ReturnType<typeof resolve>) => ('ips' in r ? r.ips : r.error);

describe('DNS', () => {
  it('resolves a Service by every form of its name from its own namespace', () => {
    for (const name of ['db', 'db.shop', 'db.shop.svc', 'db.shop.svc.cluster.local', 'db.shop.svc.cluster.local.']) {
      expect(ips(resolve(name, inShop, shop()))).toEqual(['10.96.10.1']);
    }
  });

  it('answers with the fully qualified name and the kube-dns server', () => {
    const r = resolve('db', inShop, shop());
    expect(r).toEqual({ ips: ['10.96.10.1'], name: 'db.shop.svc.cluster.local', server: '10.96.0.10' });
  });

  it('does not find a short Service name from another namespace', () => {
    expect(ips(resolve('db', { namespace: 'other' }, shop()))).toBe('NXDOMAIN');
    expect(ips(resolve('db.shop', { namespace: 'other' }, shop()))).toEqual(['10.96.10.1']);
  });

  it('resolves kubernetes.default to the apiserver Service', () => {
    expect(ips(resolve('kubernetes.default', inShop, shop()))).toEqual(['10.96.0.1']);
  });

  it('answers a headless Service with the IPs of its ready pods', () => {
    const objects = shop({
      services: [service('shop', 'redis', { selector: { app: 'redis' }, clusterIP: 'None', ports: [{ port: 6379 }] })],
      pods: [
        pod('shop', 'redis-1', { labels: { app: 'redis' }, ip: '10.244.1.31' }),
        pod('shop', 'redis-0', { labels: { app: 'redis' }, ip: '10.244.1.30' }),
        pod('shop', 'redis-2', { labels: { app: 'redis' }, ip: '10.244.1.32', ready: false }),
      ],
    });
    expect(ips(resolve('redis', inShop, objects))).toEqual(['10.244.1.30', '10.244.1.31']);
  });

  it('resolves a StatefulSet pod by hostname under its headless Service', () => {
    const objects = shop({
      services: [service('shop', 'redis', { selector: { app: 'redis' }, clusterIP: 'None', ports: [{ port: 6379 }] })],
      pods: [
        pod('shop', 'redis-0', {
          labels: { app: 'redis' },
          ip: '10.244.1.30',
          hostname: 'redis-0',
          subdomain: 'redis',
        }),
        pod('shop', 'redis-1', {
          labels: { app: 'redis' },
          ip: '10.244.1.31',
          owner: { kind: 'StatefulSet', name: 'redis' },
        }),
      ],
    });
    expect(ips(resolve('redis-0.redis.shop.svc.cluster.local', inShop, objects))).toEqual(['10.244.1.30']);
    expect(ips(resolve('redis-1.redis', inShop, objects))).toEqual(['10.244.1.31']);
    expect(ips(resolve('redis-9.redis', inShop, objects))).toBe('NXDOMAIN');
  });

  it('answers pod A records by dashed address', () => {
    expect(ips(resolve('10-244-1-12.shop.pod.cluster.local', inShop, shop()))).toEqual(['10.244.1.12']);
  });

  it('resolves internet names only from the scenario data', () => {
    expect(ips(resolve('example.com', inShop, shop(), { internet }))).toEqual(['93.184.215.14']);
    expect(ips(resolve('pool.invalid', inShop, shop(), { internet }))).toBe('NXDOMAIN');
  });

  it('follows an ExternalName Service to the internet name it points at', () => {
    const objects = shop({
      services: [service('shop', 'ext', { type: 'ExternalName', externalName: 'example.com', ports: [] })],
    });
    expect(resolve('ext', inShop, objects, { internet })).toEqual({
      ips: ['93.184.215.14'],
      name: 'ext.shop.svc.cluster.local',
      server: '10.96.0.10',
      cname: 'example.com',
    });
  });

  it('resolves kind node names through the Docker network resolver', () => {
    expect(ips(resolve('kind-control-plane', inShop, shop()))).toEqual(['172.18.0.2']);
  });

  it('resolves the GCE metadata name to the metadata endpoint', () => {
    expect(ips(resolve('metadata.google.internal', inShop, shop()))).toEqual(['169.254.169.254']);
  });

  it('times out when default-deny egress forgets DNS', () => {
    const r = resolve('db', { namespace: 'shop', pod: 'api' }, shop({ networkPolicies: [defaultDeny('shop')] }));
    expect('error' in r && r.error).toBe('TIMEOUT');
    if ('error' in r && r.error === 'TIMEOUT') {
      expect(r.reason.cause).toBe('egress-denied');
      expect(r.reason.message).toContain('denied: egress from shop/api is isolated by NetworkPolicy shop/default-deny');
      expect(r.reason.message).toContain('(DNS query to kube-dns kube-system/coredns-1 on 53/UDP)');
    }
  });

  it('resolves once egress to kube-dns is allowed', () => {
    const objects = shop({ networkPolicies: [defaultDeny('shop'), allowDns('shop')] });
    expect(ips(resolve('db', { kind: 'pod', namespace: 'shop', name: 'api' }, objects))).toEqual(['10.96.10.1']);
  });

  it('times out when kube-system denies ingress to CoreDNS', () => {
    const objects = shop({ networkPolicies: [netpol('kube-system', 'deny', { podSelector: {} })] });
    const r = resolve('db', { namespace: 'shop', pod: 'api' }, objects);
    expect('error' in r && r.error === 'TIMEOUT' && r.reason.cause).toBe('ingress-denied');
  });

  it('answers /etc/hosts names without asking DNS', () => {
    const objects = shop({ networkPolicies: [defaultDeny('shop')] });
    expect(ips(resolve('localhost', { namespace: 'shop', pod: 'api' }, objects))).toEqual(['127.0.0.1']);
    expect(ips(resolve('api', { namespace: 'shop', pod: 'api' }, objects))).toEqual(['10.244.1.11']);
    expect(ips(resolve('10.96.10.1', { namespace: 'shop', pod: 'api' }, objects))).toEqual(['10.96.10.1']);
  });

  it('gives a hostNetwork pod the node resolver unless it asks for ClusterFirstWithHostNet', () => {
    const net = createNetwork(
      shop({ pods: [pod('kube-system', 'agent', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' })] }),
      { internet },
    );
    expect(ips(net.resolve('kube-dns.kube-system', { namespace: 'kube-system', pod: 'kube-proxy-w' }))).toBe(
      'NXDOMAIN',
    );
    expect(ips(net.resolve('example.com', { namespace: 'kube-system', pod: 'kube-proxy-w' }))).toEqual([
      '93.184.215.14',
    ]);
    expect(ips(net.resolve('kube-dns', { namespace: 'kube-system', pod: 'agent' }))).toEqual(['10.96.0.10']);
  });

  it('times out when kube-dns has no ready endpoints', () => {
    const objects = shop();
    objects.pods = objects.pods!.filter((p) => p.metadata?.name !== 'coredns-1');
    const r = resolve('db', { namespace: 'shop', pod: 'api' }, objects);
    expect('error' in r && r.error === 'TIMEOUT' && r.reason.cause).toBe('no-endpoints');
  });
});
