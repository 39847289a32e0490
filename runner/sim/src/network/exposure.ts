import { type ConnectResult, connectIn } from './connect.ts';
import type { NetworkContext } from './context.ts';
import { hasNodePorts, loadBalancerIPs, protocolOf } from './service.ts';
import type { ObjectRef } from './types.ts';

/** One way in from the internet, and what happens when the internet knocks. */
export interface ExposureEntry {
  service: ObjectRef;
  type: string;
  /** The address an outside client uses: a node IP (NodePort) or a LoadBalancer IP. */
  address: string;
  port: number;
  result: ConnectResult;
}

/**
 * Every NodePort (on the first node with an address) and LoadBalancer address
 * of every Service, each tried from the internet: the front doors a cluster
 * map draws and an attacker tries first.
 */
export function internetExposureIn(ctx: NetworkContext): ExposureEntry[] {
  const out: ExposureEntry[] = [];
  const node = ctx.topology.nodes.find((n) => n.ip);
  for (const svc of ctx.topology.services) {
    if (!hasNodePorts(svc) && loadBalancerIPs(svc).length === 0) continue;
    const service = { namespace: svc.metadata?.namespace || 'default', name: svc.metadata?.name ?? '' };
    const type = svc.spec?.type ?? 'ClusterIP';
    for (const sp of svc.spec?.ports ?? []) {
      const protocol = protocolOf(sp);
      if (sp.nodePort && node?.ip) {
        const result = connectIn(ctx, { kind: 'internet' }, { ip: node.ip, port: sp.nodePort, protocol });
        out.push({ service, type, address: node.ip, port: sp.nodePort, result });
      }
      for (const ip of loadBalancerIPs(svc)) {
        const result = connectIn(ctx, { kind: 'internet' }, { ip, port: sp.port, protocol });
        out.push({ service, type, address: ip, port: sp.port, result });
      }
    }
  }
  return out;
}
