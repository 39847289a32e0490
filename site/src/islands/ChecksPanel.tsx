import { useRef, useState } from 'react';
import { api, type ScenarioFile } from '../lib/api.ts';
import { type StoredSession, useLab } from '../lib/store.ts';

interface Props {
  scenarioId: string;
  checks: { id: string; title: string; level: 'MUST' | 'SHOULD' }[];
  session: StoredSession | null;
  running: boolean;
  onCheck(): void;
  onOpenInEditor(files: ScenarioFile[]): void;
  onError(error: unknown): void;
}

/** The grader's verdict, check by check, with hints on request and the solution behind a confirmation. */
export default function ChecksPanel({ scenarioId, checks, session, running, onCheck, onOpenInEditor, onError }: Props) {
  const results = useLab((s) => s.results[scenarioId]);
  const progress = useLab((s) => s.progress[scenarioId]);
  const hints = useLab((s) => s.hints);
  const addHint = useLab((s) => s.addHint);
  const setProgress = useLab((s) => s.setProgress);
  const [solution, setSolution] = useState<ScenarioFile[] | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  const byId = new Map((results ?? []).map((r) => [r.id, r]));
  const passed = results?.filter((r) => r.passed).length ?? 0;
  const allPassed = results !== undefined && results.length > 0 && passed === results.length;

  const reveal = async (checkId: string, index: number) => {
    if (!session) return;
    try {
      const res = await api.hint(session.id, session.token, { checkId }, index);
      addHint(`${scenarioId}/check:${checkId}:${res.index}`, res.hint);
      setProgress(res.progress);
    } catch (error) {
      onError(error);
    }
  };

  const confirmSolution = async () => {
    dialog.current?.close();
    if (!session) return;
    try {
      const res = await api.solution(session.id, session.token);
      setSolution(res.files);
      setProgress(res.progress);
    } catch (error) {
      onError(error);
    }
  };

  return (
    <div className="checks">
      <div className="checks-head">
        <div>
          <h2>Checks</h2>
          <p className="muted">
            The grader looks at the live cluster, not at the commands you typed: every correct fix passes.
          </p>
        </div>
        <button type="button" className="btn btn-primary" onClick={onCheck} disabled={!session || running}>
          {running ? 'Checking…' : 'Check my fix'}
        </button>
      </div>
      {results && (
        <p className={`verdict ${allPassed ? 'verdict-ok' : 'verdict-fail'}`} role="status">
          {allPassed
            ? `All ${results.length} checks pass. The hole is closed.`
            : `${passed} of ${results.length} checks pass.`}
        </p>
      )}
      {progress?.completedAt && !allPassed && (
        <p className="muted">You solved this scenario before; the checks show the cluster as it is now.</p>
      )}
      <ul className="check-list">
        {checks.map((check) => {
          const result = byId.get(check.id);
          const state = result ? (result.passed ? 'pass' : 'fail') : 'pending';
          const count = result?.hintCount ?? 0;
          const shown = Array.from({ length: count }, (_, i) => hints[`${scenarioId}/check:${check.id}:${i}`]).filter(
            (h): h is string => h !== undefined,
          );
          return (
            <li key={check.id} className={`check check-${state}`} data-check={check.id} data-state={state}>
              <span className="check-icon" aria-hidden="true">
                {state === 'pass' ? '✓' : state === 'fail' ? '✕' : '•'}
              </span>
              <div className="check-body">
                <p className="check-title">
                  {check.title}
                  {check.level === 'SHOULD' && <span className="chip">advice</span>}
                  <span className="visually-hidden">
                    {state === 'pass' ? ': passed' : state === 'fail' ? ': failed' : ': not checked yet'}
                  </span>
                </p>
                {result && !result.passed && <p className="check-message">{result.message}</p>}
                {!result?.passed &&
                  shown.map((hint, i) => (
                    <p key={hint} className="hint">
                      <strong>Hint {i + 1}:</strong> {hint}
                    </p>
                  ))}
                {result && !result.passed && shown.length < count && (
                  <button type="button" className="btn btn-small" onClick={() => reveal(check.id, shown.length)}>
                    Show a hint ({shown.length + 1} of {count})
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      <div className="solution">
        {solution ? (
          <section aria-labelledby="solution-title">
            <h3 id="solution-title">Reference solution</h3>
            <p className="muted">One correct fix among many. The grader accepts any fix that reaches the same state.</p>
            {solution.length === 0 && <p className="muted">This scenario's solution has no manifests.</p>}
            {solution.map((file) => (
              <figure className="code" key={file.path}>
                <figcaption>
                  <span>{file.path}</span>
                </figcaption>
                {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling block must be reachable by keyboard (WCAG 2.1.1). */}
                <pre tabIndex={0}>
                  <code>{file.content}</code>
                </pre>
              </figure>
            ))}
            {solution.length > 0 && (
              <button type="button" className="btn" onClick={() => onOpenInEditor(solution)}>
                Open in the editor
              </button>
            )}
          </section>
        ) : (
          <button
            type="button"
            className="btn btn-ghost"
            disabled={!session}
            onClick={() => dialog.current?.showModal()}
          >
            Reveal the solution…
          </button>
        )}
        {progress?.solutionRevealed && !solution && (
          <p className="muted">You have seen the solution for this scenario before.</p>
        )}
      </div>
      <dialog ref={dialog} className="dialog" aria-labelledby="reveal-title">
        <h2 id="reveal-title">Reveal the solution?</h2>
        <p>
          Working it out is where the learning is. If you reveal it, your progress records that you saw the solution.
        </p>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={() => dialog.current?.close()}>
            Keep trying
          </button>
          <button type="button" className="btn btn-primary" onClick={confirmSolution}>
            Reveal it
          </button>
        </div>
      </dialog>
    </div>
  );
}
