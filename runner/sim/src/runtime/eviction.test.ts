import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { evictionMessage, oomScoreAdj, oomVictim, type PodUsage, rankForMemoryEviction } from './eviction.ts';

const Mi = 1024 ** 2;
const CAPACITY = 16 * 1024 * Mi;

const pod = (
  name: string,
  opts: { requests?: string; limits?: string; priority?: number; cpu?: boolean } = {},
): Pod => ({
  metadata: { name },
  spec: {
    ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
    containers: [
      {
        name,
        image: 'x',
        resources: {
          ...(opts.requests ? { requests: { memory: opts.requests, ...(opts.cpu ? { cpu: '1' } : {}) } } : {}),
          ...(opts.limits ? { limits: { memory: opts.limits, ...(opts.cpu ? { cpu: '1' } : {}) } } : {}),
        },
      },
    ],
  },
});

const using = (p: Pod, bytes: number): PodUsage => ({
  pod: p,
  containers: [{ name: p.metadata!.name!, usage: bytes }],
});
const names = (ranked: PodUsage[]) => ranked.map((u) => u.pod.metadata?.name);

describe('the eviction manager’s ranking under memory pressure', () => {
  it('puts pods above their requests before pods within them, whatever the usage', () => {
    const within = using(pod('within', { requests: '4Gi' }), 3 * 1024 * Mi);
    const above = using(pod('above', { requests: '10Mi' }), 20 * Mi);
    expect(names(rankForMemoryEviction([within, above]))).toEqual(['above', 'within']);
  });

  it('then lower priority first, then the larger excess', () => {
    const low = using(pod('low', { priority: 0 }), 50 * Mi);
    const high = using(pod('high', { priority: 1000 }), 9000 * Mi);
    const lowBig = using(pod('low-big', { priority: 0 }), 500 * Mi);
    expect(names(rankForMemoryEviction([high, low, lowBig]))).toEqual(['low-big', 'low', 'high']);
  });

  it('never ranks critical pods', () => {
    const critical = using(pod('dns', { priority: 2000000000 }), 9000 * Mi);
    const mirror = using(
      { ...pod('apiserver'), metadata: { name: 'apiserver', annotations: { 'kubernetes.io/config.mirror': 'x' } } },
      1 * Mi,
    );
    expect(names(rankForMemoryEviction([critical, mirror, using(pod('app'), 1)]))).toEqual(['app']);
  });

  it('writes the kubelet’s message, naming only containers above their requests', () => {
    expect(evictionMessage(using(pod('cache', { requests: '256Mi' }), 1024 * Mi), 50 * 1024)).toBe(
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Ki. Container cache was using 1048576Ki, request is 256Mi, has larger consumption of memory. ',
    );
  });
});

describe('oom_score_adj by QoS class', () => {
  it('is -997 for Guaranteed, 1000 for BestEffort, and scales with the request for Burstable', () => {
    expect(oomScoreAdj(pod('g', { requests: '1Gi', limits: '1Gi', cpu: true }), 'g', CAPACITY)).toBe(-997);
    expect(oomScoreAdj(pod('b'), 'b', CAPACITY)).toBe(1000);
    expect(oomScoreAdj(pod('q', { requests: '4Gi' }), 'q', CAPACITY)).toBe(750);
    expect(oomScoreAdj(pod('tiny', { requests: '1' }), 'tiny', CAPACITY)).toBe(999);
    expect(oomScoreAdj(pod('huge', { requests: '16Gi' }), 'huge', CAPACITY)).toBe(3);
  });
});

describe('the kernel’s OOM victim', () => {
  it('picks the most resident memory plus adjustment, and never -1000', () => {
    const victim = oomVictim(
      [
        { ref: 'payments', rss: 100 * Mi, adj: 1000 },
        { ref: 'leaker', rss: 14 * 1024 * Mi, adj: 984 },
        { ref: 'kubelet', rss: 200 * Mi, adj: -1000 },
      ],
      CAPACITY,
    );
    expect(victim).toBe('leaker');
  });

  it('prefers a small BestEffort process over a big one that requested most of the node', () => {
    // 12 GiB requested of 16: adj 250; 11.5 GiB resident ≈ 719 points + 250 < 1000 + 6.
    const victim = oomVictim(
      [
        { ref: 'reserved-leaker', rss: 11.5 * 1024 * Mi, adj: 250 },
        { ref: 'payments', rss: 100 * Mi, adj: 1000 },
      ],
      CAPACITY,
    );
    expect(victim).toBe('payments');
  });
});
