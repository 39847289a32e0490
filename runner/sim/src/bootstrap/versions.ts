/** What a kind v0.26 cluster with the kindest/node v1.32.2 image runs: one place to bump. */
export const KUBERNETES_VERSION = 'v1.32.2';
/** The container runtime the nodes report, as a kind node does. */
export const CONTAINER_RUNTIME = 'containerd://1.7.24';
/** The OS the nodes report, as a kind node does. */
export const OS_IMAGE = 'Debian GNU/Linux 12 (bookworm)';
/** The kernel version the nodes report. */
export const KERNEL_VERSION = '6.8.0-45-generic';

/** The control plane's images (etcd, apiserver, ...) as kind's nodes run them. */
export const IMAGES = {
  etcd: 'registry.k8s.io/etcd:3.5.16-0',
  apiserver: `registry.k8s.io/kube-apiserver:${KUBERNETES_VERSION}`,
  controllerManager: `registry.k8s.io/kube-controller-manager:${KUBERNETES_VERSION}`,
  scheduler: `registry.k8s.io/kube-scheduler:${KUBERNETES_VERSION}`,
  proxy: `registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`,
  coredns: 'registry.k8s.io/coredns/coredns:v1.11.3',
  kindnetd: 'docker.io/kindest/kindnetd:v20241212-9f82dd49',
  localPath: 'docker.io/kindest/local-path-provisioner:v20241212-8ac705d0',
  localPathHelper: 'docker.io/kindest/local-path-helper:v20241212-8ac705d0',
  pause: 'registry.k8s.io/pause:3.10',
} as const;

/** The cluster's fixed addresses, as kind's defaults on the `kind` Docker network. */
export const NETWORK = {
  podSubnet: '10.244.0.0/16',
  serviceSubnet: '10.96.0.0/16',
  kubernetesServiceIP: '10.96.0.1',
  dnsServiceIP: '10.96.0.10',
  clusterDomain: 'cluster.local',
} as const;

/** The names of a cluster's nodes, in kind's order (kind's one namer, in one place). */
export function nodeNames(cluster: string): { controlPlane: string; workers: string[] } {
  return { controlPlane: `${cluster}-control-plane`, workers: [`${cluster}-worker`, `${cluster}-worker2`] };
}

/** Node `i` (0 = control plane) lives at 172.18.0.(i+2) with pod CIDR 10.244.i.0/24. */
export const nodeIP = (i: number): string => `172.18.0.${i + 2}`;
/** The pod CIDR of the i-th node, as kind's default networking assigns them. */
export const nodePodCIDR = (i: number): string => `10.244.${i}.0/24`;
