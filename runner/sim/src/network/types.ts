import type { Endpoints, Namespace, Node, Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Ingress, NetworkPolicy } from 'kubernetes-types/networking/v1';
import type { Protocol } from './port-set.ts';

export type { Protocol } from './port-set.ts';

/**
 * The objects the network reads, grouped by kind. Every list is optional:
 * a missing one is empty. Build it from a store with `networkObjectsFromStore`
 * or from a flat list with `groupNetworkObjects`.
 */
export interface NetworkObjects {
  namespaces?: Namespace[];
  pods?: Pod[];
  services?: Service[];
  /** Used only for Services without a selector (selector Services are computed from pods, as the controller would). */
  endpointSlices?: EndpointSlice[];
  endpoints?: Endpoints[];
  networkPolicies?: NetworkPolicy[];
  nodes?: Node[];
  ingresses?: Ingress[];
}

/** `namespace/name`, the way the cluster map and the grader name objects. */
export interface ObjectRef {
  namespace: string;
  name: string;
}

/** Who opens a connection. */
export type Peer =
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'node'; name: string }
  /** A client outside the cluster; `ip` defaults to `NetworkOptions.internetClientIp`. */
  | { kind: 'internet'; ip?: string };

/** A public host of the simulated internet. Scenarios pass these in as data. */
export interface InternetHost {
  /** DNS names that resolve to `ips`, e.g. `example.com`. */
  names: string[];
  ips: string[];
  /** What it listens on; default TCP 80 and 443. */
  ports?: Array<{ port: number; protocol?: Protocol }>;
}

/** What a connection reached, once DNS and Service translation are done. */
export type ListenTarget =
  | { kind: 'pod'; pod: Pod }
  | { kind: 'node'; node: Node }
  | { kind: 'internet'; host: InternetHost }
  | { kind: 'metadata' };

/** Whether something accepts connections on a port; the runtime knows which processes listen. */
export type ListeningFn = (target: ListenTarget, port: number, protocol: Protocol) => boolean;

/** What the network is given beyond the cluster's objects: the simulated internet and the CNI behaviours to model. */
export interface NetworkOptions {
  /** The simulated internet: names and addresses outside the cluster. Default none. */
  internet?: InternetHost[];
  /**
   * Whether a NetworkPolicy `ipBlock` can match a pod's own IP. Default true, as with
   * Calico, Cilium and kindnet; the np-guard analyzer (conformance) assumes false.
   */
  ipBlockMatchesPods?: boolean;
  /**
   * How hostNetwork pods take part. `node` (default, kindnet/Calico): they are the node —
   * no policy selects them, their traffic comes from the node IP, podSelectors never match it.
   * `pod`: treated like any pod (the analyzer's model).
   */
  hostNetwork?: 'node' | 'pod';
  /**
   * Traffic between a pod and the node it runs on (the node itself or its hostNetwork pods) is
   * always allowed, either way, as the Kubernetes docs state and Calico and kindnet do: kubelet
   * probes survive default-deny. Default true.
   */
  allowNodeToLocalPods?: boolean;
  /** Who listens where. Default: pods on their declared container ports, nodes on 10250 (and 6443 on control planes). */
  listening?: ListeningFn;
  /** The cloud metadata endpoint 169.254.169.254 (listening on TCP 80). Default true. */
  metadata?: boolean;
  /** The address an `internet` peer connects from. Default 203.0.113.10. */
  internetClientIp?: string;
  /** Default `cluster.local`. */
  clusterDomain?: string;
}

/** One direction of the NetworkPolicy decision. */
export interface DirectionVerdict {
  direction: 'egress' | 'ingress';
  /** The pod whose policies decide: the source for egress, the destination for ingress. Absent when no pod is involved. */
  pod?: ObjectRef;
  allowed: boolean;
  /** Whether some NetworkPolicy selects the pod for this direction. */
  isolated: boolean;
  /** The policies that select the pod for this direction, sorted. */
  policies: ObjectRef[];
  /** The first rule (policy by name, then rule index) that allows the traffic. */
  allowedBy?: { policy: ObjectRef; rule: number; peer: string };
  /** Why policy does not apply at all. */
  exempt?: 'not-a-pod' | 'host-network' | 'self' | 'node-to-local-pod' | 'pod-to-local-node' | 'loopback';
  /** One sentence: `allowed: ingress to shop/db by NetworkPolicy shop/db-allow rule 0 (from podSelector app=api)`. */
  message: string;
}

/** Why a connection succeeded or failed, so a probe or a learner sees the real cause. */
export type VerdictCause =
  | 'allowed'
  | 'egress-denied'
  | 'ingress-denied'
  | 'not-listening'
  | 'no-endpoints'
  | 'no-service-port'
  | 'no-route'
  | 'dns-nxdomain'
  | 'dns-timeout';

/** Why a connection succeeded or failed, in words and as data. */
export interface Verdict {
  allowed: boolean;
  cause: VerdictCause;
  message: string;
  egress?: DirectionVerdict;
  ingress?: DirectionVerdict;
}
