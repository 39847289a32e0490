import { fileURLToPath } from 'node:url';
import { lintAll } from '@paranoid/catalog/lint.ts';
import { formatProblem } from '@paranoid/schema/problem.ts';

export interface LintOptions {
  /** The scenarios directory (default: the repository's). */
  scenarios?: string;
}

const defaultRoot = () => fileURLToPath(new URL('../../../../scenarios', import.meta.url));

/**
 * `paranoid lint`: validates every scenario folder against the schema and its
 * cross-references; prints each problem as `file: field: expected X but found Y`.
 * Returns 0 when there is none, 1 otherwise.
 */
export function lint(
  options: LintOptions,
  out: { stdout: (s: string) => void; stderr: (s: string) => void } = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  },
): number {
  const root = options.scenarios ?? defaultRoot();
  const report = lintAll(root);
  for (const s of report.scenarios) {
    if (s.problems.length === 0) {
      const l = s.loaded!;
      const good = l.variants.filter((v) => v.expect === 'pass').length;
      out.stdout(
        `ok    ${s.id}: ${l.scenario.checks.length} checks, ${l.scenario.attack.length} attacks, ${good} good and ${l.variants.length - good} bad variants\n`,
      );
    } else {
      out.stdout(`FAIL  ${s.id}: ${s.problems.length} problem${s.problems.length > 1 ? 's' : ''}\n`);
      for (const p of s.problems) out.stdout(`      ${formatProblem(p)}\n`);
    }
  }
  out.stdout(`${report.scenarios.length} scenarios, ${report.problems} problem${report.problems === 1 ? '' : 's'}\n`);
  return report.problems === 0 ? 0 : 1;
}
