import { fileURLToPath } from 'node:url';
import { lintAll } from '@paranoid/catalog/lint.ts';
import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import { describe, expect, it } from 'vitest';
import { defaultProviderFactory, validate, validateScenarios } from './validate.ts';

const root = fileURLToPath(new URL('../../../../scenarios', import.meta.url));

describe('paranoid validate', () => {
  it('runs each case as often as the provider says, and prints a line per scenario as soon as it is done', async () => {
    const lines: string[] = [];
    const out = { stdout: (s: string) => lines.push(s), stderr: (s: string) => lines.push(s) };
    // kind's setting: one run per case (each costs a real cluster).
    const once = async (...args: Parameters<typeof defaultProviderFactory>) => ({
      ...(await defaultProviderFactory(...args)),
      runs: 1,
    });
    const code = await validate(['root-container-escape'], {}, once, out);
    const text = lines.join('');
    expect(code).toBe(0);
    const cases = 1 + (lintAll(root, ['root-container-escape']).scenarios[0]?.loaded?.variants.length ?? 0);
    expect(text).toMatch(
      new RegExp(
        `scenario root-container-escape: ok, ${cases} of ${cases} case runs ok, [\\d.]+ s of case runs \\([\\d.]+ s each\\), done after [\\d.]+ s`,
      ),
    );
    expect(text).not.toMatch(/ run 2:/);
    expect(text).toMatch(/^scenario +case +expected +run 1 +verdict$/m);
  }, 120_000);
});

/** Validates `ids` once per case on the simulator with these settings, counting the clusters each provider makes. */
async function validateCounting(
  ids: string[],
  settings: { reuseClusters: boolean; settledSetup: boolean; runs?: number },
) {
  const loaded = lintAll(root, ids).scenarios.map((s) => s.loaded!);
  const lines: string[] = [];
  const created = { fresh: 0, settled: 0 };
  const env = await defaultProviderFactory('sim', loaded);
  const count = (provider: ClusterProvider | undefined, key: keyof typeof created) => {
    if (!provider) return;
    const create = provider.create.bind(provider);
    provider.create = (options) => {
      created[key]++;
      return create(options);
    };
  };
  count(env.provider, 'fresh');
  count(env.settledSetup, 'settled');
  try {
    // One case at a time; one run per case unless asked, as on kind.
    const results = await validateScenarios(
      loaded,
      {
        ...env,
        runs: settings.runs ?? 1,
        concurrency: 1,
        reuseClusters: settings.reuseClusters,
        settledSetup: settings.settledSetup ? env.settledSetup : undefined,
      },
      (l) => lines.push(l),
    );
    // A fingerprint is every check's and every attack's outcome after the change (and before it, for the solution).
    const outcomes = results.map((r) => `${r.scenario} ${r.name} ${r.ok} ${r.runs[0]?.fingerprint}`);
    return { outcomes, created, ok: results.every((r) => r.ok), text: lines.join('\n') };
  } finally {
    await env.close();
  }
}

describe('paranoid validate with clusters reused between cases (as on kind)', () => {
  it('gives every case of a scenario the checks and attack results a fresh cluster gives, on far fewer clusters', async () => {
    const ids = ['missing-networkpolicy', 'secrets-in-plain-sight'];
    const fresh = await validateCounting(ids, { reuseClusters: false, settledSetup: false });
    const reused = await validateCounting(ids, { reuseClusters: true, settledSetup: false });
    expect(fresh.ok).toBe(true);
    expect(reused.outcomes).toEqual(fresh.outcomes);
    expect(fresh.created.fresh).toBe(fresh.outcomes.length);
    // One cluster per scenario for its solution, and one more that its variants share.
    expect(reused.created.fresh).toBe(2 * ids.length);
    expect(reused.text).toMatch(/missing-networkpolicy: cluster reset for the next case in [\d.]+ s/);
  }, 300_000);

  it('never reuses a cluster for a scenario whose pods can change their node, and says why', async () => {
    const lines: string[] = [];
    const factory = async (...args: Parameters<typeof defaultProviderFactory>) => ({
      ...(await defaultProviderFactory(...args)),
      runs: 1,
      reuseClusters: true,
    });
    const code = await validate(['root-container-escape'], {}, factory, {
      stdout: (s) => lines.push(s),
      stderr: (s) => lines.push(s),
    });
    expect(code).toBe(0);
    expect(lines.join('')).toContain(
      "root-container-escape: a fresh cluster per case: setup's Deployment monitoring/node-monitor runs a pod with hostPID",
    );
    expect(lines.join('')).not.toMatch(/root-container-escape: cluster reset/);
  }, 120_000);
});

describe('paranoid validate from copies of a settled setup (the simulator)', () => {
  it('applies each setup once as the learner does and judges every other case on a copy, with the same outcomes', async () => {
    const ids = ['missing-networkpolicy', 'resource-exhaustion', 'runtime-detection'];
    const fresh = await validateCounting(ids, { reuseClusters: false, settledSetup: false });
    // Two runs: the setup → solution case's second starts from a copy and must judge as its first did.
    const copied = await validateCounting(ids, { reuseClusters: false, settledSetup: true, runs: 2 });
    expect(fresh.ok).toBe(true);
    expect(copied.ok).toBe(true);
    expect(copied.outcomes).toEqual(fresh.outcomes);
    // Each scenario's first setup → solution run applied the setup itself; every other run started from a copy.
    expect(copied.created).toEqual({ fresh: ids.length, settled: 2 * fresh.outcomes.length - ids.length });
  }, 300_000);
});

describe('paranoid validate on simulated time', () => {
  it('judges every case of a scenario with a five-minute CronJob alike in each of three runs, and as on fresh clusters', async () => {
    // cryptominer-image's cache warmer runs `*/5`: on time sped up tenfold it fired inside one run of a case and
    // not another. Each cluster's clock now starts at one instant and moves only to what a case waits for.
    const fresh = await validateCounting(['cryptominer-image'], { reuseClusters: false, settledSetup: false });
    const copied = await validateCounting(['cryptominer-image'], { reuseClusters: false, settledSetup: true, runs: 3 });
    expect(fresh.ok).toBe(true);
    expect(copied.ok).toBe(true);
    expect(copied.text).not.toMatch(/flaky/);
    expect(copied.outcomes).toEqual(fresh.outcomes);
  }, 300_000);
});

describe('paranoid validate on kind, for a scenario that cannot run there yet', () => {
  it('says why and validates nothing, without making a single cluster', async () => {
    const lines: string[] = [];
    const noClusters = async () => {
      throw new Error('no provider may be made for a scenario that is not run');
    };
    const code = await validate(['unsigned-image'], { provider: 'kind' }, noClusters, {
      stdout: (s) => lines.push(s),
      stderr: (s) => lines.push(s),
    });
    expect(code).toBe(2);
    expect(lines.join('')).toMatch(/^scenario unsigned-image: not run on kind: policy-controller is not installed/m);
    expect(lines.join('')).toContain('none of these scenarios runs on kind yet; nothing was validated');
  });
});
