import { fileURLToPath } from 'node:url';
import { lintAll } from '@paranoid/catalog/lint.ts';
import type { PodSecurityJudge } from '@paranoid/catalog/namespace-fit.ts';
import type { ObjectMeta } from '@paranoid/k8s/object.ts';
import { formatProblem } from '@paranoid/schema/problem.ts';
import { loadTracks } from '@paranoid/server/fs-tracks.ts';
import { evaluatePod } from '@paranoid/sim/admission/pod-security-policy.ts';
import type { PodSpec } from 'kubernetes-types/core/v1';

/** Flags of `paranoid lint`: which scenario and track directories to lint. */
export interface LintOptions {
  /** The scenarios directory (default: the repository's). */
  scenarios?: string;
  /** The tracks directory (default: the repository's content/tracks). */
  tracks?: string;
}

/** The simulator's Pod Security evaluator (upstream's checks), as the catalog's lint asks for it. */
const podSecurityJudge: PodSecurityJudge = (level, metadata, spec) =>
  evaluatePod(level, 'latest', metadata as ObjectMeta | undefined, spec as PodSpec | undefined).reasons.map((r) =>
    r.detail ? `${r.reason} (${r.detail})` : r.reason,
  );

const defaultRoot = () => fileURLToPath(new URL('../../../../scenarios', import.meta.url));
const defaultTracks = () => fileURLToPath(new URL('../../../../content/tracks', import.meta.url));

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
  const report = lintAll(root, [], podSecurityJudge);
  for (const s of report.scenarios) {
    if (s.problems.length === 0) {
      const l = s.loaded!;
      const good = l.variants.filter((v) => v.expect === 'pass').length;
      const fit = l.scenario.runsInNamespace;
      out.stdout(
        `ok    ${s.id}: ${l.scenario.checks.length} checks, ${l.scenario.attack.length} attacks, ${good} good and ${l.variants.length - good} bad variants${fit ? `, runs in a namespace (${fit.podSecurity})` : ''}\n`,
      );
    } else {
      out.stdout(`FAIL  ${s.id}: ${s.problems.length} problem${s.problems.length > 1 ? 's' : ''}\n`);
      for (const p of s.problems) out.stdout(`      ${formatProblem(p)}\n`);
    }
  }
  // Tracks name scenarios by id: one that names a missing scenario is a dangling reference.
  const tracks = loadTracks(options.tracks ?? defaultTracks(), new Set(report.scenarios.map((s) => s.id)));
  let trackProblems = 0;
  for (const t of tracks.files) {
    trackProblems += t.problems.length;
    if (t.problems.length === 0) {
      const track = tracks.tracks.find((x) => x.id === t.id)!;
      const required = track.scenarios.filter((s) => s.required).length;
      out.stdout(`ok    track ${t.id}: ${track.scenarios.length} scenarios, ${required} required\n`);
    } else {
      out.stdout(`FAIL  track ${t.id}: ${t.problems.length} problem${t.problems.length > 1 ? 's' : ''}\n`);
      for (const p of t.problems) out.stdout(`      ${formatProblem(p)}\n`);
    }
  }
  const problems = report.problems + trackProblems;
  out.stdout(
    `${report.scenarios.length} scenarios, ${tracks.files.length} tracks, ${problems} problem${problems === 1 ? '' : 's'}\n`,
  );
  return problems === 0 ? 0 : 1;
}
