import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// @ts-expect-error: a plain .mjs script with no declarations, run as it is in CI.
import { firstRunFacts } from '../../infra/ci/first-run-facts.mjs';

const root = resolve(import.meta.dirname, '../..');
const shipped = readFileSync(resolve(root, 'infra/ci/validate-on-kind.yml'), 'utf8');
const allScenarios = readdirSync(resolve(root, 'scenarios'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !d.name.startsWith('_'))
  .map((d) => d.name)
  .sort();
/** Scenarios that say why they cannot run on kind yet (`notOnKind` in scenario.yaml), with that reason. */
const notOnKind = new Map(
  allScenarios.flatMap((id) => {
    const reason = (
      parse(readFileSync(resolve(root, 'scenarios', id, 'scenario.yaml'), 'utf8')) as { notOnKind?: string }
    ).notOnKind;
    return reason ? [[id, reason] as const] : [];
  }),
);
const scenarios = allScenarios.filter((id) => !notOnKind.has(id));

interface MatrixEntry {
  scenario: string;
  cases: number;
  estimate: number;
  timeout: number;
}

describe('the kind validation workflow for users', () => {
  const workflow = parse(shipped);
  const job = workflow.jobs.validate;
  const steps: Array<{ run?: string; name?: string; if?: string }> = job.steps;
  const script = steps.map((s) => s.run ?? '').join('\n');
  const matrix: MatrixEntry[] = job.strategy.matrix.include;

  it('is the same file this repository runs', () => {
    expect(readFileSync(resolve(root, '.github/workflows/validate-on-kind.yml'), 'utf8')).toBe(shipped);
  });

  it('installs kind, kubectl and the pinned static busybox, checked by its hash', () => {
    expect(script).toMatch(/kind-linux-amd64/);
    expect(script).toMatch(/bin\/linux\/amd64\/kubectl/);
    expect(script).toMatch(/sha256sum -c/);
    expect(workflow.env.BUSYBOX_DEB_SHA256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('runs one job per scenario, each validating only its scenario on kind, and never stops the others', () => {
    // Every scenario but those that say why they cannot run on kind yet; the CI README lists those.
    expect(matrix.map((m) => m.scenario).sort()).toEqual(scenarios);
    const readme = readFileSync(resolve(root, 'infra/ci/README.md'), 'utf8');
    for (const id of notOnKind.keys()) expect(readme, `infra/ci/README.md names ${id}`).toContain(`\`${id}\``);
    expect(job.strategy['fail-fast']).toBe(false);
    expect(script).toMatch(/paranoid validate --provider kind \$\{\{ matrix\.scenario \}\}/);
  });

  it('checks the machine and validates as root, since a kind terminal is fenced with host iptables rules', () => {
    const doctor = steps.find((s) => s.run?.includes('paranoid doctor'))?.run ?? '';
    const validate = steps.find((s) => s.run?.includes('paranoid validate'))?.run ?? '';
    for (const run of [doctor, validate]) expect(run).toMatch(/\bsudo env "PATH=\$PATH" HOME=\/root npx /);
  });

  it('gives each job a time limit above its estimate, and the estimate follows its number of cases', () => {
    for (const m of matrix) {
      const variants = readdirSync(resolve(root, 'scenarios', m.scenario, 'variants')).length;
      expect(m.cases, m.scenario).toBe(variants + 1);
      expect(m.estimate, m.scenario).toBe(5 + 3 * m.cases);
      expect(m.timeout, m.scenario).toBeGreaterThan(m.estimate);
      expect(m.timeout, m.scenario).toBeLessThanOrEqual(360);
    }
  });

  it('prints the first-run facts even when validation fails', () => {
    const facts = steps.find((s) => s.run?.includes('first-run-facts.mjs'));
    expect(facts?.if).toBe('always()');
  });

  it('pins a kind whose kindnet enforces NetworkPolicy', () => {
    const [, minor] = /v0\.(\d+)\./.exec(workflow.env.KIND_VERSION) ?? [];
    expect(Number(minor)).toBeGreaterThanOrEqual(24);
  });
});

describe('the first-run facts', () => {
  const answers = (log: string) => Object.fromEntries(firstRunFacts(log) as [string, string][]);

  it('confirm a run where everything held', () => {
    const log = [
      'missing-networkpolicy solution run 1: ok (151234 ms)',
      'missing-networkpolicy bad-egress-open run 1: ok (140321 ms)',
      'scenario missing-networkpolicy: ok, 11 of 11 case runs ok in 30.5 min (2.8 min per case)',
    ].join('\n');
    expect(answers(log)).toEqual({
      'pods of the setup Ready': 'yes',
      'the attack works before the fix': 'yes',
      'the attack fails after the fix': 'yes',
      'kindnet enforces NetworkPolicy (not fail-open)': 'yes',
      'minutes per case': '2.8 (11 case runs in 30.5 min)',
    });
  });

  it('name what failed: pods never Ready, an attack that did not work, policies not enforced', () => {
    expect(
      answers('could not run: the setup never came to rest (deployment/db still rolling out)')[
        'pods of the setup Ready'
      ],
    ).toMatch(/^NO: still rolling out: deployment\/db/);
    const log = [
      'missing-networkpolicy solution run 1: FAILED (151234 ms)',
      'scenario missing-networkpolicy: FAILED, 10 of 11 case runs ok in 30.5 min (2.8 min per case)',
      '  - on the setup, the attack db-reaches-internet did not work: connection refused',
      '  - the attack intruder-dumps-db still works: PARANOID{flat-networks-let-everyone-in}',
    ].join('\n');
    const a = answers(log);
    expect(a['the attack works before the fix']).toMatch(/^NO: on the setup, the attack db-reaches-internet/);
    expect(a['the attack fails after the fix']).toMatch(/^NO: the attack intruder-dumps-db still works/);
    expect(a['kindnet enforces NetworkPolicy (not fail-open)']).toMatch(/^NO/);
  });
});
