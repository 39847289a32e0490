import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the upstream conformance data lives: `tests/conformance/data/<suite>`, copied into the
 * repository with its provenance and licence (data/README.md) by
 * `scripts/refresh-conformance-data.mjs`. Missing data is a clear error, never a silent pass.
 */
export function conformanceData(suite: 'pod-security' | 'rbac' | 'network-policy' | 'kubectl'): string {
  const dir = join(import.meta.dirname, 'data', suite);
  if (!existsSync(dir)) {
    throw new Error(
      `conformance data not found at ${dir}: restore it with \`git checkout tests/conformance/data\` or \`node scripts/refresh-conformance-data.mjs\``,
    );
  }
  return dir;
}
