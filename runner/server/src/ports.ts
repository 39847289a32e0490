/**
 * What the lab's API needs from the rest of the runner, as small interfaces.
 * The server codes against these; serve.ts wires the real implementations
 * (the scenario loader, the grader, a ClusterProvider). Tests pass fakes.
 */
import type { ClusterHandle, ClusterProvider } from '@paranoid/providers/provider.ts';

export type { ClusterHandle, ClusterProvider };

/** One scenario as the catalog shows it. */
export interface ScenarioSummary {
  id: string;
  title: string;
  summary: string;
  /** The real incident the scenario is drawn from. */
  incident: { title: string; summary: string; year?: number; sources: { title: string; url: string }[] };
  difficulty: 'beginner' | 'intermediate' | 'advanced';
  minutes: number;
  /** CKS domains, e.g. `Minimize Microservice Vulnerabilities`. */
  cks: string[];
  tags: string[];
  /** Set when the scenario can run in one namespace of a shared cluster (see the schema's `runsInNamespace`). */
  runsInNamespace?: { namespace: string; podSecurity: 'restricted' | 'baseline' };
  /** Why the scenario does not run on kind clusters yet (see the schema's `notOnKind`). */
  notOnKind?: string;
}

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

export interface ScenarioCheckView {
  id: string;
  title: string;
  level: 'MUST' | 'SHOULD';
  /** Revealed one by one on request. */
  hints: string[];
}

export interface ScenarioFile {
  /** Relative to the scenario folder, e.g. `setup/deployment.yaml`. */
  path: string;
  content: string;
}

export interface ScenarioDetail extends ScenarioSummary {
  steps: ScenarioStepView[];
  checks: ScenarioCheckView[];
  /** The manifests the editor opens: the setup the learner is to fix. */
  manifests: ScenarioFile[];
  /** The reference fix, revealed on request. */
  solution: ScenarioFile[];
}

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

export interface Grader {
  check(scenarioId: string, cluster: ClusterHandle): Promise<CheckOutcome[]>;
}

/** The picture of a cluster the site's map draws. */
export interface ClusterMap {
  nodes: MapNode[];
  edges: MapEdge[];
}

export interface MapNode {
  id: string;
  /**
   * `Node`: a machine of the cluster that a workload reaches through host access; `Image`: an image
   * with its registry; `Role`: a Role or ClusterRole bound to a workload's service account;
   * `Secret`: a Secret a workload uses or its role may read.
   */
  kind: 'Internet' | 'Namespace' | 'Workload' | 'Service' | 'Node' | 'Image' | 'Role' | 'Secret';
  label: string;
  namespace?: string;
  /** e.g. `Deployment`, `NodePort`, `privileged`. */
  detail?: string;
  exposed?: boolean;
}

export interface MapEdge {
  id: string;
  source: string;
  target: string;
  /**
   * `escapes`: a workload's host access to its node (hostPID, privileged, a hostPath); `runs`: an
   * image a workload runs; `bound`: a workload's service account bound to a role; `reads`: a role
   * may read a Secret; `uses`: a workload takes a Secret into its pods; `egress`: a workload's
   * connections to the internet (allowed, or `blocked` when a policy stops them).
   */
  kind: 'selects' | 'reaches' | 'blocked' | 'exposes' | 'escapes' | 'runs' | 'bound' | 'reads' | 'uses' | 'egress';
  /** True on the scenario's attack path while the attack gets through this edge. */
  attack?: boolean;
  /** True on a blocked edge of the attack path: the fix holds here. */
  stopsAttack?: boolean;
  label?: string;
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
