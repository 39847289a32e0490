import type { Check } from '@paranoid/schema/check.ts';
import type { Probe } from '@paranoid/schema/probe.ts';
import type { Attack, Scenario } from '@paranoid/schema/scenario.ts';
import type { KubeApi } from './kube-api.ts';
import { runObjectCheck } from './object-check.ts';
import { runProbe } from './probes.ts';
import { Snapshot } from './snapshot.ts';

/** The verdict on one check. */
export interface CheckResult {
  id: string;
  title: string;
  level: 'MUST' | 'SHOULD';
  passed: boolean;
  /** Passed: the title. Failed: the check's failure text, then what was found and where. */
  message: string;
  /** True when the check could not look (API error, no pod to probe from): it counts as failed. */
  error?: boolean;
}

/** The verdict on a scenario: passed when every MUST check passed; SHOULD checks are advice. */
export interface GradeResult {
  scenario: string;
  passed: boolean;
  checks: CheckResult[];
}

/** Did the attack work? */
export interface AttackResult {
  id: string;
  title: string;
  succeeded: boolean;
  detail: string;
  error?: boolean;
}

const MAX_FINDINGS = 5;

function joinFindings(findings: string[]): string {
  const shown = findings.slice(0, MAX_FINDINGS);
  const more = findings.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

async function gradeCheck(check: Check, api: KubeApi, snapshot: Snapshot): Promise<CheckResult> {
  const base = { id: check.id, title: check.title, level: check.level };
  if (check.object) {
    try {
      const outcome = await runObjectCheck(check.object, snapshot);
      return outcome.passed
        ? { ...base, passed: true, message: check.title }
        : { ...base, passed: false, message: `${check.failure} Found: ${joinFindings(outcome.findings)}.` };
    } catch (error) {
      return {
        ...base,
        passed: false,
        error: true,
        message: `${check.failure} (could not read the cluster: ${String(error instanceof Error ? error.message : error)})`,
      };
    }
  }
  const outcome = await runProbe(check.probe!, api, snapshot);
  if (outcome.error !== undefined) {
    return {
      ...base,
      passed: false,
      error: true,
      message: `${check.failure} (the probe could not run: ${outcome.error})`,
    };
  }
  const wantSuccess = check.expect === 'succeed';
  const wrong = outcome.runs.filter((r) => r.succeeded !== wantSuccess);
  if (outcome.runs.length > 0 && wrong.length === 0) return { ...base, passed: true, message: check.title };
  return { ...base, passed: false, message: `${check.failure} Found: ${joinFindings(wrong.map((r) => r.detail))}.` };
}

/** A probe in stages (a sequence) changes the cluster it looks at: it must not overlap anything else. */
const isStaged = (probe: Probe | undefined): boolean => probe?.kind === 'sequence';

/**
 * Runs tasks in two phases and keeps their order: the quiet ones concurrently, then each staged one
 * alone, so an attack replayed in stages (a node starved of memory) cannot change what another
 * check sees halfway through.
 */
async function quietThenStaged<T, R>(items: T[], staged: (item: T) => boolean, run: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  await Promise.all(
    items.map(async (item, i) => {
      if (!staged(item)) results[i] = await run(item);
    }),
  );
  for (const [i, item] of items.entries()) if (staged(item)) results[i] = await run(item);
  return results;
}

/**
 * Grades a live cluster against a scenario's checks, reading it only through
 * the API. Checks run concurrently over one shared snapshot of the objects;
 * checks whose probe is a sequence run after them, one at a time.
 */
export async function grade(
  scenario: Scenario,
  api: KubeApi,
  snapshot: Snapshot = new Snapshot(api),
): Promise<GradeResult> {
  const checks = await quietThenStaged(
    scenario.checks,
    (check) => isStaged(check.probe),
    (check) => gradeCheck(check, api, snapshot),
  );
  return {
    scenario: scenario.id,
    passed: checks.every((c) => c.level !== 'MUST' || c.passed),
    checks,
  };
}

async function runAttack(attack: Attack, api: KubeApi, snapshot: Snapshot): Promise<AttackResult> {
  const outcome = await runProbe(attack.probe, api, snapshot);
  if (outcome.error !== undefined) {
    return { id: attack.id, title: attack.title, succeeded: false, error: true, detail: outcome.error };
  }
  const worked = outcome.runs.filter((r) => r.succeeded);
  return {
    id: attack.id,
    title: attack.title,
    succeeded: worked.length > 0,
    detail: joinFindings((worked.length > 0 ? worked : outcome.runs).map((r) => r.detail)),
  };
}

/** Replays the scenario's attack probes: each succeeds (the hole is open) or not. Sequences go last, alone. */
export async function runAttacks(
  scenario: Scenario,
  api: KubeApi,
  snapshot: Snapshot = new Snapshot(api),
): Promise<AttackResult[]> {
  return quietThenStaged(
    scenario.attack,
    (attack) => isStaged(attack.probe),
    (attack) => runAttack(attack, api, snapshot),
  );
}

/**
 * Grades the checks and replays the attack together, as `paranoid validate` judges a case: every
 * quiet probe and object check at once, then each staged probe (checks', then the attack's) alone.
 */
export async function judge(
  scenario: Scenario,
  api: KubeApi,
): Promise<{ graded: GradeResult; attacks: AttackResult[] }> {
  if (![...scenario.checks.map((c) => c.probe), ...scenario.attack.map((a) => a.probe)].some(isStaged)) {
    // At once over the same state, so over one snapshot: each resource is listed once for both.
    const snapshot = new Snapshot(api);
    const [graded, attacks] = await Promise.all([grade(scenario, api, snapshot), runAttacks(scenario, api, snapshot)]);
    return { graded, attacks };
  }
  const graded = await grade(scenario, api);
  const attacks = await runAttacks(scenario, api);
  return { graded, attacks };
}
