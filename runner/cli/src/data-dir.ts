import { homedir } from 'node:os';
import { join } from 'node:path';

/** The data dir `serve`, `admin token` and `verify-report` share when --data-dir is not given. */
export function defaultDataDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'paranoid');
}
