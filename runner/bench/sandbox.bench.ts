/**
 * What the terminal sandbox costs (issue #11): the memory of the processes each learner's
 * sandbox adds beside bash (the network relay, bubblewrap's two), and the time from opening a
 * sandbox to its prompt, cluster creation apart. `site.bench.ts` has the whole Start to prompt.
 *
 * And what one hostile terminal does to a neighbour (issue #12): the p95 of `kubectl get pods`
 * typed into a neighbour's terminal, idle and while another terminal runs busy loops and holds
 * 600 MB, and the CPU the hostile terminal really got (its cap is half a core with a cgroup).
 */
import { performance } from 'node:perf_hooks';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import type { SandboxShell } from '@paranoid/server/sandbox-host.ts';
import { readProcessTree } from '@paranoid/server/sandbox-memory-watch.ts';
import type { LearnerShell } from '@paranoid/server/terminal.ts';
import type { Figure } from './main.ts';
import { cpuSeconds, promptOf, quantile, rssKiB, timedCommand } from './terminal-probe.ts';

const SESSIONS = 8;
const ISOLATION_SAMPLES = 20;
const GET_PODS = 'kubectl get pods -A >/dev/null';
/** Eight busy loops (four per core here) and 600 MB held: under the 768 MiB cap, over the CPU cap. */
const HOSTILE =
  'for i in 1 2 3 4 5 6 7 8; do (while :; do :; done) & done; perl -e \'$x = "a" x (600*1024*1024); sleep 600\' &';

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
  const shells: LearnerShell[] = [];
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
      await promptOf(shell);
      opens.push(performance.now() - started);
      shells.push(shell);
      for (const p of readProcessTree((shell as SandboxShell).pid!)) {
        if (p.comm === 'perl') relays.push(rssKiB(p.pid));
        if (p.comm === 'bwrap') bwraps.push(rssKiB(p.pid));
      }
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length) / 1024;

    // One hostile terminal against a neighbour.
    const [hostile, neighbour] = [shells[0]!, shells[1]!];
    const sample = async () => {
      const times: number[] = [];
      for (let i = 0; i < ISOLATION_SAMPLES; i++) times.push(await timedCommand(neighbour, GET_PODS));
      return quantile(times, 0.95);
    };
    await timedCommand(neighbour, GET_PODS);
    const idle = await sample();
    await timedCommand(hostile, HOSTILE);
    const hostilePids = () => readProcessTree((hostile as SandboxShell).pid!).map((p) => p.pid);
    const cpuFrom = cpuSeconds(hostilePids());
    const wallFrom = performance.now();
    const busy = await sample();
    const hostileCores = (cpuSeconds(hostilePids()) - cpuFrom) / ((performance.now() - wallFrom) / 1000);
    hostile.kill();
    const bounds = host.facts.bounds;
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
      {
        name: `Neighbour's kubectl get pods from its terminal, idle (p95 of ${ISOLATION_SAMPLES})`,
        value: idle,
        unit: 'ms',
      },
      {
        name: `... while one terminal burns CPU and holds 600 MB (${bounds.backend})`,
        value: busy,
        unit: 'ms',
      },
      { name: '... busy / idle', value: busy / idle, unit: 'x', goal: '<= 2' },
      {
        name: `CPU the hostile terminal got (cap: ${bounds.perSession.cpuCores ?? 'none'})`,
        value: hostileCores,
        unit: 'cores',
        ...(bounds.perSession.cpuCores ? { goal: `<= ${bounds.perSession.cpuCores}` } : {}),
      },
    ];
  } finally {
    await lab.close();
  }
}
