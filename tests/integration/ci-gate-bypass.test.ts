/**
 * ci-gate-bypass played from its own steps: every runnable block, run as the learner's terminal
 * runs it (sh with the real kubectl on PATH) against a full simulated cluster with the scenario's
 * images. On the setup the pipeline releases Shellshock and the cluster admits it; after the
 * reference solution the gate stops HIGH and CRITICAL findings before anything is attested,
 * policy-controller refuses what has no attestation from the pipeline's key, and a clean image
 * goes through both.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioSteps } from '../support/scenario-steps.ts';

const steps = new ScenarioSteps('ci-gate-bypass');
const { dir: DIR } = steps;
const SLOW = 180_000;
const DENIED = 'admission webhook "policy.sigstore.dev" denied the request';

describe('ci-gate-bypass, from its steps', () => {
  beforeAll(() => steps.start(['ci', 'shop', 'dev']), SLOW);
  afterAll(() => steps.close());

  it(
    'releases Shellshock on the setup; after the solution the gate stops it and only attested images run',
    async () => {
      const explore = steps.blocks('01-explore.md');
      expect(explore).toHaveLength(5);
      const [image, pipeline, scan, signed] = await Promise.all(explore.slice(0, 4).map((b) => steps.terminal(b)));
      expect(image!.out).toBe('registry.lab.local/shop/checkout:1.4.0\n');
      expect(pipeline!.out).toContain('trivy image --exit-code 0 --severity UNKNOWN,LOW,MEDIUM,HIGH "$IMAGE" || true');
      expect(scan!.out).toContain('registry.lab.local/shop/checkout:1.4.0 (debian 7.8)\n');
      expect(scan!.out).toContain('Total: 4 (HIGH: 2, CRITICAL: 2)');
      expect(scan!.out).toMatch(
        /│ bash +│ CVE-2014-6271 +│ CRITICAL │ fixed +│ 4\.2\+dfsg-0\.1 +│ 4\.2\+dfsg-0\.1\+deb7u1/,
      );
      expect(scan!.out).toContain('CVE-2014-0160');
      expect(signed!.code, signed!.out).toBe(0);
      expect(signed!.out).toContain('Verification for registry.lab.local/shop/checkout:1.4.0 --');

      const attack = steps.blocks('02-attack.md');
      expect(attack).toHaveLength(2);
      const released = await steps.terminal(attack[0]!);
      expect(released.code, released.out).toBe(0);
      expect(released.out).toContain('Total: 1 (UNKNOWN: 0, LOW: 1, MEDIUM: 0, HIGH: 0)');
      expect(released.out).toContain('--- released: registry.lab.local/shop/invoices:2.2.0');
      const admitted = await steps.terminal(attack[1]!);
      expect(admitted.out).toContain('pod/invoices created (server dry run)');

      await steps.applyFolder(join(DIR, 'solution'));
      await steps.rolledOut('shop');

      const [rollout, tries] = steps.blocks('03-fix.md');
      const rolled = await steps.terminal(rollout!);
      expect(rolled.code, rolled.out).toBe(0);
      expect(rolled.out).toContain('Total: 0 (HIGH: 0, CRITICAL: 0)');
      expect(rolled.out).toContain('--- released: registry.lab.local/shop/checkout:1.4.1');
      const fix = await steps.terminal(tries!);
      const refusals = fix.out.match(new RegExp(DENIED, 'g')) ?? [];
      expect(refusals, fix.out).toHaveLength(3);
      // 1.4.0 is signed by the pipeline's key but carries no attestation; 1.5.0-dev's attestation is the developers'.
      expect(fix.out).toContain('attestation key validation failed for authority release-gate');
      expect(fix.out).toContain('no matching attestations');
      expect(fix.out).toContain('invalid signature when validating ASN.1 encoded signature');

      const verify = steps.blocks('04-verify.md');
      expect(verify).toHaveLength(3);
      const running = await steps.terminal(verify[0]!);
      expect(running.out).toContain(
        'registry.lab.local/shop/checkout@sha256:066d310bdd2234fd27d6e3db0584bc6e0d23fbd1c6fbba82ffdb4485d1da080e',
      );
      expect(running.out).toContain('checkout 1.4.1');
      const gated = await steps.terminal(verify[1]!);
      expect(gated.out).toContain('Total: 2 (HIGH: 0, CRITICAL: 2)');
      expect(gated.out).toContain('Total: 2 (HIGH: 2, CRITICAL: 0)');
      expect(gated.out.match(/^exit 1$/gm), gated.out).toHaveLength(2);
      expect(gated.out).not.toContain('--- released');
      expect(gated.out).not.toContain('--- attest');
      const last = await steps.terminal(verify[2]!);
      expect(last.out).toContain(DENIED);
      expect(last.out).toContain('--- released: registry.lab.local/shop/invoices:2.2.1');
      expect(last.out).toMatch(/^pod\/invoices$/m);
    },
    SLOW,
  );
});
