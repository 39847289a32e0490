/**
 * resource-exhaustion played from its own steps: every runnable block of the attack and
 * verify steps, run as the learner's terminal runs it (sh with the real kubectl on PATH)
 * against a full simulated cluster with the scenario's images. On the setup the warm-up
 * starves the node and the kubelet evicts the payment API; after the reference solution the
 * same warm-up is stopped by the cache's own limit and the payment API keeps what it held.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachChangeFailsExactly } from '../support/near-misses.ts';
import { ScenarioSteps } from '../support/scenario-steps.ts';

const steps = new ScenarioSteps('resource-exhaustion');
const { dir: DIR } = steps;
const SLOW = 180_000;

describe('resource-exhaustion, from its steps', () => {
  beforeAll(() => steps.start(['payments', 'analytics']), SLOW);
  afterAll(() => steps.close());

  it(
    'evicts the BestEffort payment API when the cache starves the node; after the fix only the cache pays',
    async () => {
      const attack = steps.blocks('02-attack.md');
      expect(attack).toHaveLength(4);
      expect((await steps.terminal(attack[0]!)).out).toContain('in-flight');
      const warmUp = await steps.terminal(attack[1]!);
      expect(warmUp.out).toContain('dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd');
      const seen = (await steps.terminal(attack[2]!)).out;
      expect(seen).toMatch(/paranoid-worker2?\s+True/);
      expect(seen).toMatch(
        /The node was low on resource: memory\. Threshold quantity: 100Mi, available: \d+Ki\. Container payment-api was using \d+Ki, request is 0, has larger consumption of memory\./,
      );
      await steps.rolledOut('payments');
      expect((await steps.terminal(attack[3]!)).out).toContain('lost');

      await steps.applyFolder(join(DIR, 'solution'));
      await steps.rolledOut('payments');
      await steps.rolledOut('analytics');

      const verify = steps.blocks('04-verify.md');
      expect(verify).toHaveLength(3);
      const replay = await steps.terminal(verify[0]!);
      expect(replay.out).toContain('got signal 9');
      const after = (await steps.terminal(verify[1]!)).out;
      expect(after).toMatch(/^in-flight$/m);
      expect(after).toMatch(/payment-api-\S+\s+Guaranteed\s+10000000\s+0/);
      const budget = (await steps.terminal(verify[2]!)).out;
      expect(budget).toContain('"limits":{"cpu":"500m","memory":"512Mi"}');
      expect(budget).toMatch(/limits\.memory\s+\S+\s+4Gi/);
    },
    SLOW,
  );
});

/**
 * Each near miss fails for the reason its README gives, and only that: the MUST checks it fails
 * are named here, so a variant that starts failing (or passing) for another reason shows.
 */
describe('resource-exhaustion near misses', () => {
  eachChangeFailsExactly({
    scenario: 'resource-exhaustion',
    everyChange: false,
    // A payment API limited below its usage is OOM-killed again and again: it never comes to rest.
    changeMayNotSettleMs: 5_000,
    failing: {
      'bad-cache-bounded-payment-left-besteffort': ['payment-api-guaranteed', 'payment-api-outranks-the-rest'],
      'bad-limitrange-not-restarted': ['analytics-containers-limited'],
      'bad-payment-class-below-analytics': ['payment-api-outranks-the-rest'],
      'bad-payment-limits-below-usage': ['payment-api-serves'],
      'bad-payment-requests-without-limits': ['payment-api-guaranteed'],
      'bad-quota-only-for-analytics': ['namespaces-have-memory-quotas'],
      'bad-report-cache-deleted': ['analytics-containers-limited', 'report-cache-serves'],
    },
  });
});
