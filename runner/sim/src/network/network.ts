import { type ConnectResult, type ConnectTo, connectIn, type PathStep } from './connect.ts';
import { contextOf, type NetworkContext } from './context.ts';
import { type DnsClient, type DnsResult, resolveIn } from './dns.ts';
import { type ExposureEntry, internetExposureIn } from './exposure.ts';
import { type IngressRoute, routeIngressIn } from './ingress.ts';
import type { PortSet } from './port-set.ts';
import { podConnectionsIn, type ReachabilityEntry, type ReachabilityQuery, reachabilityIn } from './reachability.ts';
import type { NetworkObjects, NetworkOptions, ObjectRef, Peer } from './types.ts';

/** A connection's result with the path it took, step by step. */
export interface PathExplanation extends ConnectResult {
  steps: PathStep[];
}

/**
 * One snapshot of the cluster's network, indexed once. Use it to ask many
 * questions of the same objects (the reachability matrix, the cluster map);
 * the free functions below build one per call.
 */
export interface Network {
  connect(from: Peer, to: ConnectTo): ConnectResult;
  resolve(name: string, from: DnsClient): DnsResult;
  explainPath(from: Peer, to: ConnectTo): PathExplanation;
  reachabilityMatrix(query?: ReachabilityQuery): ReachabilityEntry[];
  /** Every (protocol, port) policy allows from one pod to another; undefined when either pod is unknown. */
  connections(from: ObjectRef, to: ObjectRef): PortSet | undefined;
  /** The Service an ingress controller routes `host` + `path` to. */
  routeIngress(request: { host: string; path?: string; ingressClassName?: string }): IngressRoute | undefined;
  /** Every NodePort and LoadBalancer front door, tried from the internet. */
  internetExposure(): ExposureEntry[];
}

/** Makes the network a cluster's pods see: DNS, connections and NetworkPolicy verdicts. */
export function createNetwork(objects: NetworkObjects, options?: NetworkOptions): Network {
  const ctx: NetworkContext = contextOf(objects, options);
  return {
    connect: (from, to) => connectIn(ctx, from, to),
    resolve: (name, from) => resolveIn(ctx, name, from),
    explainPath: (from, to) => {
      const steps: PathStep[] = [];
      return { ...connectIn(ctx, from, to, steps), steps };
    },
    reachabilityMatrix: (query) => reachabilityIn(ctx, query),
    connections: (from, to) => {
      const a = ctx.topology.podByKey.get(`${from.namespace}/${from.name}`);
      const b = ctx.topology.podByKey.get(`${to.namespace}/${to.name}`);
      return a && b ? podConnectionsIn(ctx, a, b) : undefined;
    },
    routeIngress: (request) => routeIngressIn(ctx, request),
    internetExposure: () => internetExposureIn(ctx),
  };
}

/**
 * Opens a connection from a pod, a node or the internet, as the shell's curl,
 * nc and wget do: DNS (policy-checked), Service translation, NetworkPolicy
 * egress and ingress, then whether anything listens.
 */
export function connect(objects: NetworkObjects, from: Peer, to: ConnectTo, options?: NetworkOptions): ConnectResult {
  return connectIn(contextOf(objects, options), from, to);
}

/** Resolves a name as `from`'s resolver would (search path, ndots 5, kube-dns reachable under policy). */
export function resolve(name: string, from: DnsClient, objects: NetworkObjects, options?: NetworkOptions): DnsResult {
  return resolveIn(contextOf(objects, options), name, from);
}

/** {@link connect} with each step of the path in words, for the grader and the cluster map. */
export function explainPath(
  objects: NetworkObjects,
  from: Peer,
  to: ConnectTo,
  options?: NetworkOptions,
): PathExplanation {
  return createNetwork(objects, options).explainPath(from, to);
}

/** NetworkPolicy's verdict for every ordered pod pair and port of interest. */
export function reachabilityMatrix(
  objects: NetworkObjects,
  options?: NetworkOptions & ReachabilityQuery,
): ReachabilityEntry[] {
  return reachabilityIn(contextOf(objects, options), options);
}

/** The Service an ingress controller sends an HTTP request for `host` and `path` to. */
export function routeIngress(
  objects: NetworkObjects,
  request: { host: string; path?: string; ingressClassName?: string },
  options?: NetworkOptions,
): IngressRoute | undefined {
  return routeIngressIn(contextOf(objects, options), request);
}

/** Every NodePort and LoadBalancer front door of the cluster, tried from the internet. */
export function internetExposure(objects: NetworkObjects, options?: NetworkOptions): ExposureEntry[] {
  return internetExposureIn(contextOf(objects, options));
}
