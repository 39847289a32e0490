import type { Learner } from '@paranoid/api/progress.ts';
import type { LearnerProgress } from './progress-store.ts';
import type { ScenarioOutline } from './roster.ts';
import type { SignedRecord, Signer } from './signing.ts';

/** What a report covers: one workshop's seats, or everyone who played a track's scenarios. */
export type ReportScope =
  | { kind: 'workshop'; id: string; title: string }
  | { kind: 'track'; id: string; title: string };

/** How far a learner got on one scenario. */
export type RowStatus = 'not started' | 'in progress' | 'completed';

/** One learner on one scenario. */
export interface ReportRow {
  learnerId: string;
  displayName: string;
  scenarioId: string;
  scenarioTitle: string;
  status: RowStatus;
  checksPassed: number;
  checksTotal: number;
  hintsUsed: number;
  solutionRevealed: boolean;
  /** ISO 8601, or null before a first session. */
  firstStartedAt: string | null;
  completedAt: string | null;
  timeSpentSeconds: number;
  /** Completed rows only: the runner's signed statement of this row. */
  completionRecord?: SignedRecord;
}

/** What a completion record states, signed. verify-report compares it with its row. */
export interface CompletionStatement {
  type: 'paranoid.completion/v1';
  scope: { kind: ReportScope['kind']; id: string; title: string };
  learnerId: string;
  displayName: string;
  scenarioId: string;
  scenarioTitle: string;
  status: 'completed';
  checksPassed: number;
  checksTotal: number;
  hintsUsed: number;
  solutionRevealed: boolean;
  firstStartedAt: string | null;
  completedAt: string;
  timeSpentSeconds: number;
}

/** A progress report of a workshop or track: who completed what, and when it was made. */
export interface Report {
  kind: 'paranoid.report/v1';
  scope: ReportScope;
  generatedAt: string;
  /** The key that signed every record (SPKI PEM), and its sha256. */
  publicKey: string;
  keyId: string;
  rows: ReportRow[];
}

/** The row fields a completion record vouches for: an edit to any of them is caught. */
export const SIGNED_FIELDS = [
  'learnerId',
  'displayName',
  'scenarioId',
  'scenarioTitle',
  'status',
  'checksPassed',
  'checksTotal',
  'hintsUsed',
  'solutionRevealed',
  'firstStartedAt',
  'completedAt',
  'timeSpentSeconds',
] as const satisfies readonly (keyof ReportRow & keyof CompletionStatement)[];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Every learner × scenario, in the scope's scenario order, learners by name. Completed
 * rows carry a record signed with the runner's key; completion itself was recorded
 * only from a grade the runner ran on the learner's cluster.
 */
export function buildReport(input: {
  scope: ReportScope;
  scenarioIds: string[];
  scenarios: ReadonlyMap<string, ScenarioOutline>;
  learners: Pick<Learner, 'id' | 'displayName'>[];
  progress: LearnerProgress[];
  signer: Signer;
  now: number;
  /** False for formats that carry no records (CSV): signing is most of a report's cost. */
  sign?: boolean;
}): Report {
  const { scope, signer } = input;
  const issuedAt = iso(input.now)!;
  const sign = input.sign ?? true;
  const progress = new Map(input.progress.map((p) => [`${p.learnerId}\u0000${p.scenarioId}`, p]));
  const learners = [...input.learners].sort(
    (a, b) => (a.displayName ?? '').localeCompare(b.displayName ?? '') || a.id.localeCompare(b.id),
  );
  const rows: ReportRow[] = [];
  for (const learner of learners) {
    for (const scenarioId of input.scenarioIds) {
      const p = progress.get(`${learner.id}\u0000${scenarioId}`);
      const outline = input.scenarios.get(scenarioId);
      const checks = p?.checks ?? {};
      const total = outline?.checks.length ?? Object.keys(checks).length;
      const passed = (outline?.checks.map((c) => c.id) ?? Object.keys(checks)).filter(
        (id) => checks[id] === true,
      ).length;
      const status: RowStatus = p?.completedAt != null ? 'completed' : p ? 'in progress' : 'not started';
      const end = p?.completedAt ?? p?.updatedAt ?? null;
      const row: ReportRow = {
        learnerId: learner.id,
        displayName: learner.displayName ?? '',
        scenarioId,
        scenarioTitle: outline?.title ?? scenarioId,
        status,
        checksPassed: passed,
        checksTotal: total,
        hintsUsed: p?.hintsRevealed.length ?? 0,
        solutionRevealed: p?.solutionRevealed ?? false,
        firstStartedAt: iso(p?.startedAt ?? null),
        completedAt: iso(p?.completedAt ?? null),
        timeSpentSeconds:
          p?.startedAt != null && end !== null ? Math.max(0, Math.round((end - p.startedAt) / 1000)) : 0,
      };
      if (status === 'completed' && sign) {
        const statement: CompletionStatement = {
          type: 'paranoid.completion/v1',
          scope: { kind: scope.kind, id: scope.id, title: scope.title },
          ...pick(row),
          status: 'completed',
          completedAt: row.completedAt!,
        };
        row.completionRecord = signer.sign(statement);
      }
      rows.push(row);
    }
  }
  return {
    kind: 'paranoid.report/v1',
    scope,
    generatedAt: issuedAt,
    publicKey: signer.publicKeyPem,
    keyId: signer.keyId,
    rows,
  };
}

function pick(row: ReportRow) {
  return Object.fromEntries(SIGNED_FIELDS.map((f) => [f, row[f]])) as Pick<ReportRow, (typeof SIGNED_FIELDS)[number]>;
}

// The records themselves travel in the JSON report; the CSV is for spreadsheets.
const CSV_COLUMNS = SIGNED_FIELDS;

/** RFC 4180 CSV, one row per learner and scenario. */
export function reportCsv(report: Report): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of report.rows) {
    lines.push(CSV_COLUMNS.map((c) => csvCell(row[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * One cell. Text a spreadsheet would run as a formula (a display name starting with
 * `=`, `+`, `-`, `@`, tab or CR) is prefixed with `'`: names are learner-written.
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A printable completion record for one learner: the rows, and each signed record in
 * full so the page itself can be checked later. Everything learner-written is escaped.
 */
export function learnerReportHtml(report: Report, learnerId: string): string | undefined {
  const rows = report.rows.filter((r) => r.learnerId === learnerId);
  if (rows.length === 0) return undefined;
  const name = rows[0]!.displayName || 'Anonymous learner';
  const done = rows.filter((r) => r.status === 'completed').length;
  const minutes = (s: number) => `${Math.round(s / 60)} min`;
  const body = rows
    .map(
      (
        r,
      ) => `<tr><td>${escapeHtml(r.scenarioTitle)}<br><code>${escapeHtml(r.scenarioId)}</code></td><td>${r.status}</td>
<td>${r.checksPassed} / ${r.checksTotal}</td><td>${r.hintsUsed}</td><td>${r.solutionRevealed ? 'yes' : 'no'}</td>
<td>${r.firstStartedAt ?? '—'}</td><td>${r.completedAt ?? '—'}</td><td>${minutes(r.timeSpentSeconds)}</td></tr>`,
    )
    .join('\n');
  const records = rows
    .filter((r) => r.completionRecord)
    .map(
      (r) =>
        `<h3>${escapeHtml(r.scenarioTitle)}</h3><pre class="record">${escapeHtml(JSON.stringify(r.completionRecord, null, 2))}</pre>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Completion record: ${escapeHtml(name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}
pre.record{white-space:pre-wrap;word-break:break-all;font-size:11px;background:#f4f4f4;padding:.5rem}
@media print{pre.record{font-size:9px}}
</style></head>
<body>
<h1>Completion record</h1>
<p><strong>${escapeHtml(name)}</strong> — ${report.scope.kind} <strong>${escapeHtml(report.scope.title)}</strong>
(<code>${escapeHtml(report.scope.id)}</code>): ${done} of ${rows.length} scenarios completed.</p>
<p>Issued ${report.generatedAt} by a Paranoid runner. Completion is recorded only from a grade the runner ran on the
learner's own cluster. Each completed scenario below carries a record signed with the runner's Ed25519 key
<code>${report.keyId}</code>; check a saved JSON report with <code>paranoid verify-report FILE</code>.</p>
<table><thead><tr><th>Scenario</th><th>Status</th><th>Checks</th><th>Hints</th><th>Solution shown</th><th>First start</th><th>Completed</th><th>Time</th></tr></thead>
<tbody>
${body}
</tbody></table>
<h2>Signed records</h2>
${records || '<p>None yet.</p>'}
<h2>Public key</h2>
<pre class="record">${escapeHtml(report.publicKey)}</pre>
</body></html>
`;
}
