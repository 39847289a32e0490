import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { lint } from './lint.ts';

const SCENARIOS = fileURLToPath(new URL('../../../../scenarios', import.meta.url));
const EMPTY_TRACKS = () => mkdtempSync(join(tmpdir(), 'paranoid-no-tracks-'));

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function run(scenarios: string): { code: number; text: string } {
  const lines: string[] = [];
  const tracks = EMPTY_TRACKS();
  dirs.push(tracks);
  const code = lint({ scenarios, tracks }, { stdout: (s) => lines.push(s), stderr: (s) => lines.push(s) });
  return { code, text: lines.join('') };
}

/** A scenario that fits one namespace: a restricted Deployment and a Role bound to its ServiceAccount. */
function fittingScenario(root: string, change: (files: Record<string, unknown>) => void = () => {}): void {
  const pod = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'app',
        image: 'nginx:1.27',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: pod } },
  };
  const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' } });
  const files: Record<string, unknown> = {
    'scenario.yaml': {
      id: 'fits',
      title: 'T',
      summary: 'S',
      difficulty: 'beginner',
      minutes: 10,
      cks: ['Cluster Setup'],
      incident: { title: 'I', summary: 'S', sources: [{ title: 'src', url: 'https://example.com/x' }] },
      steps: [{ id: 'fix', title: 'Fix', kind: 'fix', file: 'steps/01-fix.md', checks: ['c1'] }],
      attack: [
        { id: 'a1', title: 'A', probe: { kind: 'exec', pod: { namespace: 'shop', name: 'x' }, command: ['true'] } },
      ],
      checks: [
        {
          id: 'c1',
          title: 'C',
          level: 'MUST',
          failure: 'F',
          object: { resource: 'configmaps', namespaces: ['shop'], rule: 'true' },
        },
      ],
      runsInNamespace: { namespace: 'shop' },
    },
    'steps/01-fix.md': '# Fix\n',
    'setup/00-namespace.yaml': { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    'setup/10-web.yaml': deployment,
    'setup/20-rbac.yaml': [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: { name: viewers, namespace: shop }',
      'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }',
      'subjects: [{ kind: ServiceAccount, name: default, namespace: shop }]',
      '',
    ].join('\n'),
    'solution/fix.yaml': cm('fix'),
  };
  for (const n of ['good-a', 'good-b', 'good-c', 'bad-a', 'bad-b', 'bad-c', 'bad-d', 'bad-e']) {
    files[`variants/${n}/x.yaml`] = cm(n);
  }
  change(files);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, 'fits', path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : stringify(content));
  }
}

describe('paranoid lint on runsInNamespace', () => {
  it('accepts a scenario whose every object fits its one namespace under restricted', () => {
    const root = mkdtempSync(join(tmpdir(), 'paranoid-fit-'));
    dirs.push(root);
    fittingScenario(root);
    const { code, text } = run(root);
    expect(text).toContain(
      'ok    fits: 1 checks, 1 attacks, 3 good and 5 bad variants, runs in a namespace (restricted)',
    );
    expect(code).toBe(0);
  });

  it('refuses pods the declared level does not admit, naming upstream reasons', () => {
    const root = mkdtempSync(join(tmpdir(), 'paranoid-fit-'));
    dirs.push(root);
    fittingScenario(root, (files) => {
      const d = files['setup/10-web.yaml'] as { spec: { template: { spec: { securityContext: unknown } } } };
      d.spec.template.spec.securityContext = {};
    });
    const { code, text } = run(root);
    expect(code).toBe(1);
    expect(text).toContain(
      'fits/setup: runsInNamespace (Deployment web): expected pods that Pod Security "restricted" admits but found runAsNonRoot != true',
    );
  });

  it('refuses objects in another namespace, cluster-scoped kinds, NodePorts and fixes the learner cannot apply', () => {
    const root = mkdtempSync(join(tmpdir(), 'paranoid-fit-'));
    dirs.push(root);
    fittingScenario(root, (files) => {
      files['solution/crb.yaml'] = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'x' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [],
      };
      files['variants/good-a/x.yaml'] = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-all', namespace: 'shop' },
        spec: { podSelector: {}, ingress: [{}] },
      };
      files['variants/bad-a/x.yaml'] = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'open', namespace: 'other' },
        spec: { type: 'NodePort', ports: [{ port: 80 }] },
      };
    });
    const { code, text } = run(root);
    expect(code).toBe(1);
    expect(text).toContain(
      'fits/solution: runsInNamespace (ClusterRoleBinding x): expected only objects that live in a namespace but found a cluster-scoped kind',
    );
    expect(text).toContain(
      'fits/variants/bad-a: runsInNamespace (Service open): expected namespace "shop" but found other',
    );
    expect(text).toContain(
      'fits/variants/bad-a: runsInNamespace (Service open): expected a ClusterIP Service (the host cluster has no ports to give) but found NodePort',
    );
  });

  it('refuses every shipped scenario declared as running in its first namespace, each for its own reason', {
    timeout: 60_000,
  }, () => {
    const root = mkdtempSync(join(tmpdir(), 'paranoid-fit-'));
    dirs.push(root);
    cpSync(SCENARIOS, root, { recursive: true });
    const first = {
      'root-container-escape': 'monitoring',
      'rbac-token-theft': 'build',
      'capabilities-and-seccomp': 'payments',
      'cryptominer-image': 'shop',
    };
    for (const [id, namespace] of Object.entries(first)) {
      const file = join(root, id, 'scenario.yaml');
      const scenario = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      scenario.runsInNamespace = { namespace, podSecurity: 'baseline' };
      writeFileSync(file, stringify(scenario));
    }
    const { code, text } = run(root);
    expect(code).toBe(1);
    // The node: a privileged pod with the host's process namespace and file system.
    expect(text).toMatch(
      /root-container-escape\/setup: runsInNamespace \(Deployment node-monitor\): expected pods that Pod Security "baseline" admits but found non-default capabilities .*host namespaces \(hostNetwork=true, hostPID=true, hostIPC=true\), hostPath volumes \(volume "host-root"\), privileged/,
    );
    expect(text).toContain('rbac-token-theft/setup: runsInNamespace (ClusterRoleBinding');
    expect(text).toMatch(
      /capabilities-and-seccomp\/setup: .* found non-default capabilities \(container "api" must not include "NET_RAW"/,
    );
    expect(text).toContain('cryptominer-image/solution: runsInNamespace (ValidatingAdmissionPolicy');
  });
});
