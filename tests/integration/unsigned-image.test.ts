/**
 * unsigned-image played from its own steps: every runnable block of the attack, fix and
 * verify steps, run as the learner's terminal runs it (sh with the real kubectl on PATH)
 * against a full simulated cluster with the scenario's images. The attack must work on the
 * setup; after the reference solution policy-controller refuses what is unsigned, with its
 * own texts, and admits the signed releases by the digest it verified.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadScenario } from '@paranoid/catalog/load.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, type StartedSim, startSim } from '../support/sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
const DIR = join(SCENARIOS, 'unsigned-image');
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

describe('unsigned-image, from its steps', () => {
  beforeAll(async () => {
    const { scenario } = loadScenario(DIR, SCENARIOS);
    if (!scenario) throw new Error('failed to load unsigned-image');
    sim = await startSim({ full: { images: scenario.imageDefinitions, internet: [] } });
    await applyFolder(join(DIR, 'setup'));
    await rolledOut('shop');
    await rolledOut('dev');
  }, SLOW);
  afterAll(() => sim?.close());

  it(
    'reads the backdoor and admits any copy on the setup; after the solution only signed releases run',
    async () => {
      const explore = runnableBlocks('01-explore.md');
      expect(explore).toHaveLength(4);
      const verified = await terminal(explore[2]!);
      expect(verified.out).toContain('Verification for registry.lab.local/shop/storefront:2.4.1 --');
      expect(verified.out).toContain(
        'Error: no matching signatures: invalid or missing digest in claim: sha256:cfefb8824741b95ad0aaa3ee6525b4bdb8553969e796320d4b3b05a39ab917c6',
      );

      const attack = runnableBlocks('02-attack.md');
      expect(attack).toHaveLength(3);
      const [page, backdoor, admitted] = await Promise.all(attack.map((b) => terminal(b)));
      expect(page!.out).toContain('storefront 2.4.1');
      expect(backdoor!.out).toContain('PARANOID{a-name-that-looks-right-is-not-a-signature}');
      expect(admitted!.out).toMatch(/^pod\/lookalike$/m);
      expect(admitted!.out).toMatch(/^pod\/laptop-build$/m);

      await applyFolder(join(DIR, 'solution'));
      await rolledOut('shop');

      const [tries] = runnableBlocks('03-fix.md');
      const fix = await terminal(tries!);
      const refusals = fix.out.match(/admission webhook "policy.sigstore.dev" denied the request/g) ?? [];
      expect(refusals, fix.out).toHaveLength(3);
      expect(fix.out).toContain('no matching policies: spec.containers[0].image');
      expect(fix.out).toContain('signature key validation failed for authority release-key');
      expect(fix.out).toContain('no signatures found');
      expect(fix.out).toContain('no matching signatures: invalid signature when validating ASN.1 encoded signature');
      expect(fix.out).toContain(
        'registry.lab.local/shop/storefront@sha256:841a62b9be22cd70a43a42c7e7b4c5725b0c2409a9b50eed3c712952f7496878',
      );

      const verify = runnableBlocks('04-verify.md');
      expect(verify).toHaveLength(3);
      const rollout = (await terminal(verify[0]!)).out;
      expect(rollout).toContain('successfully rolled out');
      expect(rollout).toContain(
        'registry.lab.local/shop/storefront@sha256:cfefb8824741b95ad0aaa3ee6525b4bdb8553969e796320d4b3b05a39ab917c6',
      );
      expect(rollout).toContain('storefront 2.4.1');
      expect((await terminal(verify[1]!)).out).toMatch(/^404$/m);
      const replay = await terminal(verify[2]!);
      expect(replay.code).not.toBe(0);
      expect(replay.out).toContain('no matching policies');
    },
    SLOW,
  );
});
