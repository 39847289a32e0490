import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem } from '@paranoid/schema/problem.ts';
import { describe, expect, it } from 'vitest';
import { lintAll } from './load-and-lint.ts';

/**
 * Every scenario folder loads and lints clean, and every folder is a scenario. Whether each
 * one solves (the setup fails its checks and the attack works; the solution and every good
 * variant pass and stop it; every bad variant fails) is proven on a real simulated cluster,
 * every check and probe included, by `paranoid validate` (a stage of `npm test`) and by
 * tests/integration/attacks.test.ts with the real kubectl: not here against a double.
 */
const root = fileURLToPath(new URL('../../../scenarios', import.meta.url));
const report = lintAll(root);

describe('the scenario folders', () => {
  it('lint clean', () => {
    const problems = report.scenarios.flatMap((s) => s.problems.map(formatProblem));
    expect(problems).toEqual([]);
  });

  it('are all scenarios: adding one needs no change here', () => {
    const folders = readdirSync(root).filter((f) => existsSync(join(root, f, 'scenario.yaml')));
    expect(folders.length).toBeGreaterThanOrEqual(4);
    expect(report.scenarios.map((s) => s.id).sort()).toEqual(folders.sort());
  });

  it('each carry a solution, good variants and near misses for validate to prove', () => {
    for (const entry of report.scenarios) {
      const loaded = entry.loaded!;
      expect(loaded.solution.manifests.length + loaded.solution.deletions.length, entry.id).toBeGreaterThan(0);
      expect(loaded.variants.filter((v) => v.expect === 'pass').length, entry.id).toBeGreaterThanOrEqual(3);
      expect(loaded.variants.filter((v) => v.expect === 'fail').length, entry.id).toBeGreaterThanOrEqual(5);
    }
  });
});
