/**
 * ci-gate-bypass's near misses fail for the reason they name. `paranoid validate` proves each bad
 * variant fails *some* MUST check; here each must fail exactly the checks its README describes,
 * graded through the API as the lab grades, with the real kubectl applying the setup and each
 * change to one simulated cluster. Before each change the cluster is put back to the setup (image
 * policies and admission policies removed, the setup applied again); what the pipeline attached
 * to the grader's own images is cleared by the checks themselves.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LoadedScenario, loadScenario } from '@paranoid/catalog/load.ts';
import { grade } from '@paranoid/grader/grade.ts';
import { createKubeApi, defaultInternet, KubeClient } from '@paranoid/kube/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, startSim } from '../support/sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
const DIR = join(SCENARIOS, 'ci-gate-bypass');
const SLOW = 300_000;

const GATE = ['gate-blocks-critical', 'gate-blocks-high'];
const ADMISSION = [
  'admission-denies-vulnerable-release',
  'admission-denies-developer-attestation',
  'admission-denies-unscanned-image',
  'admission-denies-unscanned-deployment',
];
const RUNNING = ['no-workload-runs-a-vulnerable-image', 'checkout-runs-a-scanned-release'];

/** The MUST checks each change must fail, and no others. */
const EXPECTED: Record<string, string[]> = {
  solution: [],
  'good-ignore-unfixed': [],
  'good-explicit-exit': [],
  'good-key-from-secret': [],
  'bad-critical-still-dropped': ['gate-blocks-critical'],
  'bad-critical-only': ['gate-blocks-high'],
  'bad-continue-on-error': GATE,
  'bad-no-errexit': GATE,
  'bad-signature-only': ['admission-denies-vulnerable-release', ...RUNNING],
  'bad-developer-key-too': ['admission-denies-developer-attestation'],
  'bad-digest-allowlist': ['gate-releases-clean-image'],
  'bad-pipeline-unchanged': ['gate-releases-clean-image'],
  'bad-vulnerable-still-running': RUNNING,
  'bad-warn-mode': [...GATE, ...ADMISSION],
};

let sim: StartedSim;
let loaded: LoadedScenario;

async function kubectlOk(args: string[]): Promise<string> {
  const r = await sim.kubectl(args, { timeoutMs: 90_000 });
  expect(r.code, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

async function applyFolder(folder: string): Promise<void> {
  for (const file of readdirSync(folder).sort()) {
    if (file.endsWith('.yaml')) await kubectlOk(['apply', '-f', join(folder, file)]);
  }
  for (const [ns, kind] of [
    ['ci', 'deploy/runner'],
    ['shop', 'deploy/checkout'],
    ['dev', 'deploy/toolbox'],
  ] as const) {
    await kubectlOk(['rollout', 'status', '-n', ns, kind, '--timeout=90s']);
  }
}

/** Back to the setup: no policy of any kind, the setup's objects as they were. */
async function reset(): Promise<void> {
  await kubectlOk(['delete', 'clusterimagepolicies', '--all']);
  await kubectlOk(['delete', 'validatingadmissionpolicybindings,validatingadmissionpolicies', '--all']);
  await kubectlOk(['label', 'namespace', 'shop', 'policy.sigstore.dev/include-']);
  await applyFolder(join(DIR, 'setup'));
}

async function failing(): Promise<string[]> {
  const client = KubeClient.fromFile(sim.kubeconfigPath);
  const result = await grade(loaded.scenario, createKubeApi(client, defaultInternet(client)));
  return result.checks.filter((c) => c.level === 'MUST' && !c.passed).map((c) => c.id);
}

describe('ci-gate-bypass: every change fails exactly the checks it should', () => {
  beforeAll(async () => {
    const { scenario } = loadScenario(DIR, SCENARIOS);
    if (!scenario) throw new Error('failed to load ci-gate-bypass');
    loaded = scenario;
    sim = await startSim({ full: { images: scenario.imageDefinitions, internet: [] } });
    await applyFolder(join(DIR, 'setup'));
  }, SLOW);
  afterAll(() => sim?.close());

  it('covers every variant folder', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(['solution', ...readdirSync(join(DIR, 'variants'))].sort());
  });

  it(
    'fails every check on the setup but those that hold while nothing is refused',
    async () => {
      // With no admission at all a clean image is released and admitted, and checkout serves.
      expect((await failing()).sort()).toEqual([...GATE, ...ADMISSION, ...RUNNING].sort());
    },
    SLOW,
  );

  for (const [change, expected] of Object.entries(EXPECTED)) {
    it(
      `${change}: fails ${expected.length ? expected.join(', ') : 'nothing'}`,
      async () => {
        await reset();
        await applyFolder(change === 'solution' ? join(DIR, 'solution') : join(DIR, 'variants', change));
        expect((await failing()).sort()).toEqual([...expected].sort());
      },
      SLOW,
    );
  }
});
