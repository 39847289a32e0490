import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { Container, Volume } from 'kubernetes-types/core/v1';
import { fnv32a } from '../controllers/template-hash.ts';
import { IMAGES, NETWORK } from './versions.ts';

interface StaticPod {
  component: string;
  image: string;
  command: string[];
  volumes: { name: string; path: string; type: string; mount?: string; readOnly?: boolean }[];
  annotations?: Record<string, string>;
  requests: { cpu: string; memory?: string };
  port: number;
  scheme?: 'HTTPS' | 'HTTP';
  probePath: string;
}

function staticPods(cluster: string, ip: string): StaticPod[] {
  const cp = `${cluster}-control-plane`;
  return [
    {
      component: 'etcd',
      image: IMAGES.etcd,
      command: [
        'etcd',
        `--advertise-client-urls=https://${ip}:2379`,
        '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
        '--client-cert-auth=true',
        '--data-dir=/var/lib/etcd',
        '--experimental-initial-corrupt-check=true',
        '--experimental-watch-progress-notify-interval=5s',
        `--initial-advertise-peer-urls=https://${ip}:2380`,
        `--initial-cluster=${cp}=https://${ip}:2380`,
        '--key-file=/etc/kubernetes/pki/etcd/server.key',
        `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
        '--listen-metrics-urls=http://127.0.0.1:2381',
        `--listen-peer-urls=https://${ip}:2380`,
        `--name=${cp}`,
        '--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt',
        '--peer-client-cert-auth=true',
        '--peer-key-file=/etc/kubernetes/pki/etcd/peer.key',
        '--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
        '--snapshot-count=10000',
        '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
      ],
      volumes: [
        { name: 'etcd-certs', path: '/etc/kubernetes/pki/etcd', type: 'DirectoryOrCreate' },
        { name: 'etcd-data', path: '/var/lib/etcd', type: 'DirectoryOrCreate' },
      ],
      annotations: { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${ip}:2379` },
      requests: { cpu: '100m', memory: '100Mi' },
      port: 2381,
      scheme: 'HTTP',
      probePath: '/livez',
    },
    {
      component: 'kube-apiserver',
      image: IMAGES.apiserver,
      command: [
        'kube-apiserver',
        `--advertise-address=${ip}`,
        '--allow-privileged=true',
        '--authorization-mode=Node,RBAC',
        '--client-ca-file=/etc/kubernetes/pki/ca.crt',
        '--enable-admission-plugins=NodeRestriction',
        '--enable-bootstrap-token-auth=true',
        '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt',
        '--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt',
        '--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key',
        '--etcd-servers=https://127.0.0.1:2379',
        '--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt',
        '--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key',
        '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
        '--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt',
        '--proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key',
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-username-headers=X-Remote-User',
        '--runtime-config=',
        '--secure-port=6443',
        `--service-account-issuer=https://kubernetes.default.svc.${NETWORK.clusterDomain}`,
        '--service-account-key-file=/etc/kubernetes/pki/sa.pub',
        '--service-account-signing-key-file=/etc/kubernetes/pki/sa.key',
        `--service-cluster-ip-range=${NETWORK.serviceSubnet}`,
        '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
        '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key',
      ],
      volumes: [
        { name: 'ca-certs', path: '/etc/ssl/certs', type: 'DirectoryOrCreate', readOnly: true },
        { name: 'etc-ca-certificates', path: '/etc/ca-certificates', type: 'DirectoryOrCreate', readOnly: true },
        { name: 'k8s-certs', path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate', readOnly: true },
        {
          name: 'usr-local-share-ca-certificates',
          path: '/usr/local/share/ca-certificates',
          type: 'DirectoryOrCreate',
          readOnly: true,
        },
        {
          name: 'usr-share-ca-certificates',
          path: '/usr/share/ca-certificates',
          type: 'DirectoryOrCreate',
          readOnly: true,
        },
      ],
      annotations: { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${ip}:6443` },
      requests: { cpu: '250m' },
      port: 6443,
      probePath: '/livez',
    },
    {
      component: 'kube-controller-manager',
      image: IMAGES.controllerManager,
      command: [
        'kube-controller-manager',
        '--allocate-node-cidrs=true',
        '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
        '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf',
        '--bind-address=127.0.0.1',
        '--client-ca-file=/etc/kubernetes/pki/ca.crt',
        `--cluster-cidr=${NETWORK.podSubnet}`,
        `--cluster-name=${cluster}`,
        '--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt',
        '--cluster-signing-key-file=/etc/kubernetes/pki/ca.key',
        '--controllers=*,bootstrapsigner,tokencleaner',
        '--enable-hostpath-provisioner=true',
        '--kubeconfig=/etc/kubernetes/controller-manager.conf',
        '--leader-elect=true',
        '--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt',
        '--root-ca-file=/etc/kubernetes/pki/ca.crt',
        '--service-account-private-key-file=/etc/kubernetes/pki/sa.key',
        `--service-cluster-ip-range=${NETWORK.serviceSubnet}`,
        '--use-service-account-credentials=true',
      ],
      volumes: [
        { name: 'ca-certs', path: '/etc/ssl/certs', type: 'DirectoryOrCreate', readOnly: true },
        { name: 'etc-ca-certificates', path: '/etc/ca-certificates', type: 'DirectoryOrCreate', readOnly: true },
        {
          name: 'flexvolume-dir',
          path: '/usr/libexec/kubernetes/kubelet-plugins/volume/exec',
          type: 'DirectoryOrCreate',
        },
        { name: 'k8s-certs', path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate', readOnly: true },
        { name: 'kubeconfig', path: '/etc/kubernetes/controller-manager.conf', type: 'FileOrCreate', readOnly: true },
        {
          name: 'usr-local-share-ca-certificates',
          path: '/usr/local/share/ca-certificates',
          type: 'DirectoryOrCreate',
          readOnly: true,
        },
        {
          name: 'usr-share-ca-certificates',
          path: '/usr/share/ca-certificates',
          type: 'DirectoryOrCreate',
          readOnly: true,
        },
      ],
      requests: { cpu: '200m' },
      port: 10257,
      probePath: '/healthz',
    },
    {
      component: 'kube-scheduler',
      image: IMAGES.scheduler,
      command: [
        'kube-scheduler',
        '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
        '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
        '--bind-address=127.0.0.1',
        '--kubeconfig=/etc/kubernetes/scheduler.conf',
        '--leader-elect=true',
      ],
      volumes: [{ name: 'kubeconfig', path: '/etc/kubernetes/scheduler.conf', type: 'FileOrCreate', readOnly: true }],
      requests: { cpu: '100m' },
      port: 10259,
      probePath: '/livez',
    },
  ];
}

/**
 * The control plane's mirror pods in kube-system (`<component>-<node>`), as the
 * kubelet publishes static pods: owned by the Node, kubernetes.io/config.*
 * annotations, host network, system-node-critical, and reported Running.
 */
export function controlPlanePods(cluster: string, node: KubeObject, ip: string, now: string): KubeObject[] {
  const nodeName = node.metadata.name ?? '';
  return staticPods(cluster, ip).map((s) => {
    const hash = fnv32a(`${s.component}\u0000${s.command.join(' ')}`)
      .toString(16)
      .padStart(8, '0');
    const configHash = `${hash}${hash.split('').reverse().join('')}${hash}${hash.slice(0, 8)}`;
    const probe = (path: string, failureThreshold: number, initialDelaySeconds: number) => ({
      failureThreshold,
      httpGet: {
        host: s.component === 'kube-apiserver' ? ip : '127.0.0.1',
        path,
        port: s.port,
        scheme: s.scheme ?? 'HTTPS',
      },
      initialDelaySeconds,
      periodSeconds: 10,
      successThreshold: 1,
      timeoutSeconds: 15,
    });
    const container: Container = {
      name: s.component,
      image: s.image,
      imagePullPolicy: 'IfNotPresent',
      command: s.command,
      resources: { requests: s.requests },
      livenessProbe: probe(s.probePath, 8, 10),
      ...(s.component === 'kube-apiserver' ? { readinessProbe: { ...probe('/readyz', 3, 0), periodSeconds: 1 } } : {}),
      startupProbe: probe(s.probePath, 24, 10),
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      volumeMounts: s.volumes.map((v) => ({
        name: v.name,
        mountPath: v.mount ?? v.path,
        ...(v.readOnly ? { readOnly: true } : {}),
      })),
    };
    const volumes: Volume[] = s.volumes.map((v) => ({ name: v.name, hostPath: { path: v.path, type: v.type } }));
    const condition = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${s.component}-${nodeName}`,
        namespace: 'kube-system',
        labels: { component: s.component, tier: 'control-plane' },
        annotations: {
          ...(s.annotations ?? {}),
          'kubernetes.io/config.hash': configHash,
          'kubernetes.io/config.mirror': configHash,
          'kubernetes.io/config.seen': now.replace('Z', '.000000000Z'),
          'kubernetes.io/config.source': 'file',
        },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata.uid ?? '', controller: true },
        ],
      },
      spec: {
        containers: [container],
        dnsPolicy: 'ClusterFirst',
        enableServiceLinks: true,
        hostNetwork: true,
        nodeName,
        preemptionPolicy: 'PreemptLowerPriority',
        priority: 2000001000,
        priorityClassName: 'system-node-critical',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        terminationGracePeriodSeconds: 30,
        tolerations: [{ effect: 'NoExecute', operator: 'Exists' }],
        volumes,
      },
      status: {
        phase: 'Running',
        conditions: [
          condition('PodReadyToStartContainers'),
          condition('Initialized'),
          condition('Ready'),
          condition('ContainersReady'),
          condition('PodScheduled'),
        ],
        hostIP: ip,
        hostIPs: [{ ip }],
        podIP: ip,
        podIPs: [{ ip }],
        qosClass: 'Burstable',
        startTime: now,
        containerStatuses: [
          {
            name: s.component,
            image: s.image,
            imageID: `sha256:${configHash.slice(0, 64).padEnd(64, '0')}`,
            containerID: `containerd://${configHash.slice(0, 64).padEnd(64, '0')}`,
            ready: true,
            restartCount: 0,
            started: true,
            state: { running: { startedAt: now } },
          },
        ],
      },
    };
  });
}
