/**
 * A scenario is only a folder: a new kind of exposed application (an internal tool that
 * answers HTTP by calling the Kubernetes API with its own token), written as data only,
 * copied next to nothing else, lints and validates on the simulator. No code anywhere
 * knows its id, its image or its routes.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultProviderFactory, validate } from '@paranoid/runner/cli/commands/validate.ts';
import { afterAll, describe, expect, it } from 'vitest';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/kube-peek');
const RUNNER_SRC = resolve(import.meta.dirname, '../../runner/src');
const root = mkdtempSync(join(tmpdir(), 'paranoid-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('a scenario that is only a folder', () => {
  it('holds no code, and no code names it', () => {
    expect(files(FIXTURE).filter((f) => /\.(ts|tsx|js|mjs)$/.test(f))).toEqual([]);
    const code = files(RUNNER_SRC).filter((f) => f.endsWith('.ts'));
    for (const f of code) {
      const text = readFileSync(f, 'utf8');
      expect(text.includes('kube-peek') || text.includes('registry.lab.local/obs'), f).toBe(false);
    }
  });

  it('validates on the simulator: the attack works on the setup, every variant is judged right', async () => {
    cpSync(FIXTURE, join(root, 'kube-peek'), { recursive: true });
    let stdout = '';
    let stderr = '';
    const code = await validate([], { provider: 'sim', scenarios: root }, defaultProviderFactory, {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
    });
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('1 passed, 0 failed');
    expect(stdout).toMatch(/kube-peek\s+bad-clusterip-only\s+fails\s+ok/);
  }, 180_000);
});
