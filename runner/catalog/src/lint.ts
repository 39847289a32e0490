import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { celEnvironment } from '@paranoid/k8s/cel.ts';
import type { Probe } from '@paranoid/schema/probe.ts';
import type { Problem } from '@paranoid/schema/problem.ts';
import { resourceForKind } from '@paranoid/schema/resources.ts';
import { type LoadedScenario, loadScenario, scenarioDirs } from './load.ts';
import { namespaceFitProblems, type PodSecurityJudge } from './namespace-fit.ts';

/** The least a scenario must prove about its checks. */
export const MIN_GOOD_VARIANTS = 3;
/** Near misses a scenario must carry, so validate proves the checks reject more than the obvious. */
export const MIN_BAD_VARIANTS = 5;

/**
 * What the schema cannot see: the id equals the folder, every step's file exists,
 * steps name checks that exist, ids are unique, CEL parses, regular expressions
 * compile, setup and solution are not empty, enough variants exist.
 */
export function lintScenario(loaded: LoadedScenario, root: string): Problem[] {
  const { scenario, dir } = loaded;
  const file = relative(root, join(dir, 'scenario.yaml'));
  const problems: Problem[] = [];
  const add = (field: string, expected: string, found: string, where = file) =>
    problems.push({ file: where, field, expected, found });

  if (scenario.id !== basename(dir))
    add('id', `the folder name ${JSON.stringify(basename(dir))}`, JSON.stringify(scenario.id));

  const duplicates = (ids: string[], field: string) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) add(`${field}[${i}].id`, 'an id used once', `a second ${JSON.stringify(id)}`);
      seen.add(id);
    });
  };
  duplicates(
    scenario.checks.map((c) => c.id),
    'checks',
  );
  duplicates(
    scenario.steps.map((s) => s.id),
    'steps',
  );
  duplicates(
    scenario.attack.map((a) => a.id),
    'attack',
  );

  const checkIds = new Set(scenario.checks.map((c) => c.id));
  scenario.steps.forEach((step, i) => {
    if (!existsSync(join(dir, step.file))) add(`steps[${i}].file`, 'an existing Markdown file', `no file ${step.file}`);
    step.checks.forEach((id, j) => {
      if (!checkIds.has(id))
        add(`steps[${i}].checks[${j}]`, `the id of a check (${[...checkIds].join(', ')})`, JSON.stringify(id));
    });
  });
  if (!scenario.checks.some((c) => c.level === 'MUST')) add('checks', 'at least one MUST check', 'only SHOULD checks');

  const env = celEnvironment();
  const cel = (field: string, expression: string | undefined) => {
    if (expression === undefined) return;
    try {
      env.parse(expression);
    } catch (error) {
      add(field, 'a CEL expression that parses', ((error as Error).message.split('\n')[0] ?? '').trim());
    }
  };
  const probe = (field: string, p: Probe): void => {
    if (p.kind === 'sequence') {
      p.steps.forEach((step, i) => {
        probe(`${field}.steps[${i}]`, step);
      });
      return;
    }
    if (p.kind === 'exec' && p.succeedsWhen.stdoutMatches !== undefined) {
      try {
        new RegExp(p.succeedsWhen.stdoutMatches);
      } catch (error) {
        add(`${field}.succeedsWhen.stdoutMatches`, 'a regular expression', (error as Error).message);
      }
    }
    if (p.kind === 'dry-run' && p.create) {
      const { apiVersion, kind } = p.create;
      if (!resourceForKind(apiVersion, kind) && kind !== 'Pod') {
        add(`${field}.create`, 'an object of a known kind', `${apiVersion} ${kind}`);
      }
    }
  };
  scenario.checks.forEach((check, i) => {
    if (check.object) {
      cel(`checks[${i}].object.select`, check.object.select);
      cel(`checks[${i}].object.rule`, check.object.rule);
      cel(`checks[${i}].object.describe`, check.object.describe);
    }
    if (check.probe) probe(`checks[${i}].probe`, check.probe);
  });
  scenario.attack.forEach((attack, i) => {
    probe(`attack[${i}].probe`, attack.probe);
  });

  if (loaded.setup.length === 0) add('', 'manifests in setup/*.yaml', 'none', relative(root, join(dir, 'setup')));
  const solution = loaded.solution;
  if (solution.manifests.length === 0 && solution.deletions.length === 0) {
    add('', 'manifests or a delete.yaml in solution/', 'none', relative(root, join(dir, 'solution')));
  }
  for (const variant of loaded.variants) {
    if (variant.manifests.length === 0 && variant.deletions.length === 0 && variant.cloud.length === 0) {
      add('', 'manifests, a delete.yaml or a cloud.yaml', 'an empty variant', relative(root, variant.dir));
    }
  }
  // kind's nodes have no cloud behind them: a fix that changes the cloud cannot be proven there.
  if (scenario.notOnKind === undefined) {
    for (const change of [solution, ...loaded.variants]) {
      if (change.cloud.length > 0) {
        add(
          'notOnKind',
          'a reason this scenario cannot run on kind (its fix changes the cloud)',
          'none',
          relative(root, join(change.dir, 'cloud.yaml')),
        );
      }
    }
  }
  const good = loaded.variants.filter((v) => v.expect === 'pass').length;
  const bad = loaded.variants.filter((v) => v.expect === 'fail').length;
  const variantsDir = relative(root, join(dir, 'variants'));
  if (good < MIN_GOOD_VARIANTS) add('', `at least ${MIN_GOOD_VARIANTS} good-* variants`, String(good), variantsDir);
  if (bad < MIN_BAD_VARIANTS) add('', `at least ${MIN_BAD_VARIANTS} bad-* variants`, String(bad), variantsDir);
  return problems;
}

/** Every scenario's problems, and the loaded scenario where it loaded. */
export interface LintReport {
  scenarios: { id: string; dir: string; problems: Problem[]; loaded?: LoadedScenario }[];
  problems: number;
}

/**
 * Loads and lints every scenario folder under `root`. With `podSecurity`, a scenario that
 * declares `runsInNamespace` has its pods judged against the level it declares as well.
 */
export function lintAll(root: string, ids: string[] = [], podSecurity?: PodSecurityJudge): LintReport {
  const dirs = scenarioDirs(root).filter((d) => ids.length === 0 || ids.includes(basename(d)));
  const scenarios = dirs.map((dir) => {
    const { scenario, problems } = loadScenario(dir, root);
    const all = scenario
      ? [...problems, ...lintScenario(scenario, root), ...namespaceFitProblems(scenario, root, podSecurity)]
      : problems;
    return { id: basename(dir), dir, problems: all, ...(scenario ? { loaded: scenario } : {}) };
  });
  return { scenarios, problems: scenarios.reduce((n, s) => n + s.problems.length, 0) };
}
