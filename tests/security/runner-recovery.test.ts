/**
 * Recovery: SIGTERM to any process of `pnpm paranoid serve` stops the runner and frees
 * its port, with no process of the launch left behind; and the runner's answers carry
 * the headers that keep the lab out of other sites' frames and scripts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'paranoid-recovery-'));
const launched: ChildProcess[] = [];

afterAll(() => {
  for (const child of launched) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

/** Every descendant of `pid`, parents before children. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

/** `pnpm paranoid serve` as a user types it, in its own process group. */
async function launch(): Promise<{ tree: number[]; port: number; top: number; output: () => string }> {
  const port = await freePort();
  const child = spawn(
    'npx',
    ['-y', 'pnpm@10.34.8', 'paranoid', 'serve', '--provider', 'sim', '--port', String(port), '--data-dir', scratch],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  launched.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const until = Date.now() + 90_000;
  while (!out.includes('Paranoid is ready on')) {
    if (Date.now() > until || child.exitCode !== null) throw new Error(`serve did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { tree: [child.pid!, ...descendants(child.pid!)], port, top: child.pid!, output: () => out };
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer()
      .once('error', () => resolveFree(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

async function expectStopped(tree: number[], port: number, output: () => string) {
  const until = Date.now() + 30_000;
  while (tree.some(alive) || !(await portFree(port))) {
    if (Date.now() > until) {
      const left = tree.filter(alive).map((p) => `${p} ${cmdline(p)}`);
      throw new Error(
        `still running after SIGTERM: ${left.join('; ')}; port free: ${await portFree(port)}; output: ${output().slice(-600)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('SIGTERM to any process of `pnpm paranoid serve`', () => {
  const targets: [string, (tree: number[], top: number) => number | undefined][] = [
    ['the command the user started (npx)', (_tree, top) => top],
    [
      'pnpm',
      (tree) =>
        tree.find(
          (p) => / paranoid serve/.test(cmdline(p)) && /pnpm/.test(cmdline(p)) && !/npx|npm-cli|exec/.test(cmdline(p)),
        ),
    ],
    ['the `sh -c` pnpm runs the script in', (tree) => tree.find((p) => /^sh -c tsx /.test(cmdline(p)))],
    ['tsx', (tree) => tree.find((p) => /tsx\/dist\/cli\.mjs .*main\.ts serve/.test(cmdline(p)))],
    ['the runner itself', (tree) => tree.filter((p) => /cli\/(src\/)?main\.ts serve/.test(cmdline(p))).at(-1)],
  ];
  for (const [name, pick] of targets) {
    it(`stops the runner and frees the port when sent to ${name}`, async () => {
      const { tree, port, top, output } = await launch();
      const target = pick(tree, top);
      expect(target, `no ${name} among ${tree.map((p) => cmdline(p)).join(' | ')}`).toBeDefined();
      process.kill(target!, 'SIGTERM');
      await expectStopped(tree, port, output);
    }, 150_000);
  }
});
