import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
/** The repository root, where tsx is installed. */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** One `paranoid serve` process of a replica set. */
export interface RunnerProcess {
  name: string;
  url: string;
  port: number;
  /** Its data dir (signing key, the instructor token's hash). */
  dataDir: string;
  child: ChildProcess;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

export interface ReplicaSet {
  runners: RunnerProcess[];
  /** The replicas' shared secret, to forge or check signatures in tests. */
  secret: string;
  /** Stops every runner still running (SIGKILL after `graceMs`) and removes their data dirs. */
  stop(graceMs?: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `count` real `paranoid serve --provider sim` processes sharing one PostgreSQL database, each
 * on its own loopback port, which is also its replica address: exactly what the chart runs in
 * its pods, minus the pod.
 */
export async function startReplicaSet(options: {
  count: number;
  database: string;
  /** Extra `serve` flags for every runner. */
  args?: string[];
  /** Extra environment (PARANOID_SIM_WORKERS, ...). */
  env?: Record<string, string>;
  /**
   * Runs each runner in a UTS namespace of its own whose host name is the runner's name, as
   * each pod has its own: then no runner can tell from a process id on "its" host whether
   * another is alive, only from the replica map. Needs root (CAP_SYS_ADMIN), as CI has.
   */
  ownHostNames?: boolean;
  readyTimeoutMs?: number;
}): Promise<ReplicaSet> {
  const secret = randomBytes(32).toString('base64url');
  const dirs: string[] = [];
  const runners: RunnerProcess[] = [];
  const start = async (i: number): Promise<RunnerProcess> => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), `paranoid-replica-${i}-`));
    dirs.push(dataDir);
    const name = `replica-${String.fromCharCode(97 + i)}`;
    // unshare execs sh, which sets the name and execs node: the child's pid is the runner's.
    const command = options.ownHostNames
      ? ['unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', name, process.execPath]
      : [process.execPath];
    // biome-ignore format: one flag per line
    const child = spawn(command[0]!, [
      ...command.slice(1),
      '--import', 'tsx', MAIN, 'serve',
      '--host', '127.0.0.1', `--port=${port}`,
      '--data-dir', dataDir,
      '--replica-address', `127.0.0.1:${port}`,
      '--replica-id', name,
      ...(options.args ?? []),
    ], {
      env: { ...process.env, PARANOID_DATABASE_URL: options.database, PARANOID_REPLICA_SECRET: secret, ...options.env },
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout?.on('data', (d) => {
      text += String(d);
    });
    child.stderr?.on('data', (d) => {
      text += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const until = Date.now() + (options.readyTimeoutMs ?? 90_000);
    while (!text.includes('Paranoid is ready') && child.exitCode === null && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!text.includes('Paranoid is ready')) {
      child.kill('SIGKILL');
      throw new Error(`failed to start runner ${name}:\n${text}`);
    }
    return { name, url: `http://127.0.0.1:${port}`, port, dataDir, child, output: () => text, exited };
  };
  try {
    // One after another: three simulators starting at once on two cores take longer than in turn.
    for (let i = 0; i < options.count; i++) runners.push(await start(i));
  } catch (error) {
    for (const r of runners) r.child.kill('SIGKILL');
    throw error;
  }
  return {
    runners,
    secret,
    async stop(graceMs = 10_000) {
      await Promise.all(
        runners.map(async (r) => {
          if (r.child.exitCode !== null || r.child.signalCode !== null) return;
          r.child.kill('SIGINT');
          const timer = setTimeout(() => r.child.kill('SIGKILL'), graceMs);
          await r.exited;
          clearTimeout(timer);
        }),
      );
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
