import type { KubeObject } from '@paranoid/k8s/object.ts';
import type {
  DaemonSetSpec,
  DaemonSetStatus,
  DeploymentSpec,
  DeploymentStatus,
  ReplicaSetSpec,
  ReplicaSetStatus,
  StatefulSetSpec,
  StatefulSetStatus,
} from 'kubernetes-types/apps/v1';
import type { CronJobSpec, CronJobStatus, JobSpec, JobStatus } from 'kubernetes-types/batch/v1';
import type {
  EndpointSubset,
  NamespaceSpec,
  NamespaceStatus,
  NodeSpec,
  NodeStatus,
  PodSpec,
  PodStatus,
  ServiceSpec,
  ServiceStatus,
} from 'kubernetes-types/core/v1';
import type { Endpoint, EndpointPort } from 'kubernetes-types/discovery/v1';

/**
 * Typed views of the kinds the controllers touch: metadata from {@link KubeObject}
 * (always present on stored objects), spec and status from `kubernetes-types`.
 */
export type PodObject = KubeObject & { spec: PodSpec; status?: PodStatus };
/** A Node as the controllers read and write it. */
export type NodeObject = KubeObject & { spec?: NodeSpec; status?: NodeStatus };
/** A Namespace as the controllers read and write it. */
export type NamespaceObject = KubeObject & { spec?: NamespaceSpec; status?: NamespaceStatus };
/** A Service as the controllers read and write it. */
export type ServiceObject = KubeObject & { spec?: ServiceSpec; status?: ServiceStatus };
/** An Endpoints object as the controllers read and write it. */
export type EndpointsObject = KubeObject & { subsets?: EndpointSubset[] };
/** An EndpointSlice as the controllers read and write it. */
export type EndpointSliceObject = KubeObject & {
  addressType: string;
  endpoints?: Endpoint[] | null;
  ports?: EndpointPort[] | null;
};
/** A Deployment as the controllers read and write it. */
export type DeploymentObject = KubeObject & { spec: DeploymentSpec; status?: DeploymentStatus };
/** A ReplicaSet as the controllers read and write it. */
export type ReplicaSetObject = KubeObject & { spec: ReplicaSetSpec; status?: ReplicaSetStatus };
/** A DaemonSet as the controllers read and write it. */
export type DaemonSetObject = KubeObject & { spec: DaemonSetSpec; status?: DaemonSetStatus };
/** A StatefulSet as the controllers read and write it. */
export type StatefulSetObject = KubeObject & { spec: StatefulSetSpec; status?: StatefulSetStatus };
/** A Job as the controllers read and write it. */
export type JobObject = KubeObject & { spec: JobSpec; status?: JobStatus };
/** A CronJob as the controllers read and write it. */
export type CronJobObject = KubeObject & { spec: CronJobSpec; status?: CronJobStatus };
