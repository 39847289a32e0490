import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lintAll } from '@paranoid/catalog/lint.ts';
import { type ExportMode, type ExportResult, exportPolicies } from '@paranoid/grader/export-policies.ts';
import { formatProblem } from '@paranoid/schema/problem.ts';
import { stringify } from 'yaml';

/** Flags of `paranoid policies export`: which policy mode to write and where. */
export interface PoliciesExportOptions {
  mode?: string;
  /** Write here instead of stdout. */
  output?: string;
  /** The scenarios directory (default: the repository's). */
  scenarios?: string;
}

const MODES: readonly ExportMode[] = ['deny', 'warn', 'audit'];
const defaultRoot = () => fileURLToPath(new URL('../../../../scenarios', import.meta.url));

/** The export as one YAML stream whose header says what was left out and why. */
export function exportYaml(id: string, mode: ExportMode, result: ExportResult): string {
  const header = [
    `# ValidatingAdmissionPolicies exported by \`paranoid policies export ${id} --mode ${mode}\`.`,
    `# Exported checks: ${result.exported.length > 0 ? result.exported.join(', ') : 'none'}.`,
    ...(mode === 'deny' ? ['# SHOULD checks are advice: their bindings warn rather than deny.'] : []),
    ...result.notes.map((n) => `# Note on ${n.id}: ${n.note}.`),
    ...(result.skipped.length > 0 ? ['# Skipped, because admission cannot judge them:'] : []),
    ...result.skipped.map((s) => `#   ${s.id}: ${s.reason}.`),
  ];
  const docs = result.objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd());
  return `${header.join('\n')}\n${docs.map((d) => `---\n${d}\n`).join('')}`;
}

/**
 * `paranoid policies export ID [--mode deny|warn|audit] [-o FILE]`: a scenario's object
 * checks as ValidatingAdmissionPolicy + Binding YAML. Returns the exit code: 0 written,
 * 2 usage error or invalid scenario.
 */
export function policiesExport(
  id: string,
  options: PoliciesExportOptions,
  out: { stdout: (s: string) => void; stderr: (s: string) => void } = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  },
): number {
  const mode = (options.mode ?? 'deny') as ExportMode;
  if (!MODES.includes(mode)) {
    out.stderr(`paranoid policies export: --mode must be one of ${MODES.join(', ')} but found "${options.mode}"\n`);
    return 2;
  }
  const root = options.scenarios ?? defaultRoot();
  const entry = lintAll(root, [id]).scenarios.find((s) => s.id === id);
  if (!entry) {
    out.stderr(`paranoid policies export: no scenario "${id}" in ${root}\n`);
    return 2;
  }
  if (!entry.loaded || entry.problems.length > 0) {
    for (const p of entry.problems) out.stderr(`${formatProblem(p)}\n`);
    out.stderr(`paranoid policies export: scenario "${id}" is invalid (see paranoid lint)\n`);
    return 2;
  }
  const result = exportPolicies(entry.loaded.scenario, mode);
  const yaml = exportYaml(id, mode, result);
  if (options.output) {
    try {
      writeFileSync(options.output, yaml);
    } catch (error) {
      out.stderr(
        `paranoid policies export: failed to write ${options.output}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 2;
    }
  } else {
    out.stdout(yaml);
  }
  out.stderr(
    `${result.exported.length} check(s) exported as policies, ${result.skipped.length} skipped (reasons in the YAML header)\n`,
  );
  return 0;
}
