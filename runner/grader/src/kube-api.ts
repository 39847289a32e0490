import type { InternetRequest, InternetResponse } from '@paranoid/k8s/internet.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { ResourceInfo } from '@paranoid/schema/resources.ts';

/**
 * The grader's only window on a cluster: the Kubernetes API, as a port.
 * `kube/client.ts` implements it over HTTP and WebSocket for any cluster
 * (sim, kind, the user's own); tests implement it in memory.
 */
export interface KubeApi {
  /** Every object of a resource, in one namespace or (undefined) all of them. */
  list(resource: ResourceInfo, namespace?: string): Promise<KubeObject[]>;
  /** `kubectl exec`: runs argv in a container and collects its output. */
  exec(request: ExecCall): Promise<ExecResult>;
  /** A SubjectAccessReview. */
  accessReview(request: AccessReviewCall): Promise<{ allowed: boolean; reason?: string }>;
  /** `create --dry-run=server`: admission runs, nothing is stored. */
  dryRunCreate(object: KubeObject): Promise<DryRunResult>;
  /** Adds an ephemeral container to a running pod with dryRun=All (pods/ephemeralcontainers). */
  dryRunEphemeralContainer(namespace: string, pod: string, container: Record<string, unknown>): Promise<DryRunResult>;
  /** An HTTP request from outside the cluster (the provider's "internet"). */
  requestFromInternet(request: InternetRequest): Promise<InternetResponse>;
  /**
   * The configuration a node's kubelet runs with: `GET /api/v1/nodes/<node>/proxy/configz`,
   * its `kubeletconfig`. Rejects with the reason when the kubelet does not answer.
   */
  kubeletConfig(node: string): Promise<Record<string, unknown>>;
  /**
   * The cloud's instances behind the nodes, as EC2's `describe-instances` lists them
   * (`GET /paranoid/v1/cloud/instances`, the simulator's cloud control plane). Rejects with the
   * reason when the cluster has no such cloud or the caller may not read it.
   */
  cloudInstances(): Promise<Record<string, unknown>[]>;
  /** `kubectl logs`: a container's whole current log, as text. */
  logs(namespace: string, pod: string, container: string): Promise<string>;
  /** Waits, for probes that give the cluster time to act (an agent reading its buffers). */
  pause(ms: number): Promise<void>;
}

/** A command for the grader to run in a pod's container through the API's exec subresource. */
export interface ExecCall {
  namespace: string;
  pod: string;
  /** Undefined: the pod's first container. */
  container?: string;
  command: string[];
  timeoutMs: number;
}

/** What an exec through the API printed and how it exited: the grader's evidence from inside a pod. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** SubjectAccessReview spec, flattened. */
export interface AccessReviewCall {
  user: string;
  groups: string[];
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  name: string;
  /** '' for cluster scope. */
  namespace: string;
}

/** Whether the API server would admit an object, as a server-side dry run answered. */
export type DryRunResult =
  | { admitted: true }
  /** Denied by admission or validation (403 Forbidden, 422 Invalid): the message the API returned. */
  | { admitted: false; code: number; message: string };

export type { InternetRequest, InternetResponse } from '@paranoid/k8s/internet.ts';
