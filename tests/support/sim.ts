/**
 * Starts a simulated cluster in this process and runs the real kubectl
 * (v1.32) against it: a fresh discovery cache per run, a kubeconfig in a
 * temporary directory, 127.0.0.1 only. For every suite that crosses packages.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKubeconfig } from '@paranoid/kube/kubeconfig.ts';
import { type SimulatedClusterDeps, simulatedClusterOptions } from '@paranoid/sim/assemble.ts';
import type { ClusterOptions } from '@paranoid/sim/cluster.ts';
import { createSimHost, type HostedCluster, type SimHost } from '@paranoid/sim-server/host.ts';
import { randomIds, realClock } from '@paranoid/sim-server/real-clock.ts';

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin. */
  input?: string;
  env?: Record<string, string>;
  /** Default 30 s; the process is killed after it. */
  timeoutMs?: number;
}

export interface StartedSim {
  kubeconfigPath: string;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  host: SimHost;
  /** The one cluster started. */
  cluster: HostedCluster;
  /** A scratch directory removed on close (for manifests). */
  dir: string;
  close(): Promise<void>;
}

export const KUBECTL = process.env.PARANOID_KUBECTL ?? '/usr/bin/kubectl';

/** Runs kubectl with the given kubeconfig and cache directory. */
export function runKubectl(
  kubeconfigPath: string,
  cacheDir: string,
  args: string[],
  opts: KubectlOptions = {},
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      [`--cache-dir=${cacheDir}`, ...args],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cacheDir, KUBECONFIG: kubeconfigPath, ...opts.env },
        timeout: opts.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/**
 * Starts a host with one cluster and a kubeconfig for it: the bare API (options go to
 * `createCluster`), or with `full` the integrator's full kind-like cluster
 * (`simulatedClusterOptions`: nodes, kube-system pods, RBAC, admission, controllers, runtime).
 */
export async function startSim(
  options: { cluster?: Partial<ClusterOptions>; full?: boolean | Partial<SimulatedClusterDeps> } = {},
): Promise<StartedSim> {
  const dir = mkdtempSync(join(tmpdir(), 'paranoid-sim-'));
  const host = await createSimHost({ host: '127.0.0.1', port: 0 });
  const full = options.full
    ? simulatedClusterOptions({ clock: realClock, ids: randomIds, ...(options.full === true ? {} : options.full) })
    : undefined;
  const cluster = host.addCluster(full ? { ...full, ...options.cluster } : options.cluster);
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, {
    server: cluster.server,
    token: cluster.token,
    certificateAuthority: host.caCertificate,
  });
  const cacheDir = join(dir, 'cache');
  return {
    kubeconfigPath,
    kubectl: (args, opts) => runKubectl(kubeconfigPath, cacheDir, args, opts),
    host,
    cluster,
    dir,
    async close() {
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates namespaces through the API (a fresh bare cluster has none until a bootstrap hook makes them). */
export function seedNamespaces(sim: StartedSim, ...names: string[]): void {
  for (const name of names) {
    const r = sim.cluster.cluster.callApi(sim.cluster.token, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
    if (r.status !== 201 && r.status !== 409)
      throw new Error(`failed to create namespace ${name}: ${JSON.stringify(r.body)}`);
  }
}

/** Writes a file into the sim's scratch directory and returns its path. */
export function scratchFile(sim: StartedSim, name: string, content: string): string {
  const path = join(sim.dir, name);
  writeFileSync(path, content, { mode: 0o755 });
  return path;
}

/** Polls `check` every 200 ms until it holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts `kubectl <args>` (e.g. `get -w`), waits until it has printed `readyLines` lines, runs `then`, and
 * resolves with the output once it matches `until` (the process is then killed); rejects after 20 s.
 */
export function watchKubectl(
  sim: StartedSim,
  args: string[],
  readyLines: number,
  then: () => Promise<unknown>,
  until: RegExp,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, [`--cache-dir=${join(sim.dir, 'watch-cache')}`, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: sim.dir, KUBECONFIG: sim.kubeconfigPath },
    });
    let out = '';
    let started = false;
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`watch timed out; saw:\n${out}`));
    }, 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (!started && out.split('\n').length > readyLines) {
        started = true;
        then().catch(reject);
      }
      if (until.test(out)) {
        clearTimeout(timer);
        child.kill();
        resolve(out);
      }
    });
  });
}
