import { describe, expect, it } from 'vitest';
import { createNetwork, reachabilityMatrix } from './network.ts';
import { defaultDeny, netpol, pod, shop } from './testing/fixtures.ts';

const dbAllow = netpol('shop', 'db-allow', {
  podSelector: { matchLabels: { app: 'db' } },
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 'redis' }] }],
});

describe('reachabilityMatrix', () => {
  it('judges every ordered pair of pods on the destination declared ports', () => {
    const entries = reachabilityMatrix(shop({ networkPolicies: [dbAllow] }), { namespaces: ['shop'] });
    const toDb = entries.filter((e) => e.to.name === 'db');
    expect(toDb.map((e) => [e.from.name, e.port, e.portName, e.allowed])).toEqual([
      ['api', 6379, 'redis', true],
      ['frontend', 6379, 'redis', false],
      ['intruder', 6379, 'redis', false],
    ]);
    expect(toDb[1]!.verdict.message).toBe(
      'denied: ingress to shop/db is isolated by NetworkPolicy shop/db-allow and no ingress rule allows shop/frontend (10.244.1.10) on 6379/TCP',
    );
    expect(toDb[0]!.verdict.message).toBe(
      'allowed: egress from shop/api is not isolated (no NetworkPolicy selects it for egress); ingress to shop/db by NetworkPolicy shop/db-allow rule 0 (from podSelector app=api)',
    );
  });

  it('never pairs a pod with itself and skips destinations without ports of interest', () => {
    const entries = reachabilityMatrix(shop(), { namespaces: ['shop'] });
    expect(entries.some((e) => e.from.name === e.to.name)).toBe(false);
    expect(entries.some((e) => e.to.name === 'intruder')).toBe(false);
  });

  it('probes the ports it is given on every destination', () => {
    const entries = reachabilityMatrix(shop({ networkPolicies: [defaultDeny('shop')] }), {
      namespaces: ['shop'],
      ports: [{ port: 22 }, { port: 53, protocol: 'UDP' }],
    });
    expect(entries).toHaveLength(4 * 3 * 2);
    expect(entries.every((e) => !e.allowed && e.verdict.cause === 'egress-denied')).toBe(true);
  });

  it('falls back to Service target ports for pods that declare none', () => {
    const objects = shop({ pods: [pod('shop', 'bare', { labels: { app: 'db' }, ip: '10.244.1.70' })] });
    const entries = reachabilityMatrix(objects, { namespaces: ['shop'] }).filter((e) => e.to.name === 'bare');
    // The db Service's targetPort is the name `redis`, which `bare` does not declare: nothing to probe.
    expect(entries).toHaveLength(0);
    const numbered = shop({ pods: [pod('shop', 'bare', { labels: { app: 'frontend' }, ip: '10.244.1.70' })] });
    const web = reachabilityMatrix(numbered, { namespaces: ['shop'] }).filter((e) => e.to.name === 'bare');
    expect(new Set(web.map((e) => e.port))).toEqual(new Set([8080]));
  });

  it('leaves out pods that are not running or have no address', () => {
    const objects = shop({
      pods: [pod('shop', 'done', { ip: '10.244.1.71', phase: 'Succeeded', ports: [{ containerPort: 80 }] })],
    });
    expect(reachabilityMatrix(objects).some((e) => e.to.name === 'done' || e.from.name === 'done')).toBe(false);
  });

  it('agrees with connect on every entry', () => {
    const objects = shop({ networkPolicies: [dbAllow, defaultDeny('other')] });
    const net = createNetwork(objects, { listening: () => true });
    for (const e of net.reachabilityMatrix()) {
      const ip = objects.pods!.find((p) => p.metadata?.name === e.to.name && p.metadata?.namespace === e.to.namespace)!
        .status!.podIP!;
      const r = net.connect({ kind: 'pod', ...e.from }, { ip, port: e.port, protocol: e.protocol });
      if (r.target?.kind === 'pod' && !r.target.hostNetwork)
        expect([e.from, e.to, e.port, r.allowed]).toEqual([e.from, e.to, e.port, e.allowed]);
    }
  });
});
