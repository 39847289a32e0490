import type { AttackResult, GradeResult } from '@paranoid/grader/grade.ts';

// What a validate case must show, as pure functions over the grader's results: the setup fails
// its MUST checks and the attack works on it; after the solution or a good variant every MUST
// check passes and no attack works; after a bad variant some MUST check still fails; and two
// runs of a case judge every check and attack alike. The runner (validate.ts) does the I/O.

/** The checks and attacks judged on one cluster at one moment. */
export interface Verdicts {
  graded: GradeResult;
  attacks: AttackResult[];
}

/** What one case (setup → solution, or one variant) found on one run. */
export interface CaseRun {
  ok: boolean;
  /** Why it is not ok, for the learner-author. */
  problems: string[];
  /** Every check and attack verdict, so two runs can be compared; `not-run` when it could not run. */
  fingerprint: string;
  ms: number;
}

/** The MUST checks that failed. */
export const failingMust = (g: GradeResult) => g.checks.filter((c) => c.level === 'MUST' && !c.passed);

/** Every check and attack verdict as one string (`id=1,...|attack=0`), to compare runs. */
export const fingerprint = ({ graded, attacks }: Verdicts): string =>
  `${graded.checks.map((c) => `${c.id}=${c.passed ? 1 : 0}`).join(',')}|${attacks.map((a) => `${a.id}=${a.succeeded ? 1 : 0}`).join(',')}`;

/** What is wrong with the setup as a lesson: the checks must see the hole and every attack must work. */
export function setupProblems(before: Verdicts): string[] {
  const problems: string[] = [];
  if (failingMust(before.graded).length === 0)
    problems.push('on the setup, every MUST check passes: the checks do not see the hole');
  for (const a of before.attacks.filter((x) => !x.succeeded)) {
    problems.push(`on the setup, the attack ${a.id} did not work${a.error ? ' (could not run)' : ''}: ${a.detail}`);
  }
  return problems;
}

/**
 * What is wrong with the verdicts after a change: a fix that should pass must pass every MUST
 * check and stop every attack; a near miss that should fail must fail some MUST check.
 */
export function changeProblems(after: Verdicts, expected: 'pass' | 'fail'): string[] {
  const problems: string[] = [];
  const failing = failingMust(after.graded);
  if (expected === 'pass') {
    for (const c of failing) problems.push(`MUST check ${c.id} fails: ${c.message}`);
    for (const a of after.attacks.filter((x) => x.succeeded))
      problems.push(`the attack ${a.id} still works: ${a.detail}`);
  } else if (failing.length === 0) {
    problems.push('every MUST check passes on this near miss: the checks accept a fix that leaves the hole open');
  }
  return problems;
}

/** Which verdicts differ between two fingerprints: `no-x changed verdict`. */
export function disagreement(a: string, b: string): string {
  const parse = (f: string) =>
    f.split(/[/|,]/).map((pair, i) => {
      const [k, v] = pair.split('=');
      return { key: `${k}#${i}`, name: k ?? '', value: v };
    });
  const left = parse(a);
  const right = parse(b);
  const differing = left.filter((l, i) => right[i]?.value !== l.value).map((l) => l.name);
  return differing.length === 0
    ? 'different checks were judged'
    : `${[...new Set(differing)].join(', ')} changed verdict`;
}

/** A case's problems over all its runs: each run's, once, and a disagreement between runs that all ran (flaky). */
export function caseProblems(runs: readonly CaseRun[]): string[] {
  const problems = [...new Set(runs.flatMap((r) => r.problems))];
  if (runs.every((r) => r.fingerprint !== 'not-run') && new Set(runs.map((r) => r.fingerprint)).size > 1) {
    problems.push(`the two runs disagree (flaky): ${disagreement(runs[0]!.fingerprint, runs[1]!.fingerprint)}`);
  }
  return problems;
}
