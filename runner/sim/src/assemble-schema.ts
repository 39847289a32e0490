/**
 * The schema engine (`openapi/schema-engine.ts`) as the cluster uses it, with
 * one correction of defaulting on top: since Kubernetes 1.28
 * (`DefaultHostNetworkHostPortsInPodTemplates` off by default) a hostNetwork
 * pod's `hostPort` defaults to its `containerPort` only in Pods, never in the
 * pod templates of workloads. Defaulting it in a Deployment's template leaves
 * a `hostPort` behind after `kubectl apply` removes `hostNetwork`, and Pod
 * Security then refuses every new pod of a fixed workload.
 *
 * The correction belongs in `defaults/apply-defaults.ts` (`defaultContainer`,
 * which has no way to know it is inside a template); it lives here until it is made there.
 */
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { SCHEMA_ENGINE } from './openapi/schema-engine.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where a kind keeps its pod template's spec. */
function templateSpecPath(obj: KubeObject): string[] | undefined {
  switch (obj.kind) {
    case 'Pod':
      return undefined;
    case 'PodTemplate':
      return ['template', 'spec'];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'ReplicationController':
      return ['spec', 'template', 'spec'];
    default:
      return undefined;
  }
}

function at(obj: unknown, path: string[]): Obj | undefined {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[key];
  }
  return isObj(cur) ? cur : undefined;
}

/** Drops the `hostPort`s defaulting added to a pod template (present after, absent before). */
export function dropTemplateHostPortDefaults(before: KubeObject, after: KubeObject): KubeObject {
  const path = templateSpecPath(after);
  if (!path) return after;
  const was = at(before, path);
  const now = at(after, path);
  if (now?.hostNetwork !== true) return after;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const cs = Array.isArray(now[list]) ? (now[list] as unknown[]) : [];
    const old = Array.isArray(was?.[list]) ? (was[list] as unknown[]) : [];
    cs.forEach((c, i) => {
      if (!isObj(c) || !Array.isArray(c.ports)) return;
      const oldPorts =
        isObj(old[i]) && Array.isArray((old[i] as Obj).ports) ? ((old[i] as Obj).ports as unknown[]) : [];
      c.ports.forEach((p, j) => {
        if (
          isObj(p) &&
          p.hostPort !== undefined &&
          !(isObj(oldPorts[j]) && (oldPorts[j] as Obj).hostPort !== undefined)
        ) {
          delete p.hostPort;
        }
      });
    });
  }
  return after;
}

/** {@link SCHEMA_ENGINE} with pod-template defaulting as kube-apiserver 1.32 does it. */
export const CLUSTER_SCHEMA = {
  ...SCHEMA_ENGINE,
  applyDefaults: (obj: KubeObject): KubeObject => dropTemplateHostPortDefaults(obj, SCHEMA_ENGINE.applyDefaults(obj)),
};
