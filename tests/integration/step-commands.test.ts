/**
 * Every command a step names works as the step says, on the simulator: each line of
 * every shell block in a step (runnable or not) and every inline `kubectl ...` or
 * node command, run in order in bash with the real kubectl against a fresh cluster
 * of the scenario. A command may fail when the step says it must (a refused dry
 * run); it may never be missing ("not found") nor a program the simulator has no
 * behaviour for.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario, scenarioDirs } from '@paranoid/catalog/load.ts';
import { bashrc } from '@paranoid/server/sandbox.ts';
import { IMPLEMENTED_COMMANDS } from '@paranoid/sim/runtime/shell/commands/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, type StartedSim, startSim } from '../support/sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');

/** Programs that live on a node, not in the learner's terminal: run where the step reaches the node. */
const NODE_PROGRAMS = new Set(['crictl', 'ctr', 'kubeadm', 'systemctl']);

/** What a step's text asks to run: shell block lines, and inline code that is a command. */
function stepCommands(markdown: string): { command: string; inline: boolean }[] {
  const commands: { command: string; inline: boolean }[] = [];
  const fences = /```(?:sh|bash|shell)[^\n]*\n([\s\S]*?)```/g;
  for (const block of markdown.matchAll(fences)) {
    const lines = block[1]!.replace(/\\\n\s*/g, '').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const command = lines[i]!.replace(/\s+#.*$/, '').trim();
      if (!command || command.startsWith('#')) continue;
      // A here-document is one command with its body, up to the line that ends it.
      const heredoc = /<<-?\s*['"]?(\w+)['"]?/.exec(command);
      if (heredoc) {
        const end = lines.findIndex((l, j) => j > i && l.trim() === heredoc[1]);
        const last = end < 0 ? lines.length - 1 : end;
        commands.push({ command: lines.slice(i, last + 1).join('\n'), inline: false });
        i = last;
        continue;
      }
      commands.push({ command, inline: false });
    }
  }
  const prose = markdown.replace(fences, '');
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) {
    const command = span[1]!.trim();
    // `kubectl exec ... -- ...` or `<pod>` name a shape, not a command to run as written.
    if (/\.\.\.|<[a-z-]+>/.test(command)) continue;
    const program = command.split(/\s+/)[0]!;
    // A mention such as `kubectl edit` is not a command to run; `kubectl get pods -n x` is.
    const words = command.split(/\s+/).length;
    if (NODE_PROGRAMS.has(program) || (program === 'kubectl' && words >= 4)) commands.push({ command, inline: true });
  }
  return commands;
}

/** Output that means the command is missing or the simulator only pretends to have it. */
const BROKEN = [
  /the simulator has no behaviour for it/,
  /: not found$/m,
  /command not found/,
  /executable file not found in \$PATH/,
  /is not simulated/,
];

/** Runs a line as the learner's terminal does: bash with its rc (kubectl, the `aws` of the lab's cloud). */
function bash(sim: StartedSim, script: string, timeoutMs = 45_000): Promise<string> {
  const rc = join(sim.dir, 'bashrc');
  if (!existsSync(rc)) writeFileSync(rc, bashrc('step-commands'));
  return new Promise((done) => {
    const child = spawn('bash', ['-c', `source ${rc}\n${script}`], {
      env: {
        PATH: `${join(KUBECTL, '..')}:/usr/bin:/bin`,
        HOME: sim.dir,
        KUBECONFIG: sim.kubeconfigPath,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', () => {
      clearTimeout(timer);
      done(out);
    });
  });
}

for (const dir of scenarioDirs(SCENARIOS)) {
  const id = dir.split('/').pop()!;
  const { scenario } = loadScenario(dir, SCENARIOS);
  if (!scenario) throw new Error(`failed to load scenario ${id}`);
  const steps = scenario.scenario.steps.map((step) => ({
    id: step.id,
    commands: stepCommands(readFileSync(join(dir, step.file), 'utf8')),
  }));

  describe(`${id}: every command its steps name`, () => {
    let sim: StartedSim;
    beforeAll(async () => {
      sim = await startSim({
        full: { images: scenario.imageDefinitions, internet: scenario.scenario.internet ?? [] },
      });
      for (const file of readdirSync(join(dir, 'setup')).sort()) {
        const out = await bash(sim, `kubectl apply -f '${join(dir, 'setup', file)}'`);
        expect(out).not.toMatch(/error/i);
      }
      await bash(sim, 'kubectl wait deploy --all -A --for=condition=Available --timeout=60s');
    }, 120_000);
    afterAll(async () => {
      await sim?.close();
    });

    it('names at least one command in its steps', () => {
      expect(steps.flatMap((s) => s.commands).length).toBeGreaterThan(0);
    });

    for (const step of steps) {
      for (const { command, inline } of step.commands) {
        const program = command.split(/\s+/)[0]!;
        it(`${step.id}: ${command}`, { timeout: 60_000 }, async () => {
          // A node program runs where the step reaches the node: through the scenario's own escape.
          const script = NODE_PROGRAMS.has(program)
            ? `kubectl exec -n monitoring deploy/node-monitor -- nsenter -t 1 -m -u -i -n -p -- sh -c '${command}'`
            : command;
          const out = await bash(sim, script);
          for (const broken of BROKEN) expect(out, `${script}\n${out}`).not.toMatch(broken);
          if (NODE_PROGRAMS.has(program) || inline) expect(out.trim(), `${script} printed nothing`).not.toBe('');
        });
      }
    }
  });
}

/** The shell's own builtins (interpreter.ts): a program by that name is never looked up. */
const SHELL_BUILTINS = ['cd', 'pwd', 'export', 'exit', 'true', 'false', 'echo', 'printf', 'test', '[', 'read'];

describe("the programs in the scenarios' images", () => {
  for (const dir of scenarioDirs(SCENARIOS)) {
    const { scenario } = loadScenario(dir, SCENARIOS);
    for (const image of scenario?.imageDefinitions ?? []) {
      it(`${image.repository}: every program has behaviour, or is the image's own process`, () => {
        const own = new Set([
          ...(image.config?.entrypoint ?? []).map((p) => p.split('/').pop()!),
          ...(image.processes ?? []).map((p) => p.name),
          // and what its processes run (busybox nc -e /usr/local/bin/redis-conn for each client)
          ...(image.processes ?? []).flatMap((p) => (p.argv ?? []).map((a) => a.split('/').pop()!)),
        ]);
        // A script the image ships runs in the simulator's shell: it has behaviour. A program one of
        // those scripts calls (busybox `httpd` behind the image's server, `timeout` in a wrapper) is
        // the image's own doing, as its process is.
        const scriptFiles = Object.entries(image.files ?? {})
          .map(([path, f]) => [path, typeof f === 'string' ? f : (f.content ?? '')] as const)
          .filter(([, content]) => /^#!\/bin\/(busybox )?(ba)?sh/.test(content));
        const scripts = scriptFiles.map(([path]) => path.split('/').pop()!);
        const called = new Set(scriptFiles.flatMap(([, content]) => content.split(/[^\w.-]+/)));
        for (const program of called) own.add(program);
        // busybox itself: the simulator's shell runs its applets when called as `busybox <applet>` or under another name.
        const multiCall = image.userland === 'busybox' ? ['busybox'] : [];
        const known = new Set([...IMPLEMENTED_COMMANDS, ...SHELL_BUILTINS, ...scripts, ...multiCall]);
        expect((image.binaries ?? []).filter((b) => !known.has(b) && !own.has(b))).toEqual([]);
      });
    }
  }
});
