import { useEffect, useState } from 'react';
import { call, type ScenarioProgress } from '../lib/api.ts';

export interface TrackProgressProps {
  scenarios: { id: string; title: string; summary: string; minutes: number; required: boolean }[];
}

/** A track's scenarios in order, each marked with the learner's progress from the runner. */
export default function TrackProgress({ scenarios }: TrackProgressProps) {
  const [progress, setProgress] = useState<Map<string, ScenarioProgress> | null>(null);
  const [offline, setOffline] = useState(false);

  useEffect(() => {
    call<{ progress: ScenarioProgress[] }>('/api/progress')
      .then(({ progress }) => setProgress(new Map(progress.map((p) => [p.scenarioId, p]))))
      .catch(() => setOffline(true));
  }, []);

  const status = (id: string) => {
    const p = progress?.get(id);
    if (!p) return 'not started';
    return p.completedAt !== null ? 'completed' : 'in progress';
  };
  const required = scenarios.filter((s) => s.required);
  const done = required.filter((s) => status(s.id) === 'completed').length;
  return (
    <section aria-labelledby="track-progress">
      <h2 id="track-progress">Your progress</h2>
      {offline ? (
        <p className="muted">Start the runner to see your progress.</p>
      ) : (
        <p>
          <progress max={required.length} value={progress ? done : 0} aria-label="required scenarios completed" />{' '}
          <span data-testid="track-done">
            {progress ? done : 0} of {required.length} required scenarios completed
          </span>
        </p>
      )}
      <ol className="track-scenarios">
        {scenarios.map((s) => (
          <li key={s.id} data-status={status(s.id)}>
            <a href={`/scenarios/${s.id}/`}>{s.title}</a> <span className="chip">{s.minutes} min</span>
            {!s.required && <span className="chip"> optional</span>}
            <span className="track-status"> · {progress ? status(s.id) : '…'}</span>
            <p className="muted">{s.summary}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
