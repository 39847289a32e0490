import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));

/**
 * `paranoid validate` in a child Node under tsx, as a user runs it: worker threads load the
 * case runner again through tsx's loader, which they find with import.meta.resolve (vitest has none).
 */
const validate = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'runner/cli/src/main.ts', 'validate', ...args],
      { cwd: repo, timeout: 240_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });

/** The verdict table without its timings, which differ from run to run. */
const verdicts = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => !line.startsWith('validated in'))
    .map((line) => line.replace(/ok \d+ms/g, 'ok').replace(/ +/g, ' '));

describe('paranoid validate --jobs', () => {
  it('runs the cases in worker threads and prints the same verdicts, in the same order, as one thread', async () => {
    const [threads, one] = await Promise.all([
      validate(['--jobs', '2', 'root-container-escape']),
      validate(['--jobs', '1', 'root-container-escape']),
    ]);
    expect(threads.stderr).toContain('up to 4 cases at once in 2 worker threads');
    expect(one.stderr).toContain('up to 2 cases at once in 1 thread');
    expect(threads.code).toBe(0);
    expect(one.code).toBe(0);
    expect(verdicts(threads.stdout)).toEqual(verdicts(one.stdout));
    expect(threads.stdout).toMatch(/^root-container-escape +bad-root-user +fails +ok \d+ms +ok \d+ms +ok$/m);
  }, 300_000);

  it('refuses a job count that is not a whole number from 1 to 64, before validating anything', async () => {
    for (const bad of ['0', '65', 'two', '1.5']) {
      const r = await validate(['--jobs', bad, 'root-container-escape']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("option '--jobs <n>' argument");
      expect(r.stderr).toContain('expected a whole number from 1 to 64');
      expect(r.stdout).toBe('');
    }
  }, 120_000);
});
