/**
 * What the terminal sandbox costs (issue #11): the memory of the processes each learner's
 * sandbox adds beside bash (the network relay, bubblewrap's two), and the time from opening a
 * sandbox to its prompt, cluster creation apart. `site.bench.ts` has the whole Start to prompt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import type { SandboxShell } from '@paranoid/server/sandbox-host.ts';
import type { Figure } from './main.ts';

const SESSIONS = 8;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;

const status = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
};
const rssKiB = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(status(pid))?.[1] ?? 0);
const ppid = (pid: number) => Number(/^PPid:\s+(\d+)/m.exec(status(pid))?.[1] ?? 0);
const comm = (pid: number) => /^Name:\s+(\S+)/m.exec(status(pid))?.[1] ?? '';

/** The pty's process and all its descendants. */
function tree(root: number): number[] {
  const all = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const pid of all) if (ppid(pid) === out[i]) out.push(pid);
  return out;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};

export async function run(): Promise<Figure[]> {
  const lab = await createServeLab({ provider: 'sim', database: ':memory:' });
  const { url } = await lab.listen(0, '127.0.0.1');
  if (lab.terminals.kind !== 'sandbox') {
    await lab.close();
    return [{ name: `sandbox figures skipped: terminals are ${lab.terminals.kind}`, value: 0, unit: '' }];
  }
  const host = lab.terminals.host;
  const relays: number[] = [];
  const bwraps: number[] = [];
  const opens: number[] = [];
  try {
    for (let i = 0; i < SESSIONS; i++) {
      const res = await fetch(`${url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scenarioId: 'exposed-dashboard' }),
      });
      const body = (await res.json()) as { session: { id: string }; token: string };
      const session = lab.sessions.authorize(body.session.id, body.token);
      // A second shell on the same session, timed from open() alone (no cluster to make).
      session.terminal?.kill();
      const started = performance.now();
      const shell = host.open(
        { id: session.id, dir: session.dir, files: session.files, cluster: session.cluster },
        { cols: 100, rows: 30 },
      );
      session.terminal = shell;
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error('no prompt within 10 s')), 10_000);
        shell.attach((d) => {
          out += d;
          if (/\$ $/.test(out.replace(ANSI, ''))) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      opens.push(performance.now() - started);
      const pids = tree((shell as SandboxShell).pid!);
      for (const pid of pids) {
        if (comm(pid) === 'perl') relays.push(rssKiB(pid));
        if (comm(pid) === 'bwrap') bwraps.push(rssKiB(pid));
      }
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length) / 1024;
    return [
      { name: `Sandbox open to prompt, own network (p50 of ${SESSIONS})`, value: quantile(opens, 0.5), unit: 'ms' },
      {
        name: `Sandbox open to prompt, own network (p95 of ${SESSIONS})`,
        value: quantile(opens, 0.95),
        unit: 'ms',
        goal: '< 300',
      },
      { name: 'Network relay (perl) RSS per session', value: mean(relays), unit: 'MiB', goal: '< 5' },
      { name: 'bubblewrap RSS per process (2 per session)', value: mean(bwraps), unit: 'MiB' },
    ];
  } finally {
    await lab.close();
  }
}
