import { fileURLToPath } from 'node:url';
import { lintAll } from '@paranoid/catalog/lint.ts';
import { describe, expect, it } from 'vitest';
import { defaultProviderFactory, validate } from './validate.ts';

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
