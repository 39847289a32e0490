/**
 * Runs each cluster's requests in turn: one request of one cluster, then one of the
 * next cluster that has any waiting, and so on, with the event loop free between two
 * (TLS handshakes, reading bodies, timers). Several clusters share a worker thread, and
 * a request runs to its end once started; without turns, a cluster that sends a hundred
 * costly requests would put every other cluster of its worker behind all of them. With
 * them, another cluster waits for at most one request of each busy cluster.
 *
 * Each cluster also has a CPU budget, as API Priority and Fairness gives each flow its
 * share: a cluster may run `share` of the time on average (bursts up to `burstMs`); past
 * that its next request waits until the budget refills, so one learner's flood cannot
 * take a whole core from the others on a small machine.
 */
export interface FairQueueOptions {
  /** The fraction of one core a cluster may use on average (default 0.25). */
  share?: number;
  /** Milliseconds of work a quiet cluster may do at once before the share applies (default 1000). */
  burstMs?: number;
  now?: () => number;
}

/** Takes turns between clusters sharing one worker thread, so one cluster's flood cannot starve the rest. */
export interface FairQueue {
  /** Runs `task` on `key`'s turn; its result or error comes back through the promise. */
  run<T>(key: string, task: () => T): Promise<T>;
  /** Requests waiting, for tests and the bench. */
  readonly waiting: number;
}

interface Flow {
  tasks: (() => void)[];
  /** Milliseconds of work the flow may still do now. */
  credit: number;
  at: number;
}

/** Makes a fair queue with the options' CPU share and burst (defaults: a quarter core, one second). */
export function createFairQueue(options: FairQueueOptions = {}): FairQueue {
  const share = options.share ?? 0.25;
  const burst = options.burstMs ?? 1000;
  const now = options.now ?? (() => performance.now());
  const flows = new Map<string, Flow>();
  /** Keys with work waiting, in turn order. */
  const turns: string[] = [];
  let scheduled: 'immediate' | NodeJS.Timeout | null = null;
  let waiting = 0;

  const refill = (flow: Flow, t: number) => {
    flow.credit = Math.min(burst, flow.credit + (t - flow.at) * share);
    flow.at = t;
  };

  const pump = () => {
    scheduled = null;
    const t = now();
    // The first key in turn order that has credit; the others keep their place.
    let index = -1;
    let soonest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < turns.length; i++) {
      const flow = flows.get(turns[i]!)!;
      refill(flow, t);
      if (flow.credit >= 0) {
        index = i;
        break;
      }
      soonest = Math.min(soonest, -flow.credit / share);
    }
    if (index < 0) {
      if (turns.length > 0) {
        scheduled = setTimeout(pump, Math.max(1, Math.ceil(soonest)));
        scheduled.unref?.();
      }
      return;
    }
    const [key] = turns.splice(index, 1);
    const flow = flows.get(key!)!;
    const next = flow.tasks.shift()!;
    waiting--;
    const started = now();
    next();
    const ended = now();
    flow.credit -= ended - started;
    flow.at = ended;
    if (flow.tasks.length > 0) turns.push(key!);
    else if (flow.credit >= burst) flows.delete(key!);
    schedule();
  };
  const schedule = () => {
    if (scheduled !== null || turns.length === 0) return;
    scheduled = 'immediate';
    setImmediate(pump);
  };

  return {
    run(key, task) {
      return new Promise((resolve, reject) => {
        let flow = flows.get(key);
        if (!flow) {
          flow = { tasks: [], credit: burst, at: now() };
          flows.set(key, flow);
        }
        if (flow.tasks.length === 0) turns.push(key);
        waiting++;
        flow.tasks.push(() => {
          try {
            resolve(task());
          } catch (error) {
            reject(error);
          }
        });
        // A timer waiting on budgets must not hold up a flow that has credit.
        if (scheduled !== null && scheduled !== 'immediate') {
          clearTimeout(scheduled);
          scheduled = null;
        }
        schedule();
      });
    },
    get waiting() {
      return waiting;
    },
  };
}
