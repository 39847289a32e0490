/**
 * `paranoid serve` as the runner image runs it in the chart's pod: uid 10001, the root file
 * system read-only, only /tmp and its data dir writable, with the chart's session cap and TTL.
 * bubblewrap stands in for the container runtime (the image itself cannot be built offline);
 * inside it the learner sandbox cannot nest, so terminals are off, as in the pod.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dataDir = mkdtempSync(`${tmpdir()}/paranoid-ro-data-`);
let runner: ChildProcess;
let base: string;
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // biome-ignore format: one bwrap flag and its arguments per line
  runner = spawn('bwrap', [
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    '--tmpfs', '/var/lib',
    // The checkout may itself live under /tmp (CI clones anywhere): put it back, read-only.
    '--ro-bind', root, root,
    '--bind', dataDir, '/var/lib/paranoid',
    '--unshare-user', '--uid', '10001', '--gid', '10001',
    '--die-with-parent',
    '--chdir', root,
    '--clearenv',
    '--setenv', 'PATH', '/usr/local/bin:/usr/bin:/bin',
    '--setenv', 'HOME', '/tmp',
    '--setenv', 'TMPDIR', '/tmp',
    '--setenv', 'XDG_CACHE_HOME', '/tmp/cache',
    process.execPath, '--import', 'tsx', 'runner/cli/src/main.ts',
    'serve', '--host', '127.0.0.1', `--port=${port}`, '--data-dir', '/var/lib/paranoid',
    '--max-sessions=1', '--session-ttl=10',
  ]);
  runner.stdout?.on('data', (d) => {
    output += String(d);
  });
  runner.stderr?.on('data', (d) => {
    output += String(d);
  });
  const end = Date.now() + 60_000;
  while (!output.includes('Paranoid is ready') && runner.exitCode === null && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!output.includes('Paranoid is ready')) throw new Error(`the runner did not start:\n${output}`);
}, 70_000);

afterAll(() => {
  runner?.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the runner on a read-only root as uid 10001', () => {
  it('answers /api/health, with terminals off as in a pod', async () => {
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', provider: 'sim', terminals: 'off', grader: true });
  });

  it('starts a session with the chart TTL, refuses one past the cap, and keeps its state in its data dir', async () => {
    const start = () =>
      fetch(`${base}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({ scenarioId: 'capabilities-and-seccomp' }),
      });
    const first = await start();
    expect(first.status).toBe(201);
    expect(((await first.json()) as { session: { secondsLeft: number } }).session.secondsLeft).toBe(600);
    const second = await start();
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('TooManySessions');
    expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(['signing-key.pem', 'progress.sqlite']));
  });
});
