import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the upstream conformance data in the repository', () => {
  it('is exactly what scripts/refresh-conformance-data.mjs wrote (MANIFEST.sha256)', () => {
    const script = join(import.meta.dirname, '../../scripts/refresh-conformance-data.mjs');
    const check = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
