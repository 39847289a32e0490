import type { CreateWorkshopRequest } from '@paranoid/api/workshops.ts';
import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { ApiFailure } from '../lib/api.ts';
import { type InstructorWorkshop, instructorApi, instructorToken, minutes, type Roster } from '../lib/workshops.ts';

export interface InstructorConsoleProps {
  tracks: { id: string; title: string }[];
  scenarios: { id: string; title: string }[];
}

const message = (e: unknown) => (e instanceof ApiFailure ? e.message : String(e));

/**
 * The instructor's page: the token gate, creating a workshop, and one workshop's live
 * roster with its actions. The selected workshop is in the URL and the token in this
 * tab's sessionStorage, so a reload keeps both.
 */
export default function InstructorConsole({ tracks, scenarios }: InstructorConsoleProps) {
  const [token, setToken] = useState<string | null>(null);
  const [checked, setChecked] = useState(false);
  const [gateError, setGateError] = useState<string | null>(null);

  useEffect(() => {
    const saved = instructorToken.get();
    if (!saved) {
      setChecked(true);
      return;
    }
    instructorApi(saved)
      .check()
      .then(() => setToken(saved))
      .catch((e) => {
        instructorToken.clear();
        setGateError(message(e));
      })
      .finally(() => setChecked(true));
  }, []);

  const signIn = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get('token') ?? '').trim();
    try {
      await instructorApi(value).check();
      instructorToken.set(value);
      setToken(value);
      setGateError(null);
    } catch (e) {
      setGateError(message(e));
    }
  };

  if (!checked) return <p aria-busy="true">Checking…</p>;
  if (!token) {
    return (
      <form className="join-form" onSubmit={signIn} aria-labelledby="gate-title">
        <h2 id="gate-title">Instructor token needed</h2>
        <p>
          This page is for instructors. Make a token on the runner's machine with <code>paranoid admin token</code> and
          paste it here; it stays in this tab only.
        </p>
        <label>
          Instructor token
          <input name="token" type="password" autoComplete="off" required />
        </label>
        {gateError && (
          <p className="form-error" role="alert">
            {gateError}
          </p>
        )}
        <button type="submit" className="btn btn-primary">
          Open the instructor page
        </button>
      </form>
    );
  }
  return (
    <Console
      token={token}
      tracks={tracks}
      scenarios={scenarios}
      onSignOut={() => {
        instructorToken.clear();
        setToken(null);
      }}
    />
  );
}

function Console({
  token,
  tracks,
  scenarios,
  onSignOut,
}: InstructorConsoleProps & { token: string; onSignOut(): void }) {
  const client = useMemo(() => instructorApi(token), [token]);
  const [list, setList] = useState<InstructorWorkshop[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    client
      .list()
      .then(({ workshops }) => setList(workshops))
      .catch((e) => setError(message(e)));
  }, [client]);

  useEffect(() => {
    setSelected(new URLSearchParams(window.location.search).get('workshop'));
    refresh();
  }, [refresh]);

  const select = (id: string | null) => {
    const url = new URL(window.location.href);
    if (id) url.searchParams.set('workshop', id);
    else url.searchParams.delete('workshop');
    window.history.pushState(null, '', url);
    setSelected(id);
  };

  return (
    <div className="instructor">
      <div className="instructor-bar">
        <button type="button" className="btn btn-small btn-ghost" onClick={onSignOut}>
          Forget the token
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {selected ? (
        <WorkshopRoom client={client} id={selected} onBack={() => select(null)} onChange={refresh} />
      ) : (
        <>
          <CreateWorkshop
            tracks={tracks}
            scenarios={scenarios}
            onCreate={async (body) => {
              const { workshop } = await client.create(body);
              refresh();
              select(workshop.id);
            }}
          />
          <section aria-labelledby="workshops-title">
            <h2 id="workshops-title">Workshops</h2>
            {list.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <ul className="workshop-list">
                {list.map((w) => (
                  <li key={w.id}>
                    <button type="button" className="btn btn-ghost" onClick={() => select(w.id)}>
                      {w.title}
                    </button>{' '}
                    <span className="chip">{w.state}</span> <code>{w.joinCode}</code> · {w.seatsTaken}/{w.seats} seats
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}

function CreateWorkshop({
  tracks,
  scenarios,
  onCreate,
}: InstructorConsoleProps & { onCreate(body: CreateWorkshopRequest): Promise<void> }) {
  const [mode, setMode] = useState<'track' | 'scenarios'>('track');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const at = (name: string) => {
      const v = String(f.get(name) ?? '');
      return v ? new Date(v).toISOString() : undefined;
    };
    const startsAt = at('startsAt');
    const endsAt = at('endsAt');
    const body: CreateWorkshopRequest = {
      title: String(f.get('title') ?? ''),
      seats: Number(f.get('seats')),
      sessionMinutes: Number(f.get('sessionMinutes')),
      stuckMinutes: Number(f.get('stuckMinutes')),
      solutionsAllowed: f.get('solutionsAllowed') === 'on',
      ...(startsAt ? { startsAt } : {}),
      ...(endsAt ? { endsAt } : {}),
      ...(mode === 'track'
        ? { trackId: String(f.get('trackId')) }
        : { scenarioIds: f.getAll('scenarioIds').map(String) }),
    };
    setBusy(true);
    setError(null);
    try {
      await onCreate(body);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="create-workshop" onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">New workshop</h2>
      <label>
        Title
        <input name="title" required maxLength={80} />
      </label>
      <fieldset>
        <legend>What learners play</legend>
        <label>
          <input type="radio" name="mode" checked={mode === 'track'} onChange={() => setMode('track')} /> A track
        </label>
        <label>
          <input type="radio" name="mode" checked={mode === 'scenarios'} onChange={() => setMode('scenarios')} /> A list
          of scenarios
        </label>
        {mode === 'track' ? (
          <label>
            Track
            <select name="trackId">
              {tracks.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.title}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <div className="scenario-picks">
            {scenarios.map((s) => (
              <label key={s.id}>
                <input type="checkbox" name="scenarioIds" value={s.id} /> {s.title}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <div className="form-row">
        <label>
          Seats
          <input name="seats" type="number" min={1} max={500} defaultValue={20} required />
        </label>
        <label>
          Session length (minutes)
          <input name="sessionMinutes" type="number" min={5} max={240} defaultValue={60} required />
        </label>
        <label>
          Stuck after (minutes)
          <input name="stuckMinutes" type="number" min={0.01} step="any" defaultValue={10} required />
        </label>
      </div>
      <div className="form-row">
        <label>
          Starts (default: now)
          <input name="startsAt" type="datetime-local" />
        </label>
        <label>
          Ends (default: 3 hours after the start)
          <input name="endsAt" type="datetime-local" />
        </label>
      </div>
      <label>
        <input type="checkbox" name="solutionsAllowed" defaultChecked /> Learners may reveal solutions
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        Create the workshop
      </button>
    </form>
  );
}

function WorkshopRoom({
  client,
  id,
  onBack,
  onChange,
}: {
  client: ReturnType<typeof instructorApi>;
  id: string;
  onBack(): void;
  onChange(): void;
}) {
  const [workshop, setWorkshop] = useState<InstructorWorkshop | null>(null);
  const [roster, setRoster] = useState<Roster | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    let retry: number | undefined;
    const follow = () => {
      client
        .follow(
          id,
          (u) => {
            setWorkshop(u.workshop);
            setRoster(u.roster);
            setLive(true);
            setError(null);
          },
          abort.signal,
        )
        .then(
          () => true,
          (e) => {
            if (!abort.signal.aborted) setError(message(e));
            // A refused token or an unknown workshop will not get better by asking again.
            const status = e instanceof ApiFailure ? e.status : 0;
            return status !== 401 && status !== 403 && status !== 404;
          },
        )
        .then((again) => {
          if (abort.signal.aborted) return;
          setLive(false);
          // The stream ended (runner restarted, network blip): follow again shortly.
          if (again) retry = window.setTimeout(follow, 2_000);
        });
    };
    follow();
    return () => {
      abort.abort();
      window.clearTimeout(retry);
    };
  }, [client, id]);

  const act = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
      setNote(what);
      onChange();
    } catch (e) {
      setError(message(e));
    }
  };

  const download = async (format: 'json' | 'csv' | 'html', learner?: string) => {
    try {
      const blob = await client.report(id, format, learner);
      const url = URL.createObjectURL(blob);
      if (format === 'html') window.open(url, '_blank', 'noopener');
      else {
        const a = document.createElement('a');
        a.href = url;
        a.download = `workshop-${id}.${format}`;
        a.click();
      }
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError(message(e));
    }
  };

  return (
    <section aria-labelledby="room-title" className="room">
      <button type="button" className="btn btn-small btn-ghost" onClick={onBack}>
        ← All workshops
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!workshop || !roster ? (
        <p aria-busy="true">Loading the roster…</p>
      ) : (
        <>
          <h2 id="room-title">{workshop.title}</h2>
          <p>
            <span className="chip">{workshop.state}</span> Join code{' '}
            <code data-testid="join-code">{workshop.joinCode}</code> · <a href={workshop.joinUrl}>join link</a> ·{' '}
            {workshop.seatsTaken}/{workshop.seats} seats ·{' '}
            <span className={live ? 'live on' : 'live'} data-testid="live">
              {live ? 'live' : 'reconnecting…'}
            </span>
          </p>
          {note && <p role="status">{note}</p>}
          <h3>Where the room is</h3>
          <table className="roster-summary">
            <thead>
              <tr>
                <th>Scenario</th>
                <th>Not started</th>
                <th>In progress</th>
                <th>Completed</th>
                <th>Stuck</th>
              </tr>
            </thead>
            <tbody>
              {roster.scenarios.map((s) => (
                <tr key={s.scenarioId}>
                  <td>{s.title}</td>
                  <td>{s.notStarted}</td>
                  <td>{s.inProgress}</td>
                  <td>{s.completed}</td>
                  <td>{s.stuck}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Learners</h3>
          {roster.learners.length === 0 ? (
            <p className="muted">Nobody has joined yet.</p>
          ) : (
            <table className="roster" data-testid="roster">
              <thead>
                <tr>
                  <th>Learner</th>
                  <th>Scenario and step</th>
                  <th>Checks</th>
                  <th>Hints</th>
                  <th>Solutions</th>
                  <th>Time</th>
                  <th>Status</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {roster.learners.map((l) => (
                  <tr key={l.learnerId} data-learner={l.displayName} data-stuck={l.stuck}>
                    <td>{l.displayName}</td>
                    <td>
                      {l.current ? (
                        <>
                          {l.current.title}
                          <br />
                          <span className="muted">
                            {l.current.step
                              ? `step ${l.current.step.index + 1} of ${l.current.step.count}: ${l.current.step.title}`
                              : 'all checks pass'}
                          </span>
                        </>
                      ) : (
                        <span className="muted">not started</span>
                      )}
                    </td>
                    <td data-col="checks">{l.current ? `${l.current.checksPassed}/${l.current.checksTotal}` : '—'}</td>
                    <td data-col="hints">{l.hintsRevealed}</td>
                    <td data-col="solutions">{l.solutionsRevealed}</td>
                    <td>{minutes(l.timeSpentMs)}</td>
                    <td data-col="status">
                      {l.current?.completed ? <span className="chip chip-done">completed</span> : null}
                      {l.stuck ? <span className="chip chip-stuck">stuck</span> : null}
                      {!l.current?.completed && !l.stuck ? (l.live ? 'working' : 'idle') : null}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={!l.live}
                        onClick={() =>
                          act(`Extended ${l.displayName}'s session.`, () => client.extend(id, l.learnerId))
                        }
                      >
                        Extend
                      </button>{' '}
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={!l.live}
                        onClick={() => act(`Reset ${l.displayName}'s cluster.`, () => client.reset(id, l.learnerId))}
                      >
                        Reset
                      </button>{' '}
                      <button
                        type="button"
                        className="btn btn-small btn-ghost"
                        onClick={() => download('html', l.learnerId)}
                      >
                        Record
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <form
            className="broadcast-form"
            onSubmit={(event) => {
              event.preventDefault();
              const text = String(new FormData(event.currentTarget).get('message') ?? '').trim();
              void act(text ? 'Message sent.' : 'Message cleared.', () => client.broadcast(id, text || null));
            }}
          >
            <label>
              Message to every learner
              <input name="message" maxLength={280} defaultValue={workshop.broadcast ?? ''} />
            </label>
            <button type="submit" className="btn">
              Broadcast
            </button>
          </form>
          <p className="room-actions">
            <button type="button" className="btn" onClick={() => download('csv')}>
              Report (CSV)
            </button>{' '}
            <button type="button" className="btn" onClick={() => download('json')}>
              Report (JSON, signed)
            </button>{' '}
            <button
              type="button"
              className="btn btn-danger"
              disabled={workshop.state === 'ended'}
              onClick={() => {
                if (window.confirm('End the workshop? Every learner session in it ends now.')) {
                  void act('The workshop has ended.', () => client.end(id));
                }
              }}
            >
              End the workshop
            </button>
          </p>
        </>
      )}
    </section>
  );
}
