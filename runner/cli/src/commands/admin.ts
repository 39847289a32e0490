import { rotateInstructorToken } from '@paranoid/server/instructor-token.ts';
import { defaultDataDir } from '../data-dir.ts';
import { CliError } from './runner-client.ts';

/**
 * `paranoid admin token`: makes (or replaces) the instructor token in the runner's data
 * dir and prints it once. Only its hash is kept; a running runner takes it at once.
 */
export function adminToken(
  options: { dataDir?: string; days?: string },
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): number {
  const days = Number(options.days ?? '30');
  if (!Number.isFinite(days) || days <= 0 || days > 366) {
    throw new CliError(`invalid --days ${JSON.stringify(options.days)}: expected a number of days from 1 to 366`);
  }
  const dataDir = options.dataDir ?? defaultDataDir();
  const { token, expiresAt, file } = rotateInstructorToken(dataDir, { ttlMs: days * 24 * 60 * 60_000 });
  out(`${token}\n`);
  err(
    `instructor token written as a hash to ${file}; it expires ${new Date(expiresAt).toISOString()}.\n` +
      'It is shown only now: keep it in PARANOID_TOKEN. Any earlier token stopped working.\n',
  );
  return 0;
}
