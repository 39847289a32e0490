import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlExecutor } from './sql-driver.ts';

/** The runner's signing key, in its data dir: PKCS#8 PEM, mode 0600. */
export const SIGNING_KEY_FILE = 'signing-key.pem';
/** Its row in `runner_keys` when replicas share one. */
const SHARED_KEY_NAME = 'report-signing';

/**
 * A signed statement. `payload` is the exact JSON text that was signed, kept as a
 * string so that any edited byte in it, however harmless it looks, breaks the signature.
 */
export interface SignedRecord {
  payload: string;
  /** Ed25519 signature over the UTF-8 bytes of `payload`, base64. */
  signature: string;
  /** sha256 of the public key (SPKI DER), hex: which key signed. */
  keyId: string;
}

/** The runner's Ed25519 key pair (node:crypto), made on first use. */
export class Signer {
  readonly keyId: string;
  readonly publicKeyPem: string;
  /**
   * Ed25519 signatures are deterministic, and a completion's statement never changes
   * once recorded, so each is signed once and reused by every later report. Bounded.
   */
  private readonly signatures = new Map<string, string>();

  constructor(private readonly privateKey: KeyObject) {
    const publicKey = createPublicKey(privateKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(publicKey);
  }

  /** Loads the key from `dataDir`, making one the first time. */
  static fromDataDir(dataDir: string): Signer {
    const file = join(dataDir, SIGNING_KEY_FILE);
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, file);
    }
    try {
      return new Signer(createPrivateKey(readFileSync(file)));
    } catch (error) {
      throw new Error(`failed to read the signing key ${file}: ${(error as Error).message}`);
    }
  }

  /**
   * The one key every replica signs with, kept in the database they share (`runner_keys`),
   * so a report signed on one verifies against `/api/signing-key` on any other. The first
   * replica to start puts its data dir's key there (reports it signed alone keep verifying),
   * or a new one; the others take what is there. Whoever can write that database can already
   * write the progress a report attests, so the key there widens nobody's power.
   */
  static async shared(db: SqlExecutor, dataDir: string | undefined, now: () => number = Date.now): Promise<Signer> {
    const read = async () =>
      (await db.all<{ value: string }>('SELECT value FROM runner_keys WHERE name = ?', [SHARED_KEY_NAME]))[0]?.value;
    let pem = await read();
    if (pem === undefined) {
      const file = dataDir ? join(dataDir, SIGNING_KEY_FILE) : undefined;
      const candidate =
        file && existsSync(file)
          ? readFileSync(file, 'utf8')
          : generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      // Two replicas starting at once: the first insert wins and both read it back.
      await db.run('INSERT INTO runner_keys (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', [
        SHARED_KEY_NAME,
        candidate,
        now(),
      ]);
      pem = await read();
    }
    if (pem === undefined) throw new Error('failed to read the shared signing key: it was not stored');
    try {
      return new Signer(createPrivateKey(pem));
    } catch (error) {
      throw new Error(`failed to read the shared signing key: ${(error as Error).message}`);
    }
  }

  /** A key that lives only in memory (tests, `:memory:` runners). */
  static ephemeral(): Signer {
    return new Signer(generateKeyPairSync('ed25519').privateKey);
  }

  sign(statement: object): SignedRecord {
    const payload = JSON.stringify(statement);
    let signature = this.signatures.get(payload);
    if (signature === undefined) {
      signature = sign(null, Buffer.from(payload, 'utf8'), this.privateKey).toString('base64');
      if (this.signatures.size >= 100_000) this.signatures.clear();
      this.signatures.set(payload, signature);
    }
    return { payload, signature, keyId: this.keyId };
  }
}

/** sha256 of a public key's SPKI DER, hex. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The public key in the runner's data dir, if it has made one. */
export function publicKeyFromDataDir(dataDir: string): KeyObject | undefined {
  const file = join(dataDir, SIGNING_KEY_FILE);
  return existsSync(file) ? createPublicKey(createPrivateKey(readFileSync(file))) : undefined;
}

/**
 * Whether `record` was signed by `publicKey` and says exactly what was signed. Never
 * throws: a malformed record is simply not genuine.
 */
export function verifyRecord(
  record: unknown,
  publicKey: KeyObject,
): { ok: true; statement: unknown } | { ok: false; why: string } {
  if (typeof record !== 'object' || record === null) return { ok: false, why: 'no signed record' };
  const r = record as Partial<SignedRecord>;
  if (typeof r.payload !== 'string' || typeof r.signature !== 'string') {
    return { ok: false, why: 'the record has no payload or signature' };
  }
  if (r.keyId !== keyIdOf(publicKey)) return { ok: false, why: 'the record was signed by another key' };
  // Only the one canonical base64 spelling: a changed padding bit must not pass as the same signature.
  if (Buffer.from(r.signature, 'base64').toString('base64') !== r.signature) {
    return { ok: false, why: 'the signature is not canonical base64: it was edited' };
  }
  let good = false;
  try {
    good = verify(null, Buffer.from(r.payload, 'utf8'), publicKey, Buffer.from(r.signature, 'base64'));
  } catch {
    good = false;
  }
  if (!good) return { ok: false, why: 'the signature does not match the record: it was edited or forged' };
  try {
    return { ok: true, statement: JSON.parse(r.payload) };
  } catch {
    return { ok: false, why: 'the signed payload is not JSON' };
  }
}
