/**
 * A scenario is only a folder: a new kind of exposed application (an internal tool that
 * answers HTTP by calling the Kubernetes API with its own token), written as data only,
 * copied next to nothing else, lints and validates on the simulator. No code anywhere
 * knows its id, its image or its routes.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/kube-peek');
const REPO = resolve(import.meta.dirname, '../..');
const RUNNER = join(REPO, 'runner');
const root = mkdtempSync(join(tmpdir(), 'paranoid-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function files(dir: string): string[] {
  // node_modules holds the workspace's own packages as links that can lead round in a circle.
  return readdirSync(dir).flatMap((f) => {
    if (f === 'node_modules') return [];
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('a scenario that is only a folder', () => {
  it('holds no code, and no code names it', () => {
    expect(files(FIXTURE).filter((f) => /\.(ts|tsx|js|mjs)$/.test(f))).toEqual([]);
    const code = files(RUNNER).filter((f) => f.endsWith('.ts') && !f.includes('node_modules'));
    for (const f of code) {
      const text = readFileSync(f, 'utf8');
      expect(text.includes('kube-peek') || text.includes('registry.lab.local/obs'), f).toBe(false);
    }
  });

  it('validates on the simulator: the attack works on the setup, every variant is judged right', async () => {
    cpSync(FIXTURE, join(root, 'kube-peek'), { recursive: true });
    // `paranoid validate --scenarios DIR`, as an author runs it.
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [
          join(REPO, 'node_modules/tsx/dist/cli.mjs'),
          join(RUNNER, 'cli/src/main.ts'),
          'validate',
          '--provider',
          'sim',
          '--scenarios',
          root,
        ],
        { cwd: REPO, timeout: 170_000, maxBuffer: 8 * 1024 * 1024 },
        (error, out, err) => done({ code: error ? Number(error.code ?? 1) : 0, stdout: out, stderr: err }),
      );
    });
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('1 passed, 0 failed');
    expect(stdout).toMatch(/kube-peek\s+bad-clusterip-only\s+fails\s+ok/);
  }, 180_000);
});
