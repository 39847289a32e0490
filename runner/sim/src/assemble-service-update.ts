/**
 * What kube-apiserver's Service storage does when an update changes a
 * Service's type (`dropTypeDependentFields`): fields that only make sense for
 * the old type and that the client left as they were are dropped, so
 * `kubectl apply` of a `type: ClusterIP` Service over a NodePort one works
 * instead of failing validation on the defaulted `externalTrafficPolicy`.
 *
 * It belongs in the API's Service strategy (`api/strategy.ts` `prepareForUpdate`);
 * it is a mutating admission step here until it is made there.
 */
import type { AdmissionPlugin } from './admission/types.ts';

type Obj = Record<string, unknown>;
interface Port {
  port?: number;
  protocol?: string;
  nodePort?: number;
}

const usesNodePorts = (type: unknown) => type === 'NodePort' || type === 'LoadBalancer';

/** Drops a Service's fields that only fit its old type when an update changes the type, as upstream's strategy does. */
export const serviceTypeChange: AdmissionPlugin = {
  name: 'ServiceTypeChange',
  mutate(request) {
    if (request.operation !== 'UPDATE' || request.subresource !== '') return undefined;
    if (request.resource.group !== '' || request.resource.resource !== 'services') return undefined;
    if (!request.object || !request.oldObject) return undefined;
    const spec = (request.object.spec ?? {}) as Obj;
    const old = (request.oldObject.spec ?? {}) as Obj;
    const type = spec.type ?? 'ClusterIP';
    const oldType = old.type ?? 'ClusterIP';
    if (type === oldType) return undefined;
    const next = JSON.parse(JSON.stringify(request.object)) as typeof request.object;
    const s = next.spec as Obj;
    if (!usesNodePorts(type) && usesNodePorts(oldType)) {
      const oldPorts = (old.ports ?? []) as Port[];
      for (const p of (s.ports ?? []) as Port[]) {
        const was = oldPorts.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (p.nodePort !== undefined && was?.nodePort === p.nodePort) delete p.nodePort;
      }
      if (s.externalTrafficPolicy !== undefined && s.externalTrafficPolicy === old.externalTrafficPolicy) {
        delete s.externalTrafficPolicy;
      }
    }
    if (type !== 'LoadBalancer' && oldType === 'LoadBalancer') {
      for (const field of ['healthCheckNodePort', 'allocateLoadBalancerNodePorts', 'loadBalancerClass']) {
        if (s[field] !== undefined && s[field] === old[field]) delete s[field];
      }
    }
    return next;
  },
};
