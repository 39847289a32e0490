/**
 * Issue #12: a learner holds cluster-admin, so every check of every scenario must say in the
 * scenario's README what it reads and what it trusts (`runner/grader/README.md`, "What the grader
 * trusts"). A scenario added later is held to the same: each of its checks is named there, by
 * its full id, in a README that talks about trust.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario, scenarioDirs } from '@paranoid/catalog/load.ts';
import { describe, expect, it } from 'vitest';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');

describe("every scenario's README says what each check trusts", () => {
  const dirs = scenarioDirs(SCENARIOS);

  it('finds the scenarios', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(11);
  });

  for (const dir of dirs) {
    it(`${dir.slice(SCENARIOS.length + 1)}: names every check by its id`, () => {
      const { scenario, problems } = loadScenario(dir, SCENARIOS);
      if (!scenario) throw new Error(`failed to load ${dir}: ${JSON.stringify(problems)}`);
      const readme = readFileSync(join(dir, 'README.md'), 'utf8');
      expect(readme, `${dir}/README.md`).toMatch(/\btrust/i);
      const ids = scenario.scenario.checks.map((c) => c.id);
      expect(ids.length).toBeGreaterThan(0);
      const unnamed = ids.filter((id) => !readme.includes(`\`${id}\``));
      expect(unnamed, `checks ${dir}/README.md does not name (as \`id\`)`).toEqual([]);
    });
  }
});
