/**
 * The simulated cluster's network: addressing, Services, DNS, NetworkPolicy
 * reachability with reasons. Pure functions over plain Kubernetes objects.
 */
export type { ConnectResult, ConnectTarget, ConnectTo, ConnectVia, Outcome, PathStep } from './connect.ts';
export { ANALYZER_OPTIONS, analyzerConnlist, type ConnlistEntry, type ConnlistPeer } from './connlist.ts';
export type { DnsClient, DnsResult } from './dns.ts';
export type { ExposureEntry } from './exposure.ts';
export type { IngressRoute } from './ingress.ts';
export {
  connect,
  createNetwork,
  explainPath,
  internetExposure,
  type Network,
  type PathExplanation,
  reachabilityMatrix,
  resolve,
  routeIngress,
} from './network.ts';
export { policyTypes } from './policy.ts';
export { contains, formatPortSet, isAll, isEmpty, type PortSet, type Protocol } from './port-set.ts';
export type { ReachabilityEntry, ReachabilityQuery } from './reachability.ts';
export { createPolicyNetworkPort, type PolicyNetworkPort } from './runtime-adapter.ts';
export { groupNetworkObjects, METADATA_IP, networkObjectsFromStore } from './topology.ts';
export type * from './types.ts';
