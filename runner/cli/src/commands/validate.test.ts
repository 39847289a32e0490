import { fileURLToPath } from 'node:url';
import { lintAll } from '@paranoid/catalog/lint.ts';
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
        `scenario root-container-escape: ok, ${cases} of ${cases} case runs ok in [\\d.]+ min \\([\\d.]+ min per case\\)`,
      ),
    );
    expect(text).not.toMatch(/ run 2:/);
    expect(text).toMatch(/^scenario +case +expected +run 1 +verdict$/m);
  }, 120_000);
});

describe('paranoid validate with clusters reused between cases (as on kind)', () => {
  it('gives every case of a scenario the checks and attack results a fresh cluster gives, on far fewer clusters', async () => {
    const ids = ['missing-networkpolicy', 'secrets-in-plain-sight'];
    const loaded = lintAll(root, ids).scenarios.map((s) => s.loaded!);
    const run = async (reuseClusters: boolean) => {
      const lines: string[] = [];
      let created = 0;
      const env = await defaultProviderFactory('sim', loaded);
      const create = env.provider.create.bind(env.provider);
      env.provider.create = (options) => {
        created++;
        return create(options);
      };
      try {
        // kind's settings: one run per case, one case at a time.
        const results = await validateScenarios(loaded, { ...env, runs: 1, concurrency: 1, reuseClusters }, (l) =>
          lines.push(l),
        );
        // A fingerprint is every check's and every attack's outcome after the change (and before it, for the solution).
        const outcomes = results.map((r) => `${r.scenario} ${r.name} ${r.ok} ${r.runs[0]?.fingerprint}`);
        return { outcomes, created, ok: results.every((r) => r.ok), text: lines.join('\n') };
      } finally {
        await env.close();
      }
    };
    const fresh = await run(false);
    const reused = await run(true);
    expect(fresh.ok).toBe(true);
    expect(reused.outcomes).toEqual(fresh.outcomes);
    expect(fresh.created).toBe(fresh.outcomes.length);
    // One cluster per scenario for its solution, and one more that its variants share.
    expect(reused.created).toBe(2 * ids.length);
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
