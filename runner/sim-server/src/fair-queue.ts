/**
 * Runs each cluster's requests in turn: one request of one cluster, then one of the
 * next cluster that has any waiting, and so on, with the event loop free between two
 * (TLS handshakes, reading bodies, timers). Several clusters share a worker thread, and
 * a request runs to its end once started; without turns, a cluster that sends a hundred
 * costly requests would put every other cluster of its worker behind all of them. With
 * them, another cluster waits for at most one request of each busy cluster.
 */
export interface FairQueue {
  /** Runs `task` on `key`'s turn; its result or error comes back through the promise. */
  run<T>(key: string, task: () => T): Promise<T>;
  /** Requests waiting, for tests and the bench. */
  readonly waiting: number;
}

export function createFairQueue(): FairQueue {
  const queues = new Map<string, (() => void)[]>();
  /** Keys with work waiting, in turn order. */
  const turns: string[] = [];
  let scheduled = false;
  let waiting = 0;

  const pump = () => {
    scheduled = false;
    const key = turns.shift();
    if (key === undefined) return;
    const queue = queues.get(key)!;
    const next = queue.shift()!;
    waiting--;
    if (queue.length > 0) turns.push(key);
    else queues.delete(key);
    next();
    schedule();
  };
  const schedule = () => {
    if (scheduled || turns.length === 0) return;
    scheduled = true;
    setImmediate(pump);
  };

  return {
    run(key, task) {
      return new Promise((resolve, reject) => {
        let queue = queues.get(key);
        if (!queue) {
          queue = [];
          queues.set(key, queue);
          turns.push(key);
        }
        waiting++;
        queue.push(() => {
          try {
            resolve(task());
          } catch (error) {
            reject(error);
          }
        });
        schedule();
      });
    },
    get waiting() {
      return waiting;
    },
  };
}
