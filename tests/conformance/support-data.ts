import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the upstream conformance data lives: `../shared/conformance` beside the
 * repository, as this project's workspace lays it out (CI has it there too).
 * Missing data is a clear error, never a silent pass.
 */
export function conformanceData(suite: 'pod-security' | 'rbac' | 'network-policy' | 'kubectl'): string {
  const dir = join(import.meta.dirname, '../../../shared/conformance', suite);
  if (!existsSync(dir)) {
    throw new Error(
      `conformance data not found at ${dir}: the suites read upstream fixtures from ../shared/conformance beside the repository`,
    );
  }
  return dir;
}
