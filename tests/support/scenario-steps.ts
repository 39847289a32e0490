/**
 * A scenario played from its own steps on a full simulated cluster: its runnable blocks run as
 * the learner's terminal runs them (sh, the real kubectl on PATH, the session's kubeconfig).
 * Scenario tests that follow a scenario's steps share it.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadScenario, NOT_MANIFESTS } from '@paranoid/catalog/load.ts';
import { expect } from 'vitest';
import { KUBECTL, type StartedSim, startSim } from './sim.ts';

/** The repository's scenarios folder. */
export const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');

/** One scenario's steps, folders and simulated cluster. */
export class ScenarioSteps {
  /** The scenario's folder. */
  readonly dir: string;
  private started: StartedSim | undefined;

  constructor(readonly id: string) {
    this.dir = join(SCENARIOS, id);
  }

  /** The running cluster; only after {@link start}. */
  get sim(): StartedSim {
    if (!this.started) throw new Error(`the cluster of ${this.id} is not started`);
    return this.started;
  }

  /** A full cluster with the scenario's images, its setup applied and these namespaces rolled out. */
  async start(namespaces: string[]): Promise<void> {
    const { scenario } = loadScenario(this.dir, SCENARIOS);
    if (!scenario) throw new Error(`failed to load ${this.id}`);
    this.started = await startSim({ full: { images: scenario.imageDefinitions, internet: [] } });
    await this.applyFolder(join(this.dir, 'setup'));
    for (const ns of namespaces) await this.rolledOut(ns);
  }

  close(): void {
    this.started?.close();
  }

  /** The ```sh run blocks of a step, in order. */
  blocks(step: string): string[] {
    const text = readFileSync(join(this.dir, 'steps', step), 'utf8');
    return [...text.matchAll(/^[ \t]*```sh run\n([\s\S]*?)^[ \t]*```/gm)].map((m) =>
      m[1]!
        .split('\n')
        .map((l) => l.replace(/^ {3}/, ''))
        .join('\n'),
    );
  }

  /** Runs a block as the terminal does: sh, kubectl on PATH, the session's kubeconfig. */
  terminal(block: string): Promise<{ code: number; out: string }> {
    const sim = this.sim;
    return new Promise((done) => {
      execFile(
        'sh',
        ['-c', block],
        {
          timeout: 60_000,
          env: { PATH: `${dirname(KUBECTL)}:/usr/bin:/bin`, HOME: sim.dir, KUBECONFIG: sim.kubeconfigPath },
        },
        (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
  }

  /** kubectl with these arguments, which must succeed; its stdout. */
  async kubectlOk(args: string[]): Promise<string> {
    const r = await this.sim.kubectl(args, { timeoutMs: 90_000 });
    expect(r.code, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
    return r.stdout;
  }

  /** `kubectl apply -f` of every manifest in a folder (not its delete.yaml nor cloud.yaml), in name order. */
  async applyFolder(folder: string): Promise<void> {
    for (const file of readdirSync(folder).sort()) {
      if (file.endsWith('.yaml') && !NOT_MANIFESTS.includes(file))
        await this.kubectlOk(['apply', '-f', join(folder, file)]);
    }
  }

  /** Waits for every Deployment of a namespace to roll out. */
  async rolledOut(ns: string): Promise<void> {
    for (const name of (await this.kubectlOk(['get', 'deploy', '-n', ns, '-o', 'name'])).trim().split('\n')) {
      await this.kubectlOk(['rollout', 'status', '-n', ns, name, '--timeout=60s']);
    }
  }
}
