/**
 * The learner's terminal, attacked from inside as a hostile learner would (issues #11 and
 * #12): the real runner (`createServeLab`, as `paranoid serve --provider sim` runs it), the
 * real bubblewrap sandbox, driven through the terminal WebSocket the site uses.
 *
 * It reaches its own cluster and that cluster's NodePorts, and nothing else; it is not host
 * root; its limits bind; and the runner keeps serving other sessions throughout.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import type { SandboxShell } from '@paranoid/server/sandbox-host.ts';
import {
  type LimitsSummary,
  PROCESS_LIMITS,
  parseCgroupMounts,
  parseProcCgroup,
  SESSION_LIMITS,
} from '@paranoid/server/sandbox-limits.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyReferenceSolution, openTerminal, startLab, type TerminalClient } from '../support/sandbox-terminal.ts';

let lab: LabServer;
let base: string;
let port: number;
let shell: TerminalClient;
let neighbour: TerminalClient;
let listener: Server;
let listenerPort: number;
let listenerHits = 0;

beforeAll(async () => {
  ({ lab, base, port } = await startLab());
  if (lab.terminals.kind !== 'sandbox') {
    throw new Error(
      `the sandbox is required here, and terminals are ${lab.terminals.kind}: ${'reason' in lab.terminals ? lab.terminals.reason : ''}`,
    );
  }
  listener = createServer((socket) => {
    listenerHits++;
    socket.end('host secret\n');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listenerPort = (listener.address() as { port: number }).port;
  shell = await openTerminal(base, 'exposed-dashboard');
  neighbour = await openTerminal(base, 'exposed-dashboard');
}, 120_000);

afterAll(async () => {
  shell?.close();
  neighbour?.close();
  listener?.close();
  await lab?.close();
});

/** Host pids of every process in one PID namespace (`pid:[inode]`). */
function sandboxPids(ns: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === ns) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/** The directory of a process's cgroup for one controller ('' for v2), from the host's mounts. */
function cgroupDirOf(pid: number, controller: string): string {
  const own = parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  const mounts = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  const v1 = mounts.find((m) => m.fstype === 'cgroup' && m.options.includes(controller));
  const mount = v1 && own.has(controller) ? v1 : mounts.find((m) => m.fstype === 'cgroup2');
  const path = v1 && own.has(controller) ? own.get(controller)! : own.get('')!;
  if (!mount) throw new Error(`failed to find the ${controller} cgroup of ${pid}`);
  return join(mount.point, mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path);
}

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

const limits = () => (lab.terminals.kind === 'sandbox' ? lab.terminals.host.facts.limits : 'none');

const health = async () => (await fetch(`${base}/api/health`)).status;

/** The other session's terminal still reaches its own cluster: the runner serves others. */
async function neighbourServed(): Promise<void> {
  expect(await health()).toBe(200);
  expect(await neighbour.run('kubectl get ns -o name')).toContain('namespace/default');
}

describe('the terminal reaches its own cluster', () => {
  it('runs kubectl v1.32 against the session cluster', async () => {
    const out = await shell.run('kubectl version');
    // The bundled, verified binary (startLab asks for it), not whatever the host has.
    expect(out).toMatch(/Client Version: v1\.32\.3\s/);
    expect(out).toMatch(/Server Version: v1\./);
    expect(await shell.run('kubectl get ns kubernetes-dashboard -o name')).toContain('namespace/kubernetes-dashboard');
  });

  it("reaches a node's NodePort through the simulated network before the reference solution, and not after", async () => {
    const attack =
      'NODE=$(kubectl get nodes -o jsonpath=\'{.items[0].status.addresses[?(@.type=="InternalIP")].address}\'); curl -sk --max-time 3 "https://$NODE:31337/api/v1/secret/telemetry"; echo " curl=$?"';
    const before = await shell.run(attack);
    expect(before).toContain('"name": "s3-creds"');
    expect(before).toContain('curl=0');
    await applyReferenceSolution(lab, 'exposed-dashboard', shell);
    const after = await shell.run(attack);
    expect(after).not.toContain('s3-creds');
    expect(after).not.toContain('curl=0');
  });
});

describe('the terminal reaches nothing else', () => {
  it("cannot connect to the runner's port or to a listener on the host's loopback", async () => {
    for (const target of [`http://127.0.0.1:${port}/api/health`, `http://127.0.0.1:${listenerPort}/`]) {
      // Directly (the sandbox has its own loopback) and through the relay's proxy (the simulated network).
      const direct = await shell.run(`curl -sS --max-time 3 ${target}; echo " curl=$?"`);
      expect(direct).toMatch(/curl=7/);
      const proxied = await shell.run(`curl -sS --noproxy '' --max-time 3 ${target}; echo " curl=$?"`);
      expect(proxied).not.toMatch(/"status"|host secret/);
    }
    expect(listenerHits).toBe(0);
  });

  it("cannot reach another session's cluster through its API prefix, even with that cluster's token", async () => {
    const other = lab.sessions.authorize(neighbour.id, neighbour.token);
    const otherToken = /token: (\S+)/.exec(other.cluster.kubeconfig)?.[1];
    expect(otherToken).toBeTruthy();
    const out = await shell.run(
      `curl -sk --max-time 5 -o /dev/null -w 'code=%{http_code}\\n' -H 'Authorization: Bearer ${otherToken}' https://127.0.0.1:6443/clusters/${other.cluster.id}/api/v1/namespaces; curl -sk --max-time 5 -o /dev/null -w 'code=%{http_code}\\n' 'https://127.0.0.1:6443/%2e%2e/clusters/${other.cluster.id}/api/v1/namespaces'`,
    );
    const codes = [...out.matchAll(/code=(\d+)/g)].map((m) => m[1]);
    expect(codes).toHaveLength(2);
    for (const code of codes) expect(code).not.toBe('200');
  });

  it('cannot reach the cloud metadata address', async () => {
    const direct = await shell.run(
      'curl -sS --noproxy "*" --max-time 3 http://169.254.169.254/latest/meta-data/; echo " curl=$?"',
    );
    expect(direct).toMatch(/curl=7/);
    const proxied = await shell.run('curl -sS --max-time 3 http://169.254.169.254/latest/meta-data/');
    expect(proxied).toMatch(/no route to host|i\/o timeout|connection refused/);
  });

  it("cannot read the runner's files or other sessions' kubeconfigs", async () => {
    const session = lab.sessions.authorize(neighbour.id, neighbour.token);
    const out = await shell.run(
      `cat ${session.dir}/kubeconfig; ls /root /work ${process.cwd()}; cat /proc/1/environ | tr '\\0' '\\n' | grep -c PARANOID; ls /run/paranoid`,
    );
    expect(out).toMatch(/No such file or directory/);
    expect(out).not.toContain('certificate-authority-data');
    expect(out).not.toContain('package.json');
  });
});

describe('the terminal is not host root and its limits bind', () => {
  it('runs as an unprivileged host uid', async () => {
    await shell.run('true');
    const session = lab.sessions.authorize(shell.id, shell.token);
    const pid = (session.terminal as SandboxShell).pid;
    expect(pid).toBeGreaterThan(0);
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    expect(Number(uid)).not.toBe(0);
    if (process.getuid?.() !== 0) expect(Number(uid)).toBe(process.getuid?.());
  });

  it('cannot write kernel settings or make user namespaces', async () => {
    const out = await shell.run(
      'echo "|/tmp/x" > /proc/sys/kernel/core_pattern; echo 10 > /proc/sys/vm/swappiness; echo "w=$?"; unshare -U true; echo "userns=$?"',
    );
    expect(out).toMatch(/core_pattern: (Read-only file system|Permission denied)/);
    expect(out).toMatch(/w=1/);
    expect(out).toMatch(/userns=1/);
  });

  it("cannot start a session of its own, so everything it runs stays in the terminal's one autogroup", async () => {
    // Without a cgroup the kernel's autogroups are a terminal's CPU share: one per session, and
    // setsid would make another. The seccomp filter refuses it (perl forks first: a process
    // group leader, as a foreground job is, may never call setsid anyway).
    const ns = (await shell.run('readlink /proc/self/ns/pid')).match(/pid:\[\d+\]/)?.[0];
    expect(ns).toBeTruthy();
    const out = await shell.run(
      'setsid -w sh -c "sleep 5"; echo "setsid=$?"; perl -MPOSIX -e \'if (fork) { wait } else { my $s = POSIX::setsid(); print $s < 0 ? "refused: $!" : "new session $s", "\\n" }\'; sleep 5 & sleep 0.2',
    );
    expect(out).toMatch(/setsid failed: Operation not permitted/);
    expect(out).toMatch(/setsid=1/);
    expect(out).toMatch(/refused: Operation not permitted/);
    // Seen from the host: the terminal is an autogroup apart from the runner's, and every
    // process in it (the background sleep included) is in that one.
    const session = lab.sessions.authorize(shell.id, shell.token);
    const pid = (session.terminal as SandboxShell).pid!;
    const autogroup = (p: number | 'self') => readFileSync(`/proc/${p}/autogroup`, 'utf8').split(' ')[0];
    const terminal = autogroup(pid);
    expect(terminal).toMatch(/^\/autogroup-\d+$/);
    expect(terminal).not.toBe(autogroup('self'));
    const inSandbox = sandboxPids(ns!);
    expect(inSandbox.some((p) => readComm(p) === 'sleep')).toBe(true);
    for (const p of inSandbox) {
      try {
        expect(autogroup(p)).toBe(terminal);
      } catch (error) {
        if (existsSync(`/proc/${p}`)) throw error;
      }
    }
  });

  it('stops a fork bomb at the process cap, and the runner serves others meanwhile', async () => {
    const ns = (await shell.run('readlink /proc/self/ns/pid')).match(/pid:\[\d+\]/)?.[0];
    expect(ns).toBeTruthy();
    await shell.run('for ((i = 0; i < 600; i++)); do sleep 60 & done 2>/tmp/forks', 90_000);
    // Counted from the host: inside, at the cap, nothing can fork to count.
    const inSandbox = sandboxPids(ns!);
    expect(inSandbox.length).toBeGreaterThan(100);
    // A cgroup caps each session; without one, RLIMIT_NPROC caps the sandbox uid as a whole.
    const cap = limits() === 'rlimit' ? PROCESS_LIMITS.nprocWithout : SESSION_LIMITS.pids;
    expect(inSandbox.length).toBeLessThanOrEqual(cap);
    expect(await health()).toBe(200);
    // With a cgroup the other sessions do not notice; sharing one uid's RLIMIT_NPROC, they wait.
    if (limits() !== 'rlimit') expect(await neighbour.run('kubectl get ns -o name')).toContain('namespace/default');
    for (const pid of inSandbox) if (readComm(pid) === 'sleep') process.kill(pid, 'SIGKILL');
    expect(await neighbour.run('kubectl get ns -o name')).toContain('namespace/default');
    expect(await shell.run('grep -c "Resource temporarily unavailable" /tmp/forks')).toMatch(/^[1-9]\d*$/m);
  });

  it('kills a memory bomb that spreads over several processes, and one too big for a process', async () => {
    if (limits() === 'rlimit') {
      // Without a cgroup the per-process address-space cap binds at once...
      const out = await shell.run('perl -e \'$x = "a" x (5*1024*1024*1024); print "alive\\n"\'', 90_000);
      expect(out).toMatch(/Out of memory/);
      expect(out).not.toMatch(/^alive$/m);
    }
    // ...and the terminal's total is held by its cgroup, or without one by the runner's memory watch.
    const out = await shell.run(
      'for i in 1 2 3 4; do perl -e \'$x = "a" x (400*1024*1024); sleep 2; print "alive\\n"\' & done; wait',
      90_000,
    );
    const alive = out.match(/^alive$/gm)?.length ?? 0;
    expect(alive).toBeLessThan(4);
    if (limits() === 'rlimit') expect(out).toMatch(/Out of memory: Killed process \d+ \(perl\)/);
    await neighbourServed();
  });

  it('says on /api/health what binds a terminal here, and with a cgroup caps its CPU at half a core', async () => {
    const body = (await (await fetch(`${base}/api/health`)).json()) as { terminalLimits?: LimitsSummary };
    const summary = body.terminalLimits;
    expect(summary?.backend).toBe(limits());
    if (limits() === 'rlimit') {
      // No cgroup to write (an ordinary user without delegation): health says what does not bind.
      expect(summary?.reason).toBeTruthy();
      expect(summary?.unbounded.join(' ')).toMatch(/CPU/);
      return;
    }
    expect(summary?.perSession.memoryBytes).toBe(SESSION_LIMITS.memoryBytes);
    expect(summary?.perSession.cpuCores).toBe(0.5);
    // The shell's own cgroup, read from the host, has the quota; and a burn on every core gets
    // no more than it. (On a host loaded past its cores the burn gets less anyway; whether the
    // kernel throttled depends on that load, so it is not asserted.)
    const session = lab.sessions.authorize(shell.id, shell.token);
    const pid = (session.terminal as SandboxShell).pid!;
    const cpuDir = cgroupDirOf(pid, 'cpu');
    const v2 = existsSync(join(cpuDir, 'cpu.max'));
    const quota = v2
      ? readFileSync(join(cpuDir, 'cpu.max'), 'utf8').trim()
      : `${readFileSync(join(cpuDir, 'cpu.cfs_quota_us'), 'utf8').trim()} ${readFileSync(join(cpuDir, 'cpu.cfs_period_us'), 'utf8').trim()}`;
    expect(quota).toBe(`${SESSION_LIMITS.cpuQuotaMicros} ${SESSION_LIMITS.cpuPeriodMicros}`);
    // More busy loops than the machine has cores many times over, so that even on a loaded
    // host the terminal asks for more than its half core. `times` prints the CPU time of every
    // child the shell ever waited for, earlier tests' fork and memory bombs included (those took
    // 1.4 CPU-s in one run, more on a loaded host, and made this figure look like a whole
    // core), so the burn's own share is the difference between a `times` before and after it.
    const ns = (await shell.run('readlink /proc/self/ns/pid')).match(/pid:\[\d+\]/)?.[0];
    expect(ns).toBeTruthy();
    const burn = shell.run(
      'times; s=$(date +%s%N); for i in $(seq 16); do timeout 3 sh -c \'while :; do :; done\' & done; wait; e=$(date +%s%N); times; echo "elapsed_ms $(( (e - s) / 1000000 ))"',
      60_000,
    );
    // Halfway through, every process of the sandbox is in the shell's CPU cgroup, seen from the
    // host: nothing started in the terminal escapes the quota.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const burners = sandboxPids(ns!).filter((p) => readComm(p) === 'sh');
    expect(burners.length).toBeGreaterThan(0);
    for (const p of sandboxPids(ns!)) {
      try {
        expect(cgroupDirOf(p, 'cpu')).toBe(cpuDir);
      } catch (error) {
        if (existsSync(`/proc/${p}`)) throw error;
      }
    }
    const out = await burn;
    const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm;
    const lines = [...out.matchAll(children)].map(
      ([, um, us, sm, ss]) => Number(um) * 60 + Number(us) + Number(sm) * 60 + Number(ss),
    );
    // Each `times` prints the shell's own line, then its children's.
    expect(lines, out).toHaveLength(4);
    const cpuSeconds = lines[3]! - lines[1]!;
    // The loops run 3 s each; on a loaded host starting sixteen of them takes a while too, so the
    // bound is over their whole span: half a core, plus 0.3 s for the quota left in the period
    // the burn starts in and the kernel's accounting slices. Uncapped they get 2 cores here
    // (1.3 at load 9), 4 to 6 s.
    const elapsed = Number(/^elapsed_ms (\d+)$/m.exec(out)?.[1]) / 1000;
    expect(elapsed, out).toBeGreaterThanOrEqual(3);
    expect(cpuSeconds, out).toBeGreaterThan(0);
    expect(cpuSeconds, out).toBeLessThan(0.5 * elapsed + 0.3);
    await neighbourServed();
  });

  it('fills no more disk than its tmpfs sizes', async () => {
    const out = await shell.run(
      'for i in 1 2 3; do head -c 60M /dev/zero > /tmp/fill$i; done; head -c 60M /dev/zero > ~/fill; df -m /tmp ~ /dev/shm | tail -n 3; rm -f /tmp/fill* ~/fill',
      90_000,
    );
    expect(out).toMatch(/No space left on device/);
    await neighbourServed();
  });
});
