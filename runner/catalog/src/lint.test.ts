import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatProblem } from '@paranoid/schema/problem.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { lintAll } from './lint.ts';

/** A minimal valid scenario as files; tests break one thing at a time. */
function validScenario(id: string): Record<string, unknown> {
  const manifest = (name: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
  });
  const files: Record<string, unknown> = {
    'scenario.yaml': {
      id,
      title: 'T',
      summary: 'S',
      difficulty: 'beginner',
      minutes: 10,
      cks: ['Cluster Setup'],
      incident: { title: 'I', summary: 'S', sources: [{ title: 'src', url: 'https://example.com/x' }] },
      steps: [{ id: 'fix', title: 'Fix', kind: 'fix', file: 'steps/01-fix.md', checks: ['c1'] }],
      attack: [
        { id: 'a1', title: 'A', probe: { kind: 'exec', pod: { namespace: 'default', name: 'x' }, command: ['true'] } },
      ],
      checks: [{ id: 'c1', title: 'C', level: 'MUST', failure: 'F', object: { resource: 'configmaps', rule: 'true' } }],
    },
    'steps/01-fix.md': '# Fix\n',
    'setup/00.yaml': manifest('setup'),
    'solution/fix.yaml': manifest('fix'),
  };
  for (const n of ['good-a', 'good-b', 'good-c', 'bad-a', 'bad-b', 'bad-c', 'bad-d', 'bad-e']) {
    files[`variants/${n}/x.yaml`] = manifest(n);
  }
  return files;
}

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function write(files: Record<string, unknown>, id = 'demo'): string {
  root ??= mkdtempSync(join(tmpdir(), 'paranoid-lint-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, id, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : stringify(content));
  }
  return root;
}

const problems = (dir: string) => lintAll(dir).scenarios.flatMap((s) => s.problems.map(formatProblem));

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely, one wrong field at a time
type Loose = Record<string, any>;

function edit(files: Record<string, unknown>, change: (scenario: Loose) => void) {
  change(files['scenario.yaml'] as Loose);
  return files;
}

describe('lint', () => {
  it('accepts a valid scenario', () => {
    expect(problems(write(validScenario('demo')))).toEqual([]);
  });

  it('says which field, what was expected and what was found', () => {
    const files = edit(validScenario('demo'), (s) => {
      s.checks[0].level = 'must';
    });
    expect(problems(write(files))).toEqual([
      'demo/scenario.yaml: checks[0].level: expected one of "MUST" | "SHOULD" but found "must"',
    ]);
  });

  it('collects every problem instead of stopping at the first', () => {
    const files = edit(validScenario('demo'), (s) => {
      s.difficulty = 'hard';
      s.minutes = 'ten';
      s.colour = 'red';
    });
    const found = problems(write(files));
    expect(found).toContain(
      'demo/scenario.yaml: difficulty: expected one of "beginner" | "intermediate" | "advanced" but found "hard"',
    );
    expect(found).toContain('demo/scenario.yaml: minutes: expected number but found "ten"');
    expect(found).toContain('demo/scenario.yaml: expected only the documented fields but found unknown field `colour`');
  });

  it('finds dangling references and missing files', () => {
    const files = edit(validScenario('demo'), (s) => {
      s.steps[0].checks = ['c1', 'no-such-check'];
      s.steps.push({ id: 'verify', title: 'V', kind: 'verify', file: 'steps/02-missing.md' });
    });
    expect(problems(write(files))).toEqual([
      'demo/scenario.yaml: steps[0].checks[1]: expected the id of a check (c1) but found "no-such-check"',
      'demo/scenario.yaml: steps[1].file: expected an existing Markdown file but found no file steps/02-missing.md',
    ]);
  });

  it('requires the id to equal the folder name', () => {
    const files = edit(validScenario('demo'), (s) => {
      s.id = 'other';
    });
    expect(problems(write(files))).toEqual([
      'demo/scenario.yaml: id: expected the folder name "demo" but found "other"',
    ]);
  });

  it('rejects CEL that does not parse', () => {
    const files = edit(validScenario('demo'), (s) => {
      s.checks[0].object.rule = 'object.metadata.name ==';
    });
    const found = problems(write(files));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^demo\/scenario.yaml: checks\[0\].object.rule: expected a CEL expression that parses but found /,
    );
  });

  it('requires a probe check to say whether the probe must succeed or fail', () => {
    const files = edit(validScenario('demo'), (s) => {
      s.checks.push({
        id: 'c2',
        title: 'C2',
        failure: 'F',
        probe: { kind: 'exec', pod: { namespace: 'default', name: 'x' }, command: ['true'] },
      });
    });
    expect(problems(write(files))).toEqual([
      'demo/scenario.yaml: checks[1].expect: expected `expect: succeed` or `expect: fail` on a probe check but found nothing',
    ]);
  });

  it('names an unknown resource', () => {
    const files = edit(validScenario('demo'), (s) => {
      s.checks[0].object.resource = 'deployment';
    });
    expect(problems(write(files))[0]).toMatch(
      /^demo\/scenario.yaml: checks\[0\].object.resource: expected one of podspecs, kubeletconfigs, cloudinstances, pods, .* but found "deployment"$/,
    );
  });

  it('requires enough variants, named good-* or bad-*', () => {
    const files = validScenario('demo');
    delete files['variants/bad-e/x.yaml'];
    files['variants/maybe-x/x.yaml'] = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' } };
    const found = problems(write(files));
    expect(found).toContain(
      'demo/variants/maybe-x: expected a variant folder named good-<name> or bad-<name> but found "maybe-x"',
    );
    expect(found).toContain('demo/variants: expected at least 5 bad-* variants but found 4');
  });

  it('reports YAML syntax errors with their line, and manifests without a name', () => {
    const files = validScenario('demo');
    files['setup/00.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n';
    files['solution/fix.yaml'] = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} };
    const found = problems(write(files));
    expect(found.some((p) => /^demo\/setup\/00.yaml: line \d+: expected valid YAML but found /.test(p))).toBe(true);
    expect(found).toContain('demo/solution/fix.yaml: document 1.metadata.name: expected string but found nothing');
  });

  it('checks delete.yaml entries: by name or by label selector, not both', () => {
    const files = validScenario('demo');
    files['solution/delete.yaml'] = [
      { apiVersion: 'batch/v1', kind: 'Job', namespace: 'shop', labelSelector: 'app=cache-warmer' },
      { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'x', labelSelector: 'app=y' },
    ];
    expect(problems(write(files))).toEqual([
      'demo/solution/delete.yaml: [1]: expected exactly one of `name` or `labelSelector` but found an object with apiVersion, kind, namespace, name, ...',
    ]);
  });

  it('checks cloud.yaml entries, and allows them only in a scenario that does not run on kind', () => {
    const files = validScenario('demo');
    files['solution/cloud.yaml'] = [{ httpTokens: 'required', httpPutResponseHopLimit: 1 }, { nodeSelector: 'x' }];
    const notOnKind =
      'demo/solution/cloud.yaml: notOnKind: expected a reason this scenario cannot run on kind (its fix changes the cloud) but found none';
    expect(problems(write(files)).sort()).toEqual(
      [
        'demo/solution/cloud.yaml: [1]: expected at least one of `httpTokens` or `httpPutResponseHopLimit` but found an object with nodeSelector',
        notOnKind,
      ].sort(),
    );
    files['solution/cloud.yaml'] = [{ httpTokens: 'required' }];
    expect(problems(write(files))).toEqual([notOnKind]);
    (files['scenario.yaml'] as Loose).notOnKind = "kind's nodes have no cloud metadata service behind them";
    expect(problems(write(files))).toEqual([]);
  });

  it('requires a Dockerfile beside every image definition', () => {
    const files = validScenario('demo');
    files['images/tool.image.yaml'] = {
      apiVersion: 'paranoid.dev/v1',
      kind: 'Image',
      repository: 'registry.lab.local/tool',
      digest: `sha256:${'b'.repeat(64)}`,
    };
    expect(problems(write(files))).toEqual([
      'demo/images/tool/Dockerfile: expected a Dockerfile that builds the same image for kind but found no such file',
    ]);
  });

  it('lets an image that cannot be built offline go without a Dockerfile only in a scenario not run on kind', () => {
    const files = validScenario('demo');
    files['images/tool.image.yaml'] = {
      apiVersion: 'paranoid.dev/v1',
      kind: 'Image',
      repository: 'registry.lab.local/tool',
      digest: `sha256:${'b'.repeat(64)}`,
      notOnKind: 'carries a scanner that Debian does not package',
    };
    expect(problems(write(files))).toEqual([
      'demo/images/tool.image.yaml: notOnKind: expected a scenario with notOnKind, as this image cannot be built for kind but found none',
    ]);
    (files['scenario.yaml'] as Record<string, unknown>).notOnKind = 'its tool image cannot be built offline for kind';
    expect(problems(write(files))).toEqual([]);
  });

  it('needs no Dockerfile for an image of a scenario that says why it does not run on kind', () => {
    const files = validScenario('demo');
    files['images/tool.image.yaml'] = {
      apiVersion: 'paranoid.dev/v1',
      kind: 'Image',
      repository: 'registry.lab.local/tool',
      digest: `sha256:${'b'.repeat(64)}`,
    };
    (files['scenario.yaml'] as Record<string, unknown>).notOnKind =
      'the build pipeline needs a registry in the cluster, which kind clusters here do not have';
    expect(problems(write(files))).toEqual([]);
  });
});
