import { describe, expect, it } from 'vitest';
import { internetExposure } from './network.ts';
import { netpol, shop } from './testing/fixtures.ts';

describe('internetExposure', () => {
  it('lists every NodePort and LoadBalancer front door with what the internet gets there', () => {
    const entries = internetExposure(shop());
    expect(entries.map((e) => [e.service.name, e.type, e.address, e.port, e.result.outcome])).toEqual([
      ['web', 'NodePort', '172.18.0.2', 30080, 'connected'],
      ['web-lb', 'LoadBalancer', '172.18.0.2', 31080, 'connected'],
      ['web-lb', 'LoadBalancer', '172.18.255.200', 80, 'connected'],
    ]);
  });

  it('shows the policy that closes a front door', () => {
    const closed = netpol('shop', 'frontend-from-api', {
      podSelector: { matchLabels: { app: 'frontend' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }],
    });
    const entries = internetExposure(shop({ networkPolicies: [closed] }));
    expect(entries.every((e) => e.result.outcome === 'timeout' && e.result.reason.cause === 'ingress-denied')).toBe(
      true,
    );
  });
});
