import { describe, expect, it } from 'vitest';
import { connect, createNetwork, explainPath } from './network.ts';
import { allowDns, defaultDeny, netpol, pod, service, shop } from './testing/fixtures.ts';
import type { InternetHost, ListenTarget, Peer } from './types.ts';

const intruder: Peer = { kind: 'pod', namespace: 'shop', name: 'intruder' };
const api: Peer = { kind: 'pod', namespace: 'shop', name: 'api' };
const internetPeer: Peer = { kind: 'internet' };
const internet: InternetHost[] = [{ names: ['example.com'], ips: ['93.184.215.14'] }];

const onlyFromApi = netpol('shop', 'db-allow', {
  podSelector: { matchLabels: { app: 'db' } },
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 6379 }] }],
});

describe('connect', () => {
  it('translates a Service VIP to a ready backend and judges policy against the backend pod', () => {
    const objects = shop({ networkPolicies: [onlyFromApi] });
    const ok = connect(objects, api, { host: 'db', port: 6379 });
    expect(ok.outcome).toBe('connected');
    expect(ok.ip).toBe('10.96.10.1');
    expect(ok.target).toEqual({
      kind: 'pod',
      namespace: 'shop',
      name: 'db',
      ip: '10.244.1.12',
      port: 6379,
      hostNetwork: false,
    });
    expect(ok.via).toEqual({
      service: { namespace: 'shop', name: 'db' },
      type: 'ClusterIP',
      port: 6379,
      backend: { ip: '10.244.1.12', port: 6379 },
      backends: 1,
    });
    const dropped = connect(objects, intruder, { host: 'db.shop', port: 6379 });
    expect(dropped.outcome).toBe('timeout');
    expect(dropped.reason.message).toBe(
      'denied: ingress to shop/db is isolated by NetworkPolicy shop/db-allow and no ingress rule allows shop/intruder (10.244.1.13) on 6379/TCP',
    );
  });

  it('judges egress to a Service by the backend pod address, not the ClusterIP range', () => {
    const toServiceRange = netpol('shop', 'egress-to-services', {
      podSelector: { matchLabels: { run: 'intruder' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.96.0.0/12' } }] }],
    });
    const r = connect(shop({ networkPolicies: [toServiceRange] }), intruder, { ip: '10.96.10.1', port: 6379 });
    expect(r.outcome).toBe('timeout');
    expect(r.reason.message).toBe(
      'denied: egress from shop/intruder is isolated by NetworkPolicy shop/egress-to-services and no egress rule allows 10.244.1.12:6379/TCP',
    );
  });

  it('stops sending Service traffic to a terminating pod but still answers on its IP', () => {
    const objects = shop();
    objects.pods = objects.pods!.map((p) =>
      p.metadata?.name === 'db' ? { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } } : p,
    );
    expect(connect(objects, intruder, { ip: '10.96.10.1', port: 6379 }).reason.cause).toBe('no-endpoints');
    expect(connect(objects, intruder, { ip: '10.244.1.12', port: 6379 }).outcome).toBe('connected');
  });

  it('resolves a named targetPort against the backend pod', () => {
    const r = connect(shop(), intruder, { ip: '10.96.10.2', port: 80 });
    expect(r.target).toMatchObject({ name: 'api', port: 8080 });
  });

  it('is refused when policy allows but nothing listens, and times out when policy drops', () => {
    const objects = shop({ networkPolicies: [onlyFromApi] });
    const listening = (t: ListenTarget, port: number) =>
      t.kind === 'pod' && t.pod.metadata?.name === 'db' && port === 6380;
    expect(connect(objects, api, { ip: '10.244.1.12', port: 6379 }, { listening }).outcome).toBe('refused');
    const refused = connect(objects, api, { ip: '10.244.1.12', port: 6379 }, { listening });
    expect(refused.reason.cause).toBe('not-listening');
    expect(connect(objects, intruder, { ip: '10.244.1.12', port: 6380 }, { listening }).outcome).toBe('timeout');
  });

  it('listens by default on the ports a pod declares', () => {
    expect(connect(shop(), intruder, { ip: '10.244.1.12', port: 6379 }).outcome).toBe('connected');
    expect(connect(shop(), intruder, { ip: '10.244.1.12', port: 22 }).outcome).toBe('refused');
  });

  it('is refused by kube-proxy when a Service has no ready endpoints', () => {
    const objects = shop({
      services: [
        service('shop', 'empty', { selector: { app: 'none' }, clusterIP: '10.96.10.9', ports: [{ port: 80 }] }),
      ],
    });
    const r = connect(objects, intruder, { ip: '10.96.10.9', port: 80 });
    expect(r.outcome).toBe('refused');
    expect(r.reason.cause).toBe('no-endpoints');
  });

  it('times out on a Service IP at a port the Service does not have', () => {
    const r = connect(shop(), intruder, { ip: '10.96.10.1', port: 80 });
    expect(r.outcome).toBe('timeout');
    expect(r.reason.cause).toBe('no-service-port');
  });

  it('never lets the internet reach a ClusterIP or a pod IP', () => {
    expect(connect(shop(), internetPeer, { ip: '10.96.10.1', port: 6379 }).outcome).toBe('timeout');
    expect(connect(shop(), internetPeer, { ip: '10.244.1.12', port: 6379 }).outcome).toBe('timeout');
  });

  it('lets the internet reach a NodePort on every node and a LoadBalancer IP', () => {
    for (const ip of ['172.18.0.2', '172.18.0.3']) {
      const r = connect(shop(), internetPeer, { ip, port: 30080 });
      expect(r.outcome).toBe('connected');
      expect(r.via).toMatchObject({ service: { name: 'web' }, type: 'NodePort', nodePort: 30080 });
      expect(r.target).toMatchObject({ kind: 'pod', name: 'frontend', port: 8080 });
    }
    const lb = connect(shop(), internetPeer, { ip: '172.18.255.200', port: 80 });
    expect(lb.outcome).toBe('connected');
    expect(lb.via).toMatchObject({
      service: { name: 'web-lb' },
      type: 'LoadBalancer',
      loadBalancerIP: '172.18.255.200',
    });
  });

  it('answers a Service externalIP like a load-balancer address', () => {
    const objects = shop({
      services: [
        {
          ...service('shop', 'ext', {
            selector: { app: 'api' },
            clusterIP: '10.96.10.30',
            ports: [{ port: 80, targetPort: 8080 }],
          }),
          spec: {
            selector: { app: 'api' },
            clusterIP: '10.96.10.30',
            externalIPs: ['198.51.100.20'],
            ports: [{ port: 80, targetPort: 8080 }],
          },
        },
      ],
    });
    expect(connect(objects, internetPeer, { ip: '198.51.100.20', port: 80 }).target).toMatchObject({
      name: 'api',
      port: 8080,
    });
  });

  it('treats a LoadBalancer without an address as pending: only its NodePort answers', () => {
    const objects = shop({
      services: [
        service('shop', 'pending', {
          selector: { app: 'api' },
          type: 'LoadBalancer',
          clusterIP: '10.96.10.8',
          ports: [{ port: 80, targetPort: 8080, nodePort: 32000 }],
        }),
      ],
    });
    expect(connect(objects, internetPeer, { ip: '172.18.0.3', port: 32000 }).outcome).toBe('connected');
    expect(connect(objects, internetPeer, { ip: '172.18.255.201', port: 80 }).outcome).toBe('timeout');
  });

  it('hides the client address behind the node for NodePorts unless externalTrafficPolicy is Local', () => {
    const fromInternetOnly = netpol('shop', 'web-from-internet', {
      podSelector: { matchLabels: { app: 'frontend' } },
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['172.18.0.0/16', '10.0.0.0/8'] } }] }],
    });
    const cluster = shop({ networkPolicies: [fromInternetOnly] });
    const r = connect(cluster, internetPeer, { ip: '172.18.0.3', port: 30080 });
    expect(r.outcome).toBe('timeout');
    expect(r.reason.message).toContain('node kind-worker (SNAT) (172.18.0.3)');
    const local = shop({ networkPolicies: [fromInternetOnly] });
    local.services = local.services!.map((s) =>
      s.metadata?.name === 'web' ? { ...s, spec: { ...s.spec, externalTrafficPolicy: 'Local' } } : s,
    );
    expect(connect(local, internetPeer, { ip: '172.18.0.3', port: 30080 }).outcome).toBe('connected');
    // Local: a node without a ready endpoint drops the traffic.
    expect(connect(local, internetPeer, { ip: '172.18.0.2', port: 30080 }).outcome).toBe('timeout');
  });

  it('reaches the metadata endpoint from a pod until egress blocks 169.254.169.254', () => {
    expect(connect(shop(), intruder, { ip: '169.254.169.254', port: 80 }).target).toEqual({
      kind: 'metadata',
      ip: '169.254.169.254',
      port: 80,
    });
    expect(connect(shop(), intruder, { ip: '169.254.169.254', port: 80 }).outcome).toBe('connected');
    const block = netpol('shop', 'no-metadata', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }],
    });
    const r = connect(shop({ networkPolicies: [block] }), intruder, { ip: '169.254.169.254', port: 80 });
    expect(r.outcome).toBe('timeout');
    expect(r.reason.cause).toBe('egress-denied');
    expect(connect(shop(), intruder, { ip: '169.254.169.254', port: 80 }, { metadata: false }).outcome).toBe('timeout');
  });

  it('reaches internet hosts on their ports and nothing else outside', () => {
    expect(connect(shop(), intruder, { host: 'example.com', port: 443 }, { internet }).outcome).toBe('connected');
    expect(connect(shop(), intruder, { host: 'example.com', port: 25 }, { internet }).outcome).toBe('refused');
    expect(connect(shop(), intruder, { ip: '198.51.100.7', port: 443 }, { internet }).reason.cause).toBe('no-route');
  });

  it('does not resolve an unknown name, and reports DNS blocked by policy as a DNS timeout', () => {
    const nx = connect(shop(), intruder, { host: 'pool.invalid', port: 3333 });
    expect(nx.outcome).toBe('unresolved');
    expect(nx.reason.cause).toBe('dns-nxdomain');
    const blocked = connect(shop({ networkPolicies: [defaultDeny('shop')] }), intruder, { host: 'db', port: 6379 });
    expect(blocked.outcome).toBe('unresolved');
    expect(blocked.reason.cause).toBe('dns-timeout');
    expect(blocked.reason.egress?.allowed).toBe(false);
    expect(blocked.reason.message).toMatch(
      /^denied: DNS lookup of db timed out: egress from shop\/intruder is isolated/,
    );
  });

  it('reaches a Service by name once DNS and the path are allowed', () => {
    const allowApiToDb = netpol('shop', 'api-to-db', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 6379 }] }],
    });
    const dbIn = netpol('shop', 'db-in', {
      podSelector: { matchLabels: { app: 'db' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }],
    });
    const objects = shop({ networkPolicies: [defaultDeny('shop'), allowDns('shop'), allowApiToDb, dbIn] });
    const r = connect(objects, api, { host: 'db', port: 6379 });
    expect(r.outcome).toBe('connected');
    expect(r.reason.egress?.allowedBy).toEqual({
      policy: { namespace: 'shop', name: 'api-to-db' },
      rule: 0,
      peer: 'to podSelector app=db',
    });
  });

  it('sends the kubernetes Service to the apiserver on the control plane', () => {
    const r = connect(shop(), intruder, { host: 'kubernetes.default', port: 443 });
    expect(r.target).toEqual({ kind: 'node', name: 'kind-control-plane', ip: '172.18.0.2', port: 6443 });
    expect(r.outcome).toBe('connected');
  });

  it('keeps loopback inside the pod, out of policy reach', () => {
    const r = connect(
      shop({ networkPolicies: [defaultDeny('shop')] }),
      { kind: 'pod', namespace: 'shop', name: 'db' },
      { host: 'localhost', port: 6379 },
    );
    expect(r.outcome).toBe('connected');
    expect(r.target).toMatchObject({ kind: 'pod', name: 'db' });
  });

  it('reaches a hostNetwork pod on its node address, and a hostPort through the node', () => {
    const objects = shop({
      pods: [pod('shop', 'hp', { ip: '10.244.1.40', ports: [{ containerPort: 8080, hostPort: 18080 }] })],
    });
    const proxy = connect(objects, intruder, { ip: '172.18.0.3', port: 10256 });
    expect(proxy.target).toEqual({
      kind: 'pod',
      namespace: 'kube-system',
      name: 'kube-proxy-w',
      ip: '172.18.0.3',
      port: 10256,
      hostNetwork: true,
    });
    const hostPort = connect(objects, internetPeer, { ip: '172.18.0.3', port: 18080 });
    expect(hostPort.target).toMatchObject({ kind: 'pod', name: 'hp', port: 8080 });
    expect(connect(objects, internetPeer, { ip: '172.18.0.3', port: 10250 }).target).toMatchObject({
      kind: 'node',
      name: 'kind-worker',
    });
  });

  it('reads endpoints of a selectorless Service from its EndpointSlices', () => {
    const objects = shop({
      services: [service('shop', 'legacy', { clusterIP: '10.96.10.7', ports: [{ name: 'http', port: 80 }] })],
      endpointSlices: [
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: 'legacy-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'legacy' } },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['10.244.1.11'], conditions: { ready: true } }],
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        },
      ],
    });
    expect(connect(objects, intruder, { ip: '10.96.10.7', port: 80 }).target).toMatchObject({
      name: 'api',
      port: 8080,
    });
  });

  it('picks the same backend every time, the first ready one by name', () => {
    const objects = shop({
      pods: [
        pod('shop', 'db-b', {
          labels: { app: 'db' },
          ip: '10.244.1.60',
          ports: [{ name: 'redis', containerPort: 6379 }],
        }),
      ],
    });
    const a = connect(objects, intruder, { ip: '10.96.10.1', port: 6379 });
    expect(a.target).toMatchObject({ name: 'db' });
    expect(a.via?.backends).toBe(2);
  });

  it('explains the path step by step', () => {
    const r = explainPath(shop({ networkPolicies: [onlyFromApi] }), intruder, { host: 'db', port: 6379 });
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([
      ['source', true],
      ['dns', true],
      ['service', true],
      ['egress', true],
      ['ingress', false],
    ]);
    expect(r.steps[2]!.text).toBe('shop/db (ClusterIP) port 6379/TCP → 10.244.1.12:6379 (1 of 1 ready backends)');
  });

  it('answers for an unknown source pod without throwing', () => {
    const r = createNetwork(shop()).connect(
      { kind: 'pod', namespace: 'shop', name: 'ghost' },
      { ip: '10.244.1.12', port: 6379 },
    );
    expect(r.outcome).toBe('timeout');
    expect(r.reason.message).toBe('denied: pod shop/ghost not found');
  });
});
