import type { Node } from 'kubernetes-types/core/v1';
import { stringify } from 'yaml';
import { IMAGES } from '../bootstrap/versions.ts';
import { KUBELET_CONFIG_PATH, type ParsedKubeletConfig, parseKubeletConfig } from './kubelet-config.ts';
import { createProcFs } from './procfs.ts';
import { fullSecurity } from './security.ts';
import type { KubeletRun, NodeHost, Proc, RuntimeState } from './types.ts';
import { FsView, MemFs, type Mount } from './vfs.ts';

/**
 * A simulated node's host: the disk of a kind node (Debian, containerd, kubelet,
 * kubeadm's PKI and kubeconfigs on the control plane) and its host processes.
 * This is what a container escape reaches.
 */

// Programs the simulator has no behaviour for are left out (ctr, kubeadm): absent, as `command not
// found`, rather than present and broken. kubelet and containerd stay: they run here. systemctl
// stays for the one unit it can act on, the kubelet.
const NODE_BINARIES = [
  'sh',
  'bash',
  'dash',
  'cat',
  'ls',
  'echo',
  'printf',
  'env',
  'printenv',
  'id',
  'whoami',
  'hostname',
  'ps',
  'grep',
  'egrep',
  'head',
  'tail',
  'wc',
  'find',
  'mount',
  'df',
  'mkdir',
  'touch',
  'rm',
  'sleep',
  'true',
  'false',
  'test',
  '[',
  'uname',
  'chroot',
  'nsenter',
  'pwd',
  'base64',
  'cut',
  'sort',
  'date',
  'kill',
  'cp',
  'chmod',
  'tr',
  'xargs',
  'seq',
  'basename',
  'dirname',
  'stat',
  'curl',
  'kubectl',
  'crictl',
  'systemctl',
  'containerd',
  'kubelet',
  'capsh',
  'which',
  'yes',
  'tar',
  'uptime',
  'free',
];

const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

/** Deterministic base64-looking text so a node's keys look real and stay stable. */
export function fakeBase64(seed: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    h >>>= 0;
    out += alphabet[h % 64];
  }
  return out;
}

/** A stable PEM block of base64-looking text, so a node's certificates and keys look real to a learner. */
export function fakePem(label: string, seed: string, lines = 25, prefix = 'MII'): string {
  const body = prefix + fakeBase64(seed, lines * 64 - prefix.length - 20);
  const chunks = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${chunks.join('\n')}\n-----END ${label}-----\n`;
}

const b64 = (s: string) => btoa(s);

function kubeconfig(cluster: string, server: string, user: string, auth: string, ca: string): string {
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(ca)}
    server: ${server}
  name: ${cluster}
contexts:
- context:
    cluster: ${cluster}
    user: ${user}
  name: ${user}@${cluster}
current-context: ${user}@${cluster}
kind: Config
preferences: {}
users:
- name: ${user}
  user:
${auth}`;
}

function nodeIpOf(node: Node | undefined): string | undefined {
  return node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/**
 * The images kindest/node ships inside the node image (kind preloads them so a new cluster
 * never pulls its own control plane and add-ons): present on every node from the start, so
 * coredns, kindnet, kube-proxy and local-path-provisioner start without a pull, as on kind.
 */
function nodeImagePreloads(state: RuntimeState): Set<string> {
  const present = new Set<string>();
  for (const ref of Object.values(IMAGES)) {
    const pulled = state.deps.registry.pull(ref);
    if (pulled.ok) present.add(pulled.imageRef);
  }
  return present;
}

/** The host of `name`, created from its Node object on first use. */
export function nodeHost(state: RuntimeState, name: string): NodeHost {
  const existing = state.nodes.get(name);
  if (existing) return existing;
  const node = state.deps.store.get({ group: '', resource: 'nodes' }, undefined, name) as Node | undefined;
  const index = state.nodes.size;
  const controlPlane =
    node?.metadata?.labels?.['node-role.kubernetes.io/control-plane'] !== undefined || name.endsWith('control-plane');
  const host: NodeHost = {
    name,
    ip: nodeIpOf(node) ?? `172.18.0.${index + 2}`,
    podCIDR: node?.spec?.podCIDR ?? `10.244.${index}.0/24`,
    controlPlane,
    fs: new MemFs(() => state.deps.clock.now()),
    procs: [],
    nextPid: 1,
    nsPids: new Map(),
    pulled: nodeImagePreloads(state),
    ips: new Map(),
    kubelet: { starts: 0 },
  };
  state.nodes.set(name, host);
  buildDisk(state, host);
  startHostProcesses(state, host);
  startKubelet(host);
  return host;
}

/**
 * (Re)starts the node's kubelet: it reads {@link KUBELET_CONFIG_PATH} now and runs with
 * what it read until the next start. A file it cannot load leaves it down, as a real
 * kubelet exits and systemd keeps failing to start it.
 *
 * The file's text is taken now; parsing it waits for the first question asked of this
 * run (its API, `systemctl`), then is kept. Every node's host is built with a pod's first
 * start, and most clusters never ask: parsing the YAML there doubled a first pod's time.
 */
export function startKubelet(host: NodeHost): KubeletRun {
  const file = host.fs.stat(KUBELET_CONFIG_PATH);
  const text = file && file.type === 'file' ? file.content : undefined;
  let parsed: ParsedKubeletConfig | undefined;
  const load = (): ParsedKubeletConfig =>
    (parsed ??=
      text === undefined
        ? {
            ok: false,
            error: `failed to load kubelet config file, path: ${KUBELET_CONFIG_PATH}, error: open ${KUBELET_CONFIG_PATH}: no such file or directory`,
          }
        : parseKubeletConfig(text));
  host.kubelet = {
    starts: host.kubelet.starts + 1,
    get config() {
      const p = load();
      return p.ok ? p.config : undefined;
    },
    get failure() {
      const p = load();
      return p.ok ? undefined : p.error;
    },
  };
  return host.kubelet;
}

/** Allocates a PID on the node and in `pidNs`. */
export function allocPid(host: NodeHost, pidNs: string): { pid: number; nsPid: number } {
  const pid = host.nextPid++;
  if (pidNs === 'host') return { pid, nsPid: pid };
  const nsPid = (host.nsPids.get(pidNs) ?? 0) + 1;
  host.nsPids.set(pidNs, nsPid);
  return { pid, nsPid };
}

function startHostProcesses(state: RuntimeState, host: NodeHost): void {
  const now = state.deps.clock.now();
  const spawn = (argv: string[], ppid: number, cpuMilli = 1, memMi = 10): Proc => {
    const { pid } = allocPid(host, 'host');
    const p: Proc = {
      pid,
      ppid,
      pidNs: 'host',
      nsPid: pid,
      argv,
      uid: 0,
      gid: 0,
      startedAt: now,
      cpuMilli,
      memBytes: memMi * 1024 * 1024,
      sec: fullSecurity(),
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'container=docker'],
    };
    host.procs.push(p);
    return p;
  };
  spawn(['/sbin/init'], 0, 1, 12);
  spawn(['/lib/systemd/systemd-journald'], 1, 1, 8);
  spawn(['/usr/local/bin/containerd'], 1, 15, 48);
  spawn(
    [
      '/usr/bin/kubelet',
      '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf',
      '--kubeconfig=/etc/kubernetes/kubelet.conf',
      '--config=/var/lib/kubelet/config.yaml',
      '--container-runtime-endpoint=unix:///run/containerd/containerd.sock',
      `--node-ip=${host.ip}`,
      '--node-labels=',
      '--pod-infra-container-image=registry.k8s.io/pause:3.10',
      `--provider-id=kind://docker/paranoid/${host.name}`,
      '--runtime-cgroups=/system.slice/containerd.service',
    ],
    1,
    25,
    60,
  );
}

function buildDisk(state: RuntimeState, host: NodeHost): void {
  const fs = host.fs;
  for (const dir of [
    '/root',
    '/tmp',
    '/var/log/pods',
    '/var/log/containers',
    '/run/containerd',
    '/etc/cni/net.d',
    '/opt/cni/bin',
    '/home',
  ]) {
    fs.mkdirs(dir, dir === '/tmp' ? 0o1777 : 0o755);
  }
  fs.mkdirs('/root', 0o700);
  // containerd's socket: crictl on the node answers only where it is, and only to root.
  fs.put('/run/containerd/containerd.sock', '', 0o660);
  // systemd's private bus: systemctl answers only where it is, and only to root.
  fs.mkdirs('/run/systemd');
  fs.put('/run/systemd/private', '', 0o600);
  for (const bin of NODE_BINARIES) fs.put(`/usr/bin/${bin}`, '', 0o755);
  fs.symlink('/bin', 'usr/bin');
  fs.symlink('/sbin', 'usr/sbin');
  fs.mkdirs('/usr/sbin');
  fs.put('/etc/hostname', `${host.name}\n`);
  fs.put('/etc/os-release', OS_RELEASE);
  fs.put('/etc/hosts', `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${host.ip}\t${host.name}\n`);
  fs.put(
    '/etc/passwd',
    'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  );
  fs.put('/etc/group', 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n');
  fs.put('/etc/shadow', 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n', 0o640, 0, 42);
  fs.put('/etc/resolv.conf', 'nameserver 172.18.0.1\noptions edns0 trust-ad ndots:0\n');
  fs.put('/root/.bashrc', '# ~/.bashrc: executed by bash(1) for non-login shells.\n');

  const ca = fakePem('CERTIFICATE', 'paranoid-ca', 18);
  const server = 'https://paranoid-control-plane:6443';
  fs.put(
    '/var/lib/kubelet/config.yaml',
    `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: systemd
cgroupRoot: /kubelet
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
failSwapOn: false
healthzBindAddress: 127.0.0.1
healthzPort: 10248
imageGCHighThresholdPercent: 100
kind: KubeletConfiguration
rotateCertificates: true
staticPodPath: /etc/kubernetes/manifests
`,
  );
  fs.put('/etc/kubernetes/pki/ca.crt', ca);
  fs.mkdirs('/etc/kubernetes/manifests');
  fs.put(
    '/etc/kubernetes/kubelet.conf',
    kubeconfig(
      'kind-paranoid',
      server,
      `system:node:${host.name}`,
      '    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n',
      ca,
    ),
    0o600,
  );
  fs.put(
    '/var/lib/kubelet/pki/kubelet-client-current.pem',
    fakePem('CERTIFICATE', `kubelet-${host.name}`, 14) +
      fakePem('EC PRIVATE KEY', `kubelet-key-${host.name}`, 3, 'MHcC'),
    0o600,
  );
  fs.put('/var/lib/kubelet/pki/kubelet.crt', fakePem('CERTIFICATE', `kubelet-serving-${host.name}`, 14));
  fs.put(
    '/var/lib/kubelet/pki/kubelet.key',
    fakePem('RSA PRIVATE KEY', `kubelet-serving-key-${host.name}`, 25, 'MIIEpAIBAAKCAQEA'),
    0o600,
  );

  if (host.controlPlane) {
    const keys: Array<[string, string, number]> = [
      ['ca.key', 'RSA PRIVATE KEY', 25],
      ['apiserver.key', 'RSA PRIVATE KEY', 25],
      ['apiserver-kubelet-client.key', 'RSA PRIVATE KEY', 25],
      ['apiserver-etcd-client.key', 'RSA PRIVATE KEY', 25],
      ['front-proxy-ca.key', 'RSA PRIVATE KEY', 25],
      ['front-proxy-client.key', 'RSA PRIVATE KEY', 25],
      ['sa.key', 'RSA PRIVATE KEY', 25],
      ['etcd/ca.key', 'RSA PRIVATE KEY', 25],
      ['etcd/server.key', 'RSA PRIVATE KEY', 25],
      ['etcd/peer.key', 'RSA PRIVATE KEY', 25],
      ['etcd/healthcheck-client.key', 'RSA PRIVATE KEY', 25],
    ];
    for (const [file, label, lines] of keys)
      fs.put(`/etc/kubernetes/pki/${file}`, fakePem(label, file, lines, 'MIIEpAIBAAKCAQEA'), 0o600);
    for (const file of [
      'apiserver.crt',
      'apiserver-kubelet-client.crt',
      'apiserver-etcd-client.crt',
      'front-proxy-ca.crt',
      'front-proxy-client.crt',
      'etcd/ca.crt',
      'etcd/server.crt',
      'etcd/peer.crt',
      'etcd/healthcheck-client.crt',
    ]) {
      fs.put(`/etc/kubernetes/pki/${file}`, fakePem('CERTIFICATE', file, 18));
    }
    fs.put('/etc/kubernetes/pki/sa.pub', fakePem('PUBLIC KEY', 'sa.pub', 7, 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A'));
    const certAuth = `    client-certificate-data: ${b64(fakePem('CERTIFICATE', 'kubernetes-admin', 14))}\n    client-key-data: ${b64(fakePem('RSA PRIVATE KEY', 'kubernetes-admin-key', 25, 'MIIEpAIBAAKCAQEA'))}\n`;
    const writeAdmin = (token?: string) => {
      const auth = token ? `${certAuth}    token: ${token}\n` : certAuth;
      for (const file of ['admin.conf', 'super-admin.conf']) {
        fs.put(`/etc/kubernetes/${file}`, kubeconfig('kind-paranoid', server, 'kubernetes-admin', auth, ca), 0o600);
      }
    };
    writeAdmin();
    const adminToken = state.deps.adminToken;
    if (adminToken) {
      Promise.resolve()
        .then(adminToken)
        .then((t) => writeAdmin(t))
        .catch(() => undefined);
    }
    for (const [file, user] of [
      ['controller-manager.conf', 'system:kube-controller-manager'],
      ['scheduler.conf', 'system:kube-scheduler'],
    ] as const) {
      fs.put(`/etc/kubernetes/${file}`, kubeconfig('kind-paranoid', server, user, certAuth, ca), 0o600);
    }
    // kubeadm's static pod manifests, as the mirror pods in the store show them.
    for (const pod of state.deps.store.list({ group: '', resource: 'pods' }, 'kube-system')) {
      const spec = pod.spec as { nodeName?: string } | undefined;
      if (spec?.nodeName !== host.name || pod.metadata.annotations?.['kubernetes.io/config.source'] !== 'file')
        continue;
      const component = pod.metadata.labels?.component ?? pod.metadata.name?.replace(`-${host.name}`, '') ?? 'pod';
      const { nodeName: _n, ...podSpec } = spec as Record<string, unknown>;
      const manifest = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...(pod.metadata.annotations
            ? {
                annotations: Object.fromEntries(
                  Object.entries(pod.metadata.annotations).filter(([k]) => k.startsWith('kubeadm.')),
                ),
              }
            : {}),
          labels: pod.metadata.labels,
          name: component,
          namespace: 'kube-system',
        },
        spec: podSpec,
        status: {},
      };
      fs.put(`/etc/kubernetes/manifests/${component}.yaml`, stringify(manifest), 0o600);
    }
    fs.mkdirs('/var/lib/etcd/member/snap', 0o700);
    fs.put('/var/lib/etcd/member/snap/db', '(etcd bbolt database: every Secret of the cluster, unencrypted)\n', 0o600);
  }
}

/** The node's own mount namespace: its disk and a /proc of every host process. */
export function nodeView(state: RuntimeState, host: NodeHost): FsView {
  const mounts: Mount[] = [
    {
      target: '/',
      fs: host.fs,
      sub: '/',
      readOnly: false,
      source: 'overlay',
      fstype: 'overlay',
      options: 'rw,relatime',
    },
    {
      target: '/proc',
      fs: createProcFs(host, 'host', () => state.deps.clock.now() - (host.procs[0]?.startedAt ?? 0)),
      sub: '/',
      readOnly: false,
      source: 'proc',
      fstype: 'proc',
      options: 'rw,nosuid,nodev,noexec,relatime',
    },
  ];
  return new FsView(mounts);
}
