import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure, api, type ScenarioFile, type SessionView, type StartingView } from '../lib/api.ts';
import { useLab } from '../lib/store.ts';
import ChecksPanel from './ChecksPanel.tsx';
import ConfirmDialog from './ConfirmDialog.tsx';
import StepList from './StepList.tsx';
import TerminalView, { type TerminalHandle } from './TerminalView.tsx';
import type { PlayerProps } from './types.ts';
import WorkshopBanner from './WorkshopBanner.tsx';

// Heavy parts load only when their tab is first opened.
const EditorPanel = lazy(() => import('./EditorPanel.tsx'));
const ClusterMap = lazy(() => import('./ClusterMap.tsx'));

type Tab = 'terminal' | 'editor' | 'map' | 'checks';
const TABS: { id: Tab; label: string }[] = [
  { id: 'terminal', label: 'Terminal' },
  { id: 'editor', label: 'Editor' },
  { id: 'map', label: 'Cluster map' },
  { id: 'checks', label: 'Checks' },
];

type Phase = 'loading' | 'idle' | 'starting' | 'live' | 'ended';

/** The scenario player: steps on one side; terminal, editor, map and checks on the other. */
export default function Player({ scenario, steps, checks, lessons }: PlayerProps) {
  const stored = useLab((s) => s.sessions[scenario.id] ?? null);
  const setSession = useLab((s) => s.setSession);
  const setResults = useLab((s) => s.setResults);
  const setProgress = useLab((s) => s.setProgress);
  const setAllProgress = useLab((s) => s.setAllProgress);
  const [phase, setPhase] = useState<Phase>('loading');
  const [view, setView] = useState<SessionView | null>(null);
  const [tab, setTab] = useState<Tab>('terminal');
  const [opened, setOpened] = useState<Set<Tab>>(new Set(['terminal']));
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [editorFiles, setEditorFiles] = useState<ScenarioFile[] | null>(null);
  const [deadline, setDeadline] = useState<number | null>(null);
  /** The step a cluster in the making is on, while Start is pending. */
  const [creation, setCreation] = useState<StartingView | null>(null);
  const terminal = useRef<TerminalHandle | null>(null);
  /** Reset and End destroy the cluster: they ask first. */
  const [confirming, setConfirming] = useState<'reset' | 'end' | null>(null);
  /** Bumped on Reset: the terminal reconnects to the fresh shell by itself. */
  const [shellGeneration, setShellGeneration] = useState(0);
  /** What the last Extend did, in words (a live region reads it). */
  const [extended, setExtended] = useState<string | null>(null);

  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof ApiFailure && e.sessionEnded) {
        setSession(scenario.id, null);
        setPhase('ended');
        setError(e.message);
        return;
      }
      setError(e instanceof Error ? e.message : String(e));
    },
    [scenario.id, setSession],
  );

  const adopt = useCallback((session: SessionView) => {
    setView(session);
    setDeadline(performance.now() + session.secondsLeft * 1000);
  }, []);

  // On load: the runner's progress, and whether this browser's session is still alive.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per page load
  useEffect(() => {
    api
      .progress()
      .then((res) => setAllProgress(res.progress))
      .catch(() => undefined);
    const persisted = useLab.getState().sessions[scenario.id];
    if (!persisted) {
      setPhase('idle');
      return;
    }
    api
      .session(persisted.id, persisted.token)
      .then((res) => {
        adopt(res.session);
        setPhase('live');
      })
      .catch((e: unknown) => {
        if (e instanceof ApiFailure && e.sessionEnded) {
          setSession(scenario.id, null);
          setPhase('ended');
          // The runner's own words: after a restart they say the progress is safe.
          setError(e.message);
        } else {
          setPhase('idle');
          fail(e);
        }
      });
  }, []);

  const start = async () => {
    setError(null);
    setPhase('starting');
    setCreation(null);
    // A simulated cluster is ready at once; a kind cluster takes a minute: show the step it is on meanwhile.
    const poll = window.setInterval(() => {
      api.starting().then(
        ({ starting }) => setCreation(starting.find((s) => s.scenarioId === scenario.id) ?? null),
        () => undefined,
      );
    }, 700);
    try {
      const res = await api.startSession(scenario.id);
      setSession(scenario.id, { id: res.session.id, token: res.token, expiresAt: res.session.expiresAt });
      adopt(res.session);
      setPhase('live');
      select('terminal');
    } catch (e) {
      setPhase('idle');
      fail(e);
    } finally {
      window.clearInterval(poll);
      setCreation(null);
    }
  };

  const reset = async () => {
    if (!stored) return;
    setError(null);
    setExtended(null);
    try {
      adopt((await api.reset(stored.id, stored.token)).session);
      setResults(scenario.id, []);
      // The old shell died with the old cluster: connect to the new one without a click.
      setShellGeneration((g) => g + 1);
      select('terminal');
    } catch (e) {
      fail(e);
    }
  };

  const end = async () => {
    if (!stored) return;
    await api.end(stored.id, stored.token).catch(() => undefined);
    setSession(scenario.id, null);
    setView(null);
    setPhase('idle');
  };

  const extend = async () => {
    if (!stored) return;
    try {
      const leftBefore = deadline === null ? 0 : Math.max(0, (deadline - performance.now()) / 1000);
      const { session } = await api.extend(stored.id, stored.token);
      adopt(session);
      setExtended(extendMessage(session, Math.max(0, session.secondsLeft - leftBefore)));
    } catch (e) {
      fail(e);
    }
  };

  const check = async () => {
    if (!stored) return;
    setChecking(true);
    setError(null);
    try {
      const res = await api.check(stored.id, stored.token);
      setResults(scenario.id, res.checks);
      setProgress(res.progress);
    } catch (e) {
      fail(e);
    } finally {
      setChecking(false);
    }
  };

  const select = useCallback((next: Tab) => {
    setTab(next);
    setOpened((o) => (o.has(next) ? o : new Set([...o, next])));
  }, []);

  const runCommand = useCallback(
    (command: string) => {
      select('terminal');
      // The terminal may be mounting; give it a frame.
      window.requestAnimationFrame(() => terminal.current?.run(command));
    },
    [select],
  );

  const onTabKey = (event: React.KeyboardEvent, index: number) => {
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (event.key === 'Home' || event.key === 'End' || delta !== 0) {
      event.preventDefault();
      const next =
        event.key === 'Home' ? 0 : event.key === 'End' ? TABS.length - 1 : (index + delta + TABS.length) % TABS.length;
      select(TABS[next]!.id);
      document.getElementById(`tab-${TABS[next]!.id}`)?.focus();
    }
  };

  const live = phase === 'live' && stored !== null;
  const fixText = steps
    .filter((s) => s.kind === 'fix')
    .map((s) => s.html.replace(/<[^>]+>/g, ' '))
    .join('\n');

  return (
    <div className="player">
      <WorkshopBanner scenarioId={scenario.id} />
      <div className="player-bar">
        <div className="player-title">
          <p className="incident">From: {scenario.incident.title}</p>
          <h1>{scenario.title}</h1>
        </div>
        <div className="player-actions">
          {live && deadline !== null && (
            <Countdown
              deadline={deadline}
              onExtend={extend}
              atLimit={view !== null && view.secondsLeft >= view.maxSecondsLeft - 1}
            />
          )}
          {live && (
            <>
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => {
                  select('checks');
                  void check();
                }}
                disabled={checking}
              >
                {checking ? 'Checking…' : 'Check'}
              </button>
              <button
                type="button"
                className="btn"
                onClick={() => setConfirming('reset')}
                title="A fresh cluster, as at the start"
              >
                Reset
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setConfirming('end')}>
                End
              </button>
            </>
          )}
        </div>
      </div>
      <p className="extend-note" role="status">
        {extended}
      </p>
      {confirming === 'reset' && (
        <ConfirmDialog
          title="Reset the cluster?"
          body="Your cluster is deleted and made again as at the start of the scenario: every change you made in it is lost, and the terminal starts a new shell. Your progress on the steps is kept."
          confirmLabel="Reset the cluster"
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            setConfirming(null);
            void reset();
          }}
        />
      )}
      {confirming === 'end' && (
        <ConfirmDialog
          title="End this session?"
          body="Your cluster and your shell are deleted. Your progress on the steps is kept; starting again gives a fresh cluster."
          confirmLabel="End the session"
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            setConfirming(null);
            void end();
          }}
        />
      )}
      {error && (
        <div className="banner banner-error player-error" role="alert">
          <span>{error}</span>
          <button type="button" className="btn btn-small" onClick={() => setError(null)}>
            Dismiss
          </button>
        </div>
      )}
      {view && !view.terminal.available && live && (
        <div className="banner banner-warn" role="status">
          Terminals are off on this runner: {view.terminal.reason}
        </div>
      )}
      <div className="player-body">
        <aside className="steps-pane" aria-label="Guided steps">
          <StepList
            scenarioId={scenario.id}
            steps={steps}
            lessons={lessons}
            session={live ? stored : null}
            onRun={live ? runCommand : null}
            onError={fail}
          />
        </aside>
        <section className="work-pane" aria-label="Workspace">
          {!live ? (
            <StartCard phase={phase} scenario={scenario} onStart={start} creation={creation} />
          ) : (
            <>
              <div role="tablist" aria-label="Workspace" className="tabs">
                {TABS.map((t, i) => (
                  <button
                    key={t.id}
                    id={`tab-${t.id}`}
                    role="tab"
                    type="button"
                    aria-selected={tab === t.id}
                    aria-controls={`panel-${t.id}`}
                    tabIndex={tab === t.id ? 0 : -1}
                    onClick={() => select(t.id)}
                    onKeyDown={(e) => onTabKey(e, i)}
                  >
                    {t.label}
                  </button>
                ))}
              </div>
              {TABS.map((t) => (
                <div
                  key={t.id}
                  id={`panel-${t.id}`}
                  role="tabpanel"
                  aria-labelledby={`tab-${t.id}`}
                  className={`panel panel-${t.id}`}
                  hidden={tab !== t.id}
                >
                  {opened.has(t.id) && t.id === 'terminal' && (
                    <TerminalView
                      key={`${stored.id}/${shellGeneration}`}
                      sessionId={stored.id}
                      token={stored.token}
                      handle={terminal}
                      onSessionEnded={(message) => fail(new ApiFailure('SessionExpired', message))}
                    />
                  )}
                  {opened.has(t.id) && t.id === 'editor' && (
                    <Suspense fallback={<p className="loading">Loading the editor…</p>}>
                      <EditorPanel session={stored} fixText={fixText} extraFiles={editorFiles} onError={fail} />
                    </Suspense>
                  )}
                  {opened.has(t.id) && t.id === 'map' && (
                    <Suspense fallback={<p className="loading">Loading the map…</p>}>
                      <ClusterMap session={stored} visible={tab === 'map'} onError={fail} />
                    </Suspense>
                  )}
                  {t.id === 'checks' && (
                    <ChecksPanel
                      scenarioId={scenario.id}
                      checks={checks}
                      session={stored}
                      running={checking}
                      onCheck={check}
                      onOpenInEditor={(files) => {
                        setEditorFiles(files);
                        select('editor');
                      }}
                      onError={fail}
                    />
                  )}
                </div>
              ))}
            </>
          )}
        </section>
      </div>
    </div>
  );
}

function StartCard({
  phase,
  scenario,
  onStart,
  creation,
}: {
  phase: Phase;
  scenario: PlayerProps['scenario'];
  onStart(): void;
  creation: StartingView | null;
}) {
  return (
    <div className="start-card">
      {phase === 'ended' ? (
        <>
          <h2>This session has ended</h2>
          <p className="muted">
            It expired, was ended, or the runner restarted. Your progress is kept; a new session starts the cluster
            afresh.
          </p>
        </>
      ) : (
        <>
          <h2>Your own cluster, broken on purpose</h2>
          <p className="muted">{scenario.summary}</p>
        </>
      )}
      <ul className="start-facts">
        <li>
          <strong>{scenario.minutes} min</strong> <span>typical time</span>
        </li>
        <li>
          <strong>{scenario.difficulty}</strong> <span>difficulty</span>
        </li>
        <li>
          <strong>kubectl</strong> <span>in a sandboxed shell</span>
        </li>
      </ul>
      <button
        type="button"
        className="btn btn-primary btn-large"
        onClick={onStart}
        disabled={phase === 'starting' || phase === 'loading'}
      >
        {phase === 'starting' ? 'Starting your cluster…' : phase === 'ended' ? 'Start again' : 'Start the scenario'}
      </button>
      {phase === 'starting' && creation && (
        <div className="start-progress">
          <progress max={1} value={creation.fraction} aria-label="Creating your cluster" />
          <p role="status" className="muted">
            {creation.step} ({Math.round(creation.fraction * 100)}%)
          </p>
        </div>
      )}
    </div>
  );
}

/** What Extend did, in words: the time added, the time left, and the limit when it is reached. */
function extendMessage(session: SessionView, addedSeconds: number): string {
  const span = (seconds: number) => {
    const m = Math.round(seconds / 60);
    return m >= 120 && m % 60 === 0 ? `${m / 60} hours` : `${m} minute${m === 1 ? '' : 's'}`;
  };
  const left = `${span(session.secondsLeft)} left`;
  const limit = `A session lasts at most ${span(session.maxLifeSeconds)} from its start`;
  if (addedSeconds < 30) return `Not extended: this session is at its limit, ${left}. ${limit}.`;
  const capped = session.secondsLeft >= session.maxSecondsLeft - 1;
  return capped
    ? `Added ${span(addedSeconds)}: ${left}. ${limit}, so Extend cannot add more.`
    : `Added ${span(addedSeconds)}: ${left}. Each Extend adds up to ${span(session.extendSeconds)}; ${limit.toLowerCase()}.`;
}

function Countdown({ deadline, onExtend, atLimit }: { deadline: number; onExtend(): void; atLimit: boolean }) {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(performance.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const left = Math.max(0, Math.round((deadline - now) / 1000));
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, '0');
  const low = left < 5 * 60;
  return (
    <div className={`countdown${low ? ' countdown-low' : ''}`}>
      <svg
        width="16"
        height="16"
        viewBox="0 0 24 24"
        aria-hidden="true"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
      >
        <circle cx="12" cy="13" r="8" />
        <path d="M12 9v4l2.5 2.5M9 2h6" strokeLinecap="round" />
      </svg>
      <span>
        <span className="visually-hidden">Session time left: </span>
        <time>
          {minutes}:{seconds}
        </time>
      </span>
      <button
        type="button"
        className="btn btn-small"
        onClick={onExtend}
        disabled={atLimit}
        title={atLimit ? 'This session is at its longest life' : 'Add time to this session'}
      >
        Extend
      </button>
    </div>
  );
}
