import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from './tokens.ts';

/** The file in the runner's data dir that holds the instructor token's hash (never the token). */
export const INSTRUCTOR_TOKEN_FILE = 'instructor-token.json';
const PREFIX = 'pti_';

interface TokenFile {
  /** sha256 of the token, hex. The token is 256 random bits, so a fast hash is enough. */
  sha256: string;
  createdAt: number;
  expiresAt: number;
}

/** What checking a presented instructor token found; only `ok` lets the request through. */
export type TokenVerdict = 'ok' | 'missing' | 'wrong' | 'expired' | 'none-configured';

/**
 * Makes a new instructor token, replacing any earlier one, and returns it: the only
 * time it is shown. Written atomically (rename) with mode 0600.
 */
export function rotateInstructorToken(
  dataDir: string,
  options: { ttlMs?: number; now?: number } = {},
): { token: string; expiresAt: number; file: string } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = `${PREFIX}${randomToken()}`;
  const now = options.now ?? Date.now();
  const expiresAt = now + (options.ttlMs ?? 30 * 24 * 60 * 60_000);
  const body: TokenFile = { sha256: sha256(token), createdAt: now, expiresAt };
  const file = join(dataDir, INSTRUCTOR_TOKEN_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return { token, expiresAt, file };
}

/**
 * Checks a presented instructor token against the hash in the data dir. The file is
 * re-read when it changes, so `paranoid admin token` takes effect on a running runner
 * at once, and the old token stops working at the same moment.
 */
export class InstructorTokens {
  private cached: { mtimeMs: number; size: number; body: TokenFile | null } | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  get file(): string {
    return join(this.dataDir, INSTRUCTOR_TOKEN_FILE);
  }

  verify(presented: string | null | undefined): TokenVerdict {
    const body = this.read();
    if (!presented) return body ? 'missing' : 'none-configured';
    if (!body) return 'none-configured';
    const ok = timingSafeEqual(Buffer.from(sha256(presented), 'hex'), Buffer.from(body.sha256, 'hex'));
    if (!ok) return 'wrong';
    return this.now() >= body.expiresAt ? 'expired' : 'ok';
  }

  private read(): TokenFile | null {
    if (!existsSync(this.file)) {
      this.cached = undefined;
      return null;
    }
    const stat = statSync(this.file);
    if (this.cached && this.cached.mtimeMs === stat.mtimeMs && this.cached.size === stat.size) return this.cached.body;
    let body: TokenFile | null = null;
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<TokenFile>;
      if (
        typeof parsed.sha256 === 'string' &&
        /^[0-9a-f]{64}$/.test(parsed.sha256) &&
        typeof parsed.expiresAt === 'number'
      ) {
        body = { sha256: parsed.sha256, createdAt: Number(parsed.createdAt ?? 0), expiresAt: parsed.expiresAt };
      }
    } catch {
      body = null;
    }
    // A damaged file locks instructors out rather than letting anyone in.
    this.cached = { mtimeMs: stat.mtimeMs, size: stat.size, body };
    return body;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
