/**
 * Small kind-like clusters for the network's tests: two nodes, CoreDNS, a
 * `shop` namespace with a frontend, an api, a redis db and an intruder.
 */
import type { Container, Namespace, Node, Pod, Service, ServicePort } from 'kubernetes-types/core/v1';
import type { NetworkPolicy, NetworkPolicySpec } from 'kubernetes-types/networking/v1';
import type { NetworkObjects } from '../types.ts';

export interface PodOptions {
  labels?: Record<string, string>;
  ip?: string;
  node?: string;
  ports?: Container['ports'];
  hostNetwork?: boolean;
  ready?: boolean;
  phase?: string;
  hostname?: string;
  subdomain?: string;
  owner?: { kind: string; name: string };
  dnsPolicy?: string;
}

export function pod(namespace: string, name: string, o: PodOptions = {}): Pod {
  const node = o.node ?? 'kind-worker';
  const hostIp = node === 'kind-control-plane' ? '172.18.0.2' : '172.18.0.3';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: o.labels ?? {},
      ...(o.owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: o.owner.kind, name: o.owner.name, uid: 'u', controller: true },
            ],
          }
        : {}),
    },
    spec: {
      nodeName: node,
      containers: [{ name: 'main', image: 'busybox', ports: o.ports ?? [] }],
      ...(o.hostNetwork ? { hostNetwork: true } : {}),
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      ...(o.dnsPolicy ? { dnsPolicy: o.dnsPolicy } : {}),
    },
    status: {
      phase: o.phase ?? 'Running',
      hostIP: hostIp,
      podIP: o.hostNetwork ? hostIp : o.ip,
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

export function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
  };
}

export function node(name: string, ip: string, podCIDR: string, controlPlane = false): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {} },
    spec: { podCIDR },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
    },
  };
}

export function service(
  namespace: string,
  name: string,
  spec: {
    selector?: Record<string, string>;
    clusterIP?: string;
    type?: string;
    ports: ServicePort[];
    externalTrafficPolicy?: string;
    externalName?: string;
  },
  lbIp?: string,
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: spec as Service['spec'],
    ...(lbIp ? { status: { loadBalancer: { ingress: [{ ip: lbIp }] } } } : {}),
  };
}

export function netpol(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

/** The shop: frontend → api → db, an intruder, CoreDNS, NodePort and LoadBalancer front doors. */
export function shop(extra: Partial<NetworkObjects> = {}): NetworkObjects {
  return {
    namespaces: [
      namespace('kube-system'),
      namespace('default'),
      namespace('shop', { team: 'shop' }),
      namespace('other', { team: 'other' }),
      ...(extra.namespaces ?? []),
    ],
    nodes: [
      node('kind-control-plane', '172.18.0.2', '10.244.0.0/24', true),
      node('kind-worker', '172.18.0.3', '10.244.1.0/24'),
    ],
    pods: [
      pod('kube-system', 'coredns-1', {
        labels: { 'k8s-app': 'kube-dns' },
        ip: '10.244.0.2',
        node: 'kind-control-plane',
        ports: [
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
        ],
      }),
      pod('kube-system', 'kube-proxy-w', {
        labels: { 'k8s-app': 'kube-proxy' },
        hostNetwork: true,
        ports: [{ containerPort: 10256 }],
      }),
      pod('shop', 'frontend', {
        labels: { app: 'frontend' },
        ip: '10.244.1.10',
        ports: [{ name: 'http', containerPort: 8080 }],
      }),
      pod('shop', 'api', { labels: { app: 'api' }, ip: '10.244.1.11', ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('shop', 'db', { labels: { app: 'db' }, ip: '10.244.1.12', ports: [{ name: 'redis', containerPort: 6379 }] }),
      pod('shop', 'intruder', { labels: { run: 'intruder' }, ip: '10.244.1.13' }),
      pod('other', 'client', { labels: { app: 'client' }, ip: '10.244.0.20', node: 'kind-control-plane' }),
      ...(extra.pods ?? []),
    ],
    services: [
      service('default', 'kubernetes', {
        clusterIP: '10.96.0.1',
        ports: [{ name: 'https', port: 443, targetPort: 6443 }],
      }),
      service('kube-system', 'kube-dns', {
        selector: { 'k8s-app': 'kube-dns' },
        clusterIP: '10.96.0.10',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      }),
      service('shop', 'db', {
        selector: { app: 'db' },
        clusterIP: '10.96.10.1',
        ports: [{ port: 6379, targetPort: 'redis' }],
      }),
      service('shop', 'api', {
        selector: { app: 'api' },
        clusterIP: '10.96.10.2',
        ports: [{ port: 80, targetPort: 'http' }],
      }),
      service('shop', 'web', {
        selector: { app: 'frontend' },
        type: 'NodePort',
        clusterIP: '10.96.10.3',
        ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }],
      }),
      service(
        'shop',
        'web-lb',
        {
          selector: { app: 'frontend' },
          type: 'LoadBalancer',
          clusterIP: '10.96.10.4',
          ports: [{ port: 80, targetPort: 8080, nodePort: 31080 }],
        },
        '172.18.255.200',
      ),
      ...(extra.services ?? []),
    ],
    networkPolicies: [...(extra.networkPolicies ?? [])],
    ...(extra.endpointSlices ? { endpointSlices: extra.endpointSlices } : {}),
    ...(extra.endpoints ? { endpoints: extra.endpoints } : {}),
  };
}

/** Deny all ingress and egress in a namespace. */
export const defaultDeny = (ns: string): NetworkPolicy =>
  netpol(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

/** Egress to kube-dns on 53 UDP/TCP for every pod of a namespace. */
export const allowDns = (ns: string): NetworkPolicy =>
  netpol(ns, 'allow-dns', {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ],
  });
