/**
 * Where a session's cluster comes from. Modelled on kind's provider interface:
 * a handful of methods, with differences reported as data ({@link ProviderInfo})
 * rather than as more methods.
 */
import type { InternetRequest, InternetResponse, InternetStreams } from '@paranoid/k8s/internet.ts';

/** What the runner and the grader need to know about a provider, such as whether its network is real. */
export interface ProviderInfo {
  name: 'sim' | 'kind' | 'namespace';
  /** True when "from the internet" probes reach real ports on this machine. */
  realNetwork: boolean;
  /** Shown where the learner picks the provider (e.g. kind's privileged nodes). */
  warnings: string[];
}

/** How far cluster creation has got, for the learner's progress bar. */
export interface ProgressUpdate {
  /** Short name of the step, e.g. `creating nodes`, `loading images`, `applying setup`. */
  step: string;
  /** 0..1 for the whole creation. */
  fraction: number;
}

export type { InternetRequest, InternetResponse, InternetStreams } from '@paranoid/k8s/internet.ts';

/**
 * A session's cluster as the runner holds it: its ids, kubeconfigs, namespaces and the way in for "from the
 * internet" requests.
 */
export interface ClusterHandle {
  /** From the provider's namer function; also labels everything created for it. */
  id: string;
  sessionId: string;
  scenarioId?: string;
  /** A kubeconfig (YAML) with cluster-admin rights, for the runner's own use. */
  kubeconfig: string;
  /**
   * A kubeconfig with the learner's own rights, when they are less than `kubeconfig`'s (the
   * namespace provider: a ServiceAccount token confined to the session's namespace).
   */
  learnerKubeconfig?: string;
  /**
   * Where the scenario's namespaces really are, when the provider moved them: the name the
   * scenario's files use → the session's namespace (the namespace provider).
   */
  namespaces?: Record<string, string>;
  /** Replays a request from the internet (grader probes, the attack). */
  requestFromInternet(request: InternetRequest): Promise<InternetResponse>;
  /**
   * TCP from outside the cluster as a byte stream, for the sandboxed terminal's `nc` and
   * `redis-cli` to a node's NodePort. Absent where the terminal is on the cluster's real
   * network already (kind's toolbox) or the provider cannot carry it.
   */
  internetStreams?: InternetStreams;
}

/** Which session and scenario a cluster is made for, and where to report progress. */
export interface CreateClusterOptions {
  sessionId: string;
  scenarioId?: string;
  onProgress?: (update: ProgressUpdate) => void;
  /** Cancels creation part-way. Structural, so the pure core can import this file's types. */
  signal?: { readonly aborted: boolean };
}

/** Makes and deletes a cluster per session; the sim, kind and namespace providers implement it. */
export interface ClusterProvider {
  info(): ProviderInfo;
  create(options: CreateClusterOptions): Promise<ClusterHandle>;
  /** Deletes the cluster and everything labelled with its session. Idempotent. */
  delete(id: string): Promise<void>;
  /** Clusters this provider has made that still exist, found by label. */
  list(): Promise<{ id: string; sessionId: string; scenarioId?: string; createdAt: number }[]>;
  /**
   * Keeps `count` clusters of a scenario made ahead of time, so that many Starts in a row
   * each get a ready one (a workshop's seats: Educates calls them reserved sessions).
   * 0 returns the scenario to the provider's default. Optional: a provider without a pool
   * makes every cluster on Start.
   */
  reserve?(scenarioId: string, count: number): void;
}
