import type { KubeObject } from '@paranoid/k8s/object.ts';
import {
  CONTAINER_RUNTIME,
  IMAGES,
  KERNEL_VERSION,
  KUBERNETES_VERSION,
  nodeIP,
  nodePodCIDR,
  OS_IMAGE,
} from './versions.ts';

/** What one bootstrap Node object is made from: its cluster, name, role and creation time. */
export interface NodeSpecInput {
  cluster: string;
  name: string;
  index: number;
  controlPlane: boolean;
  /** RFC 3339: when the node registered. */
  now: string;
  /** Deterministic ids for machineID, systemUUID and bootID. */
  uid: () => string;
}

const hex = (uid: string): string => uid.replace(/-/g, '');

/** A kind node as `kubectl get node -o yaml` shows it on a fresh cluster. */
export function kindNode(input: NodeSpecInput): KubeObject {
  const { name, index, controlPlane, now } = input;
  const ip = nodeIP(index);
  const cidr = nodePodCIDR(index);
  const capacity = {
    cpu: '8',
    'ephemeral-storage': '102626232Ki',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: '16331208Ki',
    pods: '110',
  };
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...(controlPlane
          ? {
              'node-role.kubernetes.io/control-plane': '',
              'node.kubernetes.io/exclude-from-external-load-balancers': '',
            }
          : {}),
      },
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: cidr,
      podCIDRs: [cidr],
      providerID: `kind://docker/${input.cluster}/${name}`,
      ...(controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {}),
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      allocatable: { ...capacity },
      capacity,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      images: [
        ...(controlPlane
          ? [
              { names: [IMAGES.etcd], sizeBytes: 56909194 },
              { names: [IMAGES.apiserver], sizeBytes: 95212862 },
              { names: [IMAGES.controllerManager], sizeBytes: 89437508 },
              { names: [IMAGES.scheduler], sizeBytes: 69664632 },
              { names: [IMAGES.coredns], sizeBytes: 18562039 },
              { names: [IMAGES.localPath], sizeBytes: 22541737 },
            ]
          : []),
        { names: [IMAGES.proxy], sizeBytes: 98313623 },
        { names: [IMAGES.kindnetd], sizeBytes: 39008320 },
        { names: [IMAGES.localPathHelper], sizeBytes: 3084671 },
        { names: [IMAGES.pause], sizeBytes: 320368 },
      ],
      nodeInfo: {
        architecture: 'amd64',
        bootID: input.uid(),
        containerRuntimeVersion: CONTAINER_RUNTIME,
        kernelVersion: KERNEL_VERSION,
        kubeProxyVersion: '',
        kubeletVersion: KUBERNETES_VERSION,
        machineID: hex(input.uid()),
        operatingSystem: 'linux',
        osImage: OS_IMAGE,
        systemUUID: input.uid(),
      },
    },
  };
}

/** The node's heartbeat Lease in kube-node-lease. */
export function nodeLease(node: KubeObject, now: string): KubeObject {
  const name = node.metadata.name ?? '';
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: 'kube-node-lease',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid ?? '' }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now.replace('Z', '.000000Z') },
  };
}
