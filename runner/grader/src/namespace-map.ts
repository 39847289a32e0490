import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { KubeApi } from './kube-api.ts';

/**
 * The grader's window on a session whose provider moved the scenario's namespaces (the
 * namespace provider puts `shop` in `paranoid-<session>`): every namespace a check names is
 * translated to where it really is, every object read back wears the scenario's name again,
 * so the scenario's checks and their CEL run unchanged. A list across all namespaces asks
 * only the session's own: on a shared cluster "all namespaces" would otherwise be every
 * learner's, which is neither this learner's work nor theirs to be graded on.
 */
export function mapNamespaces(api: KubeApi, map: Record<string, string>): KubeApi {
  const back = new Map(Object.entries(map).map(([scenario, real]) => [real, scenario]));
  const real = Object.values(map);
  const to = (ns: string) => map[ns] ?? ns;
  const from = (ns: string) => back.get(ns) ?? ns;
  const fallback = real[0];
  const restore = (object: KubeObject): KubeObject => {
    const ns = object.metadata?.namespace;
    return ns !== undefined && back.has(ns)
      ? { ...object, metadata: { ...object.metadata, namespace: from(ns) } }
      : object;
  };
  /** `system:serviceaccount:<ns>:<name>` names a namespace too. */
  const user = (name: string) => {
    const m = /^system:serviceaccount:([^:]+):(.+)$/.exec(name);
    return m ? `system:serviceaccount:${to(m[1]!)}:${m[2]}` : name;
  };
  const group = (name: string) => {
    const m = /^system:serviceaccounts:(.+)$/.exec(name);
    return m ? `system:serviceaccounts:${to(m[1]!)}` : name;
  };
  return {
    async list(resource, namespace) {
      if (namespace !== undefined || !resource.namespaced) {
        return (await api.list(resource, namespace === undefined ? undefined : to(namespace))).map(restore);
      }
      const all = await Promise.all(real.map((ns) => api.list(resource, ns)));
      return all.flat().map(restore);
    },
    exec: (call) => api.exec({ ...call, namespace: to(call.namespace) }),
    accessReview: (call) =>
      api.accessReview({
        ...call,
        user: user(call.user),
        groups: call.groups.map(group),
        namespace: call.namespace === '' ? '' : to(call.namespace),
      }),
    dryRunCreate: (object) => {
      const ns = object.metadata?.namespace;
      const namespace = ns === undefined ? fallback : to(ns);
      return api.dryRunCreate(
        namespace === undefined ? object : { ...object, metadata: { ...object.metadata, namespace } },
      );
    },
    dryRunEphemeralContainer: (namespace, pod, container) =>
      api.dryRunEphemeralContainer(to(namespace), pod, container),
    requestFromInternet: (request) => api.requestFromInternet(request),
    kubeletConfig: (node) => api.kubeletConfig(node),
    cloudInstances: () => api.cloudInstances(),
    logs: (namespace, pod, container) => api.logs(to(namespace), pod, container),
    pause: (ms) => api.pause(ms),
  };
}
