import type { ImageDefinition } from '@paranoid/schema/image.ts';

/**
 * The images every simulated cluster can pull, as data in the image format.
 * Digests are stable made-up values (the simulator is not a registry mirror);
 * behaviour follows the real images where a lab touches it.
 */

const busyboxApplets = [
  'sh',
  'ash',
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
  'wget',
  'nc',
  'nslookup',
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
  'yes',
  'basename',
  'dirname',
  'which',
  'top',
  'free',
  'uptime',
  'stat',
  'fdisk',
  'tar',
];

const gnuBase = [
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
  'yes',
  'basename',
  'dirname',
  'stat',
  'tar',
];

const NGINX_INDEX = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

const NGINX_404 = `<html>
<head><title>404 Not Found</title></head>
<body>
<center><h1>404 Not Found</h1></center>
<hr><center>nginx/1.27.3</center>
</body>
</html>
`;

const debianOsRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

const alpineOsRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.3
PRETTY_NAME="Alpine Linux v3.20"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
`;

const debianPasswd = (extra: string) => `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
${extra}`;

const kubeSystem = (
  repository: string,
  tags: string[],
  digest: string,
  argv: string[],
  listen?: number,
  health: Array<{ port: number; path: string; body: string }> = [],
) => ({
  apiVersion: 'paranoid.dev/v1' as const,
  kind: 'Image' as const,
  repository,
  tags,
  digest,
  userland: 'none' as const,
  config: { entrypoint: argv.slice(0, 1), cmd: argv.slice(1) },
  processes: [
    {
      name: argv[0]!.split('/').pop()!,
      cpu: '5m',
      memory: '20Mi',
      ...(listen ? { listen: { port: listen, kind: 'tcp' as const } } : {}),
      alsoListen: health.map((h) => ({
        port: h.port,
        kind: 'http' as const,
        http: { routes: [{ path: h.path, status: 200, body: h.body }] },
      })),
    },
  ],
  size: 30_000_000,
});

const k8sTags = ['v1.32.0', 'v1.32.1', 'v1.32.2', 'v1.32.3', 'v1.32.4', 'v1.32.5'];

export const builtinImages: ImageDefinition[] = [
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'docker.io/library/busybox',
    tags: ['latest', '1.37', '1.37.0', '1.36', '1.36.1', 'stable'],
    digest: 'sha256:3dc2527cb455e51f7bd90540e6689f89a4a145b9d6c8ee428421028f6cc902b3',
    config: { cmd: ['sh'] },
    binaries: busyboxApplets,
    userland: 'busybox',
    size: 2_166_802,
    files: { '/etc/os-release': 'NAME="BusyBox"\nID=busybox\nVERSION_ID=1.37.0\n' },
    history: [{ createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', size: '0B' }],
  },
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'docker.io/library/alpine',
    tags: ['latest', '3.20', '3.20.3', '3.21', '3'],
    digest: 'sha256:8e6d778960306eec39ef85722ad437a7a21c6809142fd00b0c4979e8e32a470f',
    config: { cmd: ['/bin/sh'] },
    binaries: busyboxApplets,
    userland: 'busybox',
    size: 3_623_807,
    files: { '/etc/os-release': alpineOsRelease },
  },
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'docker.io/library/nginx',
    tags: ['latest', '1.27', '1.27.3', 'stable', 'alpine', '1.27-alpine', '1.25', '1.25.3'],
    digest: 'sha256:d1786a7a02adb463dacc5403ccba39d562ccb60f27aff43392e931a960e1e5b3',
    config: {
      entrypoint: ['/docker-entrypoint.sh'],
      cmd: ['nginx', '-g', 'daemon off;'],
      exposedPorts: ['80/tcp'],
      env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'NGINX_VERSION=1.27.3',
        'NJS_VERSION=0.8.7',
        'PKG_RELEASE=1~bookworm',
      ],
    },
    binaries: [...gnuBase, 'nginx', 'curl'],
    userland: 'gnu',
    size: 72_953_164,
    files: {
      '/etc/os-release': debianOsRelease,
      '/etc/passwd': debianPasswd('nginx:x:101:101:nginx user:/nonexistent:/bin/false\n'),
      '/usr/share/nginx/html/index.html': NGINX_INDEX,
      '/usr/share/nginx/html/50x.html': '<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n</html>\n',
      '/etc/nginx/nginx.conf':
        'user  nginx;\nworker_processes  auto;\n\nerror_log  /var/log/nginx/error.log notice;\npid        /var/run/nginx.pid;\n\nevents {\n    worker_connections  1024;\n}\n\nhttp {\n    include       /etc/nginx/mime.types;\n    default_type  application/octet-stream;\n    sendfile        on;\n    keepalive_timeout  65;\n    include /etc/nginx/conf.d/*.conf;\n}\n',
      '/etc/nginx/conf.d/default.conf':
        'server {\n    listen       80;\n    listen  [::]:80;\n    server_name  localhost;\n\n    location / {\n        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n}\n',
    },
    processes: [
      {
        name: 'nginx',
        argv: ['nginx: master process nginx -g daemon off;'],
        cpu: '1m',
        memory: '8Mi',
        logs: [
          '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
          '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
          '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh',
          '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf',
          '10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf',
          '/docker-entrypoint.sh: Configuration complete; ready for start up',
        ],
        listen: {
          port: 80,
          kind: 'http',
          http: {
            server: 'nginx/1.27.3',
            root: '/usr/share/nginx/html',
            notFound: { status: 404, body: NGINX_404 },
          },
        },
      },
      { name: 'nginx-worker', argv: ['nginx: worker process'], user: 'nginx', child: true, cpu: '0', memory: '3Mi' },
    ],
  },
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'docker.io/library/redis',
    tags: ['latest', '7', '7.4', '7.4.1', '7-alpine', 'alpine', '6', '6.2'],
    digest: 'sha256:6a79b058f62aa25ce74e921f93c62512c7756f2631c7a234f286d128c98b80b8',
    config: {
      entrypoint: ['docker-entrypoint.sh'],
      cmd: ['redis-server'],
      exposedPorts: ['6379/tcp'],
      workingDir: '/data',
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'REDIS_VERSION=7.4.1'],
    },
    binaries: [...gnuBase, 'redis-server', 'redis-cli'],
    userland: 'gnu',
    size: 45_012_345,
    files: {
      '/etc/os-release': debianOsRelease,
      '/etc/passwd': debianPasswd('redis:x:999:999::/home/redis:/bin/sh\n'),
      '/data': { directory: true, owner: '999:999' },
    },
    processes: [
      {
        name: 'redis-server',
        argv: ['redis-server *:6379'],
        cpu: '2m',
        memory: '3Mi',
        user: 'redis',
        logs: [
          '1:C 01 Jan 2026 00:00:00.000 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo',
          '1:C 01 Jan 2026 00:00:00.000 * Redis version=7.4.1, bits=64, commit=00000000, modified=0, pid=1, just started',
          '1:C 01 Jan 2026 00:00:00.000 # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf',
          '1:M 01 Jan 2026 00:00:00.001 * Running mode=standalone, port=6379.',
          '1:M 01 Jan 2026 00:00:00.001 * Server initialized',
          '1:M 01 Jan 2026 00:00:00.001 * Ready to accept connections tcp',
        ],
        listen: { port: 6379, kind: 'redis', redis: { data: {} } },
      },
    ],
  },
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'docker.io/nicolaka/netshoot',
    tags: ['latest', 'v0.13'],
    digest: 'sha256:ab42d4636c64fa304425383803d49c427b35b3ae68acdbf706190907dfcb3706',
    config: { cmd: ['zsh'] },
    binaries: [
      ...busyboxApplets,
      'bash',
      'zsh',
      'curl',
      'redis-cli',
      'kubectl',
      'capsh',
      'nmap',
      'dig',
      'host',
      'ip',
      'ss',
      'netstat',
    ],
    userland: 'busybox',
    size: 208_000_000,
    files: { '/etc/os-release': alpineOsRelease },
  },
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'docker.io/kubernetesui/dashboard',
    tags: ['v2.7.0'],
    digest: 'sha256:bc1774f9bfcabf31258004253dd3a1ec805cc8260de066da88c1cebf07cbcad9',
    config: {
      user: '1001:2001',
      entrypoint: ['/dashboard'],
      cmd: ['--insecure-bind-address=0.0.0.0', '--bind-address=0.0.0.0'],
      exposedPorts: ['8443/tcp', '9090/tcp'],
    },
    binaries: [],
    userland: 'none',
    size: 75_000_000,
    files: { '/public/index.html': '<!doctype html><html><head><title>Kubernetes Dashboard</title></head></html>\n' },
    processes: [
      {
        name: 'dashboard',
        cpu: '1m',
        memory: '12Mi',
        logs: [
          '2026/01/01 00:00:00 Starting overwatch',
          '2026/01/01 00:00:00 Using namespace: kubernetes-dashboard',
          '2026/01/01 00:00:00 Using in-cluster config to connect to apiserver',
          '2026/01/01 00:00:00 Using secret token for csrf signing',
          '2026/01/01 00:00:00 Initializing csrf token from kubernetes-dashboard-csrf secret',
          '2026/01/01 00:00:00 Successful initial request to the apiserver, version: v1.32.2',
          '2026/01/01 00:00:00 Generating JWE encryption key',
          '2026/01/01 00:00:00 Serving securely on HTTPS port: 8443',
        ],
        listen: {
          port: 8443,
          kind: 'kubernetes-dashboard',
          tls: true,
          'kubernetes-dashboard': { skipLogin: 'from-args' },
        },
      },
    ],
  },
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'docker.io/kubernetesui/metrics-scraper',
    tags: ['v1.0.8'],
    digest: 'sha256:58c785b390107b8c03e52ed5ef7a0f0220fc0993f2881ff56486a8a67b6eaea4',
    config: { entrypoint: ['/metrics-sidecar'], user: '1001:2001' },
    userland: 'none',
    processes: [{ name: 'metrics-sidecar', cpu: '1m', memory: '6Mi', listen: { port: 8000, kind: 'tcp' } }],
  },
  kubeSystem(
    'registry.k8s.io/coredns/coredns',
    ['v1.11.3', 'v1.11.4', 'v1.11.1'],
    'sha256:99393c7cefc2cea789b045f86a147e49fc77ce99ec719b8f1f23486c33e5ab15',
    ['/coredns', '-conf', '/etc/coredns/Corefile'],
    53,
    [
      { port: 8080, path: '/health', body: 'OK' },
      { port: 8181, path: '/ready', body: 'OK' },
      { port: 9153, path: '/metrics', body: '# HELP coredns_build_info A metric with a constant 1 value.\n' },
    ],
  ),
  kubeSystem(
    'registry.k8s.io/kube-proxy',
    k8sTags,
    'sha256:c00405028001ade82f1a006d0ca0e4e3ab5efa173494b2a5abf3bbd467b32092',
    ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
    undefined,
    [{ port: 10256, path: '/healthz', body: 'ok' }],
  ),
  kubeSystem(
    'docker.io/kindest/kindnetd',
    ['v20250214-acbabc1a', 'v20241212-9f82dd49', 'v20241108-5c6d2daf'],
    'sha256:efa35dad27aa2da102c7eafb12b9a9fddd7037cd3454a213238582c4bff55349',
    ['/bin/kindnetd'],
  ),
  kubeSystem(
    'docker.io/kindest/local-path-provisioner',
    ['v20250214-acbabc1a', 'v20241212-8ac705d0', 'v20241108-5c6d2daf'],
    'sha256:f3d83c48a00c6442ec5a53f78acce97dd19e517111c4ec82c38a381c638ecbc2',
    [
      'local-path-provisioner',
      '--debug',
      'start',
      '--helper-image',
      'docker.io/kindest/local-path-helper:v20241212-8ac705d0',
    ],
  ),
  kubeSystem(
    'registry.k8s.io/etcd',
    ['3.5.16-0', '3.5.15-0'],
    'sha256:f93ce962fad5ef39e77f30dca97ae53b66cb726ee3cebcbd1f3ab0e24dc675d0',
    ['etcd', '--advertise-client-urls=https://172.18.0.2:2379', '--data-dir=/var/lib/etcd'],
    2379,
  ),
  kubeSystem(
    'registry.k8s.io/kube-apiserver',
    k8sTags,
    'sha256:47ec9d59b8f1083ec52cd81f559e8127bfadcfddc13fcc3cb0950b5f2d704544',
    ['kube-apiserver', '--advertise-address=172.18.0.2', '--authorization-mode=Node,RBAC', '--secure-port=6443'],
    6443,
  ),
  kubeSystem(
    'registry.k8s.io/kube-controller-manager',
    k8sTags,
    'sha256:2d407d23ac6b29bfd90df02ea17f4bfc7d32864c87019ecb86e51be454124fab',
    ['kube-controller-manager', '--use-service-account-credentials=true'],
  ),
  kubeSystem(
    'registry.k8s.io/kube-scheduler',
    k8sTags,
    'sha256:3dc2527cb455e51f7bd90540e6689f89a4a145b9d6c8ee428421028f6cc902b4',
    ['kube-scheduler', '--kubeconfig=/etc/kubernetes/scheduler.conf'],
  ),
  kubeSystem(
    'registry.k8s.io/pause',
    ['3.10', '3.9'],
    'sha256:8e6d778960306eec39ef85722ad437a7a21c6809142fd00b0c4979e8e32a4710',
    ['/pause'],
  ),
];
