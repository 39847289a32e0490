/**
 * `paranoid serve --provider namespace` against a simulated cluster acting as the host:
 * the lab as serve runs it, a learner's session in a namespace of that cluster, the real
 * terminal WebSocket streaming an exec into the learner's toolbox pod, the editor and the
 * grader, and what is left once the session ends. The host simulator enforces RBAC, Pod
 * Security admission, ResourceQuota and NetworkPolicy, so every refusal is the host's.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { KubeClient } from '@paranoid/kube/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type LabOnSimHost, startLabOnSimHost } from '../support/lab-on-sim-host.ts';
import { connectTerminal } from '../support/lab-terminal.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');

/** A scenario that fits one namespace: a restricted web Deployment and a ConfigMap to fix. */
function writeFittingScenario(root: string): void {
  const files: Record<string, unknown> = {
    'scenario.yaml': {
      id: 'fits',
      title: 'Settings in safe mode',
      summary: 'S',
      difficulty: 'beginner',
      minutes: 10,
      cks: ['Cluster Setup'],
      incident: { title: 'I', summary: 'S', sources: [{ title: 'src', url: 'https://example.com/x' }] },
      steps: [{ id: 'fix', title: 'Fix', kind: 'fix', file: 'steps/01-fix.md', checks: ['safe-mode'] }],
      attack: [
        {
          id: 'a1',
          title: 'A',
          probe: { kind: 'exec', pod: { namespace: 'shop', selector: { app: 'web' } }, command: ['true'] },
        },
      ],
      checks: [
        {
          id: 'safe-mode',
          title: 'The settings are in safe mode',
          failure: 'The settings are not in safe mode.',
          object: {
            resource: 'configmaps',
            namespaces: ['shop'],
            select: "object.metadata.name == 'settings'",
            rule: "object.data.mode == 'safe'",
          },
        },
      ],
      runsInNamespace: { namespace: 'shop' },
    },
    'steps/01-fix.md': '# Fix\n',
    'setup/00-namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n',
    'setup/10-settings.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: shop }\ndata: { mode: unsafe }\n',
    'setup/20-web.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: web
          image: nginx:1.27
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
`,
    'solution/settings.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: shop }\ndata: { mode: safe }\n',
  };
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, 'fits', path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : stringify(content));
  }
}

let env: LabOnSimHost;
let admin: KubeClient;
let base: string;

beforeAll(async () => {
  env = await startLabOnSimHost({
    name: 'namespace-serve',
    context: 'host',
    prepare: (_host, dir) => {
      writeFittingScenario(join(dir, 'scenarios'));
      cpSync(join(SCENARIOS, 'root-container-escape'), join(dir, 'scenarios', 'root-container-escape'), {
        recursive: true,
      });
    },
    serve: ({ dir, hostKubeconfig }) => ({
      provider: 'namespace',
      hostKubeconfig,
      toolboxImage: 'bitnami/kubectl:1.32.3',
      database: ':memory:',
      dataDir: join(dir, 'data'),
      scenarios: join(dir, 'scenarios'),
    }),
  });
  admin = env.host.admin;
  base = env.base;
}, 120_000);

afterAll(async () => {
  await env?.close();
});

const api = async (path: string, init: { method?: string; body?: unknown; token?: string } = {}) => {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/json',
      cookie: 'paranoid_learner=learner0000000001',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};

describe('serve --provider namespace on a simulated host cluster', () => {
  it('says which provider it runs and that terminals are pods', async () => {
    const health = await api('/api/health');
    expect(health.body).toMatchObject({ provider: 'namespace', terminals: 'toolbox' });
  });

  it('offers the scenario that fits a namespace and refuses the one that needs a node', async () => {
    const { body } = await api('/api/scenarios');
    const offered = Object.fromEntries(
      (body.scenarios as { id: string; available: boolean }[]).map((s) => [s.id, s.available]),
    );
    expect(offered).toEqual({ fits: true, 'root-container-escape': false });
    const refused = await api('/api/sessions', { method: 'POST', body: { scenarioId: 'root-container-escape' } });
    expect(refused.status).toBe(409);
    expect((refused.body.error as { code: string }).code).toBe('ScenarioUnavailable');
  });

  it("runs a learner's session in a namespace: a shell in the toolbox pod, their rights only, graded in their namespace, nothing left after", async () => {
    const started = await api('/api/sessions', { method: 'POST', body: { scenarioId: 'fits' } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = (started.body.session as { id: string }).id;
    const token = started.body.token as string;
    const namespace = `paranoid-${id}`;
    expect((await admin.raw('GET', `/api/v1/namespaces/${namespace}`)).status).toBe(200);

    // The terminal: an exec into the toolbox pod through the host's API, kubectl in it as the learner.
    const term = connectTerminal(base, id, token);
    await term.waitFor(/\$ $/);
    term.type('kubectl get pods; echo "rc $?"\r');
    const pods = await term.waitFor(/rc \d+\r\n/);
    expect(pods).toMatch(/toolbox\s+1\/1\s+Running/);
    expect(pods).toMatch(/web-[a-z0-9]+-[a-z0-9]+\s+1\/1\s+Running/);
    expect(pods).toContain('rc 0');
    term.type('kubectl get pods -n kube-system; echo "rc $?"\r');
    const system = await term.waitFor(/rc \d+\r\n/);
    expect(system).toContain(`User "system:serviceaccount:${namespace}:learner" cannot list resource "pods"`);
    expect(system).toContain('rc 1');
    term.ws.close();

    // The grader looks in the learner's namespace under the scenario's name for it.
    const before = await api(`/api/sessions/${id}/check`, { method: 'POST', token });
    expect(before.body.passed).toBe(false);
    // The editor applies the step's YAML as written (namespace: shop) into the learner's namespace...
    const fixed = await api(`/api/sessions/${id}/apply`, {
      method: 'POST',
      token,
      body: {
        yaml: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: shop }\ndata: { mode: safe }\n',
      },
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body.results).toEqual([expect.objectContaining({ ok: true, namespace })]);
    const after = await api(`/api/sessions/${id}/check`, { method: 'POST', token });
    expect(after.body.passed).toBe(true);
    // ...with the learner's rights, not the runner's: nothing cluster-wide.
    const escalate = await api(`/api/sessions/${id}/apply`, {
      method: 'POST',
      token,
      body: {
        yaml: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: mine }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects: [{ kind: ServiceAccount, name: learner, namespace: default }]\n',
      },
    });
    expect(escalate.body.results).toEqual([
      expect.objectContaining({ ok: false, message: expect.stringContaining('is forbidden') }),
    ]);
    expect((await admin.raw('GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/mine')).status).toBe(404);

    // Ending the session leaves nothing of it on the host.
    expect((await api(`/api/sessions/${id}`, { method: 'DELETE', token })).status).toBe(204);
    expect((await admin.raw('GET', `/api/v1/namespaces/${namespace}`)).status).toBe(404);
    const left = (await admin.send('GET', `/api/v1/pods?labelSelector=paranoid.dev%2Fsession%3D${id}`)) as {
      items: unknown[];
    };
    expect(left.items).toEqual([]);
  }, 120_000);
});
