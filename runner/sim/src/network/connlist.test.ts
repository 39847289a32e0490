import { describe, expect, it } from 'vitest';
import { analyzerConnlist } from './connlist.ts';
import { netpol, pod } from './testing/fixtures.ts';

describe('analyzer connlist', () => {
  it('lists allowed pairs with exact port sets and splits the outside world by the policies CIDRs', () => {
    const objects = {
      pods: [
        pod('default', 'a', { labels: { app: 'a' }, ip: '10.244.1.1', ports: [{ name: 'web', containerPort: 8080 }] }),
        pod('default', 'b', { labels: { app: 'b' }, ip: '10.244.1.2' }),
      ],
      networkPolicies: [
        netpol('default', 'a-in', {
          podSelector: { matchLabels: { app: 'a' } },
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { app: 'b' } } }],
              ports: [{ port: 'web' }, { port: 9000, endPort: 9001, protocol: 'UDP' }],
            },
            {
              from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.10.0.0/16'] } }],
              ports: [{ port: 53, protocol: 'UDP' }],
            },
          ],
        }),
      ],
    };
    const lines = analyzerConnlist(objects).map((e) => {
      const name = (p: (typeof e)['from']) => (p.kind === 'range' ? p.range : p.name);
      return `${name(e.from)} => ${name(e.to)} : ${e.connections}`;
    });
    expect(lines).toEqual([
      'a => b : All Connections',
      'b => a : TCP 8080,UDP 9000-9001',
      '0.0.0.0-9.255.255.255 => b : All Connections',
      '10.0.0.0-10.9.255.255 => a : UDP 53',
      '10.0.0.0-10.9.255.255 => b : All Connections',
      '10.10.0.0-10.10.255.255 => b : All Connections',
      '10.11.0.0-10.255.255.255 => a : UDP 53',
      '10.11.0.0-10.255.255.255 => b : All Connections',
      '11.0.0.0-255.255.255.255 => b : All Connections',
      'a => 0.0.0.0-255.255.255.255 : All Connections',
      'b => 0.0.0.0-255.255.255.255 : All Connections',
    ]);
  });

  it('does not let ipBlocks select pods, even when a pod IP is inside the block', () => {
    const objects = {
      pods: [
        pod('default', 'a', { labels: { app: 'a' }, ip: '10.244.1.1' }),
        pod('default', 'b', { ip: '10.244.1.2' }),
      ],
      networkPolicies: [
        netpol('default', 'a-in', {
          podSelector: { matchLabels: { app: 'a' } },
          ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16' } }] }],
        }),
      ],
    };
    expect(
      analyzerConnlist(objects).some(
        (e) => e.from.kind === 'pod' && e.from.name === 'b' && e.to.kind === 'pod' && e.to.name === 'a',
      ),
    ).toBe(false);
  });
});
