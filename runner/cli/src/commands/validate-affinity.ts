/** A case waiting for a worker: its scenario, and whether it starts from that scenario's settled setup. */
export interface WaitingCase {
  scenario: string;
  fromSettledSetup: boolean;
}

/** What a worker has: the scenarios whose settled setup it already made. */
export interface WorkerState {
  settled: ReadonlySet<string>;
}

/**
 * Which waiting case a worker with a free slot takes (its index), so that each scenario's
 * setup is brought up and settled in as few workers as possible: a case whose settled setup
 * this worker already has; else one of a scenario no worker has settled yet (a first run
 * included); else any, since a core left idle costs more than settling a setup twice.
 */
export function pickCase(waiting: readonly WaitingCase[], worker: WorkerState, others: readonly WorkerState[]): number {
  if (waiting.length === 0) return -1;
  const mine = waiting.findIndex((c) => c.fromSettledSetup && worker.settled.has(c.scenario));
  if (mine >= 0) return mine;
  const unclaimed = waiting.findIndex((c) => !c.fromSettledSetup || !others.some((o) => o.settled.has(c.scenario)));
  return unclaimed >= 0 ? unclaimed : 0;
}
