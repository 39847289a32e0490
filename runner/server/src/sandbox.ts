import { existsSync } from 'node:fs';
import { joinCgroupCommand, PROCESS_LIMITS, SESSION_LIMITS } from './sandbox-limits.ts';
import { SANDBOX_API_PORT, SANDBOX_PROXY_PORT } from './sandbox-network.ts';

/** Where the sandboxed shell finds its files (all bound read-only). */
export const SANDBOX_HOME = '/home/learner';
/** Where a sandbox's shell finds its session's kubeconfig. */
export const SANDBOX_KUBECONFIG = '/etc/paranoid/kubeconfig';
const SANDBOX_RC = '/etc/paranoid/bashrc';

/** Host files a shell with kubectl needs under /etc; everything else of /etc stays out. */
const ETC_ALLOWLIST = [
  '/etc/alternatives',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/nsswitch.conf',
  '/etc/localtime',
  '/etc/terminfo',
  '/etc/inputrc',
  '/etc/ld.so.cache',
];

/** The tools the sandbox is made with, and the Debian package of each. */
const TOOLS = [
  { file: '/usr/bin/bwrap', pkg: 'bubblewrap' },
  { file: '/usr/bin/prlimit', pkg: 'util-linux' },
  { file: '/usr/bin/setpriv', pkg: 'util-linux' },
  { file: '/usr/bin/perl', pkg: 'perl-base' },
  { file: '/usr/bin/unshare', pkg: 'util-linux' },
  { file: '/usr/bin/bash', pkg: 'bash' },
];

/** The one command that installs what is missing, as the learner would type it. */
const installCommand = (pkgs: string[]) =>
  `${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y ${[...new Set(pkgs)].join(' ')}`;

/** What the sandbox needs that this machine lacks, or null. */
export function missingTools(exists = existsSync): string | null {
  const missing = TOOLS.filter((t) => !exists(t.file));
  if (missing.length === 0) return null;
  const files = missing.map((t) => t.file).join(', ');
  return `the terminal sandbox needs ${files}, which this machine lacks. Fix: run \`${installCommand(missing.map((t) => t.pkg))}\`, then restart the lab (\`npm start\` does it for you as root or with password-less sudo).`;
}

/** Why terminals cannot be offered for lack of a tool, or null (the full check is `prepareSandboxHost`). */
export const sandboxUnavailableReason = (): string | null => missingTools();

/** The host files a sandbox is given: its session's kubeconfig and shell rc file. */
export interface SandboxFiles {
  /** The session's kubeconfig on the host (mode 0600, in the session's private directory). */
  kubeconfig: string;
  /** The shell's rc file on the host. */
  bashrc: string;
  /** A passwd/group pair naming the learner, so `whoami` and prompts work. */
  passwd: string;
  group: string;
}

/** The program, arguments and environment that start a sandboxed shell. */
export interface SandboxCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** Where the relay's sockets and the kubectl binary appear inside the sandbox. */
export const SANDBOX_RUN_DIR = '/run/paranoid';
/** Where a host's own `nc` would be, seen through the sandbox's read-only /usr. */
const NC_PATHS = ['/usr/bin/nc', '/usr/bin/ncat', '/usr/bin/netcat'];
/** Where a sandbox sees its tools (kubectl and the rest), first on its PATH. */
export const SANDBOX_BIN_DIR = '/opt/paranoid/bin';
const SANDBOX_RELAY = '/opt/paranoid/relay.pl';
/** The descriptor the seccomp filter reaches bubblewrap on. */
const SECCOMP_FD = 3;

/**
 * The network namespace is made before bubblewrap, by a user namespace of its own whose root
 * puts the node addresses on loopback (`sandbox-netns.pl`); bubblewrap's user namespace is a
 * child of it, so nothing in the sandbox may change that network. (bubblewrap's own
 * `--unshare-net` makes a namespace that only its outer user namespace may configure, and that
 * one is gone before the command runs.)
 */
export function netnsPrefix(netns: string, addresses: string[]): string[] {
  return ['/usr/bin/unshare', '--user', '--map-root-user', '--net', '--', '/usr/bin/perl', netns, ...addresses, '--'];
}

/** Everything one sandbox is made of, on the host. */
export interface SandboxSpec {
  /** The kubeconfig the shell sees: the relay's API address, the session's token. */
  files: SandboxFiles;
  /** `sandbox-relay.pl`, readable by the sandbox's uid. */
  relay: string;
  /** `sandbox-netns.pl`, readable by the sandbox's uid: readies the network namespace. */
  netns: string;
  /** The session's node addresses, put on the sandbox's loopback (raw TCP to NodePorts). */
  nodeAddresses: string[];
  /** The network's Unix sockets (sandbox-network.ts), in a directory the sandbox's uid owns. */
  sockets: { dir: string; api: string; proxy: string; control: string; nodes?: string };
  /** The kubectl binary to put first on the PATH, when it is not the host's own under /usr. */
  kubectl?: string;
  /** Drop to this uid/gid first (the runner is root). */
  user?: { uid: number; gid: number };
  /** The `cgroup.procs` files to join before anything else runs. */
  cgroupProcs: string[];
  /** Per-process rlimits; RLIMIT_NPROC is higher when a cgroup counts pids per session. */
  nproc: number;
  /** The seccomp filter bubblewrap loads (`sandbox-seccomp.ts`), readable by the runner. */
  seccomp?: string;
}

/**
 * The command that starts a learner's shell (README.md, "The terminal sandbox"):
 *
 * `sh` (joins the session's cgroup) → `sh` (opens the seccomp filter) → `setpriv` (drops to the sandbox's uid when the runner is
 * root: no groups, no capabilities, no_new_privs) → `prlimit` → `unshare` + `sandbox-netns.pl` (a
 * user and network namespace whose root puts the node addresses on loopback; see
 * {@link netnsPrefix}) → `bwrap` (new user, PID, IPC, UTS and cgroup namespaces inside that network; uid 1000 inside is the unprivileged uid outside; no
 * nested user namespaces; /proc/sys read-only; `setsid` refused) → the relay (network) → bash.
 *
 * Files: a read-only /usr and an allowlist of /etc; no /home, /root, /var or the repository;
 * sized tmpfs for /tmp, $HOME and /dev/shm; only this session's kubeconfig and sockets.
 *
 * Not `--new-session`: it would detach the shell from its pseudo-terminal, which breaks
 * Ctrl-C, job control and resize. The usual reason for it (TIOCSTI injecting keystrokes into
 * the terminal that started the sandbox) does not apply here: the pty is the sandbox's own,
 * created for this session, and nothing outside the sandbox reads input from it.
 */
export function sandboxCommand(spec: SandboxSpec, size: { cols: number; rows: number }): SandboxCommand {
  const bwrap: string[] = [
    '/usr/bin/bwrap',
    '--unshare-user',
    '--uid',
    '1000',
    '--gid',
    '1000',
    '--disable-userns',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--hostname',
    'paranoid',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    ...(spec.seccomp ? ['--seccomp', String(SECCOMP_FD)] : []),
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/sbin',
    '/sbin',
    '--symlink',
    'usr/lib',
    '/lib',
  ];
  if (existsSync('/usr/lib64')) bwrap.push('--symlink', 'usr/lib64', '/lib64');
  for (const path of ETC_ALLOWLIST) if (existsSync(path)) bwrap.push('--ro-bind', path, path);
  bwrap.push(
    '--ro-bind',
    spec.files.passwd,
    '/etc/passwd',
    '--ro-bind',
    spec.files.group,
    '/etc/group',
    '--ro-bind',
    spec.files.kubeconfig,
    SANDBOX_KUBECONFIG,
    '--ro-bind',
    spec.files.bashrc,
    SANDBOX_RC,
    '--ro-bind',
    spec.relay,
    SANDBOX_RELAY,
    '--ro-bind',
    spec.sockets.dir,
    SANDBOX_RUN_DIR,
  );
  if (spec.kubectl) bwrap.push('--ro-bind', spec.kubectl, `${SANDBOX_BIN_DIR}/kubectl`);
  // Raw TCP to a node's NodePort is `nc NODE PORT`: busybox's applet stands in where the host has no nc.
  if (!NC_PATHS.some((path) => existsSync(path)) && existsSync('/usr/bin/busybox'))
    bwrap.push('--symlink', '/usr/bin/busybox', `${SANDBOX_BIN_DIR}/nc`);
  bwrap.push(
    '--proc',
    '/proc',
    // The kernel's knobs stay the host's and read-only, whatever uid the learner has.
    '--ro-bind',
    '/proc/sys',
    '/proc/sys',
    '--ro-bind-try',
    '/proc/sysrq-trigger',
    '/proc/sysrq-trigger',
    '--ro-bind-try',
    '/proc/irq',
    '/proc/irq',
    '--ro-bind-try',
    '/proc/bus',
    '/proc/bus',
    '--dev',
    '/dev',
    '--size',
    String(SESSION_LIMITS.shmBytes),
    '--tmpfs',
    '/dev/shm',
    '--size',
    String(SESSION_LIMITS.tmpBytes),
    '--tmpfs',
    '/tmp',
    '--size',
    String(SESSION_LIMITS.homeBytes),
    '--tmpfs',
    SANDBOX_HOME,
    '--chdir',
    SANDBOX_HOME,
    '--clearenv',
  );
  const env: Record<string, string> = {
    PATH: `${SANDBOX_BIN_DIR}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin`,
    HOME: SANDBOX_HOME,
    USER: 'learner',
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    COLUMNS: String(size.cols),
    LINES: String(size.rows),
    KUBECONFIG: SANDBOX_KUBECONFIG,
    // curl and wget reach the cluster from outside through the relay; kubectl goes direct.
    http_proxy: `http://127.0.0.1:${SANDBOX_PROXY_PORT}`,
    https_proxy: `http://127.0.0.1:${SANDBOX_PROXY_PORT}`,
    HTTPS_PROXY: `http://127.0.0.1:${SANDBOX_PROXY_PORT}`,
    no_proxy: '127.0.0.1,localhost',
    NO_PROXY: '127.0.0.1,localhost',
  };
  for (const [name, value] of Object.entries(env)) bwrap.push('--setenv', name, value);
  bwrap.push(
    '/usr/bin/perl',
    SANDBOX_RELAY,
    `${SANDBOX_API_PORT}=${SANDBOX_RUN_DIR}/api.sock`,
    `${SANDBOX_PROXY_PORT}=${SANDBOX_RUN_DIR}/proxy.sock`,
    ...(spec.sockets.nodes ? [`nodes=${SANDBOX_RUN_DIR}/nodes.sock`] : []),
    `${SANDBOX_RUN_DIR}/control.sock`,
    '--',
    '/usr/bin/bash',
    '--rcfile',
    SANDBOX_RC,
    '-i',
  );
  const limits = [
    '/usr/bin/prlimit',
    `--nproc=${spec.nproc}`,
    `--as=${PROCESS_LIMITS.addressSpaceBytes}`,
    `--fsize=${PROCESS_LIMITS.fileSizeBytes}`,
    `--nofile=${PROCESS_LIMITS.openFiles}`,
    '--core=0',
    '--',
  ];
  const drop = spec.user
    ? [
        '/usr/bin/setpriv',
        `--reuid=${spec.user.uid}`,
        `--regid=${spec.user.gid}`,
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--no-new-privs',
        '--',
      ]
    : [];
  // The filter goes to bwrap as an open descriptor, opened before the uid is dropped.
  const openFilter = spec.seccomp
    ? ['/bin/sh', '-c', `exec ${SECCOMP_FD}< "$0" || exit 126; exec "$@"`, spec.seccomp]
    : [];
  const [file, ...args] = joinCgroupCommand(spec.cgroupProcs, [
    ...openFilter,
    ...drop,
    ...limits,
    ...netnsPrefix(spec.netns, spec.nodeAddresses),
    ...bwrap,
  ]);
  return { file: file!, args, env: {} };
}

/**
 * The learner's shell outside any sandbox, for `--unsafe-local-shell` on a single-user machine:
 * the same kubeconfig and rc file, the user's own account and files.
 */
export function localShellCommand(files: SandboxFiles): SandboxCommand {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    KUBECONFIG: files.kubeconfig,
  };
  return { file: '/bin/bash', args: ['--rcfile', files.bashrc, '-i'], env };
}

/**
 * Container tools the host may have in /usr that can do nothing in the learner's terminal: it
 * has no engine or socket of its own and reaches only its cluster's API and nodes. Rather than
 * failing with a connection error that reads like a broken lab, they say why and exit 127.
 */
const HOST_ONLY_TOOLS = ['docker', 'dockerd', 'containerd', 'ctr', 'nerdctl', 'podman', 'runc', 'crictl', 'kind'];

/**
 * The cloud account's CLI, as much of it as the lab's cloud has: the nodes' instances and their
 * metadata options, through the simulator's admin-only `/paranoid/v1/cloud` endpoint with the
 * learner's own kubeconfig (kubectl carries the connection), and `sts get-caller-identity` with
 * the credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (keys taken
 * from the metadata service act as the node's role; the kube connection is only the transport).
 * Values are checked here only so that they can be put into JSON safely; the endpoint validates
 * them as EC2 and STS do.
 */
const AWS_FUNCTION = `aws() {
  local usage='usage: aws ec2 describe-instances | aws ec2 modify-instance-metadata-options --instance-id ID [--http-tokens optional|required] [--http-put-response-hop-limit N] | aws sts get-caller-identity'
  if [ "$1" = sts ] && [ "$2" = get-caller-identity ] && [ $# -eq 2 ]; then
    if [ -z "\${AWS_ACCESS_KEY_ID:-}" ] || [ -z "\${AWS_SECRET_ACCESS_KEY:-}" ]; then
      echo 'Unable to locate credentials. You can configure credentials by running "aws configure".' >&2; return 253
    fi
    if ! [[ "$AWS_ACCESS_KEY_ID" =~ ^[A-Z0-9]{16,128}$ && "$AWS_SECRET_ACCESS_KEY" =~ ^[A-Za-z0-9/+=]{1,128}$ && "\${AWS_SESSION_TOKEN:-}" =~ ^[A-Za-z0-9/+=-]*$ && \${#AWS_SESSION_TOKEN} -le 2048 ]]; then
      echo 'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.' >&2; return 254
    fi
    local creds='"AccessKeyId":"'"$AWS_ACCESS_KEY_ID"'","SecretAccessKey":"'"$AWS_SECRET_ACCESS_KEY"'"'
    [ -n "\${AWS_SESSION_TOKEN:-}" ] && creds="$creds"',"SessionToken":"'"$AWS_SESSION_TOKEN"'"'
    local out
    if ! out=$(printf '{%s}' "$creds" | kubectl create --raw /paranoid/v1/cloud/sts/get-caller-identity -f - 2>&1); then
      local reason
      reason=$(printf '%s' "$out" | grep -o '[A-Za-z][A-Za-z]*: [^"]*' | head -n 1)
      echo "An error occurred (\${reason%%:*}) when calling the GetCallerIdentity operation:\${reason#*:}" >&2; return 254
    fi
    echo "$out"; return 0
  fi
  if [ "$1" != ec2 ]; then echo "aws: this lab's cloud has only the commands below" >&2; echo "$usage" >&2; return 2; fi
  case "$2" in
    describe-instances)
      kubectl get --raw /paranoid/v1/cloud/instances && echo ;;
    modify-instance-metadata-options)
      shift 2
      local id='' tokens='' hops='' body=''
      while [ $# -gt 0 ]; do
        case "$1" in
          --instance-id) id="$2"; shift 2 ;;
          --instance-id=*) id="\${1#*=}"; shift ;;
          --http-tokens) tokens="$2"; shift 2 ;;
          --http-tokens=*) tokens="\${1#*=}"; shift ;;
          --http-put-response-hop-limit) hops="$2"; shift 2 ;;
          --http-put-response-hop-limit=*) hops="\${1#*=}"; shift ;;
          *) echo "aws: error: unknown option: $1" >&2; echo "$usage" >&2; return 2 ;;
        esac
      done
      if ! [[ "$id" =~ ^[A-Za-z0-9-]{1,64}$ ]]; then echo 'aws: error: the following arguments are required: --instance-id' >&2; return 2; fi
      if [ -n "$tokens" ] && ! [[ "$tokens" =~ ^[A-Za-z]{1,32}$ ]]; then echo "aws: error: argument --http-tokens: Invalid choice: '$tokens', valid choices are: optional | required" >&2; return 2; fi
      if [ -n "$hops" ] && ! [[ "$hops" =~ ^[0-9]{1,5}$ ]]; then echo "aws: error: argument --http-put-response-hop-limit: expected an integer, got '$hops'" >&2; return 2; fi
      [ -n "$tokens" ] && body='"HttpTokens":"'"$tokens"'"'
      [ -n "$hops" ] && body="\${body:+$body,}"'"HttpPutResponseHopLimit":'"$hops"
      printf '{%s}' "$body" | kubectl create --raw "/paranoid/v1/cloud/instances/$id/metadata-options" -f - && echo ;;
    *) echo "$usage" >&2; return 2 ;;
  esac
}`;

/** The shell's rc: a prompt that names the scenario, kubectl's usual alias, and the host-only tools explained. */
export function bashrc(scenarioId: string): string {
  const name = scenarioId.replace(/[^a-z0-9-]/g, '');
  return [
    `PS1='\\[\\e[38;5;203m\\]${name}\\[\\e[0m\\]:\\[\\e[38;5;111m\\]\\w\\[\\e[0m\\]\\$ '`,
    'alias k=kubectl',
    'alias ll="ls -la"',
    'HISTFILE=/tmp/.bash_history',
    ...HOST_ONLY_TOOLS.map(
      (tool) =>
        `${tool}() { echo "${tool}: not in this terminal: it has no container engine; reach the cluster's containers with kubectl (exec, logs, debug)" >&2; return 127; }`,
    ),
    AWS_FUNCTION,
    '',
  ].join('\n');
}
