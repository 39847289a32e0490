/**
 * unsigned-image played from its own steps: every runnable block of the attack, fix and
 * verify steps, run as the learner's terminal runs it (sh with the real kubectl on PATH)
 * against a full simulated cluster with the scenario's images. The attack must work on the
 * setup; after the reference solution policy-controller refuses what is unsigned, with its
 * own texts, and admits the signed releases by the digest it verified.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioSteps } from '../support/scenario-steps.ts';

const steps = new ScenarioSteps('unsigned-image');
const { dir: DIR } = steps;
const SLOW = 180_000;

describe('unsigned-image, from its steps', () => {
  beforeAll(() => steps.start(['shop', 'dev']), SLOW);
  afterAll(() => steps.close());

  it(
    'reads the backdoor and admits any copy on the setup; after the solution only signed releases run',
    async () => {
      const explore = steps.blocks('01-explore.md');
      expect(explore).toHaveLength(4);
      const verified = await steps.terminal(explore[2]!);
      expect(verified.out).toContain('Verification for registry.lab.local/shop/storefront:2.4.1 --');
      expect(verified.out).toContain(
        'Error: no matching signatures: invalid or missing digest in claim: sha256:cfefb8824741b95ad0aaa3ee6525b4bdb8553969e796320d4b3b05a39ab917c6',
      );

      const attack = steps.blocks('02-attack.md');
      expect(attack).toHaveLength(3);
      const [page, backdoor, admitted] = await Promise.all(attack.map((b) => steps.terminal(b)));
      expect(page!.out).toContain('storefront 2.4.1');
      expect(backdoor!.out).toContain('PARANOID{a-name-that-looks-right-is-not-a-signature}');
      expect(admitted!.out).toMatch(/^pod\/lookalike$/m);
      expect(admitted!.out).toMatch(/^pod\/laptop-build$/m);

      await steps.applyFolder(join(DIR, 'solution'));
      await steps.rolledOut('shop');

      const [tries] = steps.blocks('03-fix.md');
      const fix = await steps.terminal(tries!);
      const refusals = fix.out.match(/admission webhook "policy.sigstore.dev" denied the request/g) ?? [];
      expect(refusals, fix.out).toHaveLength(3);
      expect(fix.out).toContain('no matching policies: spec.containers[0].image');
      expect(fix.out).toContain('signature key validation failed for authority release-key');
      expect(fix.out).toContain('no signatures found');
      expect(fix.out).toContain('no matching signatures: invalid signature when validating ASN.1 encoded signature');
      expect(fix.out).toContain(
        'registry.lab.local/shop/storefront@sha256:841a62b9be22cd70a43a42c7e7b4c5725b0c2409a9b50eed3c712952f7496878',
      );

      const verify = steps.blocks('04-verify.md');
      expect(verify).toHaveLength(3);
      const rollout = (await steps.terminal(verify[0]!)).out;
      expect(rollout).toContain('successfully rolled out');
      expect(rollout).toContain(
        'registry.lab.local/shop/storefront@sha256:cfefb8824741b95ad0aaa3ee6525b4bdb8553969e796320d4b3b05a39ab917c6',
      );
      expect(rollout).toContain('storefront 2.4.1');
      expect((await steps.terminal(verify[1]!)).out).toMatch(/^404$/m);
      const replay = await steps.terminal(verify[2]!);
      expect(replay.code).not.toBe(0);
      expect(replay.out).toContain('no matching policies');
    },
    SLOW,
  );
});
