import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lint } from './lint.ts';

describe('paranoid lint on tracks', () => {
  const scenarios = fileURLToPath(new URL('../../../../scenarios', import.meta.url));
  const quiet = () => {
    const lines: string[] = [];
    return { lines, out: { stdout: (s: string) => lines.push(s), stderr: (s: string) => lines.push(s) } };
  };

  it('passes the tracks shipped in content/tracks', () => {
    const { lines, out } = quiet();
    expect(lint({ scenarios }, out)).toBe(0);
    expect(lines.join('')).toMatch(/ok {4}track newcomer: /);
    expect(lines.join('')).toMatch(/ok {4}track cks-domains: /);
  });

  it('fails on a track that names a scenario that does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paranoid-tracks-'));
    writeFileSync(
      join(dir, 'broken.yaml'),
      'id: broken\ntitle: B\nsummary: S\naudience: A\nminutes: 10\nscenarios: [missing-networkpolicy, unsigned-imagee]\n',
    );
    const { lines, out } = quiet();
    expect(lint({ scenarios, tracks: dir }, out)).toBe(1);
    expect(lines.join('')).toContain('FAIL  track broken: 1 problem');
    expect(lines.join('')).toContain('found "unsigned-imagee", which does not exist');
    rmSync(dir, { recursive: true, force: true });
  });
});
