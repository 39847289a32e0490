/**
 * One hostile learner against 50: the runner as `serve` builds it (simulated clusters on
 * worker threads), 50 sessions live, then one of them made busy the way issue #12's attacker
 * did it: 10,000 objects, then from the attacker's own terminal (its sandbox, its limits) 30
 * watches that never read, a CEL-heavy policy judged on every write, and writes and lists
 * without pause. The figure is the p95 of `kubectl get pods` typed into the other learners'
 * terminals, busy against idle (goal: within 2x).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import type { SandboxShell } from '@paranoid/server/sandbox-host.ts';
import { readProcessTree } from '@paranoid/server/sandbox-memory-watch.ts';
import type { Session } from '@paranoid/server/sessions.ts';
import type { LearnerShell } from '@paranoid/server/terminal.ts';
import { parse } from 'yaml';
import type { Figure } from './main.ts';
import { cpuSeconds, promptOf, quantile, runCommand } from './terminal-probe.ts';

const SESSIONS = 50;
const SAMPLES = 60;
const GET_PODS = 'kubectl get pods >/dev/null || echo KUBECTL_FAILED';
const HOSTILE_CLIENT = readFileSync(new URL('./hostile-client.mjs', import.meta.url), 'utf8');

const p95 = (xs: number[]) => quantile(xs, 0.95);
const progress = (text: string) => process.stderr.write(`  isolation: ${text}\n`);

/** The learner's own API access: the session's kubeconfig, as their shell holds it. */
function apiOf(session: Session) {
  const config = parse(session.cluster.kubeconfig) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const server = new URL(config.clusters[0]!.cluster.server);
  const ca = Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString();
  const token = config.users[0]!.user.token;
  const call = (method: string, path: string, body?: unknown, type = 'application/json') =>
    new Promise<number>((resolve) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = httpsRequest(
        new URL(server.href + path),
        {
          method,
          ca,
          headers: {
            authorization: `Bearer ${token}`,
            ...(text ? { 'content-type': type, 'content-length': Buffer.byteLength(text) } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(text);
    });
  return { call };
}

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'paranoid-isolation-'));
  const lab = await createServeLab({ provider: 'sim', database: join(dir, 'progress.sqlite'), dataDir: dir });
  if (lab.terminals.kind !== 'sandbox') {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
    return [{ name: `isolation figures skipped: terminals are ${lab.terminals.kind}`, value: 0, unit: '' }];
  }
  const host = lab.terminals.host;
  try {
    const sessions: Session[] = [];
    const made = performance.now();
    for (let i = 0; i < SESSIONS; i += 5) {
      sessions.push(
        ...(await Promise.all(
          Array.from({ length: 5 }, (_, j) =>
            lab.sessions.create(`benchlearner${String(i + j).padStart(8, '0')}`, 'missing-networkpolicy'),
          ),
        )),
      );
    }
    const createMs = performance.now() - made;
    const [hostile, ...others] = sessions;
    const sample = others.filter((_, i) => i % 5 === 0);
    /** The learner's terminal, as the site opens it: a sandbox with the session's kubeconfig and limits. */
    const terminalOf = async (session: Session): Promise<LearnerShell> => {
      session.terminal?.kill();
      const shell = host.open(
        { id: session.id, dir: session.dir, files: session.files, cluster: session.cluster },
        { cols: 200, rows: 50 },
      );
      session.terminal = shell;
      await promptOf(shell);
      return shell;
    };
    const terminals: LearnerShell[] = [];
    for (const session of sample) terminals.push(await terminalOf(session));
    for (const terminal of terminals) await runCommand(terminal, GET_PODS); // discovery cached before measuring
    const failures = { idle: 0, busy: 0 };
    const measure = async (phase: keyof typeof failures) => {
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const { ms, output } = await runCommand(terminals[i % terminals.length]!, GET_PODS);
        if (output.includes('KUBECTL_FAILED')) failures[phase]++;
        times.push(ms);
      }
      return times;
    };
    const direct = sample.map(apiOf);
    const portOf = (session: Session) => new URL(parse(session.cluster.kubeconfig).clusters[0].cluster.server).port;
    const sameWorker = sample.map((s) => portOf(s) === portOf(hostile!));
    const byWorker = { same: [] as number[], other: [] as number[] };
    const measureApi = async () => {
      const times: number[] = [];
      byWorker.same = [];
      byWorker.other = [];
      for (let i = 0; i < SAMPLES * 3; i++) {
        const started = performance.now();
        await direct[i % direct.length]!.call('GET', '/api/v1/namespaces/default/pods');
        times.push(performance.now() - started);
        (sameWorker[i % direct.length] ? byWorker.same : byWorker.other).push(performance.now() - started);
      }
      return times;
    };
    progress(
      `${SESSIONS} sessions in ${Math.round(createMs / 1000)} s; measuring idle from ${terminals.length} terminals`,
    );
    const cores = (from: NodeJS.CpuUsage, startedAt: number) => {
      const used = process.cpuUsage(from);
      return (used.user + used.system) / 1000 / (performance.now() - startedAt);
    };
    const idleFrom = { cpu: process.cpuUsage(), at: performance.now() };
    const idle = await measure('idle');
    const idleRunnerCores = cores(idleFrom.cpu, idleFrom.at);
    const idleApi = await measureApi();
    progress(`idle p95 ${Math.round(p95(idle))} ms; filling the hostile cluster`);

    const api = apiOf(hostile!);
    const filled = performance.now();
    for (let i = 0; i < 10_000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          api.call('POST', '/api/v1/namespaces/default/configmaps', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `flood-${i + j}` },
            data: { n: String(i + j) },
          }),
        ),
      );
    }
    const fillMs = performance.now() - filled;
    const ones = `[${Array.from({ length: 700 }, () => '1').join(',')}]`;
    await api.call('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'heavy' },
      spec: {
        failurePolicy: 'Ignore',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] },
          ],
        },
        validations: [{ expression: `${ones}.all(a, ${ones}.all(b, a == b || true))` }],
      },
    });
    await api.call('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'heavy' },
      spec: { policyName: 'heavy', validationActions: ['Deny'] },
    });
    progress(`filled in ${Math.round(fillMs / 1000)} s; the attack starts from the hostile learner's terminal`);

    // The attacker's client runs where an attacker's would: in their own terminal, under its limits.
    const attacker = await terminalOf(hostile!);
    const encoded = Buffer.from(HOSTILE_CLIENT).toString('base64');
    await runCommand(attacker, ': > /tmp/client.b64');
    for (let at = 0; at < encoded.length; at += 1000)
      await runCommand(attacker, `printf %s '${encoded.slice(at, at + 1000)}' >> /tmp/client.b64`);
    await runCommand(attacker, 'base64 -d /tmp/client.b64 > /tmp/client.mjs && echo 0 > /tmp/writes');
    await runCommand(attacker, 'WRITES_FILE=/tmp/writes node /tmp/client.mjs >/tmp/client.log 2>&1 &');
    const writesSoFar = async () => {
      const { output } = await runCommand(attacker, 'printf "W=%s\\n" "$(cat /tmp/writes)"');
      return Number(/W=(\d+)/.exec(output)?.[1] ?? 0);
    };
    for (let waited = 0; (await writesSoFar()) === 0; waited += 500) {
      if (waited > 30_000) {
        const { output } = await runCommand(attacker, 'tail -5 /tmp/client.log');
        throw new Error(`the hostile client made no write in 30 s: ${output.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const attackerPids = () => readProcessTree((attacker as SandboxShell).pid!).map((p) => p.pid);
    const cpuFrom = cpuSeconds(attackerPids());
    const writesFrom = await writesSoFar();
    const busyStart = performance.now();
    const busyCpu = process.cpuUsage();
    const busyTimes = await measure('busy');
    const busyRunnerCores = cores(busyCpu, busyStart);
    const busyApi = await measureApi();
    const busySeconds = (performance.now() - busyStart) / 1000;
    const attackerCores = (cpuSeconds(attackerPids()) - cpuFrom) / busySeconds;
    const writes = (await writesSoFar()) - writesFrom;
    attacker.kill();
    const bounds = host.facts.bounds;
    const idleP95 = p95(idle);
    const busyP95 = p95(busyTimes);
    return [
      { name: `${SESSIONS} sessions created (5 at a time)`, value: createMs / 1000, unit: 's' },
      { name: 'hostile cluster filled with 10,000 ConfigMaps', value: fillMs / 1000, unit: 's' },
      {
        name: 'hostile writes judged by the CEL-heavy policy, from its terminal',
        value: writes / busySeconds,
        unit: '/s',
      },
      {
        name: `CPU the hostile terminal got (${bounds.backend}, cap ${bounds.perSession.cpuCores ?? 'none'})`,
        value: attackerCores,
        unit: 'cores',
      },
      {
        name: "the runner's CPU (site, relays, every cluster's worker) while measuring, idle",
        value: idleRunnerCores,
        unit: 'cores',
      },
      { name: '... and with the hostile cluster busy', value: busyRunnerCores, unit: 'cores' },
      { name: 'kubectl get pods p95, other terminals, all idle', value: idleP95, unit: 'ms' },
      { name: 'kubectl get pods p95, other terminals, one hostile busy', value: busyP95, unit: 'ms' },
      { name: 'busy / idle', value: busyP95 / idleP95, unit: 'x', goal: '<= 2' },
      { name: 'GET pods p95 (API, no kubectl), other sessions, idle', value: p95(idleApi), unit: 'ms' },
      { name: 'GET pods p95 (API, no kubectl), one hostile busy', value: p95(busyApi), unit: 'ms' },
      { name: 'busy / idle (API)', value: p95(busyApi) / p95(idleApi), unit: 'x' },
      ...(byWorker.same.length > 0
        ? [{ name: "GET pods p95 (API), busy, on the hostile cluster's worker", value: p95(byWorker.same), unit: 'ms' }]
        : []),
      ...(byWorker.other.length > 0
        ? [{ name: 'GET pods p95 (API), busy, on other workers', value: p95(byWorker.other), unit: 'ms' }]
        : []),
      {
        name: "sampled sessions on the hostile cluster's worker",
        value: sameWorker.filter(Boolean).length,
        unit: `of ${sample.length}`,
      },
      { name: `kubectl failures of ${SAMPLES}, idle`, value: failures.idle, unit: '' },
      { name: `kubectl failures of ${SAMPLES}, one hostile busy`, value: failures.busy, unit: '' },
    ];
  } finally {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
