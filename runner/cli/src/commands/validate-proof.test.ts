import type { AttackResult, CheckResult } from '@paranoid/grader/grade.ts';
import { describe, expect, it } from 'vitest';
import {
  type CaseRun,
  caseProblems,
  changeProblems,
  disagreement,
  fingerprint,
  setupProblems,
  type Verdicts,
} from './validate-proof.ts';

const check = (id: string, passed: boolean, level: 'MUST' | 'SHOULD' = 'MUST'): CheckResult => ({
  id,
  title: id,
  level,
  passed,
  message: passed ? id : `${id} is not so`,
});
const attack = (id: string, succeeded: boolean, error?: boolean): AttackResult => ({
  id,
  title: id,
  succeeded,
  detail: succeeded ? 'got in' : 'refused',
  ...(error ? { error } : {}),
});
const verdicts = (checks: CheckResult[], attacks: AttackResult[]): Verdicts => ({
  graded: { scenario: 's', passed: checks.every((c) => c.level !== 'MUST' || c.passed), checks },
  attacks,
});
const run = (fp: string, problems: string[] = []): CaseRun => ({
  ok: problems.length === 0,
  problems,
  fingerprint: fp,
  ms: 1,
});

describe('setupProblems', () => {
  it('accepts a setup whose MUST checks fail and whose attack works', () => {
    expect(setupProblems(verdicts([check('no-root', false)], [attack('escape', true)]))).toEqual([]);
  });

  it('says the checks do not see the hole when every MUST check passes on the setup', () => {
    const problems = setupProblems(verdicts([check('no-root', true), check('advice', false, 'SHOULD')], []));
    expect(problems).toEqual(['on the setup, every MUST check passes: the checks do not see the hole']);
  });

  it('names an attack that does not work on the setup, and one that could not run', () => {
    expect(
      setupProblems(verdicts([check('no-root', false)], [attack('escape', false), attack('steal', false, true)])),
    ).toEqual([
      'on the setup, the attack escape did not work: refused',
      'on the setup, the attack steal did not work (could not run): refused',
    ]);
  });
});

describe('changeProblems', () => {
  it('passes a fix when every MUST check passes and no attack works, whatever SHOULD says', () => {
    const after = verdicts([check('no-root', true), check('advice', false, 'SHOULD')], [attack('escape', false)]);
    expect(changeProblems(after, 'pass')).toEqual([]);
  });

  it('names each failing MUST check and each attack that still works after a fix', () => {
    const after = verdicts([check('no-root', false)], [attack('escape', true)]);
    expect(changeProblems(after, 'pass')).toEqual([
      'MUST check no-root fails: no-root is not so',
      'the attack escape still works: got in',
    ]);
  });

  it('fails a near miss the checks accept', () => {
    expect(changeProblems(verdicts([check('no-root', true)], [attack('escape', true)]), 'fail')).toEqual([
      'every MUST check passes on this near miss: the checks accept a fix that leaves the hole open',
    ]);
    expect(changeProblems(verdicts([check('no-root', false)], []), 'fail')).toEqual([]);
  });
});

describe('caseProblems', () => {
  it('reports two runs that judged differently as flaky, naming what changed', () => {
    const a = fingerprint(verdicts([check('no-root', true)], [attack('escape', false)]));
    const b = fingerprint(verdicts([check('no-root', false)], [attack('escape', false)]));
    expect(caseProblems([run(a), run(b)])).toEqual(['the two runs disagree (flaky): no-root changed verdict']);
  });

  it('keeps each problem once, and does not call a run that could not run flaky', () => {
    expect(caseProblems([run('a=1|', ['x']), run('a=1|', ['x'])])).toEqual(['x']);
    expect(caseProblems([run('a=1|'), run('not-run', ['could not run: no cluster'])])).toEqual([
      'could not run: no cluster',
    ]);
  });
});

describe('disagreement', () => {
  it('says different checks were judged when no shared verdict differs', () => {
    expect(disagreement('a=1|', 'a=1|')).toBe('different checks were judged');
  });
});
