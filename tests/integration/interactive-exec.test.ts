/**
 * The interactive attacks of the seed scenarios, typed as a learner types them:
 * the lab as `paranoid serve --provider sim` runs it, a session per scenario, the
 * real terminal WebSocket, bash and the real kubectl in the learner's shell. Every
 * `kubectl exec -it` a step shows must give the node's prompt, run what is typed,
 * take Ctrl+C, and give the learner's prompt back on `exit`; a reconnect after it
 * lands in a live shell.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario, scenarioDirs } from '@paranoid/catalog/load.ts';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTerminal } from '../support/lab-terminal.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');

/** Every command of a runnable block (`sh run`) in a scenario's steps, continuation lines joined. */
function runnableCommands(id: string): string[] {
  const { scenario } = loadScenario(join(SCENARIOS, id), SCENARIOS);
  if (!scenario) throw new Error(`failed to load scenario ${id}`);
  const commands: string[] = [];
  for (const step of scenario.scenario.steps) {
    const text = readFileSync(join(SCENARIOS, id, step.file), 'utf8');
    for (const block of text.matchAll(/```sh run\n([\s\S]*?)```/g)) {
      commands.push(
        ...block[1]!
          .replace(/\\\n\s*/g, '')
          .split('\n')
          .filter(Boolean),
      );
    }
  }
  return commands;
}

const interactive = (command: string) => /\bkubectl\s+exec\b.*\s-(it|ti)\b/.test(command);

const cases = scenarioDirs(SCENARIOS)
  .map((dir) => dir.split('/').pop()!)
  .flatMap((id) =>
    runnableCommands(id)
      .filter(interactive)
      .map((command) => ({ id, command })),
  );

let lab: LabServer;
let base: string;

beforeAll(async () => {
  // Where bubblewrap is missing, an unsandboxed shell: the test then still types through the socket.
  lab = await createServeLab({ provider: 'sim', database: ':memory:', unsafeLocalShell: true });
  base = (await lab.listen(0, '127.0.0.1')).url;
}, 120_000);

afterAll(async () => {
  await lab?.close();
});

async function start(scenarioId: string): Promise<{ id: string; token: string }> {
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenarioId }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { session: { id: string }; token: string };
  return { id: body.session.id, token: body.token };
}

describe('interactive attacks through the learner terminal', () => {
  it('finds the interactive escape the root-container-escape steps show', () => {
    expect(cases.map((c) => c.id)).toContain('root-container-escape');
  });

  for (const { id, command } of cases) {
    it(`${id}: ${command}`, { timeout: 120_000 }, async () => {
      const session = await start(id);
      const term = connectTerminal(base, session.id, session.token);
      const learnerPrompt = new RegExp(`${id}:~\\$ $`);
      await term.waitFor(learnerPrompt);
      // As a learner reading the first step would: the workloads are up before the attack.
      term.type(
        'kubectl wait deploy --all -A --for=condition=Available --timeout=60s >/dev/null; echo "up $((2*3))"\r',
      );
      await term.waitFor(/up 6\r\n/, 70_000);
      await term.waitFor(learnerPrompt);
      term.type(`${command}\r`);
      // The node's shell: busybox or dash prompt of root.
      await term.waitFor(/# $/, 30_000);
      term.type('hostname; echo "in $((6*7))"\r');
      const seen = await term.waitFor(/in 42\r\n[^\n]*# $/);
      expect(seen).toMatch(/paranoid-(control-plane|worker\d*)\r\n/);
      // A hung child gives way to Ctrl+C, and the node's prompt comes back.
      term.type('sleep 50\r');
      await term.waitFor(/sleep 50\r\n/);
      term.type('\x03');
      await term.waitFor(/\^C\r\n[^\n]*# $/, 5_000);
      term.type('exit\r');
      await term.waitFor(learnerPrompt, 10_000);
      term.type('echo "back $((1+1))"\r');
      await term.waitFor(/back 2\r\n/);

      // Ctrl+D leaves as exit does.
      term.type(`${command}\r`);
      await term.waitFor(/# $/, 30_000);
      term.type('\x04');
      await term.waitFor(learnerPrompt, 10_000);

      // A reload while inside the node's shell reattaches to that live shell, not a dead one.
      term.type(`${command}\r`);
      await term.waitFor(/# $/, 30_000);
      term.ws.terminate();
      const again = connectTerminal(base, session.id, session.token);
      await again.waitFor(/# $/);
      again.type('echo "alive $((3+4))"\r');
      await again.waitFor(/alive 7\r\n[^\n]*# $/);
      again.type('exit\r');
      await again.waitFor(learnerPrompt, 10_000);
      again.ws.close();
    });
  }
});
