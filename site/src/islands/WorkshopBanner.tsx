import { useEffect, useState } from 'react';
import { type LearnerWorkshop, learnerApi } from '../lib/workshops.ts';

/**
 * The instructor's broadcast, in the player: the newest message of a workshop the
 * learner sits in that has this scenario. Polled, so it needs nothing from the session.
 */
export default function WorkshopBanner({ scenarioId }: { scenarioId: string }) {
  const [workshop, setWorkshop] = useState<LearnerWorkshop | null>(null);
  const [dismissed, setDismissed] = useState<number | null>(null);

  useEffect(() => {
    let stop = false;
    const load = () =>
      learnerApi
        .mine()
        .then(({ workshops }) => {
          if (!stop) setWorkshop(workshops.find((w) => w.scenarioIds.includes(scenarioId)) ?? null);
        })
        .catch(() => undefined);
    void load();
    const timer = window.setInterval(load, 5_000);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, [scenarioId]);

  const message = workshop?.broadcast;
  if (!workshop || !message || dismissed === message.at) return null;
  return (
    <div className="banner broadcast" role="status" aria-live="polite" data-testid="workshop-broadcast">
      <strong>{workshop.title}:</strong> <span>{message.message}</span>
      <button type="button" className="btn btn-small btn-ghost" onClick={() => setDismissed(message.at)}>
        Dismiss
      </button>
    </div>
  );
}
