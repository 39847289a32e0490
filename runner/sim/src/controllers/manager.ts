import { StatusError } from '@paranoid/k8s/status.ts';
import type { Clock } from '../clock.ts';
import type { ObjectStore, StoreEvent } from '../store.ts';
import type { Lister } from './lister.ts';

/** A controller's work queue: keys are `namespace/name` (or anything the controller chooses). */
export interface WorkQueue {
  add(key: string): void;
  /** Adds the key once `ms` of clock time has passed (the earliest pending request wins). */
  addAfter(key: string, ms: number): void;
}

/** One control loop, as in kube-controller-manager: event handlers fill a queue, reconcile drains it. */
export interface Controller {
  readonly name: string;
  /** Maps a committed store change to the keys that must be reconciled. */
  onEvent(event: StoreEvent, queue: WorkQueue): void;
  /** Queues everything already in the store when the controllers start. */
  resync(queue: WorkQueue): void;
  /** Brings one key to its desired state. Must be idempotent: no write when nothing changed. */
  reconcile(key: string, queue: WorkQueue): void;
}

/** Reconciles per drain before the manager yields and reschedules itself, so a bug cannot spin forever. */
const MAX_STEPS_PER_DRAIN = 20_000;
const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 60_000;

/**
 * Runs controllers on one clock. Store listeners only enqueue; the queues are
 * drained on a zero-delay clock timer, so a write made while reconciling never
 * re-enters a controller and every run is deterministic under a ManualClock.
 */
export class ControllerManager {
  private readonly queues = new Map<Controller, Set<string>>();
  private readonly handles = new Map<Controller, WorkQueue>();
  private readonly delayed = new Map<string, { at: number; cancel: () => void }>();
  private readonly failures = new Map<string, number>();
  private cancelDrain: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly controllers: Controller[],
    private readonly lister?: Lister,
  ) {
    for (const c of controllers) {
      this.queues.set(c, new Set());
      this.handles.set(c, {
        add: (key) => this.add(c, key),
        addAfter: (key, ms) => this.addAfter(c, key, ms),
      });
    }
  }

  start(): () => void {
    this.unsubscribe = this.store.subscribe((event) => this.dispatch(event));
    for (const c of this.controllers) {
      try {
        c.resync(this.queue(c));
      } catch (e) {
        // One controller failing to list must not stop the cluster from starting.
        console.warn(`controller ${c.name}: failed to resync: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.scheduleDrain();
    return () => this.stop();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.cancelDrain?.();
    this.cancelDrain = undefined;
    for (const d of this.delayed.values()) d.cancel();
    this.delayed.clear();
  }

  private queue(c: Controller): WorkQueue {
    return this.handles.get(c)!;
  }

  private dispatch(event: StoreEvent): void {
    if (this.stopped) return;
    this.lister?.observe(event);
    for (const c of this.controllers) {
      try {
        c.onEvent(event, this.queue(c));
      } catch (e) {
        console.warn(`controller ${c.name}: failed to handle ${event.type} event: ${String(e)}`);
      }
    }
  }

  private add(c: Controller, key: string): void {
    if (this.stopped) return;
    this.queues.get(c)!.add(key);
    this.scheduleDrain();
  }

  private addAfter(c: Controller, key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.add(c, key);
      return;
    }
    const id = `${c.name}\u0000${key}`;
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(id);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const cancel = this.clock.setTimer(ms, () => {
      this.delayed.delete(id);
      this.add(c, key);
    });
    this.delayed.set(id, { at, cancel });
  }

  private scheduleDrain(): void {
    if (this.cancelDrain || this.stopped) return;
    this.cancelDrain = this.clock.setTimer(0, () => {
      this.cancelDrain = undefined;
      this.drain();
    });
  }

  private drain(): void {
    let steps = 0;
    for (;;) {
      let progressed = false;
      for (const c of this.controllers) {
        if (this.stopped) return;
        const q = this.queues.get(c)!;
        const next = q.values().next();
        if (next.done) continue;
        q.delete(next.value);
        this.run(c, next.value);
        progressed = true;
        if (++steps >= MAX_STEPS_PER_DRAIN) {
          console.warn(`controllers: ${steps} reconciles without settling; yielding`);
          this.cancelDrain?.();
          this.cancelDrain = this.clock.setTimer(1000, () => {
            this.cancelDrain = undefined;
            this.drain();
          });
          return;
        }
      }
      if (!progressed) return;
    }
  }

  private run(c: Controller, key: string): void {
    const id = `${c.name}\u0000${key}`;
    try {
      c.reconcile(key, this.queue(c));
      this.failures.delete(id);
    } catch (e) {
      const n = (this.failures.get(id) ?? 0) + 1;
      this.failures.set(id, n);
      // A conflict means someone wrote first: retry at once, then back off like client-go's rate limiter.
      const conflict = e instanceof StatusError && (e.code === 409 || e.code === 404);
      if (!conflict || n > 3) {
        console.warn(`controller ${c.name}: failed to sync ${key}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const delay = conflict && n <= 3 ? 0 : Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(n, 20));
      this.addAfter(c, key, delay);
    }
  }
}
