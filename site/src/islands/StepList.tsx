import { useEffect, useRef, useState } from 'react';
import { api } from '../lib/api.ts';
import { type StoredSession, useLab } from '../lib/store.ts';
import type { LessonLink, StepProps } from './types.ts';

interface Props {
  scenarioId: string;
  steps: StepProps[];
  lessons: LessonLink[];
  session: StoredSession | null;
  /** Sends a command to the terminal; null before the session starts. */
  onRun: ((command: string) => void) | null;
  onError(error: unknown): void;
}

type StepState = 'done' | 'partial' | 'todo';

/** The guided steps: rendered Markdown with copy and run buttons, progress from the checks. */
export default function StepList({ scenarioId, steps, lessons, session, onRun, onError }: Props) {
  const results = useLab((s) => s.results[scenarioId]);
  const progress = useLab((s) => s.progress[scenarioId]);
  const stepsDone = useLab((s) => s.stepsDone[scenarioId]);
  const toggleStep = useLab((s) => s.toggleStep);
  const [open, setOpen] = useState<string>(steps[0]?.id ?? '');
  const container = useRef<HTMLOListElement>(null);
  const run = useRef(onRun);
  run.current = onRun;

  const verdicts: Record<string, boolean> = results
    ? Object.fromEntries(results.map((r) => [r.id, r.passed]))
    : (progress?.checks ?? {});

  const stateOf = (step: StepProps): StepState => {
    if (step.checks.length === 0) return stepsDone?.includes(step.id) ? 'done' : 'todo';
    const passed = step.checks.filter((id) => verdicts[id]).length;
    return passed === step.checks.length ? 'done' : passed > 0 ? 'partial' : 'todo';
  };

  // One listener for every Copy and Run button in the rendered Markdown.
  useEffect(() => {
    const root = container.current;
    if (!root) return;
    const onClick = (event: MouseEvent) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-copy],[data-run]');
      const figure = button?.closest('figure.code');
      const code = figure?.querySelector('code')?.textContent ?? '';
      if (!button || !figure) return;
      if (button.hasAttribute('data-copy')) {
        void navigator.clipboard
          ?.writeText(code)
          .then(() => flash(button, 'Copied'))
          .catch(() => flash(button, 'Select and copy'));
      } else if (run.current) {
        run.current(code);
        flash(button, 'Sent');
      } else {
        flash(button, 'Start first');
      }
    };
    root.addEventListener('click', onClick);
    return () => root.removeEventListener('click', onClick);
  }, []);

  const doneCount = steps.filter((s) => stateOf(s) === 'done').length;

  return (
    <div className="steps">
      <div className="steps-head">
        <h2 id="steps-title">Steps</h2>
        <span className="steps-count" aria-live="polite">
          {doneCount} of {steps.length} done
        </span>
      </div>
      <div
        className="meter"
        role="progressbar"
        aria-labelledby="steps-title"
        aria-valuemin={0}
        aria-valuemax={steps.length}
        aria-valuenow={doneCount}
      >
        <span style={{ width: `${(doneCount / Math.max(1, steps.length)) * 100}%` }} />
      </div>
      <ol className="step-list" ref={container}>
        {steps.map((step, i) => {
          const state = stateOf(step);
          const expanded = open === step.id;
          const passed = step.checks.filter((id) => verdicts[id]).length;
          return (
            <li key={step.id} className={`step step-${state}`} data-step={step.id} data-state={state}>
              <h3 className="step-title">
                <button
                  type="button"
                  aria-expanded={expanded}
                  aria-controls={`step-${step.id}`}
                  onClick={() => setOpen(expanded ? '' : step.id)}
                >
                  <span className={`step-badge badge-${state}`} aria-hidden="true">
                    {state === 'done' ? '✓' : i + 1}
                  </span>
                  <span className="step-name">
                    <span className="step-kind">{step.kind}</span>
                    {step.title}
                  </span>
                  <span className="step-state">
                    {step.checks.length > 0 ? (
                      <>
                        <span aria-hidden="true">
                          {passed}/{step.checks.length} checks
                        </span>
                        {/* Read as words: "2 of 8 checks pass", and "done" once, when it is. */}
                        <span className="visually-hidden">
                          , {passed} of {step.checks.length} checks pass{state === 'done' ? ', done' : ''}
                        </span>
                      </>
                    ) : state === 'done' ? (
                      'done'
                    ) : (
                      ''
                    )}
                  </span>
                </button>
              </h3>
              <div id={`step-${step.id}`} className="step-body" hidden={!expanded}>
                {/* biome-ignore lint/security/noDangerouslySetInnerHtml: build-time HTML from the repository's own step Markdown */}
                <div className="prose" dangerouslySetInnerHTML={{ __html: step.html }} />
                <StepHints scenarioId={scenarioId} step={step} session={session} onError={onError} />
                <div className="step-foot">
                  {step.checks.length === 0 && (
                    <button type="button" className="btn btn-small" onClick={() => toggleStep(scenarioId, step.id)}>
                      {state === 'done' ? 'Mark as not done' : 'Mark as done'}
                    </button>
                  )}
                  {i + 1 < steps.length && (
                    <button type="button" className="btn btn-small btn-ghost" onClick={() => setOpen(steps[i + 1]!.id)}>
                      Next step →
                    </button>
                  )}
                </div>
              </div>
            </li>
          );
        })}
      </ol>
      {lessons.length > 0 && (
        <nav className="lessons-links" aria-label="Lessons for this scenario">
          <h2>Learn the concepts</h2>
          <ul>
            {lessons.map((l) => (
              <li key={l.slug}>
                <a href={`/lessons/${l.slug}/`}>{l.title}</a>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </div>
  );
}

function StepHints({
  scenarioId,
  step,
  session,
  onError,
}: {
  scenarioId: string;
  step: StepProps;
  session: StoredSession | null;
  onError(error: unknown): void;
}) {
  const hints = useLab((s) => s.hints);
  const addHint = useLab((s) => s.addHint);
  if (step.hintCount === 0) return null;
  const shown = Array.from({ length: step.hintCount }, (_, i) => hints[`${scenarioId}/step:${step.id}:${i}`]).filter(
    (h): h is string => h !== undefined,
  );
  const reveal = async () => {
    if (!session) return;
    try {
      const res = await api.hint(session.id, session.token, { stepId: step.id }, shown.length);
      addHint(`${scenarioId}/step:${step.id}:${res.index}`, res.hint);
    } catch (error) {
      onError(error);
    }
  };
  return (
    <div className="hints">
      {shown.map((hint, i) => (
        <p key={hint} className="hint">
          <strong>Hint {i + 1}:</strong> {hint}
        </p>
      ))}
      {shown.length < step.hintCount && (
        <button type="button" className="btn btn-small" onClick={reveal} disabled={!session}>
          {session ? `Show a hint (${shown.length + 1} of ${step.hintCount})` : 'Start the scenario for hints'}
        </button>
      )}
    </div>
  );
}

function flash(button: HTMLButtonElement, text: string) {
  const before = button.dataset.label ?? button.textContent ?? '';
  button.dataset.label = before;
  button.textContent = text;
  window.setTimeout(() => {
    button.textContent = before;
  }, 1200);
}
