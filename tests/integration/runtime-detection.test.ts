/**
 * runtime-detection's near misses fail for the reason they name. `paranoid validate` proves
 * each bad variant fails *some* MUST check; here each must fail exactly the checks its README
 * describes, graded through the API as the lab grades, with the real kubectl applying the
 * setup and each variant to one simulated cluster, and Falco's own alerts deciding.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LoadedScenario, loadScenario } from '@paranoid/catalog/load.ts';
import { grade } from '@paranoid/grader/grade.ts';
import { createKubeApi, defaultInternet, KubeClient } from '@paranoid/kube/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, startSim } from '../support/sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
const DIR = join(SCENARIOS, 'runtime-detection');
const SLOW = 300_000;

const ALERT_CHECKS = [
  'shell-exec-alerts',
  'shell-exec-alerts-any-namespace',
  'shadow-read-pages',
  'dropped-binary-pages',
  'quiet-on-normal-work',
];

/** The MUST checks each change must fail, and no others. */
const EXPECTED: Record<string, string[]> = {
  solution: [],
  'good-own-rules': [],
  'good-exceptions-and-error': [],
  'good-fixed-custom-rule': [],
  'bad-terminal-only': ['shell-exec-alerts', 'shell-exec-alerts-any-namespace'],
  'bad-open-not-openat': ['shadow-read-pages'],
  'bad-stock-priority': ['shadow-read-pages'],
  'bad-every-shell': ['quiet-on-normal-work'],
  'bad-scoped-to-shop': ['shell-exec-alerts-any-namespace'],
  'bad-all-of-etc': ['quiet-on-normal-work'],
  'bad-fake-agent': ALERT_CHECKS,
  // Last: it changes falco.yaml, which the others do not put back.
  'bad-min-priority-error': ['shell-exec-alerts', 'shell-exec-alerts-any-namespace'],
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
    if (file.endsWith('.yaml') && file !== 'delete.yaml') await kubectlOk(['apply', '-f', join(folder, file)]);
  }
  for (const [ns, kind] of [
    ['falco', 'ds/falco'],
    ['shop', 'deploy/storefront'],
    ['billing', 'deploy/invoices'],
    ['ops', 'deploy/toolbox'],
  ] as const) {
    await kubectlOk(['rollout', 'status', '-n', ns, kind, '--timeout=90s']);
  }
}

async function failing(): Promise<string[]> {
  const client = KubeClient.fromFile(sim.kubeconfigPath);
  const result = await grade(loaded.scenario, createKubeApi(client, defaultInternet(client)));
  return result.checks.filter((c) => c.level === 'MUST' && !c.passed).map((c) => c.id);
}

describe('runtime-detection: every change fails exactly the checks it should', () => {
  beforeAll(async () => {
    const { scenario } = loadScenario(DIR, SCENARIOS);
    if (!scenario) throw new Error('failed to load runtime-detection');
    loaded = scenario;
    sim = await startSim({ full: { images: scenario.imageDefinitions, internet: [] } });
    await applyFolder(join(DIR, 'setup'));
  }, SLOW);
  afterAll(() => sim?.close());

  it('covers every variant folder', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(['solution', ...readdirSync(join(DIR, 'variants'))].sort());
  });

  it(
    'fails every alert check on the setup but the quiet one',
    async () => {
      expect((await failing()).sort()).toEqual(ALERT_CHECKS.filter((c) => c !== 'quiet-on-normal-work').sort());
    },
    SLOW,
  );

  for (const [change, expected] of Object.entries(EXPECTED)) {
    it(
      `${change}: fails ${expected.length ? expected.join(', ') : 'nothing'}`,
      async () => {
        await applyFolder(change === 'solution' ? join(DIR, 'solution') : join(DIR, 'variants', change));
        expect((await failing()).sort()).toEqual([...expected].sort());
      },
      SLOW,
    );
  }
});
