/**
 * secrets-in-plain-sight played from its own steps: every runnable block of the attack
 * and verify steps, run as the learner's terminal runs it (sh with the real kubectl on
 * PATH) against a full simulated cluster with the scenario's images. The attack must
 * work on the setup; after the reference solution the same blocks must fail.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadScenario } from '@paranoid/catalog/load.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, type StartedSim, startSim } from '../support/sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
const DIR = join(SCENARIOS, 'secrets-in-plain-sight');
const SLOW = 180_000;

/** The ```sh run blocks of a step, in order. */
function runnableBlocks(step: string): string[] {
  const text = readFileSync(join(DIR, 'steps', step), 'utf8');
  return [...text.matchAll(/^[ \t]*```sh run\n([\s\S]*?)^[ \t]*```/gm)].map((m) =>
    m[1]!
      .split('\n')
      .map((l) => l.replace(/^ {3}/, ''))
      .join('\n'),
  );
}

let sim: StartedSim;

/** Runs a block as the terminal does: sh, kubectl on PATH, the session's kubeconfig. */
function terminal(block: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(
      'sh',
      ['-c', block],
      {
        timeout: 60_000,
        env: {
          PATH: `${dirname(KUBECTL)}:/usr/bin:/bin`,
          HOME: sim.dir,
          KUBECONFIG: sim.kubeconfigPath,
        },
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

async function kubectlOk(args: string[]): Promise<string> {
  const r = await sim.kubectl(args, { timeoutMs: 90_000 });
  expect(r.code, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

async function applyFolder(folder: string): Promise<void> {
  for (const file of readdirSync(folder).sort()) {
    if (file.endsWith('.yaml') && file !== 'delete.yaml') await kubectlOk(['apply', '-f', join(folder, file)]);
  }
}

async function rolledOut(ns: string): Promise<void> {
  for (const name of (await kubectlOk(['get', 'deploy', '-n', ns, '-o', 'name'])).trim().split('\n')) {
    await kubectlOk(['rollout', 'status', '-n', ns, name, '--timeout=60s']);
  }
}

describe('secrets-in-plain-sight, from its steps', () => {
  beforeAll(async () => {
    const { scenario } = loadScenario(DIR, SCENARIOS);
    if (!scenario) throw new Error('failed to load secrets-in-plain-sight');
    sim = await startSim({ full: { images: scenario.imageDefinitions, internet: [] } });
    await applyFolder(join(DIR, 'setup'));
    await rolledOut('payments');
    await rolledOut('dev');
  }, SLOW);
  afterAll(() => sim?.close());

  it(
    'reads the password, the ledger and the image key with read access only; the solution and rotation stop it',
    async () => {
      const attack = runnableBlocks('02-attack.md');
      expect(attack).toHaveLength(5);
      const [spec, config, secret, ledger, image] = await Promise.all(attack.map((b) => terminal(b)));
      expect(spec!.out).toContain('value: Tr0ub4dor-payments-2026');
      expect(config!.out).toContain('redis://:Tr0ub4dor-payments-2026@ledger.payments.svc:6379/0');
      expect(atob(secret!.out.trim())).toBe('Tr0ub4dor-payments-2026');
      expect(ledger!.out).toContain('PARANOID{a-password-in-a-pod-spec-is-a-password-for-everyone}');
      expect(image!.out).toContain('PSP_API_KEY=psp_live_7Qm2VxR9sK4tLw8ZcN3bH6yD');

      await kubectlOk(['delete', 'rolebinding', 'payments-readers', '-n', 'payments']);
      await kubectlOk(['delete', 'clusterrole', 'payments-readonly']);
      await applyFolder(join(DIR, 'solution'));
      await rolledOut('payments');

      const verify = runnableBlocks('04-verify.md');
      expect(verify).toHaveLength(4);
      expect((await terminal(verify[0]!)).out).toContain('secret/ledger-auth configured');
      expect((await terminal(verify[1]!)).out).toContain('successfully rolled out');
      await rolledOut('payments');
      const replay = (await terminal(verify[2]!)).out;
      expect(replay).toContain('secrets "ledger-auth" is forbidden');
      expect(replay).not.toContain('PARANOID{');
      expect(replay).toContain('Could not connect to Redis at ledger.payments:6379');
      expect(replay).toMatch(/^0$/m);
      expect((await terminal(verify[3]!)).out).toContain(
        'PARANOID{a-password-in-a-pod-spec-is-a-password-for-everyone}',
      );
      // The rebuilt image holds no key.
      const clean = await terminal(
        'kubectl exec -n dev deploy/toolbox -- kubectl -n dev run clean --restart=Never --image=registry.lab.local/payments/checkout-api:2.3.1 --command -- cat /app/.env; sleep 3; kubectl exec -n dev deploy/toolbox -- kubectl -n dev logs clean',
      );
      expect(clean.out).toContain('No such file or directory');
    },
    SLOW,
  );
});
