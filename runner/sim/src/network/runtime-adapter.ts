import type { Connection, NetworkPort } from '../runtime/network-port.ts';
import type { ObjectStore } from '../store.ts';
import { type ConnectResult, type ConnectTo, connectIn } from './connect.ts';
import { contextOf, type NetworkContext } from './context.ts';
import { type DnsClient, type DnsResult, resolveIn } from './dns.ts';
import { networkObjectsFromStore } from './topology.ts';
import type { NetworkOptions, Peer } from './types.ts';

/**
 * The network context for the store as it is now, rebuilt only when the store has changed since.
 * Every probe and shell command opens connections, and rebuilding the topology and policy index
 * for each was most of their cost; a context depends only on the stored objects and the options
 * (`listening` is asked at connect time), so one per store revision answers the same.
 */
function contextCache(store: ObjectStore, options: NetworkOptions): () => NetworkContext {
  let revision: string | undefined;
  let context: NetworkContext | undefined;
  return () => {
    const now = store.resourceVersion();
    if (context === undefined || now !== revision) {
      context = contextOf(networkObjectsFromStore(store), options);
      revision = now;
    }
    return context;
  };
}

/** The runtime's port, plus the engine's full answers for shells that want them. */
export interface PolicyNetworkPort extends NetworkPort {
  /**
   * A resolver lookup with the pod's search path, policy-checked: distinguishes
   * NXDOMAIN (`nslookup`: "can't find") from a DNS timeout ("connection timed out; no servers could be reached").
   */
  lookup(name: string, from: DnsClient): DnsResult;
  /** A whole connection (DNS, Services, policy, listening via `options.listening`). */
  open(from: Peer, to: ConnectTo): ConnectResult;
}

/**
 * The runtime's {@link NetworkPort} over this engine, reading a fresh snapshot
 * of the store for each question. Listening is left to the runtime (it knows
 * the processes), so `connect` answers only routing and NetworkPolicy.
 */
export function createPolicyNetworkPort(store: ObjectStore, options: NetworkOptions = {}): PolicyNetworkPort {
  const ctx = contextCache(store, { ...options, listening: () => true });
  const full = contextCache(store, options);
  return {
    lookup: (name, from) => resolveIn(full(), name, from),
    open: (from, to) => connectIn(full(), from, to),
    resolve(fqdn, from) {
      const name = fqdn.endsWith('.') ? fqdn : `${fqdn}.`;
      const answer = resolveIn(ctx(), name, from);
      return 'ips' in answer ? answer.ips : undefined;
    },
    connect(from, ip, port): Connection {
      const c = ctx();
      const result = connectIn(c, from, { ip, port, protocol: 'TCP' });
      const verdict = { allowed: result.allowed, cause: result.reason.cause, message: result.reason.message };
      const target = result.target;
      const finalPort = target?.port ?? port;
      if (!target) return { verdict, port: finalPort };
      switch (target.kind) {
        case 'pod': {
          const pod = c.topology.podByKey.get(`${target.namespace}/${target.name}`)!.pod;
          return { verdict, target: { kind: 'pod', pod }, port: finalPort };
        }
        case 'node': {
          const node = c.topology.nodeByName.get(target.name)!.node;
          const controlPlane = Object.hasOwn(node.metadata?.labels ?? {}, 'node-role.kubernetes.io/control-plane');
          if (controlPlane && finalPort === 6443) return { verdict, target: { kind: 'apiserver' }, port: 6443 };
          return { verdict, target: { kind: 'node', node }, port: finalPort };
        }
        case 'internet': {
          const host = c.topology.options.internet.find((h) => h.ips.includes(target.ip));
          return host ? { verdict, target: { kind: 'internet', host }, port: finalPort } : { verdict, port: finalPort };
        }
        case 'metadata':
          return { verdict, target: { kind: 'metadata' }, port: finalPort };
      }
    },
  };
}
