#!/usr/bin/env node
// Reads the output of `paranoid validate --provider kind <id>` and prints the facts the
// first run on real kind must confirm (see infra/ci/README.md), one `FACT` line each,
// also to $GITHUB_STEP_SUMMARY when set. Usage: node first-run-facts.mjs <validate.log>
// Exit 0 always: the verdict is validate's; this only says what the run showed.
import { appendFileSync, readFileSync } from 'node:fs';

/** The facts in a validate log, as `[name, answer]` pairs. */
export function firstRunFacts(log) {
  const facts = [];
  const scenario =
    /^scenario (\S+): (ok|FAILED), (\d+) of (\d+) case runs ok in ([\d.]+) min \(([\d.]+) min per case\)$/m.exec(log);
  const notRun = /could not run: ([^\n]*)/.exec(log);
  const stuck = /could not run: the setup never came to rest \(([^)]*)\)/.exec(log);
  facts.push([
    'pods of the setup Ready',
    stuck
      ? `NO: still rolling out: ${stuck[1]}`
      : notRun
        ? `UNKNOWN: ${notRun[1]}`
        : scenario
          ? 'yes'
          : 'UNKNOWN: no scenario line',
  ]);
  const before = [...log.matchAll(/on the setup, the attack (\S+) did not work[^\n]*/g)].map((m) => m[0]);
  facts.push([
    'the attack works before the fix',
    before.length > 0 ? `NO: ${before.join('; ')}` : scenario && !notRun ? 'yes' : 'UNKNOWN: the setup did not run',
  ]);
  const after = [...log.matchAll(/the attack (\S+) still works[^\n]*/g)].map((m) => m[0]);
  const solutionOk = /^\S+ solution run 1: ok/m.test(log);
  facts.push([
    'the attack fails after the fix',
    after.length > 0 ? `NO: ${after.join('; ')}` : solutionOk ? 'yes' : 'UNKNOWN: the solution case did not pass',
  ]);
  if (scenario?.[1] === 'missing-networkpolicy' || /missing-networkpolicy/.test(log)) {
    // The solution is NetworkPolicies alone: the attack failing after it means kindnet enforces them.
    facts.push([
      'kindnet enforces NetworkPolicy (not fail-open)',
      after.some((a) => /intruder-dumps-db|frontend-reaches-db|db-reaches-internet/.test(a))
        ? 'NO: traffic a policy denies still flows'
        : solutionOk
          ? 'yes'
          : 'UNKNOWN: the solution case did not pass',
    ]);
  }
  facts.push([
    'minutes per case',
    scenario ? `${scenario[6]} (${scenario[4]} case runs in ${scenario[5]} min)` : 'UNKNOWN: no scenario line',
  ]);
  return facts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: first-run-facts.mjs <validate.log>\n');
    process.exit(2);
  }
  const facts = firstRunFacts(readFileSync(file, 'utf8'));
  const text = facts.map(([name, answer]) => `FACT ${name}: ${answer}`).join('\n');
  process.stdout.write(`${text}\n`);
  if (process.env.GITHUB_STEP_SUMMARY) {
    appendFileSync(
      process.env.GITHUB_STEP_SUMMARY,
      `### First-run facts\n\n| fact | answer |\n|---|---|\n${facts.map(([n, a]) => `| ${n} | ${a} |`).join('\n')}\n`,
    );
  }
}
