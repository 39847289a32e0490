/**
 * What the lab's API needs from the rest of the runner, as small interfaces.
 * The server codes against these; serve.ts wires the real implementations
 * (the scenario loader, the grader, a ClusterProvider). Tests pass fakes.
 */
import type { ClusterMap } from '@paranoid/api/cluster-map.ts';
import type { ScenarioSummary } from '@paranoid/api/scenarios.ts';
import type { ScenarioFile } from '@paranoid/api/sessions.ts';
import type { ClusterHandle, ClusterProvider } from '@paranoid/providers/provider.ts';

export type { ClusterHandle, ClusterProvider };

/** A guided step as the learner's page shows it. */
export interface ScenarioStepView {
  id: string;
  title: string;
  /** The step's Markdown as the author wrote it. */
  markdown: string;
  kind: 'explore' | 'attack' | 'fix' | 'verify';
  /** Ids of the checks that belong to this step. */
  checks: string[];
  /** Hints for the step as a whole, revealed one by one. */
  hints: string[];
}

/** A check as the learner's page shows it: title and level, never how it is graded. */
export interface ScenarioCheckView {
  id: string;
  title: string;
  level: 'MUST' | 'SHOULD';
  /** Revealed one by one on request. */
  hints: string[];
}

/** A scenario as its page shows it: steps, checks and the manifests the editor opens. */
export interface ScenarioDetail extends ScenarioSummary {
  steps: ScenarioStepView[];
  checks: ScenarioCheckView[];
  /** The manifests the editor opens: the setup the learner is to fix. */
  manifests: ScenarioFile[];
  /** The reference fix, revealed on request. */
  solution: ScenarioFile[];
}

/** The scenarios the lab offers, as the API shows them. */
export interface ScenarioCatalog {
  list(): Promise<ScenarioSummary[]>;
  get(id: string): Promise<ScenarioDetail | undefined>;
}

/** The outcome of one check against a live cluster. */
export interface CheckOutcome {
  id: string;
  title: string;
  passed: boolean;
  /** What the check looked at and, when it failed, why, in words a learner can act on. */
  message: string;
}

/** Grades a session's cluster against a scenario's checks. */
export interface Grader {
  check(scenarioId: string, cluster: ClusterHandle): Promise<CheckOutcome[]>;
}

/** Computes which workloads reach which; the network engine implements it. */
export interface Reachability {
  map(cluster: ClusterHandle, scenarioId?: string): Promise<ClusterMap>;
  /** Calls `onMap` with the map now and after every change the cluster's watches report; returns stop. */
  watch?(
    cluster: ClusterHandle,
    scenarioId: string | undefined,
    onMap: (map: ClusterMap) => void,
    onEnd: (error?: Error) => void,
  ): () => void;
}
