/**
 * secrets-in-plain-sight played from its own steps: every runnable block of the attack
 * and verify steps, run as the learner's terminal runs it (sh with the real kubectl on
 * PATH) against a full simulated cluster with the scenario's images. The attack must
 * work on the setup; after the reference solution the same blocks must fail.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioSteps } from '../support/scenario-steps.ts';

const steps = new ScenarioSteps('secrets-in-plain-sight');
const { dir: DIR } = steps;
const SLOW = 180_000;

describe('secrets-in-plain-sight, from its steps', () => {
  beforeAll(() => steps.start(['payments', 'dev']), SLOW);
  afterAll(() => steps.close());

  it(
    'reads the password, the ledger and the image key with read access only; the solution and rotation stop it',
    async () => {
      const attack = steps.blocks('02-attack.md');
      expect(attack).toHaveLength(5);
      const [spec, config, secret, ledger, image] = await Promise.all(attack.map((b) => steps.terminal(b)));
      expect(spec!.out).toContain('value: Tr0ub4dor-payments-2026');
      expect(config!.out).toContain('redis://:Tr0ub4dor-payments-2026@ledger.payments.svc:6379/0');
      expect(atob(secret!.out.trim())).toBe('Tr0ub4dor-payments-2026');
      expect(ledger!.out).toContain('PARANOID{a-password-in-a-pod-spec-is-a-password-for-everyone}');
      expect(image!.out).toContain('PSP_API_KEY=psp_live_7Qm2VxR9sK4tLw8ZcN3bH6yD');

      await steps.kubectlOk(['delete', 'rolebinding', 'payments-readers', '-n', 'payments']);
      await steps.kubectlOk(['delete', 'clusterrole', 'payments-readonly']);
      await steps.applyFolder(join(DIR, 'solution'));
      await steps.rolledOut('payments');

      const verify = steps.blocks('04-verify.md');
      expect(verify).toHaveLength(4);
      expect((await steps.terminal(verify[0]!)).out).toContain('secret/ledger-auth configured');
      expect((await steps.terminal(verify[1]!)).out).toContain('successfully rolled out');
      await steps.rolledOut('payments');
      const replay = (await steps.terminal(verify[2]!)).out;
      expect(replay).toContain('secrets "ledger-auth" is forbidden');
      expect(replay).not.toContain('PARANOID{');
      expect(replay).toContain('Could not connect to Redis at ledger.payments:6379');
      expect(replay).toMatch(/^0$/m);
      expect((await steps.terminal(verify[3]!)).out).toContain(
        'PARANOID{a-password-in-a-pod-spec-is-a-password-for-everyone}',
      );
      // The rebuilt image holds no key.
      const clean = await steps.terminal(
        'kubectl exec -n dev deploy/toolbox -- kubectl -n dev run clean --restart=Never --image=registry.lab.local/payments/checkout-api:2.3.1 --command -- cat /app/.env; sleep 3; kubectl exec -n dev deploy/toolbox -- kubectl -n dev logs clean',
      );
      expect(clean.out).toContain('No such file or directory');
    },
    SLOW,
  );
});
