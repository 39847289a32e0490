/**
 * Many learners on three replicas (issue #16 item 6): three `paranoid serve` processes sharing
 * one PostgreSQL, behind one round-robin entry point, each learner with a live simulated session
 * and a terminal running `kubectl get pods` every few seconds. At each load level (sessions in
 * total) it prints the p95 of the learners' API calls through the entry point (two of three are
 * forwarded to the replica holding the session), the p95 of the terminal command, and the memory
 * each session adds: the runners' proportional set size (PSS), shells and relays included.
 *
 * Levels: PARANOID_BENCH_REPLICA_LEVELS (default `15,30,60,120,300`), climbing until
 * the API p95 passes the goal; seconds measured at each level:
 * PARANOID_BENCH_REPLICA_SECONDS (default 30). The session cap reported is the highest level
 * whose API p95 stayed under 100 ms.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type ReplicaSet, startReplicaSet } from '@paranoid/cli/testing/replica-set.ts';
import { TERMINAL_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '@paranoid/server/terminal-socket.ts';
import { startTestPostgres } from '@paranoid/server/testing/postgres-server.ts';
import { startRoundRobinProxy } from '@paranoid/server/testing/round-robin-proxy.ts';
import { WebSocket } from 'ws';
import type { Figure } from './main.ts';

const SCENARIO = 'missing-networkpolicy';
/** Each terminal runs its command this often (with a random start, so they do not march in step). */
const COMMAND_EVERY_MS = 5_000;
/** Each learner's page asks the API this often (the player polls its session's time left). */
const API_EVERY_MS = 2_000;
const GOAL_MS = 100;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
};

const ppid = (pid: number) => {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/** PSS of a process and all its descendants, in KiB: shared pages counted once across them. */
function treePssKiB(root: number): number {
  const all = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
  const parents = new Map(all.map((pid) => [pid, ppid(pid)]));
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  let total = 0;
  for (const pid of tree) {
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/**
 * CPU seconds used by a process and its descendants so far: their own time and that of the
 * children they reaped (each `kubectl` a shell ran is in its bash's once it exited). Unlike a
 * latency, this does not depend on what else the host is doing.
 */
function treeCpuSeconds(root: number): number {
  const all = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
  const parents = new Map(all.map((pid) => [pid, ppid(pid)]));
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  let ticks = 0;
  for (const pid of tree) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime: fields 14-17 of stat(5), 12-15 after the command.
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks / 100;
}

/** One request on its own connection, so the entry point's round robin spreads them. */
function call(base: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  const url = new URL(path, base);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method, agent: false, headers },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Learner {
  id: string;
  token: string;
  ws: WebSocket;
  output: string;
  stop(): void;
}

async function startLearner(entry: string, n: number, commandTimes: number[], failures: string[]): Promise<Learner> {
  const res = await call(
    entry,
    'POST',
    '/api/sessions',
    { 'content-type': 'application/json', cookie: `paranoid_learner=benchreplica${String(n).padStart(8, '0')}` },
    JSON.stringify({ scenarioId: SCENARIO }),
  );
  if (res.status !== 201) throw new Error(`failed to start session ${n}: ${res.status} ${res.text}`);
  const body = JSON.parse(res.text) as { session: { id: string }; token: string };
  const ws = new WebSocket(
    `${entry.replace('http', 'ws')}/api/sessions/${body.session.id}/terminal?cols=120&rows=40`,
    [TERMINAL_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${body.token}`],
    { headers: { origin: entry } },
  );
  const learner: Learner = { id: body.session.id, token: body.token, ws, output: '', stop: () => {} };
  ws.on('message', (d) => {
    learner.output += d.toString().replace(ANSI, '');
    if (learner.output.length > 64_000) learner.output = learner.output.slice(-8_000);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let k = 0;
  let busy = false;
  const tick = () => {
    if (busy || ws.readyState !== WebSocket.OPEN) return;
    busy = true;
    const mark = `__m${n}_${++k}`;
    const from = learner.output.length;
    const started = performance.now();
    ws.send(JSON.stringify({ t: 'i', d: `kubectl get pods -n shop >/dev/null; echo ${mark}\r` }));
    const until = Date.now() + 30_000;
    let late = false;
    // One command at a time per terminal, however slow: a learner waits for the prompt too, and
    // stacking commands on a loaded machine would only measure the pile-up.
    const poll = setInterval(() => {
      if (new RegExp(`^${mark}$`, 'm').test(learner.output.slice(Math.max(0, from - 100)))) {
        commandTimes.push(performance.now() - started);
        clearInterval(poll);
        busy = false;
      } else if (!late && Date.now() > until) {
        late = true;
        failures.push(`terminal ${n}: no answer in 30 s`);
      } else if (ws.readyState !== WebSocket.OPEN) {
        clearInterval(poll);
      }
    }, 20);
  };
  const first = setTimeout(() => {
    tick();
    timer = setInterval(tick, COMMAND_EVERY_MS);
  }, Math.random() * COMMAND_EVERY_MS);
  let timer: NodeJS.Timeout | undefined;
  learner.stop = () => {
    clearTimeout(first);
    clearInterval(timer);
    ws.close();
  };
  return learner;
}

/** Every learner's page asking for its session now and then, through the entry point. */
function pollApi(entry: string, learners: Learner[], apiTimes: number[], failures: string[]): () => void {
  const timers = learners.map((l) => {
    const t = setInterval(
      async () => {
        const started = performance.now();
        try {
          const res = await call(entry, 'GET', `/api/sessions/${l.id}`, { authorization: `Bearer ${l.token}` });
          if (res.status === 200) apiTimes.push(performance.now() - started);
          else failures.push(`GET session: ${res.status}`);
        } catch (error) {
          failures.push(`GET session: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
      API_EVERY_MS + Math.random() * 500,
    );
    return t;
  });
  return () => {
    for (const t of timers) clearInterval(t);
  };
}

export async function run(): Promise<Figure[]> {
  const levels = (process.env.PARANOID_BENCH_REPLICA_LEVELS ?? '15,30,60,120,300')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b);
  const seconds = Number(process.env.PARANOID_BENCH_REPLICA_SECONDS ?? 30);
  const top = levels[levels.length - 1] ?? 30;
  const postgres = await startTestPostgres();
  let set: ReplicaSet | undefined;
  const learners: Learner[] = [];
  const figures: Figure[] = [];
  try {
    const database = await postgres.createDatabase('bench_replicas');
    set = await startReplicaSet({
      count: 3,
      database,
      args: [
        `--max-sessions=${Math.ceil(top / 3) + 10}`,
        '--max-sessions-per-address=10000',
        '--starts-per-minute=10000',
        '--session-ttl=60',
      ],
    });
    const entry = await startRoundRobinProxy(set.runners.map((r) => `127.0.0.1:${r.port}`));
    const pids = set.runners.map((r) => r.child.pid!);
    const idle = pids.reduce((sum, pid) => sum + treePssKiB(pid), 0);
    figures.push({ name: 'three runners, idle (PSS, with their simulator workers)', value: idle / 1024, unit: 'MiB' });
    let cap = 0;
    for (const level of levels) {
      const startFailures: string[] = [];
      const commandTimes: number[] = [];
      const apiTimes: number[] = [];
      const failures: string[] = [];
      const startedAt = performance.now();
      // Four starts at a time: a room arriving, not a stampede (the sim makes at most 4 clusters at once).
      while (learners.length < level) {
        const batch = Array.from({ length: Math.min(4, level - learners.length) }, (_, i) =>
          startLearner(entry.url, learners.length + i, commandTimes, failures).catch((error: Error) => {
            startFailures.push(error.message);
            return undefined;
          }),
        );
        for (const l of await Promise.all(batch)) if (l) learners.push(l);
        if (startFailures.length > 10) break;
      }
      if (learners.length < level) {
        figures.push({
          name: `${level} sessions: only ${learners.length} started (${startFailures[0] ?? ''})`,
          value: learners.length,
          unit: 'sessions',
        });
        break;
      }
      const startSeconds = (performance.now() - startedAt) / 1000;
      // Let the newest settle, then measure from a clean slate.
      await new Promise((r) => setTimeout(r, 5_000));
      commandTimes.length = 0;
      failures.length = 0;
      const cpuBefore = pids.reduce((sum, pid) => sum + treeCpuSeconds(pid), 0);
      const wallBefore = performance.now();
      const stopPolling = pollApi(entry.url, learners, apiTimes, failures);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      stopPolling();
      const cores =
        (pids.reduce((sum, pid) => sum + treeCpuSeconds(pid), 0) - cpuBefore) /
        ((performance.now() - wallBefore) / 1000);
      const pss = pids.reduce((sum, pid) => sum + treePssKiB(pid), 0);
      const api95 = quantile(apiTimes, 0.95);
      const within = api95 < GOAL_MS && failures.length === 0;
      if (within) cap = level;
      figures.push(
        { name: `${level} sessions: started in`, value: startSeconds, unit: 's' },
        {
          name: `${level} sessions: API via the entry point, p50 (${apiTimes.length} calls)`,
          value: quantile(apiTimes, 0.5),
          unit: 'ms',
        },
        { name: `${level} sessions: API via the entry point, p95`, value: api95, unit: 'ms', goal: `< ${GOAL_MS}` },
        {
          name: `${level} sessions: kubectl get pods in the terminal, p50 (${commandTimes.length} runs)`,
          value: quantile(commandTimes, 0.5),
          unit: 'ms',
        },
        {
          name: `${level} sessions: kubectl get pods in the terminal, p95`,
          value: quantile(commandTimes, 0.95),
          unit: 'ms',
        },
        { name: `${level} sessions: failed calls or commands`, value: failures.length, unit: '' },
        { name: `${level} sessions: runners' PSS, shells included`, value: pss / 1024, unit: 'MiB' },
        {
          name: `${level} sessions: memory per session (PSS over idle)`,
          value: (pss - idle) / 1024 / level,
          unit: 'MiB',
          goal: '< 20',
        },
        { name: `${level} sessions: CPU of runners, shells and kubectl`, value: cores, unit: 'cores' },
        {
          name: `${level} sessions: sessions per core at this load (CPU)`,
          value: level / Math.max(cores, 0.001),
          unit: '',
        },
        { name: `${level} sessions: host load average (1 min) at the end`, value: loadavg()[0] ?? 0, unit: '' },
      );
      // Past the point where learners wait seconds there is nothing more to learn, and a shared
      // machine has other work to do.
      if (quantile(commandTimes, 0.95) > 5_000 || failures.length > 0) break;
    }
    figures.push({
      name: `session cap keeping the API p95 < ${GOAL_MS} ms (of levels ${levels.join(', ')})`,
      value: cap,
      unit: 'sessions',
    });
    await entry.close();
  } finally {
    for (const l of learners) l.stop();
    await new Promise((r) => setTimeout(r, 500));
    await set?.stop(20_000);
    postgres.stop();
  }
  return figures;
}
