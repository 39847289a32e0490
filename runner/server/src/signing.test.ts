import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressStore } from './progress-store.ts';
import { publicKeyFromDataDir, SIGNING_KEY_FILE, Signer, verifyRecord } from './signing.ts';

describe('the runner’s signing key', () => {
  it('is made once in the data dir, private to the runner, and kept across restarts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paranoid-signing-'));
    const first = Signer.fromDataDir(dir);
    expect(statSync(join(dir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = Signer.fromDataDir(dir);
    expect(again.keyId).toBe(first.keyId);
    const record = first.sign({ scenarioId: 's', checksPassed: 3 });
    expect(verifyRecord(record, publicKeyFromDataDir(dir)!)).toEqual({
      ok: true,
      statement: { scenarioId: 's', checksPassed: 3 },
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails a record with any one byte of its payload or signature changed, or from another key', () => {
    const signer = Signer.ephemeral();
    const key = createPublicKey(signer.publicKeyPem);
    const record = signer.sign({
      learnerId: 'l',
      scenarioId: 's',
      checksPassed: 3,
      completedAt: '2026-01-01T00:00:00.000Z',
    });
    for (let i = 0; i < record.payload.length; i++) {
      const c = record.payload[i] === 'x' ? 'y' : 'x';
      const payload = record.payload.slice(0, i) + c + record.payload.slice(i + 1);
      expect(verifyRecord({ ...record, payload }, key).ok, `payload byte ${i}`).toBe(false);
    }
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let i = 0; i < record.signature.length; i++) {
      if (record.signature[i] === '=') continue;
      // Every replacement near the padding, where unused bits live; two elsewhere.
      const tail = i >= record.signature.replace(/=+$/, '').length - 2;
      for (const c of tail ? alphabet : 'Aa') {
        if (c === record.signature[i]) continue;
        const signature = record.signature.slice(0, i) + c + record.signature.slice(i + 1);
        expect(verifyRecord({ ...record, signature }, key).ok, `signature char ${i} → ${c}`).toBe(false);
      }
    }
    expect(verifyRecord(record, createPublicKey(Signer.ephemeral().publicKeyPem)).ok).toBe(false);
    expect(verifyRecord(record, key).ok).toBe(true);
  });

  it('is one key for every replica sharing a database, the first data dir’s key if it had one', async () => {
    const store = await ProgressStore.open(':memory:');
    const dirA = mkdtempSync(join(tmpdir(), 'paranoid-signing-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'paranoid-signing-b-'));
    const ownA = Signer.fromDataDir(dirA);
    const ownB = Signer.fromDataDir(dirB);
    expect(ownB.keyId).not.toBe(ownA.keyId);
    const a = await Signer.shared(store.sql, dirA);
    const b = await Signer.shared(store.sql, dirB);
    // A's key went first, so what A signed alone before still verifies; B signs with it too.
    expect(a.keyId).toBe(ownA.keyId);
    expect(b.keyId).toBe(ownA.keyId);
    const record = b.sign({ scenarioId: 's', checksPassed: 1 });
    expect(verifyRecord(record, createPublicKey(a.publicKeyPem))).toMatchObject({ ok: true });
    await store.close();
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
  });
});
