import { useEffect, useState } from 'react';
import { ApiFailure, call, type ScenarioProgress } from '../lib/api.ts';
import { type LearnerWorkshop, learnerApi } from '../lib/workshops.ts';

export interface WorkshopHomeProps {
  /** Every scenario the site knows, for titles; the workshop picks its own. */
  scenarios: { id: string; title: string; summary: string; minutes: number; difficulty: string }[];
}

/** Where a learner lands after joining: the workshop's scenarios, in order, and the instructor's message. */
export default function WorkshopHome({ scenarios }: WorkshopHomeProps) {
  const [workshop, setWorkshop] = useState<LearnerWorkshop | null>(null);
  const [progress, setProgress] = useState<ScenarioProgress[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const id = new URLSearchParams(window.location.search).get('id');
    let stop = false;
    const load = async () => {
      try {
        const w = id ? (await learnerApi.workshop(id)).workshop : (await learnerApi.mine()).workshops[0];
        if (stop) return;
        if (!w) setError('You have not joined a workshop yet: open the join link your instructor gave you.');
        else setWorkshop(w);
        setProgress((await call<{ progress: ScenarioProgress[] }>('/api/progress')).progress);
      } catch (e) {
        if (!stop) setError(e instanceof ApiFailure ? e.message : String(e));
      }
    };
    void load();
    const timer = window.setInterval(load, 10_000);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, []);

  if (error) {
    return (
      <p className="form-error" role="alert">
        {error}
      </p>
    );
  }
  if (!workshop) return <p aria-busy="true">Loading the workshop…</p>;
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const done = new Set(progress.filter((p) => p.completedAt !== null).map((p) => p.scenarioId));
  return (
    <section aria-labelledby="workshop-title">
      <p className="eyebrow">Workshop · you are {workshop.displayName}</p>
      <h1 id="workshop-title">{workshop.title}</h1>
      {workshop.endedAt !== null && <p className="banner banner-warn">This workshop has ended.</p>}
      {workshop.broadcast && (
        <p className="banner broadcast" role="status">
          <strong>From your instructor:</strong> {workshop.broadcast.message}
        </p>
      )}
      <p>
        Sessions last {workshop.sessionMinutes} minutes.{' '}
        {workshop.solutionsAllowed ? 'Solutions may be revealed.' : 'Solutions are off in this workshop.'}
      </p>
      <ol className="workshop-scenarios">
        {workshop.scenarioIds.map((id) => {
          const s = byId.get(id);
          return (
            <li key={id}>
              <a href={`/scenarios/${id}/`}>{s?.title ?? id}</a>
              {done.has(id) && <span className="chip chip-done"> completed</span>}
              {s && <p className="muted">{s.summary}</p>}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
