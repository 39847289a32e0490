import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CompletionStatement, Report } from '@paranoid/server/reports.ts';
import { SIGNED_FIELDS } from '@paranoid/server/reports.ts';
import { keyIdOf, publicKeyFromDataDir, verifyRecord } from '@paranoid/server/signing.ts';
import { defaultDataDir } from '../data-dir.ts';
import { CliError } from './runner-client.ts';

/** Flags of `paranoid verify-report`: where to find the public key a signed report must verify against. */
export interface VerifyOptions {
  /** A PEM file with the runner's public key. */
  publicKey?: string;
  /** The runner's data dir, whose signing key is the one to trust. */
  dataDir?: string;
  /** A running runner to ask for its public key. */
  url?: string;
}

/** One row's verdict. */
export interface RowVerdict {
  row: number;
  who: string;
  ok: boolean;
  why: string;
}

/**
 * Checks every row of a saved JSON report: a completed row must carry a record signed
 * by `key` whose statement equals the row, field by field; an unsigned row may not
 * claim completion. Pure over its inputs, so the tests drive it directly.
 */
export function verifyRows(report: Report, key: KeyObject): RowVerdict[] {
  return report.rows.map((row, i) => {
    const who = `${row.displayName || row.learnerId} / ${row.scenarioId}`;
    const verdict = (ok: boolean, why: string): RowVerdict => ({ row: i + 1, who, ok, why });
    if (!row.completionRecord) {
      return row.status === 'completed'
        ? verdict(false, 'claims completion without a signed record')
        : verdict(true, `${row.status}, nothing to sign`);
    }
    const checked = verifyRecord(row.completionRecord, key);
    if (!checked.ok) return verdict(false, checked.why);
    const statement = checked.statement as CompletionStatement;
    if (statement.type !== 'paranoid.completion/v1') return verdict(false, 'the record is not a completion record');
    if (statement.scope?.kind !== report.scope.kind || statement.scope?.id !== report.scope.id) {
      return verdict(false, `the record belongs to ${statement.scope?.kind} ${statement.scope?.id}, not this report`);
    }
    for (const field of SIGNED_FIELDS) {
      if (JSON.stringify(row[field]) !== JSON.stringify(statement[field])) {
        return verdict(
          false,
          `${field} says ${JSON.stringify(row[field])} but the signed record says ${JSON.stringify(statement[field])}`,
        );
      }
    }
    return verdict(true, 'genuine');
  });
}

/** `paranoid verify-report FILE`: 0 when every record is genuine, 1 naming each row that is not. */
export async function verifyReport(
  file: string,
  options: VerifyOptions,
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  let report: Report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch (error) {
    throw new CliError(`failed to read report ${file}: ${(error as Error).message}`);
  }
  if (report?.kind !== 'paranoid.report/v1' || !Array.isArray(report.rows)) {
    throw new CliError(`failed to read report ${file}: not a JSON report from \`paranoid workshop report\``);
  }
  const { key, source } = await trustedKey(report, options);
  out(`checking ${report.rows.length} rows of ${report.scope.kind} ${report.scope.id} against ${source}\n`);
  const verdicts = verifyRows(report, key);
  for (const v of verdicts.filter((x) => !x.ok)) out(`FAIL  row ${v.row} (${v.who}): ${v.why}\n`);
  const bad = verdicts.filter((v) => !v.ok).length;
  const signed = report.rows.filter((r) => r.completionRecord).length;
  out(
    bad === 0
      ? `ok    all ${signed} completion records are genuine\n`
      : `${bad} of ${report.rows.length} rows are not genuine\n`,
  );
  return bad === 0 ? 0 : 1;
}

async function trustedKey(report: Report, options: VerifyOptions): Promise<{ key: KeyObject; source: string }> {
  if (options.publicKey) {
    try {
      const key = createPublicKey(readFileSync(options.publicKey));
      return { key, source: `the key in ${options.publicKey} (${keyIdOf(key).slice(0, 16)})` };
    } catch (error) {
      throw new CliError(`failed to read public key ${options.publicKey}: ${(error as Error).message}`);
    }
  }
  if (options.dataDir) {
    const key = publicKeyFromDataDir(options.dataDir);
    if (!key) throw new CliError(`failed to find a signing key in ${options.dataDir}: has a runner used it?`);
    return { key, source: `the runner's key in ${options.dataDir} (${keyIdOf(key).slice(0, 16)})` };
  }
  if (options.url) {
    let body: { publicKey?: string };
    try {
      body = (await (await fetch(new URL('/api/signing-key', options.url))).json()) as { publicKey?: string };
    } catch (error) {
      throw new CliError(`failed to fetch the runner's key from ${options.url}: ${(error as Error).message}`);
    }
    const key = createPublicKey(body.publicKey ?? '');
    return { key, source: `the key of the runner at ${options.url} (${keyIdOf(key).slice(0, 16)})` };
  }
  const local = (() => {
    try {
      return publicKeyFromDataDir(defaultDataDir());
    } catch {
      return undefined;
    }
  })();
  if (local && keyIdOf(local) === report.keyId) {
    return { key: local, source: `this machine's runner key (${report.keyId.slice(0, 16)})` };
  }
  // No key to trust was named: the report's own key still proves no byte was edited
  // since signing, but not whose runner signed. Say so.
  let key: KeyObject;
  try {
    key = createPublicKey(report.publicKey);
  } catch {
    throw new CliError('the report carries no readable public key: pass --public-key, --data-dir or --url');
  }
  return {
    key,
    source: `the key inside the report (${keyIdOf(key).slice(0, 16)}; pass --data-dir, --public-key or --url to tie it to your runner)`,
  };
}
