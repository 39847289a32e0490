/**
 * A scenario's attack, as its data describes it (`attack:` in scenario.yaml), replayed
 * with the real kubectl the way a learner would run it: `kubectl exec` into the pod,
 * `nc -z` from it, `kubectl auth can-i --as`, `kubectl create --dry-run=server`, and a
 * request from the simulated internet. Nothing here knows a scenario: every scenario
 * folder is covered as it is added.
 */
import { parseImageRef } from '@paranoid/k8s/image-ref.ts';
import type { Attack } from '@paranoid/schema/scenario.ts';
import type { KubectlResult, StartedSim } from './sim.ts';

type Probe = Attack['probe'];
type PodRef = { namespace: string; name?: string; selector?: Record<string, string>; container?: string };

/** What one replay found: did the attack work, and the evidence, in words. */
export interface Replay {
  worked: boolean;
  evidence: string[];
}

const TIMEOUT = 60_000;

async function kubectl(sim: StartedSim, args: string[], input?: string): Promise<KubectlResult> {
  return sim.kubectl(args, { timeoutMs: TIMEOUT, ...(input === undefined ? {} : { input }) });
}

/** The running pods a reference names, as `kubectl get pods` lists them. */
async function podsOf(sim: StartedSim, ref: PodRef): Promise<string[]> {
  if (ref.name) return [ref.name];
  const selector = Object.entries(ref.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const r = await kubectl(sim, [
    'get',
    'pods',
    '-n',
    ref.namespace,
    '-l',
    selector,
    '--field-selector=status.phase=Running',
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  return r.stdout.split(/\s+/).filter(Boolean);
}

function execArgs(ref: PodRef, pod: string, command: string[]): string[] {
  return ['exec', '-n', ref.namespace, pod, ...(ref.container ? ['-c', ref.container] : []), '--', ...command];
}

/** The images the running pods of a reference run in its container (else the first), by the digest their kubelet recorded. */
async function imageIDsOf(sim: StartedSim, ref: PodRef): Promise<string[]> {
  const ids = new Set<string>();
  for (const pod of await podsOf(sim, ref)) {
    const path = ref.container
      ? `{.status.containerStatuses[?(@.name=="${ref.container}")].imageID}`
      : '{.status.containerStatuses[0].imageID}';
    const r = await kubectl(sim, ['get', 'pod', '-n', ref.namespace, pod, '-o', `jsonpath=${path}`]);
    if (r.stdout.trim()) ids.add(r.stdout.trim());
  }
  return [...ids];
}

/** The address of the node a pod runs on, as `kubectl get pod -o wide` shows it. */
async function hostIPOf(sim: StartedSim, namespace: string, pod: string): Promise<string> {
  const r = await kubectl(sim, ['get', 'pod', '-n', namespace, pod, '-o', 'jsonpath={.status.hostIP}']);
  return r.stdout.trim();
}

async function nodeAddresses(sim: StartedSim): Promise<string[]> {
  const r = await kubectl(sim, [
    'get',
    'nodes',
    '-o',
    'jsonpath={.items[*].status.addresses[?(@.type=="InternalIP")].address}',
  ]);
  return r.stdout.split(/\s+/).filter(Boolean);
}

/** Where an internet probe's target is reachable from outside right now: [host, port] pairs. */
async function internetTargets(sim: StartedSim, to: Extract<Probe, { kind: 'internet' }>['to']) {
  if ('host' in to) return [[to.host, to.port] as const];
  if ('nodePort' in to) return (await nodeAddresses(sim)).map((ip) => [ip, to.nodePort] as const);
  const svc = await kubectl(sim, ['get', 'service', '-n', to.service.namespace, to.service.name, '-o', 'json']);
  if (svc.code !== 0) return [];
  const spec = JSON.parse(svc.stdout) as {
    spec: { type?: string; ports?: { port: number; nodePort?: number }[] };
    status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
  };
  const port = spec.spec.ports?.find((p) => p.port === to.port);
  if (!port) return [];
  const targets: (readonly [string, number])[] = [];
  for (const ingress of spec.status?.loadBalancer?.ingress ?? []) {
    const host = ingress.ip ?? ingress.hostname;
    if (host) targets.push([host, port.port]);
  }
  if (port.nodePort) for (const ip of await nodeAddresses(sim)) targets.push([ip, port.nodePort]);
  return targets;
}

interface PodTemplateSpec {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  containers?: { image?: string }[];
  volumes?: { projected?: { sources?: { serviceAccountToken?: unknown }[] } }[];
}

/**
 * The accounts whose tokens the pods and workloads running an image get, as a learner finds
 * them: `kubectl get` of pods and workloads, their serviceAccountName and automount setting.
 */
async function accountsRunning(sim: StartedSim, image: string): Promise<string[]> {
  const repository = parseImageRef(image).repository;
  const get = async (what: string) =>
    JSON.parse((await kubectl(sim, ['get', what, '-A', '-o', 'json'])).stdout || '{"items":[]}') as {
      items: {
        kind?: string;
        metadata: { namespace?: string; name?: string; automountServiceAccountToken?: boolean };
        spec?: Record<string, unknown> & {
          template?: { spec?: PodTemplateSpec };
          jobTemplate?: { spec?: { template?: { spec?: PodTemplateSpec } } };
        };
        automountServiceAccountToken?: boolean;
      }[];
    };
  const accounts = (await get('serviceaccounts')).items;
  const found = new Set<string>();
  for (const kind of ['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs']) {
    for (const item of (await get(kind)).items) {
      const spec = (
        kind === 'pods'
          ? item.spec
          : kind === 'cronjobs'
            ? item.spec?.jobTemplate?.spec?.template?.spec
            : item.spec?.template?.spec
      ) as PodTemplateSpec | undefined;
      if (!spec?.containers?.some((c) => parseImageRef(String(c.image ?? '')).repository === repository)) continue;
      const namespace = item.metadata.namespace ?? 'default';
      const name = spec.serviceAccountName || spec.serviceAccount || 'default';
      const account = accounts.find((a) => a.metadata.namespace === namespace && a.metadata.name === name);
      const automount = spec.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
      const projected = (spec.volumes ?? []).some((v) =>
        (v.projected?.sources ?? []).some((x) => x.serviceAccountToken),
      );
      if (automount || projected) found.add(`system:serviceaccount:${namespace}:${name}`);
    }
  }
  return [...found];
}

/** Replays one probe of a scenario's attack against the live simulated cluster. */
export async function replay(sim: StartedSim, probe: Probe): Promise<Replay> {
  const evidence: string[] = [];
  switch (probe.kind) {
    case 'exec': {
      const want = probe.succeedsWhen;
      // `{{imageID}}`: each image the `imageOf` pods run, as `kubectl get pod` shows their kubelet recorded it.
      const images = probe.imageOf ? await imageIDsOf(sim, probe.imageOf) : [undefined];
      for (const pod of await podsOf(sim, probe.pod)) {
        const hostIP = await hostIPOf(sim, probe.pod.namespace, pod);
        for (const image of images) {
          const command = probe.command.map((w) =>
            w.replaceAll('{{hostIP}}', hostIP).replaceAll('{{imageID}}', image ?? '{{imageID}}'),
          );
          const r = await kubectl(sim, execArgs(probe.pod, pod, command));
          const worked =
            r.code === (want.exitCode ?? 0) &&
            (want.stdoutContains === undefined || r.stdout.includes(want.stdoutContains)) &&
            (want.stdoutMatches === undefined || new RegExp(want.stdoutMatches).test(r.stdout));
          evidence.push(`exec in ${probe.pod.namespace}/${pod}: exit ${r.code}, ${r.stdout.slice(0, 120).trim()}`);
          if (worked) return { worked, evidence };
        }
      }
      return { worked: false, evidence };
    }
    case 'reachability': {
      const to = probe.to;
      for (const ref of probe.from) {
        for (const pod of await podsOf(sim, ref)) {
          const own = await hostIPOf(sim, ref.namespace, pod);
          const hosts =
            'service' in to
              ? [`${to.service.name}.${to.service.namespace}.svc.cluster.local`]
              : 'host' in to
                ? [to.host.replaceAll('{{hostIP}}', own)]
                : (await nodeAddresses(sim)).filter((ip) => to.nodes === 'all' || ip !== own);
          for (const host of hosts) {
            const command = ['nc', '-z', '-w', String(probe.timeoutSeconds), host, String(to.port)];
            const r = await kubectl(sim, execArgs(ref, pod, command));
            evidence.push(`${ref.namespace}/${pod} → ${host}:${to.port}: exit ${r.code}`);
            if (r.code === 0) return { worked: true, evidence };
          }
        }
      }
      return { worked: false, evidence };
    }
    case 'internet': {
      for (const [host, port] of await internetTargets(sim, probe.to)) {
        const request = JSON.stringify({
          host,
          port,
          scheme: probe.scheme,
          method: probe.method,
          path: probe.path,
          ...(probe.headers ? { headers: probe.headers } : {}),
        });
        const r = await kubectl(sim, ['create', '--raw', '/paranoid/v1/internet', '-f', '-'], request);
        if (r.code !== 0) throw new Error(`failed to send a request from the internet: ${r.stderr}`);
        const answer = JSON.parse(r.stdout) as { ok: boolean; status?: number; body?: string; error?: string };
        evidence.push(
          `${probe.method} ${probe.scheme}://${host}:${port}${probe.path}: ${answer.status ?? answer.error}`,
        );
        const statusOk = probe.succeedsWhen.status
          ? probe.succeedsWhen.status.includes(answer.status ?? -1)
          : (answer.status ?? 0) >= 200 && (answer.status ?? 0) < 300;
        const bodyOk =
          probe.succeedsWhen.bodyContains === undefined ||
          (answer.body ?? '').includes(probe.succeedsWhen.bodyContains);
        if (answer.ok && statusOk && bodyOk) return { worked: true, evidence };
      }
      return { worked: false, evidence };
    }
    case 'access-review': {
      const subject = probe.subject;
      let subjects: string[][];
      if ('serviceAccount' in subject) {
        const { namespace, name } = subject.serviceAccount;
        subjects = [[`--as=system:serviceaccount:${namespace}:${name}`]];
      } else if ('serviceAccountsOf' in subject) {
        subjects = (await accountsRunning(sim, subject.serviceAccountsOf.image)).map((user) => [`--as=${user}`]);
      } else {
        subjects = [[`--as=${subject.user}`, ...subject.groups.map((g) => `--as-group=${g}`)]];
      }
      if (subjects.length === 0) evidence.push('no account with a token runs the image');
      // `all`, as the grader asks: cluster scope, and every namespace a RoleBinding could add to.
      const namespaces =
        probe.namespaces === 'all'
          ? [
              ...new Set(
                (
                  await kubectl(sim, ['get', 'rolebindings', '-A', '-o', 'jsonpath={.items[*].metadata.namespace}'])
                ).stdout
                  .split(/\s+/)
                  .filter(Boolean),
              ),
            ]
          : probe.namespaces;
      const scopes = [['-A'], ...namespaces.map((ns: string) => ['-n', ns])];
      for (const as of subjects) {
        for (const attempt of probe.attempts) {
          const resource = `${attempt.resource}${attempt.group ? `.${attempt.group}` : ''}${attempt.name ? `/${attempt.name}` : ''}`;
          const sub = attempt.subresource ? [`--subresource=${attempt.subresource}`] : [];
          for (const scope of scopes) {
            const r = await kubectl(sim, ['auth', 'can-i', attempt.verb, resource, ...sub, ...scope, ...as]);
            evidence.push(`${as.join(' ')} can-i ${attempt.verb} ${resource} ${scope.join(' ')}: ${r.stdout.trim()}`);
            if (r.stdout.trim() === 'yes') return { worked: true, evidence };
          }
        }
      }
      return { worked: false, evidence };
    }
    case 'dry-run': {
      if (probe.create) {
        const r = await kubectl(sim, ['create', '--dry-run=server', '-f', '-'], JSON.stringify(probe.create));
        evidence.push(`create --dry-run=server: ${(r.stdout + r.stderr).trim().slice(0, 200)}`);
        return { worked: r.code === 0, evidence };
      }
      const { pod: ref, container } = probe.ephemeralContainer!;
      for (const pod of await podsOf(sim, ref)) {
        const patch = JSON.stringify({ spec: { ephemeralContainers: [container] } });
        const r = await kubectl(sim, [
          'patch',
          'pod',
          pod,
          '-n',
          ref.namespace,
          '--subresource=ephemeralcontainers',
          '--type=strategic',
          '-p',
          patch,
          '--dry-run=server',
        ]);
        evidence.push(`ephemeral container in ${ref.namespace}/${pod}: ${(r.stdout + r.stderr).trim().slice(0, 200)}`);
        if (r.code === 0) return { worked: true, evidence };
      }
      return { worked: false, evidence };
    }
    case 'sequence': {
      // Steps in order, as a learner types them; the attack works only if every stage does.
      for (const step of probe.steps) {
        const r = await replay(sim, step);
        evidence.push(...r.evidence);
        if (!r.worked) return { worked: false, evidence };
      }
      return { worked: true, evidence };
    }
    case 'runtime-alerts': {
      // As a learner reads them: each agent pod's log before and after the replay, the JSON alert lines it gained.
      const agentRef = { namespace: probe.agent.namespace, selector: probe.agent.selector };
      const agents = await podsOf(sim, agentRef);
      const logs = async () =>
        Promise.all(agents.map(async (pod) => (await kubectl(sim, ['logs', '-n', agentRef.namespace, pod])).stdout));
      const before = await logs();
      evidence.push(`agents: ${agents.join(', ') || 'none'}`);
      for (const step of probe.replay) {
        for (const pod of await podsOf(sim, step.pod)) {
          const r = await kubectl(sim, execArgs(step.pod, pod, step.command));
          evidence.push(`exec in ${step.pod.namespace}/${pod}: ${step.command.join(' ')} (exit ${r.code})`);
        }
      }
      const rank = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];
      const after = await logs();
      const alerts = after.flatMap((text, i) =>
        (text.startsWith(before[i]!) ? text.slice(before[i]!.length) : text)
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { rule: string; priority: string }),
      );
      const loud = alerts.filter((a) => rank.indexOf(a.priority) <= rank.indexOf(probe.minPriority));
      evidence.push(`alerts: ${alerts.map((a) => `${a.rule} (${a.priority})`).join(', ') || 'none'}`);
      return { worked: probe.succeedsWhen === 'alerted' ? loud.length > 0 : loud.length === 0, evidence };
    }
  }
  throw new Error(`failed to replay a probe: unknown kind ${(probe as { kind: string }).kind}`);
}
