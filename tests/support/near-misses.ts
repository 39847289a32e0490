/**
 * "Each near miss fails exactly its named checks": `paranoid validate` proves only that a bad
 * variant fails *some* MUST check, so a variant that fails for another reason than the one its
 * README gives (a typo in its policy, a pod that never starts) would still pass there. The
 * scenario tests name, per change, the MUST checks it must fail, and this runs each change the
 * way validate's cases run: a fresh cluster, the setup applied as the learner's editor applies it
 * and at rest, the change (its deletions, its `cloud.yaml`, its manifests), then the grader
 * through the API as the lab grades.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyAsLearner,
  applyCloudChanges,
  deleteObjects,
  provisionScenario,
  waitForSettled,
} from '@paranoid/catalog/apply.ts';
import { type ChangeSet, type LoadedScenario, loadScenario } from '@paranoid/catalog/load.ts';
import { failingMust } from '@paranoid/cli/commands/validate-proof.ts';
import { grade } from '@paranoid/grader/grade.ts';
import { type SimCluster, simClustersForFile } from '@paranoid/grader/testing/sim-cluster.ts';
import { expect, it } from 'vitest';
import { SCENARIOS } from './scenario-steps.ts';

/** What {@link eachChangeFailsExactly} runs, per scenario. */
export interface ExactFailures {
  /** The scenario's folder name under `scenarios/`. */
  scenario: string;
  /**
   * Per change, the MUST checks it must fail, and no others: `setup` (the setup alone),
   * `solution`, or a variant's folder name.
   */
  failing: Record<string, readonly string[]>;
  /**
   * Whether `failing` must name the solution and every variant folder, so a new variant cannot
   * go untested (default true). Off where only the bad variants are named.
   */
  everyChange?: boolean;
  /** How long the cluster may take to come to rest after the setup, and after the change (default 60 s). */
  settleTimeoutMs?: number;
  /**
   * Set where a near miss leaves something that never comes to rest (a pod OOM-killed again and
   * again): after the change, wait at most this long and do not require rest, validate's own rule.
   * Unset, the cluster must come to rest after the change too.
   */
  changeMayNotSettleMs?: number;
  /** More to assert on each graded cluster (the attacks, say); runs after the checks' assertion. */
  also?(cluster: SimCluster, change: string, loaded: LoadedScenario): Promise<void>;
  /** Per test (default 180 s). */
  timeoutMs?: number;
}

/**
 * Registers, in the calling `describe`, one test per named change: each on its own fresh
 * simulated cluster with the scenario's images, the MUST checks that fail after it must be
 * exactly the named ones (the test's message lists every failing check with the grader's text).
 * With `everyChange`, one more test holds the names to the solution and the variant folders.
 */
export function eachChangeFailsExactly(spec: ExactFailures): void {
  const dir = join(SCENARIOS, spec.scenario);
  const { scenario: loaded, problems } = loadScenario(dir, SCENARIOS);
  if (!loaded) throw new Error(`failed to load scenario ${spec.scenario}: ${JSON.stringify(problems)}`);
  const sims = simClustersForFile(loaded.imageDefinitions);
  const settleMs = spec.settleTimeoutMs ?? 60_000;

  if (spec.everyChange ?? true) {
    it('names every change: the solution and each variant folder', () => {
      const named = Object.keys(spec.failing).filter((name) => name !== 'setup');
      expect(named.sort()).toEqual(['solution', ...readdirSync(join(dir, 'variants'))].sort());
    });
  }

  for (const [name, expected] of Object.entries(spec.failing)) {
    const change = changeNamed(loaded, name);
    it(
      `${name} fails ${expected.length ? expected.join(', ') : 'no MUST check'}`,
      async () => {
        const c = sims.cluster();
        try {
          const stuck = await provisionScenario(c.client, loaded.setup, { settleTimeoutMs: settleMs });
          expect(stuck, 'the setup came to rest').toEqual([]);
          if (change) {
            await deleteObjects(c.client, change.deletions);
            await applyCloudChanges(c.client, change.cloud);
            await applyAsLearner(c.client, change.manifests);
            const moving = await waitForSettled(c.client, spec.changeMayNotSettleMs ?? settleMs);
            if (spec.changeMayNotSettleMs === undefined) expect(moving, `${name} came to rest`).toEqual([]);
          }
          const failed = failingMust(await grade(loaded.scenario, c.api()));
          expect(
            failed.map((check) => check.id).sort(),
            failed.map((check) => `${check.id}: ${check.message}`).join('\n'),
          ).toEqual([...expected].sort());
          await spec.also?.(c, name, loaded);
        } finally {
          c.close();
        }
      },
      spec.timeoutMs ?? 180_000,
    );
  }
}

/** The change a name stands for; none for `setup`. Throws at collection for a name that is neither. */
function changeNamed(loaded: LoadedScenario, name: string): ChangeSet | undefined {
  if (name === 'setup') return undefined;
  if (name === 'solution') return loaded.solution;
  const variant = loaded.variants.find((v) => v.name === name);
  if (!variant) throw new Error(`scenario ${loaded.scenario.id} has no variant ${name}`);
  return variant;
}
