import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import { type KubectlBinary, resolveKubectl } from '@paranoid/kube/kubectl-binary.ts';
import type { ClusterHandle } from '@paranoid/providers/provider.ts';
import { parse } from 'yaml';
import { removeLeftovers } from './leftovers.ts';
import { missingTools, netnsPrefix, type SandboxFiles, sandboxCommand } from './sandbox.ts';
import {
  createSessionCgroup,
  detectLimitsBackend,
  type LimitsBackend,
  type LimitsSummary,
  MEMORY_WATCH_INTERVAL_MS,
  PROCESS_LIMITS,
  removeBackend,
  SESSION_LIMITS,
  type SessionCgroup,
  summarizeLimits,
} from './sandbox-limits.ts';
import { describeMemoryKill, type MemoryWatch, startMemoryWatch } from './sandbox-memory-watch.ts';
import { MAX_NODE_ADDRESSES, SANDBOX_API_PORT, type SandboxNetwork, startSandboxNetwork } from './sandbox-network.ts';
import { setsidFilterBytes } from './sandbox-seccomp.ts';
import { type SandboxUser, sandboxUser } from './sandbox-user.ts';
import { ShellBase, Terminal, type TerminalSize } from './terminal.ts';

const RELAY_SOURCE = fileURLToPath(new URL('./sandbox-relay.pl', import.meta.url));
const NETNS_SOURCE = fileURLToPath(new URL('./sandbox-netns.pl', import.meta.url));

/**
 * Whether bubblewrap can make the sandbox's namespaces here, as the sandbox's uid: it cannot
 * when the kernel forbids unprivileged user namespaces (Debian's
 * `kernel.unprivileged_userns_clone=0`, Ubuntu's AppArmor restriction) or in a container
 * without them. Null when it can; else the reason and the fix.
 */
export function probeNamespaces(user: SandboxUser & { ok: true }, netnsScript = NETNS_SOURCE): string | null {
  const drop = user.switchTo
    ? ['/usr/bin/setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--no-new-privs', '--']
    : [];
  const bwrap = [
    '/usr/bin/bwrap',
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--ro-bind',
    '/usr',
    '/usr',
    '--proc',
    '/proc',
  ];
  const links = [
    '--symlink',
    'usr/lib',
    '/lib',
    ...(existsSync('/usr/lib64') ? ['--symlink', 'usr/lib64', '/lib64'] : []),
  ];
  // The same chain as a terminal's: its own network namespace first (sandbox.ts, netnsPrefix).
  const [file, ...args] = [
    ...drop,
    ...netnsPrefix(netnsScript, ['192.0.2.1']),
    ...bwrap,
    ...links,
    '--dev',
    '/dev',
    '/usr/bin/true',
  ];
  const run = spawnSync(file!, args, { encoding: 'utf8', timeout: 10_000 });
  if (run.status === 0) return null;
  const cause = (run.stderr || run.error?.message || `exit ${run.status}`).trim().split('\n')[0];
  return `bubblewrap cannot create the sandbox's namespaces here (${cause}). Fix: allow unprivileged user namespaces, e.g. \`sudo sysctl -w kernel.unprivileged_userns_clone=1\` (Debian) or \`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0\` (Ubuntu), then restart the lab`;
}

/** Facts about the sandbox on this host, for health, doctor and the README's promises. */
export interface SandboxFacts {
  user: { uid: number; name: string; switched: boolean };
  limits: LimitsBackend['kind'];
  limitsNote?: string;
  /** What binds one terminal here, in numbers (health and doctor show it). */
  bounds: LimitsSummary;
  kubectl: Promise<KubectlBinary>;
}

/** What a sandbox is opened for: one session's files, cluster and private directory. */
export interface SandboxSession {
  id: string;
  dir: string;
  files: SandboxFiles;
  cluster: Pick<ClusterHandle, 'kubeconfig' | 'requestFromInternet' | 'internetStreams'>;
}

/** Makes learners' sandboxes on this host; made once per runner by {@link prepareSandboxHost}. */
export interface SandboxHost {
  readonly facts: SandboxFacts;
  open(session: SandboxSession, size: TerminalSize): SandboxShell;
  close(): Promise<void>;
}

/**
 * Checks once what every sandbox needs (the tools, an unprivileged uid, namespaces that
 * bubblewrap can create) and finds the limits backend, the kubectl and the relay's
 * certificate. A failure is the reason terminals are off, with the command that fixes it.
 */
export function prepareSandboxHost(
  workDir: string,
  options: {
    /** The relay's serving certificate (ECDSA, SAN 127.0.0.1), made where a certificate can be made. */
    certificate: () => { cert: string; key: string };
    kubectl?: () => Promise<KubectlBinary>;
  },
): { ok: true; host: SandboxHost } | { ok: false; reason: string } {
  const missing = missingTools();
  if (missing) return { ok: false, reason: missing };
  const user = sandboxUser();
  if (!user.ok) return user;
  // What every sandbox runs before bash (the relay, the network's setup) lives where the sandbox's uid can read it.
  const shared = join(workDir, 'shared');
  mkdirSync(shared, { recursive: true });
  const relay = join(shared, 'sandbox-relay.pl');
  copyFileSync(RELAY_SOURCE, relay);
  chmodSync(relay, 0o644);
  const netns = join(shared, 'sandbox-netns.pl');
  copyFileSync(NETNS_SOURCE, netns);
  chmodSync(netns, 0o644);
  const seccomp = join(shared, 'seccomp-setsid.bpf');
  writeFileSync(seccomp, setsidFilterBytes(), { mode: 0o644 });
  if (user.switchTo) {
    // The sandbox's uid must pass through the sessions' directory (never list it) to these.
    chmodSync(workDir, 0o711);
    chmodSync(shared, 0o755);
  }
  const namespaces = probeNamespaces(user, netns);
  if (namespaces) return { ok: false, reason: namespaces };
  const limits = detectLimitsBackend(String(process.pid));
  // No cgroup to hold a terminal's memory: the runner measures and kills as its OOM killer would.
  const memoryWatch =
    limits.kind === 'rlimit'
      ? startMemoryWatch({ limitBytes: SESSION_LIMITS.memoryBytes, intervalMs: MEMORY_WATCH_INTERVAL_MS })
      : undefined;
  // A runner that crashed may have left learners' processes running: they go now.
  void removeLeftovers({ limits }).catch(() => undefined);
  const tls = options.certificate();
  const kubectl = (options.kubectl ?? (() => resolveKubectl()))();
  const facts: SandboxFacts = {
    user: { uid: user.uid, name: user.name, switched: user.switchTo },
    limits: limits.kind,
    ...(limits.kind === 'rlimit' ? { limitsNote: limits.reason } : {}),
    bounds: summarizeLimits(limits),
    kubectl,
  };
  const shells = new Set<SandboxShell>();
  let count = 0;
  const host: SandboxHost = {
    facts,
    open(session, size) {
      // The sandbox's uid must pass through the sessions' directory (never list it) to its own.
      if (user.switchTo) chmodSync(workDir, 0o711);
      const shell = new SandboxShell(
        {
          session,
          user,
          limits,
          memoryWatch,
          tls,
          relay,
          seccomp,
          netns,
          kubectl,
          name: `s-${session.id}-${++count}`,
        },
        size,
      );
      shells.add(shell);
      shell.onExit(() => shells.delete(shell));
      return shell;
    },
    async close() {
      for (const shell of shells) shell.kill();
      await Promise.all([...shells].map((s) => s.closed));
      memoryWatch?.close();
      await removeBackend(limits);
    },
  };
  return { ok: true, host };
}

interface ShellParts {
  session: SandboxSession;
  user: SandboxUser & { ok: true };
  limits: LimitsBackend;
  /** The runner's memory watch, where no cgroup caps a terminal's memory. */
  memoryWatch: MemoryWatch | undefined;
  tls: { cert: string; key: string };
  relay: string;
  seccomp: string;
  netns: string;
  kubectl: Promise<KubectlBinary>;
  name: string;
}

/** The session cluster's API URL, CA and token, from the kubeconfig the provider made. */
export function upstreamOf(kubeconfig: string): { server: string; token: string; certificateAuthority?: string } {
  const config = parse(kubeconfig) as {
    clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
    users?: { user?: { token?: string } }[];
  };
  const cluster = config.clusters?.[0]?.cluster;
  const token = config.users?.[0]?.user?.token;
  if (!cluster?.server || !token) throw new Error('the cluster kubeconfig has no server or token');
  const ca = cluster['certificate-authority-data'];
  return {
    server: cluster.server,
    token,
    ...(ca ? { certificateAuthority: Buffer.from(ca, 'base64').toString('utf8') } : {}),
  };
}

const notice = (text: string) => `\r\n\x1b[33m[paranoid] ${text.replace(/\n/g, '\r\n')}\x1b[0m\r\n`;

/**
 * A learner's shell in a bubblewrap sandbox with its own network and limits. Opening takes a
 * few milliseconds (sockets, cgroup), so keystrokes typed before the shell is up are held;
 * what goes wrong on the way is said in the terminal, and the session stays usable.
 */
export class SandboxShell extends ShellBase {
  private terminal: Terminal | null = null;
  private pending: string[] = [];
  private currentSize: TerminalSize;
  private network: SandboxNetwork | null = null;
  private cgroup: SessionCgroup | null = null;
  private unwatch: (() => void) | null = null;
  private killed = false;
  /** Settles when the sandbox's sockets and cgroup are gone. */
  readonly closed: Promise<void>;
  private markClosed!: () => void;

  constructor(parts: ShellParts, initial: TerminalSize) {
    super();
    this.currentSize = initial;
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    this.open(parts).catch((error: unknown) => {
      this.output(notice(`failed to start the terminal sandbox: ${error instanceof Error ? error.message : error}`));
      void this.cleanUp();
      this.exit(1);
    });
  }

  get pid(): number | undefined {
    return this.terminal?.pid;
  }

  private async open(parts: ShellParts): Promise<void> {
    const { session, user } = parts;
    // The node addresses go on the sandbox's loopback at its start; their ports follow the cluster.
    // Asked at once, so the cluster's answer and the kubectl check overlap.
    const streams = session.cluster.internetStreams;
    const listeningAnswer = streams ? Promise.resolve(streams.listening()).catch(() => null) : Promise.resolve(null);
    const kubectl = await parts.kubectl;
    if (this.killed) return this.abandon();
    if (!kubectl.ok) this.output(notice(`kubectl is not available in this terminal: ${kubectl.reason}`));
    const upstream = upstreamOf(session.cluster.kubeconfig);
    const owner = user.switchTo ? { uid: user.uid, gid: user.gid } : undefined;
    const kubeconfig = join(session.dir, `sandbox-kubeconfig-${parts.name}`);
    writeFileSync(
      kubeconfig,
      kubeconfigYaml({
        server: `https://127.0.0.1:${SANDBOX_API_PORT}`,
        token: upstream.token,
        context: 'paranoid',
        user: 'paranoid-admin',
        namespace: 'default',
        certificateAuthority: parts.tls.cert,
      }),
      { mode: 0o600 },
    );
    const listening = await listeningAnswer;
    const nodeAddresses = (listening?.addresses ?? [])
      .filter((a) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a) && !a.startsWith('127.'))
      .slice(0, MAX_NODE_ADDRESSES);
    if (this.killed) return this.abandon();
    this.network = await startSandboxNetwork({
      dir: join(session.dir, `net-${parts.name}`),
      api: {
        server: upstream.server,
        ...(upstream.certificateAuthority ? { certificateAuthority: upstream.certificateAuthority } : {}),
      },
      fromInternet: (request) => session.cluster.requestFromInternet(request),
      tls: parts.tls,
      ...(owner ? { owner } : {}),
      ...(streams && nodeAddresses.length
        ? {
            nodes: {
              streams,
              addresses: nodeAddresses,
              onNotice: (text: string) => {
                if (this.alive && !this.killed) this.output(notice(text));
              },
            },
          }
        : {}),
      onRelayLost: () => {
        // The relay also goes when the whole sandbox ends; only a living shell is told.
        setTimeout(() => {
          if (this.alive && !this.killed)
            this.output(
              notice(
                "this terminal's network relay stopped, so kubectl and curl cannot reach your cluster from it.\nType `exit` to get a fresh terminal; your cluster and progress are kept.",
              ),
            );
        }, 300).unref();
      },
    });
    if (this.killed) return this.abandon();
    this.cgroup = createSessionCgroup(parts.limits, parts.name);
    if (owner) {
      chownSync(session.dir, owner.uid, owner.gid);
      for (const entry of readdirSync(session.dir)) {
        const path = join(session.dir, entry);
        if (statSync(path).isFile()) chownSync(path, owner.uid, owner.gid);
      }
    }
    const command = sandboxCommand(
      {
        files: { ...session.files, kubeconfig },
        relay: parts.relay,
        seccomp: parts.seccomp,
        netns: parts.netns,
        nodeAddresses: this.network.sockets.nodes ? nodeAddresses : [],
        sockets: { dir: join(session.dir, `net-${parts.name}`), ...this.network.sockets },
        ...(kubectl.ok && !kubectl.path.startsWith('/usr/') ? { kubectl: kubectl.path } : {}),
        ...(owner ? { user: owner } : {}),
        cgroupProcs: this.cgroup?.procsFiles ?? [],
        nproc: this.cgroup ? PROCESS_LIMITS.nprocWithCgroup : PROCESS_LIMITS.nprocWithout,
      },
      this.currentSize,
    );
    const terminal = new Terminal(command, this.currentSize);
    this.terminal = terminal;
    terminal.attach((data) => this.output(data));
    this.unwatch =
      parts.memoryWatch?.add({
        pid: () => terminal.pid,
        onKill: (kill) => this.output(notice(describeMemoryKill(kill))),
      }) ?? null;
    terminal.onExit((code) => {
      if (code === 125) this.output(notice('failed to place the terminal in its resource limits (cgroup)'));
      void this.cleanUp();
      this.exit(code);
    });
    for (const data of this.pending.splice(0)) terminal.write(data);
  }

  /** Killed while opening: nothing runs yet, so only the parts made so far go. */
  private async abandon(): Promise<void> {
    await this.cleanUp();
    this.exit(137);
  }

  private async cleanUp(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    this.network?.close();
    this.network = null;
    const cgroup = this.cgroup;
    this.cgroup = null;
    await cgroup?.remove();
    this.markClosed();
  }

  write(data: string): void {
    if (!this.alive) return;
    if (this.terminal) this.terminal.write(data);
    else if (this.pending.length < 1024) this.pending.push(data);
  }

  resize(size: TerminalSize): void {
    this.currentSize = size;
    this.terminal?.resize(size);
  }

  kill(): void {
    if (this.killed) return;
    this.killed = true;
    if (this.terminal) this.terminal.kill();
    else if (!this.alive) void this.cleanUp();
  }
}
