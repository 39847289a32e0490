/**
 * One hostile learner against 50: the runner as `serve` builds it (simulated clusters on
 * worker threads), 50 sessions live, then one of them made busy the way issue #12's
 * attacker did it: 10,000 objects, 30 watches that never read, a CEL-heavy policy judged
 * on every write, and writes and lists without pause. The figure is the p95 of
 * `kubectl get pods` for the other sessions, busy against idle (goal: within 2x).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect } from 'node:tls';
import { createServeLab } from '@paranoid/cli/commands/serve.ts';
import type { Session } from '@paranoid/server/sessions.ts';
import { parse } from 'yaml';
import type { Figure } from './main.ts';

const KUBECTL = '/usr/bin/kubectl';
const SESSIONS = 50;
const SAMPLES = 60;

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

/** Wall time of one `kubectl get pods`; a failure (kubectl's own 10 s TLS timeout, say) counts with its time. */
function kubectlGetPods(kubeconfig: string, cache: string, failures: string[] = []): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      KUBECTL,
      [`--cache-dir=${cache}`, 'get', 'pods'],
      { env: { PATH: process.env.PATH ?? '', KUBECONFIG: kubeconfig, HOME: cache }, timeout: 60_000 },
      (error, _stdout, stderr) => {
        if (error) failures.push(stderr.trim() || error.message);
        resolve(performance.now() - started);
      },
    );
  });
}

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
  /** A watch whose client never reads. */
  const stalledWatch = () => {
    const socket = connect({ host: server.hostname, port: Number(server.port), ca }, () => {
      socket.write(
        `GET ${server.pathname}/api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: ${server.host}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
      socket.pause();
    });
    socket.on('error', () => undefined);
    return socket;
  };
  return { call, stalledWatch };
}

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'paranoid-isolation-'));
  const lab = await createServeLab({ provider: 'sim', database: join(dir, 'progress.sqlite'), dataDir: dir });
  const stops: (() => void)[] = [];
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
    const configs = sample.map((s, i) => {
      const file = join(dir, `kubeconfig-${i}`);
      writeFileSync(file, s.cluster.kubeconfig, { mode: 0o600 });
      return file;
    });
    const cache = join(dir, 'cache');
    for (const c of configs) await kubectlGetPods(c, cache); // discovery cached before measuring
    const failures = { idle: [] as string[], busy: [] as string[] };
    const measure = async (failed: string[]) => {
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) times.push(await kubectlGetPods(configs[i % configs.length]!, cache, failed));
      return times;
    };
    // The same question without kubectl's process start: one GET of pods straight to the API.
    const direct = sample.map(apiOf);
    // Each worker thread serves its clusters on a port of its own: a bystander whose cluster shares
    // the hostile one's worker waits while one of its requests runs (a request is not preempted);
    // the others only share the machine's cores. The two figures tell which delay is which.
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
    progress(`${SESSIONS} sessions in ${Math.round(createMs / 1000)} s; measuring idle`);
    const idle = await measure(failures.idle);
    const idleApi = await measureApi();
    progress(`idle p95 ${Math.round(p95(idle))} ms; filling the hostile cluster`);

    // The attacker: 10,000 objects, 30 stalled watches, a policy whose CEL runs near the per-call limit.
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
    progress(`filled in ${Math.round(fillMs / 1000)} s; stalled watches, the CEL-heavy policy, then busy`);
    for (let i = 0; i < 30; i++) {
      const socket = api.stalledWatch();
      stops.push(() => socket.destroy());
    }
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
    // Busy without pause: 8 writers (each write judged by the heavy policy) and 2 listers of all 10,000.
    let busy = true;
    let writes = 0;
    const loops = [
      ...Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; busy; i++) {
          await api.call('PUT', `/api/v1/namespaces/default/configmaps/flood-${(w * 1000 + i) % 10_000}`, {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `flood-${(w * 1000 + i) % 10_000}` },
            data: { n: String(i) },
          });
          writes++;
        }
      }),
      ...Array.from({ length: 2 }, async () => {
        while (busy) await api.call('GET', '/api/v1/namespaces/default/configmaps');
      }),
    ];
    const busyStart = performance.now();
    const hostileTimes = await measure(failures.busy);
    const busyApi = await measureApi();
    const busySeconds = (performance.now() - busyStart) / 1000;
    busy = false;
    await Promise.all(loops);
    const idleP95 = p95(idle);
    const busyP95 = p95(hostileTimes);
    return [
      { name: `${SESSIONS} sessions created (5 at a time)`, value: createMs / 1000, unit: 's' },
      { name: 'hostile cluster filled with 10,000 ConfigMaps', value: fillMs / 1000, unit: 's' },
      { name: 'hostile writes judged by the CEL-heavy policy', value: writes / busySeconds, unit: '/s' },
      { name: 'kubectl get pods p95, other sessions, all idle', value: idleP95, unit: 'ms' },
      { name: 'kubectl get pods p95, other sessions, one hostile busy', value: busyP95, unit: 'ms' },
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
      { name: `kubectl failures of ${SAMPLES}, idle`, value: failures.idle.length, unit: '' },
      { name: `kubectl failures of ${SAMPLES}, one hostile busy`, value: failures.busy.length, unit: '' },
    ];
  } finally {
    for (const stop of stops) stop();
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
