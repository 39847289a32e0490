/**
 * Every attack step of every scenario, typed into a real sandboxed learner shell on the
 * simulator (issue #11): the real runner as `paranoid serve --provider sim` runs it, the
 * bubblewrap sandbox with its own network, the terminal WebSocket the site uses.
 *
 * What "works" means comes from the scenario's own data, not from per-block notes:
 * - on the setup, every command of every ```` ```sh run ```` block of the `kind: attack`
 *   steps exits 0, and the step prints what the scenario's `attack:` probes count as
 *   stolen (`stdoutContains`, `bodyContains`, `stdoutMatches`; "created (server dry run)"
 *   for a `dry-run` probe), at least one of them;
 * - after the reference solution (applied by the path `validate` takes, and the cluster at
 *   rest), the same commands, typed again in a fresh shell on the same cluster, print none of
 *   the stolen things they printed before, and at least one of them fails.
 * Every wait is on a condition and bounded: the cluster at rest before typing, each command's
 * end marker, a prompt after an interactive shell.
 * A scenario folder added under scenarios/ is covered with no change here.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario, scenarioDirs } from '@paranoid/catalog/load.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyReferenceSolution,
  freshShell,
  openTerminal,
  startLab,
  type TerminalClient,
  waitForSetup,
} from '../support/sandbox-terminal.ts';
import { alertExpectation, isInteractive, lootPatterns, runnableCommands } from '../support/step-blocks.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
/** A scenario's setup, its attack twice and its solution, with a dozen kubectl processes each; the machine is shared. */
const SLOW = 300_000;

interface Ran {
  command: string;
  code: number;
  /** What the command printed, without the echo of what was typed. */
  printed: string;
}

/** Types one command as a learner would and reads its exit status from the same shell. */
async function type(term: TerminalClient, scenarioId: string, command: string): Promise<Ran> {
  const typed = command.replace(/\n/g, '\r');
  let out: string;
  if (isInteractive(command)) {
    // A shell opens in the pod or on the node: leave it as the learner would, with `exit`.
    const from = term.output().length;
    term.type(`${typed}\r`);
    const prompt = new RegExp(`${scenarioId}:~\\$ $`);
    const until = Date.now() + 60_000;
    while (!/# $/.test(term.output().slice(from)) && !prompt.test(term.output().slice(from))) {
      if (Date.now() > until) throw new Error(`no prompt after ${command}:\n${term.output().slice(from)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    if (/# $/.test(term.output().slice(from))) term.type('exit\r');
    await term.waitFor(prompt, 30_000);
    out = term.output().slice(from) + (await term.run('echo "__rc=$?"'));
  } else {
    out = await term.run(`${typed}\recho "__rc=$?"`, 90_000);
  }
  const code = out.match(/^__rc=(\d+)$/m);
  if (!code) throw new Error(`failed to read the exit status of ${command}:\n${out}`);
  let printed = out;
  for (const line of [...command.split('\n'), 'echo "__rc=$?"']) printed = printed.split(line.trim()).join('');
  return { command, code: Number(code[1]), printed };
}

let lab: LabServer;
let base: string;

beforeAll(async () => {
  ({ lab, base } = await startLab());
  if (lab.terminals.kind !== 'sandbox') {
    throw new Error(
      `the sandbox is required here, and terminals are ${lab.terminals.kind}: ${'reason' in lab.terminals ? lab.terminals.reason : ''}`,
    );
  }
}, 60_000);

afterAll(async () => {
  await lab?.close();
});

for (const dir of scenarioDirs(SCENARIOS)) {
  const id = dir.split('/').pop()!;
  const { scenario, problems } = loadScenario(dir, SCENARIOS);
  if (!scenario) throw new Error(`failed to load scenario ${id}: ${JSON.stringify(problems)}`);
  const commands = scenario.scenario.steps
    .filter((step) => step.kind === 'attack')
    .flatMap((step) => runnableCommands(readFileSync(join(dir, step.file), 'utf8')));
  const loot = lootPatterns(scenario.scenario.attack);
  const alerts = alertExpectation(scenario.scenario.attack);

  describe(`${id}: the attack steps, typed into the learner's terminal`, () => {
    let term: TerminalClient | undefined;
    afterAll(() => term?.close());

    // A detection scenario: the attack works either way; the fix makes the agent see it, in the log the step reads.
    if (alerts)
      it('goes unseen on the setup and is seen by the agent after the reference solution', {
        timeout: SLOW,
      }, async () => {
        expect(commands.length, 'runnable commands in the attack steps').toBeGreaterThan(0);
        term = await openTerminal(base, id);
        await waitForSetup(lab, term);
        const before: Ran[] = [];
        for (const command of commands) before.push(await type(term, id, command));
        for (const ran of before) expect(ran.code, `${ran.command} on the setup:\n${ran.printed}`).toBe(0);
        const early = before.find((ran) => alerts!.quiet.test(ran.printed));
        expect(early, `an alert on the setup, printed by ${early?.command}:\n${early?.printed}`).toBeUndefined();

        await applyReferenceSolution(lab, id, term);
        term = await freshShell(base, term);
        const after: Ran[] = [];
        for (const command of commands) after.push(await type(term, id, command));
        expect(
          after.some((ran) => alerts!.seen.test(ran.printed)),
          `no alert at ${alerts!.seen} after the solution:\n${after.map((r) => `$ ${r.command}\n${r.printed}`).join('\n')}`,
        ).toBe(true);
      });
    else
      it('works on the setup and fails after the reference solution', { timeout: SLOW }, async () => {
        expect(commands.length, 'runnable commands in the attack steps').toBeGreaterThan(0);
        expect(loot.length, 'what the attack probes count as stolen').toBeGreaterThan(0);
        term = await openTerminal(base, id);
        await waitForSetup(lab, term);

        const before: Ran[] = [];
        for (const command of commands) before.push(await type(term, id, command));
        // kubectl itself must succeed; the program it runs in a pod may fail as part of the story (a
        // process the attack gets killed), but never for want of the program (126, 127).
        for (const ran of before) {
          const remote = /command terminated with exit code (\d+)/.exec(ran.printed)?.[1];
          const ok = ran.code === 0 || (remote !== undefined && remote !== '126' && remote !== '127');
          expect(ok, `${ran.command} on the setup (exit ${ran.code}):\n${ran.printed}`).toBe(true);
        }
        const stolen = loot.filter((pattern) => before.some((ran) => pattern.test(ran.printed)));
        expect(stolen.length, `the attack steps print none of ${loot.join(', ')}`).toBeGreaterThan(0);

        await applyReferenceSolution(lab, id, term);
        // A fresh shell on the same cluster: nothing typed before (a variable, a file) carries over.
        term = await freshShell(base, term);
        const after: Ran[] = [];
        for (const command of commands) after.push(await type(term, id, command));
        for (const pattern of stolen) {
          const leak = after.find((ran) => pattern.test(ran.printed));
          expect(
            leak,
            `${pattern} still printed after the solution by ${leak?.command}:\n${leak?.printed}`,
          ).toBeUndefined();
        }
        expect(
          after.filter((ran) => ran.code !== 0).map((ran) => ran.command),
          'commands that fail after the solution',
        ).not.toEqual([]);
      });
  });
}
