import type { ClusterProvider } from '@paranoid/providers/provider.ts';
import type { WorkshopRecord } from './progress-store.ts';

/** Clusters made ahead per open workshop when the runner is not told otherwise (`serve --reserve-per-workshop`). */
export const DEFAULT_RESERVE_PER_WORKSHOP = 20;

/** A workshop's clusters are made from this long before it opens, so the first joiners find them ready. */
export const RESERVE_LEAD_MS = 5 * 60_000;

/**
 * How many clusters each scenario should keep ready for the open workshops: for each
 * workshop open now (or opening within the lead time), its first scenario gets one per
 * seat whose learner has not started yet, up to `perWorkshop`. The rest of a track is
 * served by the ordinary pool: learners reach later scenarios one at a time, not at once.
 */
export function reservationTargets(
  workshops: WorkshopRecord[],
  started: (workshopId: string) => number,
  now: number,
  perWorkshop: number,
): Map<string, number> {
  const targets = new Map<string, number>();
  for (const w of workshops) {
    const first = w.scenarioIds[0];
    if (!first || w.endedAt !== null || now >= w.endsAt || now < w.startsAt - RESERVE_LEAD_MS) continue;
    const waiting = Math.max(0, w.seats - started(w.id));
    targets.set(first, (targets.get(first) ?? 0) + Math.min(perWorkshop, waiting));
  }
  return targets;
}

/**
 * Keeps the provider's pools sized for the workshops that are open: refreshed on a
 * timer and whenever a workshop changes (created, joined, ended). Scenarios that no
 * workshop needs any more go back to the provider's default.
 */
export class WorkshopReservations {
  private applied = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly options: {
      provider: ClusterProvider;
      workshops: () => Promise<WorkshopRecord[]>;
      /** Learners of this workshop who have a live session. */
      started: (workshopId: string) => number;
      perWorkshop: number;
      now?: () => number;
      intervalMs?: number;
      onError?: (error: unknown) => void;
    },
  ) {}

  start(): void {
    if (!this.options.provider.reserve || this.options.perWorkshop <= 0) return;
    this.timer = setInterval(() => this.refresh(), this.options.intervalMs ?? 15_000);
    this.timer.unref();
    this.refresh();
  }

  /** Recomputes the targets; calls that arrive during a refresh coalesce into one more. */
  refresh(): void {
    if (!this.options.provider.reserve || this.options.perWorkshop <= 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.apply()
      .catch((error) => this.options.onError?.(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  private async apply(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const targets = reservationTargets(
      await this.options.workshops(),
      this.options.started,
      now,
      this.options.perWorkshop,
    );
    for (const id of this.applied.keys()) if (!targets.has(id)) this.options.provider.reserve?.(id, 0);
    for (const [id, count] of targets) {
      if (this.applied.get(id) !== count) this.options.provider.reserve?.(id, count);
    }
    this.applied = targets;
  }

  /** Waits for a refresh in flight (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
