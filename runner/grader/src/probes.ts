import { parseImageRef } from '@paranoid/k8s/image-ref.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { ALERT_PRIORITIES, type PodRef, type Probe } from '@paranoid/schema/probe.ts';
import { createGuises, ephemeralGuises, refusedOnlyByQuota } from './dry-run-guises.ts';
import type { KubeApi } from './kube-api.ts';
import type { PodSpecView } from './pod-specs.ts';
import { Snapshot } from './snapshot.ts';

/** One execution of a probe (a probe from a selector runs once per pod). */
export interface ProbeRun {
  /** Where it ran or what it asked: `pod sandbox/intruder`, `list secrets in telemetry`. */
  where: string;
  /** Whether the action worked: connected, allowed, admitted, answered. */
  succeeded: boolean;
  /** What happened, for the learner. */
  detail: string;
}

/** Every run of one probe, or why it could not run; checks judge this, never learner-written status. */
export interface ProbeOutcome {
  runs: ProbeRun[];
  /** Set when the probe could not be run at all (no such pod, tool missing, API error). */
  error?: string;
}

/** Exit codes a shell uses for "command not found / not executable": the probe did not really run. */
const NOT_RUN = new Set([126, 127]);

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function resolvePods(ref: PodRef, snapshot: Snapshot): Promise<KubeObject[] | string> {
  const pods = (await snapshot.list('pods')) as KubeObject[];
  const running = pods.filter(
    (p) =>
      p.metadata.namespace === ref.namespace &&
      !p.metadata.deletionTimestamp &&
      (p.status as { phase?: string } | undefined)?.phase === 'Running' &&
      (ref.name !== undefined
        ? p.metadata.name === ref.name
        : Object.entries(ref.selector ?? {}).every(([k, v]) => p.metadata.labels?.[k] === v)),
  );
  if (running.length > 0) return running;
  const what =
    ref.name ??
    Object.entries(ref.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  return `no running pod ${ref.name ? 'named' : 'matches'} ${what} in namespace ${ref.namespace}`;
}

const podName = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`;

/** Written in a probe's command or host, stands for the address of the node the pod runs on. */
export const HOST_IP = '{{hostIP}}';

/**
 * Fills {@link HOST_IP} with the pod's `status.hostIP`, which its kubelet writes (and
 * writes back over a forged one); undefined when the pod has none yet.
 */
function withHostIP(pod: KubeObject, words: string[]): string[] | undefined {
  if (!words.some((w) => w.includes(HOST_IP))) return words;
  const ip = (pod.status as { hostIP?: string } | undefined)?.hostIP;
  if (!ip) return undefined;
  return words.map((w) => w.replaceAll(HOST_IP, ip));
}

/** Written in an exec probe's command, stands for an image its `imageOf` workload runs. */
export const IMAGE_ID = '{{imageID}}';

/**
 * The distinct images the running pods of `ref` run in its container, as each pod's kubelet
 * recorded them (`imageID`, which it writes back over a forged status), or why there are none.
 */
async function imagesOf(ref: PodRef, snapshot: Snapshot): Promise<string[] | string> {
  const pods = await resolvePods(ref, snapshot);
  if (typeof pods === 'string') return pods;
  const images = new Set<string>();
  for (const pod of pods) {
    const statuses = ((pod.status as { containerStatuses?: { name: string; imageID?: string }[] } | undefined)
      ?.containerStatuses ?? []) as { name: string; imageID?: string }[];
    const wanted =
      ref.container ?? (pod.spec as { containers?: { name: string }[] } | undefined)?.containers?.[0]?.name;
    const id = statuses.find((s) => s.name === wanted)?.imageID?.replace(/^docker-pullable:\/\//, '');
    if (!id?.includes('@sha256:')) return `pod ${podName(pod)} has no image recorded for container ${wanted} yet`;
    images.add(id);
  }
  return [...images];
}

async function execIn(
  api: KubeApi,
  pod: KubeObject,
  ref: PodRef,
  command: string[],
  timeoutSeconds: number,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return api.exec({
    namespace: pod.metadata.namespace ?? '',
    pod: pod.metadata.name ?? '',
    container: ref.container,
    command,
    timeoutMs: (timeoutSeconds + 3) * 1000,
  });
}

const firstLine = (text: string) => {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
};

/** Runs a probe against the cluster. Never throws: failures to run become `error`. */
export async function runProbe(probe: Probe, api: KubeApi, snapshot: Snapshot): Promise<ProbeOutcome> {
  try {
    switch (probe.kind) {
      case 'exec':
        return await runExec(probe, api, snapshot);
      case 'reachability':
        return await runReachability(probe, api, snapshot);
      case 'internet':
        return await runInternet(probe, api, snapshot);
      case 'access-review':
        return await runAccessReview(probe, api, snapshot);
      case 'dry-run':
        return await runDryRun(probe, api, snapshot);
      case 'sequence':
        return await runSequence(probe, api);
      case 'runtime-alerts':
        return await serialised(api, () => runRuntimeAlerts(probe, api, snapshot));
    }
  } catch (error) {
    return { runs: [], error: errorText(error) };
  }
}

/**
 * Runs the steps in order, each against a fresh view of the cluster (the step before may have
 * changed it); stops at the first step that did not succeed. The last step's runs are the outcome.
 */
async function runSequence(probe: Extract<Probe, { kind: 'sequence' }>, api: KubeApi): Promise<ProbeOutcome> {
  let outcome: ProbeOutcome = { runs: [] };
  for (const [i, step] of probe.steps.entries()) {
    outcome = await runProbe(step, api, new Snapshot(api));
    if (outcome.error !== undefined)
      return { runs: [], error: `step ${i + 1} of ${probe.steps.length}: ${outcome.error}` };
    if (!outcome.runs.some((r) => r.succeeded)) {
      return {
        runs: outcome.runs.map((r) => ({
          ...r,
          detail: `step ${i + 1} of ${probe.steps.length} did not work: ${r.detail}`,
        })),
      };
    }
  }
  return outcome;
}

async function runExec(
  probe: Extract<Probe, { kind: 'exec' }>,
  api: KubeApi,
  snapshot: Snapshot,
): Promise<ProbeOutcome> {
  const pods = await resolvePods(probe.pod, snapshot);
  if (typeof pods === 'string') return { runs: [], error: pods };
  const images = probe.imageOf ? await imagesOf(probe.imageOf, snapshot) : [undefined];
  if (typeof images === 'string') return { runs: [], error: images };
  const want = probe.succeedsWhen;
  const pattern = want.stdoutMatches !== undefined ? new RegExp(want.stdoutMatches) : undefined;
  for (const pod of pods) {
    if (!withHostIP(pod, probe.command)) return { runs: [], error: `pod ${podName(pod)} has no host IP yet` };
  }
  const commandFor = (pod: KubeObject, image: string | undefined) =>
    withHostIP(pod, probe.command)!.map((w) => (image === undefined ? w : w.replaceAll(IMAGE_ID, image)));
  const results = await Promise.all(
    pods.flatMap((pod) =>
      images.map(async (image) => ({
        pod,
        r: await execIn(api, pod, probe.pod, commandFor(pod, image), probe.timeoutSeconds),
      })),
    ),
  );
  const runs: ProbeRun[] = [];
  for (const { pod, r } of results) {
    if (NOT_RUN.has(r.exitCode)) {
      return { runs, error: `\`${probe.command[0]}\` could not run in pod ${podName(pod)}: ${firstLine(r.stderr)}` };
    }
    const succeeded =
      r.exitCode === want.exitCode &&
      (want.stdoutContains === undefined || r.stdout.includes(want.stdoutContains)) &&
      (pattern === undefined || pattern.test(r.stdout));
    const output = firstLine(r.stdout) || firstLine(r.stderr);
    runs.push({
      where: `pod ${podName(pod)}`,
      succeeded,
      detail: `\`${probe.command.join(' ')}\` in pod ${podName(pod)} exited ${r.exitCode}${output ? `: ${output}` : ''}`,
    });
  }
  return { runs };
}

async function runReachability(
  probe: Extract<Probe, { kind: 'reachability' }>,
  api: KubeApi,
  snapshot: Snapshot,
): Promise<ProbeOutcome> {
  const to = probe.to;
  const nodeIPs = 'nodes' in to ? internalIPs((await snapshot.list('nodes')) as KubeObject[]) : [];
  if ('nodes' in to && nodeIPs.length === 0) return { runs: [], error: 'no node has an InternalIP address' };
  const sources: { ref: PodRef; pod: KubeObject; command: string[] }[] = [];
  for (const ref of probe.from) {
    const pods = await resolvePods(ref, snapshot);
    if (typeof pods === 'string') return { runs: [], error: pods };
    for (const pod of pods) {
      const own = (pod.status as { hostIP?: string } | undefined)?.hostIP;
      const hosts =
        'service' in to
          ? [`${to.service.name}.${to.service.namespace}.svc.cluster.local`]
          : 'host' in to
            ? [to.host]
            : nodeIPs.filter((ip) => to.nodes === 'all' || ip !== own);
      if ('nodes' in to && !own) return { runs: [], error: `pod ${podName(pod)} has no host IP yet` };
      for (const host of hosts) {
        const command = withHostIP(pod, ['nc', '-z', '-w', String(probe.timeoutSeconds), host, String(to.port)]);
        if (!command) return { runs: [], error: `pod ${podName(pod)} has no host IP yet` };
        sources.push({ ref, pod, command });
      }
    }
  }
  const results = await Promise.all(
    sources.map(async ({ ref, pod, command }) => ({
      pod,
      target: `${command[4]}:${probe.to.port}`,
      r: await execIn(api, pod, ref, command, probe.timeoutSeconds),
    })),
  );
  const runs: ProbeRun[] = [];
  for (const { pod, r, target } of results) {
    if (NOT_RUN.has(r.exitCode)) {
      return { runs, error: `\`nc\` could not run in pod ${podName(pod)}: ${firstLine(r.stderr)}` };
    }
    const succeeded = r.exitCode === 0;
    runs.push({
      where: `pod ${podName(pod)}`,
      succeeded,
      detail: `pod ${podName(pod)} ${succeeded ? 'can' : 'cannot'} connect to ${target}`,
    });
  }
  return { runs };
}

/** Every node's InternalIP, the address pods reach it at. */
function internalIPs(nodes: KubeObject[]): string[] {
  return nodes.flatMap((node) => {
    const addresses = (node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses;
    const ip = addresses?.find((a) => a.type === 'InternalIP')?.address;
    return ip ? [ip] : [];
  });
}

function nodeAddress(nodes: KubeObject[]): string | undefined {
  for (const type of ['ExternalIP', 'InternalIP']) {
    for (const node of nodes) {
      const addresses = (node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses;
      const found = addresses?.find((a) => a.type === type);
      if (found) return found.address;
    }
  }
  return undefined;
}

async function runInternet(
  probe: Extract<Probe, { kind: 'internet' }>,
  api: KubeApi,
  snapshot: Snapshot,
): Promise<ProbeOutcome> {
  let host: string | undefined;
  let port: number;
  const to = probe.to;
  if ('host' in to) {
    host = to.host;
    port = to.port;
  } else if ('nodePort' in to) {
    host = nodeAddress((await snapshot.list('nodes')) as KubeObject[]);
    port = to.nodePort;
    if (!host) return { runs: [], error: 'no node has an address to send the request to' };
  } else {
    const services = (await snapshot.list('services')) as KubeObject[];
    const svc = services.find(
      (s) => s.metadata.namespace === to.service.namespace && s.metadata.name === to.service.name,
    );
    const label = `Service ${to.service.namespace}/${to.service.name}`;
    if (!svc) return { runs: [{ where: label, succeeded: false, detail: `${label} does not exist` }] };
    const spec = (svc.spec ?? {}) as { type?: string; ports?: { port: number; nodePort?: number }[] };
    const entry = spec.ports?.find((p) => p.port === to.port);
    const ingress = (svc.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } | undefined)
      ?.loadBalancer?.ingress?.[0];
    if (spec.type === 'LoadBalancer' && ingress && entry) {
      host = ingress.ip ?? ingress.hostname;
      port = entry.port;
    } else if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && entry?.nodePort) {
      host = nodeAddress((await snapshot.list('nodes')) as KubeObject[]);
      port = entry.nodePort;
    } else {
      return {
        runs: [
          {
            where: label,
            succeeded: false,
            detail: `${label} is not exposed outside the cluster (type ${spec.type ?? 'ClusterIP'})`,
          },
        ],
      };
    }
    if (!host) return { runs: [], error: 'no node has an address to send the request to' };
  }
  const url = `${probe.scheme}://${host}:${port}${probe.path}`;
  const response = await api.requestFromInternet({
    method: probe.method,
    host,
    port,
    path: probe.path,
    scheme: probe.scheme,
    headers: probe.headers,
  });
  if (!response.ok) {
    return {
      runs: [
        { where: url, succeeded: false, detail: `${probe.method} ${url} from the internet failed: ${response.error}` },
      ],
    };
  }
  const want = probe.succeedsWhen;
  const statusOk = want.status
    ? want.status.includes(response.status)
    : response.status >= 200 && response.status < 300;
  const succeeded = statusOk && (want.bodyContains === undefined || response.body.includes(want.bodyContains));
  return {
    runs: [
      {
        where: url,
        succeeded,
        detail: `${probe.method} ${url} from the internet answered ${response.status}${succeeded ? '' : ' (not what the attack needs)'}`,
      },
    ],
  };
}

interface Subject {
  user: string;
  groups: string[];
  /** How the learner reads it in a finding: `system:serviceaccount:ns:sa` or `... (pods of Deployment ns/x)`. */
  label: string;
}

const serviceAccountSubject = (namespace: string, name: string): Omit<Subject, 'label'> => ({
  user: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
});

/**
 * The service accounts whose tokens reach pods that run `image`: the account named in each pod
 * spec or template (`default` when none), unless neither the spec nor the account mounts a token
 * (`automountServiceAccountToken: false`) and no projected volume asks for one.
 */
async function accountsOfImage(image: string, snapshot: Snapshot): Promise<Subject[]> {
  const repository = parseImageRef(image).repository;
  const views = (await snapshot.list('podspecs')) as PodSpecView[];
  const accounts = (await snapshot.list('serviceaccounts')) as KubeObject[];
  const found = new Map<string, Subject>();
  for (const view of views) {
    if (!view.containers.some((c) => parseImageRef(String(c.image ?? '')).repository === repository)) continue;
    const namespace = view.metadata.namespace ?? 'default';
    const spec = view.spec as {
      serviceAccountName?: string;
      serviceAccount?: string;
      automountServiceAccountToken?: boolean;
      volumes?: { projected?: { sources?: { serviceAccountToken?: unknown }[] } }[];
    };
    const name = spec.serviceAccountName || spec.serviceAccount || 'default';
    const account = accounts.find((a) => a.metadata.namespace === namespace && a.metadata.name === name) as
      | (KubeObject & { automountServiceAccountToken?: boolean })
      | undefined;
    const automount = spec.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
    const projected = (spec.volumes ?? []).some((v) => (v.projected?.sources ?? []).some((x) => x.serviceAccountToken));
    if (!automount && !projected) continue;
    const key = `${namespace}/${name}`;
    if (!found.has(key))
      found.set(key, {
        ...serviceAccountSubject(namespace, name),
        label: `${key} (the account of ${view.kind} ${namespace}/${view.metadata.name ?? '?'})`,
      });
  }
  return [...found.values()];
}

async function runAccessReview(
  probe: Extract<Probe, { kind: 'access-review' }>,
  api: KubeApi,
  snapshot: Snapshot,
): Promise<ProbeOutcome> {
  let subjects: Subject[];
  if ('serviceAccount' in probe.subject) {
    const { namespace, name } = probe.subject.serviceAccount;
    const sa = serviceAccountSubject(namespace, name);
    subjects = [{ ...sa, label: sa.user }];
  } else if ('serviceAccountsOf' in probe.subject) {
    subjects = await accountsOfImage(probe.subject.serviceAccountsOf.image, snapshot);
    if (subjects.length === 0) {
      const what = `no pod or workload running ${probe.subject.serviceAccountsOf.image} gets a service account token`;
      return { runs: [{ where: what, succeeded: false, detail: what }] };
    }
  } else {
    subjects = [{ user: probe.subject.user, groups: probe.subject.groups, label: probe.subject.user }];
  }
  let namespaces: string[];
  if (probe.namespaces === 'all') {
    // RBAC allows in a namespace what ClusterRoleBindings allow everywhere plus what that
    // namespace's RoleBindings add; a namespace without RoleBindings answers as cluster
    // scope does, so asking there again would only repeat the cluster-wide answer.
    const bindings = (await snapshot.list('rolebindings.rbac.authorization.k8s.io')) as KubeObject[];
    const withBindings = new Set(bindings.map((b) => b.metadata.namespace ?? ''));
    const all = (await snapshot.list('namespaces')) as KubeObject[];
    namespaces = ['', ...all.map((n) => n.metadata.name ?? '').filter((n) => n !== '' && withBindings.has(n))];
  } else {
    namespaces = probe.namespaces.length === 0 ? [''] : probe.namespaces;
  }
  const runs: ProbeRun[] = [];
  for (const subject of subjects) {
    const questions = probe.attempts.flatMap((attempt) => namespaces.map((namespace) => ({ attempt, namespace })));
    const answers = await Promise.all(
      questions.map(({ attempt, namespace }) =>
        api.accessReview({
          user: subject.user,
          groups: subject.groups,
          verb: attempt.verb,
          group: attempt.group,
          resource: attempt.resource,
          subresource: attempt.subresource,
          name: attempt.name,
          namespace,
        }),
      ),
    );
    // One run per attempt, naming where it is allowed: cluster-wide covers every namespace.
    const who = subjects.length > 1 || subject.label !== subject.user ? `${subject.label}: ` : '';
    for (const attempt of probe.attempts) {
      const resource = `${attempt.resource}${attempt.subresource ? `/${attempt.subresource}` : ''}${attempt.group ? `.${attempt.group}` : ''}`;
      const allowedIn = questions
        .map((q, i) => ({ ...q, answer: answers[i]! }))
        .filter((q) => q.attempt === attempt && q.answer.allowed);
      const clusterWide = allowedIn.find((q) => q.namespace === '');
      const where = `${attempt.verb} ${resource}`;
      if (allowedIn.length === 0) {
        runs.push({ where, succeeded: false, detail: `${subject.user} cannot ${where}` });
        continue;
      }
      const scope = clusterWide
        ? 'cluster-wide'
        : `in namespace${allowedIn.length > 1 ? 's' : ''} ${allowedIn.map((q) => q.namespace).join(', ')}`;
      const reason = namespaceFirst((clusterWide ?? allowedIn[0]!).answer.reason ?? '');
      runs.push({ where, succeeded: true, detail: `${who}it can ${where} ${scope}${reason ? ` (${reason})` : ''}` });
    }
  }
  return { runs };
}

/**
 * The RBAC authorizer names a RoleBinding `"name/namespace"` (upstream's wording); every other
 * message of the lab says `namespace/name`, so the learner reads one order throughout.
 */
export function namespaceFirst(reason: string): string {
  return reason.replace(/\bRoleBinding "([^"/]+)\/([^"/]+)"/g, 'RoleBinding "$2/$1"');
}

async function runDryRun(
  probe: Extract<Probe, { kind: 'dry-run' }>,
  api: KubeApi,
  snapshot: Snapshot,
): Promise<ProbeOutcome> {
  if (probe.create) {
    const object = probe.create as unknown as KubeObject;
    const pods = (await snapshot.list('pods')) as KubeObject[];
    const guises = createGuises(object, pods);
    const results = await Promise.all(guises.map((g) => api.dryRunCreate(g.object)));
    return {
      runs: guises.map((guise, i) => {
        const result = results[i]!;
        const label = `${object.kind} ${guise.object.metadata.namespace ? `${guise.object.metadata.namespace}/` : ''}${guise.object.metadata.name ?? ''}`;
        const quota = refusedOnlyByQuota(result);
        const how = `a dry-run create of ${label} (${guise.label})`;
        return {
          where: label,
          // Refused only by a quota: every policy admitted it, so for the policy under test it was admitted.
          succeeded: result.admitted || quota !== undefined,
          detail: result.admitted
            ? `${how} was admitted`
            : quota !== undefined
              ? `${how} passed every admission policy and was refused only by ResourceQuota (${quota}), which refuses any pod alike`
              : `${how} was denied: ${firstLine(result.message)}`,
        };
      }),
    };
  }
  const ephemeral = probe.ephemeralContainer!;
  const pods = await resolvePods(ephemeral.pod, snapshot);
  if (typeof pods === 'string') return { runs: [], error: pods };
  const pod = pods[0]!;
  const image = String(ephemeral.container.image);
  const guises = ephemeralGuises(ephemeral.container);
  const results = await Promise.all(
    guises.map((g) => api.dryRunEphemeralContainer(pod.metadata.namespace ?? '', pod.metadata.name ?? '', g.container)),
  );
  return {
    runs: guises.map((guise, i) => {
      const result = results[i]!;
      const how = `an ephemeral container ${String(guise.container.name)} running ${image}`;
      return {
        where: `pod ${podName(pod)}`,
        succeeded: result.admitted,
        detail: result.admitted
          ? `${how} was admitted into pod ${podName(pod)}`
          : `${how} was denied: ${firstLine(result.message)}`,
      };
    }),
  };
}

/** Runtime-alert probes in flight, per cluster: each waits for the one before, so no replay sees another's alerts. */
const alertQueues = new WeakMap<KubeApi, Promise<unknown>>();

function serialised<T>(api: KubeApi, fn: () => Promise<T>): Promise<T> {
  const before = alertQueues.get(api) ?? Promise.resolve();
  const run = before.then(fn, fn);
  alertQueues.set(
    api,
    run.catch(() => undefined),
  );
  return run;
}

/** How often a runtime-alerts probe looks at the agent's logs while it waits. */
const SETTLE_POLL_MS = 250;

/** One alert line of Falco's JSON output. */
interface AlertLine {
  rule: string;
  priority: string;
  output?: string;
}

const PRIORITY_ORDER: readonly string[] = ALERT_PRIORITIES;

/** Alerts in log text: Falco's JSON lines (`json_output: true`); anything else (start-up lines) is not an alert. */
export function parseAlerts(text: string): AlertLine[] {
  const out: AlertLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const a = JSON.parse(line) as Partial<AlertLine>;
      if (typeof a.rule === 'string' && typeof a.priority === 'string') {
        out.push({ rule: a.rule, priority: a.priority, output: typeof a.output === 'string' ? a.output : undefined });
      }
    } catch {
      // A line cut by the byte limit, or not Falco's.
    }
  }
  return out;
}

/** The log lines written after `before` was read (all of it if the container restarted meanwhile). */
const appended = (before: string, after: string) => (after.startsWith(before) ? after.slice(before.length) : after);

/** Whether a container runs the agent's program from the agent's image, not something else under its name. */
function runsAgent(c: Record<string, unknown>, image: string, program: string): boolean {
  if (parseImageRef(String(c.image ?? '')).repository !== parseImageRef(image).repository) return false;
  const command = c.command as string[] | undefined;
  const args = c.args as string[] | undefined;
  const exe = command?.[0] ?? args?.[0];
  if (exe === undefined) return true;
  return exe === program || exe.endsWith(`/${program}`);
}

async function runRuntimeAlerts(
  probe: Extract<Probe, { kind: 'runtime-alerts' }>,
  api: KubeApi,
  snapshot: Snapshot,
): Promise<ProbeOutcome> {
  const { agent } = probe;
  const agentPods = await resolvePods({ namespace: agent.namespace, selector: agent.selector }, snapshot);
  if (typeof agentPods === 'string')
    return { runs: [], error: `the runtime-security agent is not running: ${agentPods}` };
  const sources: { pod: string; namespace: string; container: string }[] = [];
  for (const pod of agentPods) {
    const containers = ((pod.spec as { containers?: Record<string, unknown>[] } | undefined)?.containers ?? []).filter(
      (c) => runsAgent(c, agent.image, agent.program),
    );
    for (const c of containers) {
      sources.push({
        namespace: pod.metadata.namespace ?? '',
        pod: pod.metadata.name ?? '',
        container: String(c.name),
      });
    }
  }
  if (!sources.length) {
    return {
      runs: [],
      error: `no pod in ${agent.namespace} runs ${agent.program} from ${agent.image}: alerts are read only from the agent itself`,
    };
  }
  const read = () => Promise.all(sources.map((s) => api.logs(s.namespace, s.pod, s.container)));
  const before = await read();
  const replayed: string[] = [];
  for (const step of probe.replay) {
    const pods = await resolvePods(step.pod, snapshot);
    if (typeof pods === 'string') return { runs: [], error: pods };
    for (const pod of pods) {
      // Exit codes do not matter: a replayed step that fails (a refused read) still makes its system calls.
      await execIn(api, pod, step.pod, step.command, 5);
      replayed.push(`\`${step.command.join(' ')}\` in ${podName(pod)}`);
    }
  }
  const min = PRIORITY_ORDER.indexOf(probe.minPriority);
  const rank = (p: string) => {
    const i = PRIORITY_ORDER.findIndex((x) => x.toLowerCase() === p.toLowerCase());
    return i < 0 ? PRIORITY_ORDER.length : i;
  };
  // Poll until an alert at the priority shows up or the settle time is over: only silence needs the full wait.
  let alerts: AlertLine[] = [];
  let loud: AlertLine[] = [];
  for (let waited = 0; ; waited += SETTLE_POLL_MS) {
    const after = await read();
    alerts = after.flatMap((text, i) => parseAlerts(appended(before[i]!, text)));
    loud = alerts.filter((a) => rank(a.priority) <= min);
    if (loud.length > 0 || waited >= probe.settleSeconds * 1000) break;
    await api.pause(SETTLE_POLL_MS);
  }
  const shown = (list: AlertLine[]) => [...new Set(list.map((a) => `"${a.rule}" (${a.priority})`))].join(', ');
  const detail =
    loud.length > 0
      ? `after ${replayed.join(', then ')}, Falco raised ${shown(loud)}`
      : alerts.length > 0
        ? `after ${replayed.join(', then ')}, Falco raised only ${shown(alerts)}, below ${probe.minPriority}`
        : `after ${replayed.join(', then ')}, Falco raised no alert`;
  const alerted = loud.length > 0;
  return { runs: [{ where: 'falco', succeeded: probe.succeedsWhen === 'alerted' ? alerted : !alerted, detail }] };
}
