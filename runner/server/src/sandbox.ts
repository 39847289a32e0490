import { existsSync } from 'node:fs';

/** Where the sandboxed shell finds its files (all bound read-only). */
export const SANDBOX_HOME = '/home/learner';
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

/** Resource limits applied with prlimit before the sandbox starts; they bind every process in it. */
export const SANDBOX_LIMITS = {
  /** Processes of the learner's uid inside the sandbox (a fork bomb stops here). */
  nproc: 256,
  /** Address space per process: kubectl (Go) reserves a lot of virtual memory, so this is generous. */
  addressSpaceBytes: 4 * 1024 ** 3,
  fileSizeBytes: 64 * 1024 ** 2,
  openFiles: 512,
} as const;

export interface SandboxFiles {
  /** The session's kubeconfig on the host (mode 0600, in the session's private directory). */
  kubeconfig: string;
  /** The shell's rc file on the host. */
  bashrc: string;
  /** A passwd/group pair naming the learner, so `whoami` and prompts work. */
  passwd: string;
  group: string;
}

export interface SandboxCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** Why terminals cannot be offered, or null when bubblewrap is there. */
export function sandboxUnavailableReason(bwrap = '/usr/bin/bwrap', prlimit = '/usr/bin/prlimit'): string | null {
  if (!existsSync(bwrap)) {
    return `bubblewrap is not installed (${bwrap} is missing): install the Debian package \`bubblewrap\`, or start the runner with --unsafe-local-shell on a single-user machine`;
  }
  if (!existsSync(prlimit))
    return `prlimit is not installed (${prlimit} is missing): install the Debian package \`util-linux\``;
  return null;
}

/**
 * The command that starts a learner's shell in a bubblewrap sandbox:
 *
 * - a read-only /usr (bash, kubectl) and a short allowlist of /etc; no /home, /root, /work,
 *   /var or /run of the host, so neither the runner's files nor other sessions' kubeconfigs
 *   (each in its own 0700 directory) are visible;
 * - a private tmpfs for /tmp and $HOME; new user (uid 1000, no capabilities), PID, IPC and
 *   UTS namespaces; the sandbox dies with the runner (`--die-with-parent`);
 * - only this session's kubeconfig, bound read-only;
 * - rlimits on processes, address space, file size and open files.
 *
 * What it allows: the host's network namespace is shared, because kubectl must reach the
 * simulated API server on 127.0.0.1. The learner can therefore open connections to loopback
 * ports (the sim, which demands a per-cluster token; the runner's API, which demands a
 * per-session token) and wherever the host itself may connect.
 *
 * Not `--new-session`: it would detach the shell from its pseudo-terminal, which breaks
 * Ctrl-C, job control and resize. The usual reason for it (TIOCSTI injecting keystrokes into
 * the terminal that started the sandbox) does not apply here: the pty is the sandbox's own,
 * created for this session, and nothing outside the sandbox reads input from it.
 */
export function sandboxCommand(files: SandboxFiles, size: { cols: number; rows: number }): SandboxCommand {
  const bwrap: string[] = [
    '--unshare-user',
    '--uid',
    '1000',
    '--gid',
    '1000',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--hostname',
    'paranoid',
    '--die-with-parent',
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
    files.passwd,
    '/etc/passwd',
    '--ro-bind',
    files.group,
    '/etc/group',
    '--ro-bind',
    files.kubeconfig,
    SANDBOX_KUBECONFIG,
    '--ro-bind',
    files.bashrc,
    SANDBOX_RC,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--tmpfs',
    SANDBOX_HOME,
    '--chdir',
    SANDBOX_HOME,
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
    '--setenv',
    'HOME',
    SANDBOX_HOME,
    '--setenv',
    'USER',
    'learner',
    '--setenv',
    'TERM',
    'xterm-256color',
    '--setenv',
    'LANG',
    'C.UTF-8',
    '--setenv',
    'COLUMNS',
    String(size.cols),
    '--setenv',
    'LINES',
    String(size.rows),
    '--setenv',
    'KUBECONFIG',
    SANDBOX_KUBECONFIG,
    '/usr/bin/bash',
    '--rcfile',
    SANDBOX_RC,
    '-i',
  );
  const limits = [
    `--nproc=${SANDBOX_LIMITS.nproc}`,
    `--as=${SANDBOX_LIMITS.addressSpaceBytes}`,
    `--fsize=${SANDBOX_LIMITS.fileSizeBytes}`,
    `--nofile=${SANDBOX_LIMITS.openFiles}`,
    '--core=0',
  ];
  return { file: '/usr/bin/prlimit', args: [...limits, '--', '/usr/bin/bwrap', ...bwrap], env: {} };
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

/** The shell's rc: a prompt that names the scenario, and kubectl's usual alias. */
export function bashrc(scenarioId: string): string {
  const name = scenarioId.replace(/[^a-z0-9-]/g, '');
  return [
    `PS1='\\[\\e[38;5;203m\\]${name}\\[\\e[0m\\]:\\[\\e[38;5;111m\\]\\w\\[\\e[0m\\]\\$ '`,
    'alias k=kubectl',
    'alias ll="ls -la"',
    'HISTFILE=/tmp/.bash_history',
    '',
  ].join('\n');
}
