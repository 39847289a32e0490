import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// The package layers of .dependency-cruiser.cjs are what keeps the architecture
// the one ARCHITECTURE.md draws. These tests prove each rule bites on a real
// violation, and that the tree as it is passes (so they can fail both ways).

const root = resolve(import.meta.dirname, '../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');
const probes: string[] = [];
afterEach(() => {
  for (const p of probes.splice(0)) rmSync(p, { force: true });
});

/** Writes a module into the real tree (removed after the test) and returns its repo-relative path. */
function probe(relative: string, source: string): string {
  const path = join(root, relative);
  probes.push(path);
  writeFileSync(path, source);
  return relative;
}

function cruise(...paths: string[]): { code: number; output: string } {
  const run = spawnSync(depcruise, [...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: run.status ?? 1, output: run.stdout + run.stderr };
}

const tag = `${process.pid}`;

describe('the package dependency rules', () => {
  it('pass on the tree as it is', () => {
    const result = cruise('runner', 'site/src');
    expect(result.output).toMatch(/no dependency violations found/);
    expect(result.code).toBe(0);
  });

  it('fail when the site imports the server instead of the API contract', () => {
    for (const target of ['@paranoid/server/sessions.ts', '../../../runner/server/src/sessions.ts']) {
      const file = probe(
        `site/src/lib/zz-probe-${tag}.ts`,
        `import type { SessionManager } from '${target}';\n\nexport type S = SessionManager;\n`,
      );
      const result = cruise(file);
      expect(result.code, target).not.toBe(0);
      expect(result.output, target).toMatch(/site-imports-only-the-api-contract/);
    }
  });

  it('let the site import the API contract', () => {
    const file = probe(
      `site/src/lib/zz-probe-${tag}.ts`,
      "import type { SessionView } from '@paranoid/api/sessions.ts';\n\nexport type S = SessionView;\n",
    );
    expect(cruise(file).code).toBe(0);
  });

  it('fail when the simulator imports the grader', () => {
    const file = probe(
      `runner/sim/src/zz-probe-${tag}.ts`,
      "import { grade } from '../../grader/src/grade.ts';\n\nexport const g = grade;\n",
    );
    const result = cruise(file);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/sim-imports-only-its-layers/);
  });

  it('fail when the grader imports the simulator outside its tests', () => {
    const file = probe(
      `runner/grader/src/zz-probe-${tag}.ts`,
      "import { createCluster } from '../../sim/src/cluster.ts';\n\nexport const c = createCluster;\n",
    );
    const result = cruise(file);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/grader-imports-only-its-layers/);
  });

  it('let the grader test against the real simulator', () => {
    const file = probe(
      `runner/grader/src/zz-probe-${tag}.test.ts`,
      "import { createCluster } from '../../sim/src/cluster.ts';\n\nexport const c = createCluster;\n",
    );
    expect(cruise(file).code).toBe(0);
  });

  it('fail when the grader imports the Kubernetes client or the catalog outside its tests', () => {
    for (const [target, name] of [
      ['../../kube/src/client.ts', 'KubeClient'],
      ['../../catalog/src/apply.ts', 'applyAsLearner'],
    ]) {
      const file = probe(
        `runner/grader/src/zz-probe-${tag}.ts`,
        `import { ${name} } from '${target}';\n\nexport const k = ${name};\n`,
      );
      const result = cruise(file);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/grader-imports-only-its-layers/);
    }
  });

  it('let the grader test through the Kubernetes client and the catalog, and no other package', () => {
    const allowed = probe(
      `runner/grader/src/testing/zz-probe-${tag}.ts`,
      "import { applyAsLearner } from '../../../catalog/src/apply.ts';\nimport { KubeClient } from '../../../kube/src/client.ts';\n\nexport const k = [KubeClient, applyAsLearner];\n",
    );
    expect(cruise(allowed).code).toBe(0);
    const providers = probe(
      `runner/grader/src/zz-probe-${tag}.test.ts`,
      "import { simKubeconfig } from '../../providers/src/sim-provider.ts';\n\nexport const k = simKubeconfig;\n",
    );
    const result = cruise(providers);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/grader-tests-import-only-its-layers-and-the-simulator/);
  });

  it('fail when a lower package imports the server', () => {
    const file = probe(
      `runner/providers/src/zz-probe-${tag}.ts`,
      "import { createApp } from '../../server/src/app.ts';\n\nexport const a = createApp;\n",
    );
    const result = cruise(file);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/providers-imports-only-its-layers/);
  });

  it('fail on an import cycle', () => {
    const a = probe(
      `runner/k8s/src/zz-a-${tag}.ts`,
      `import { b } from './zz-b-${tag}.ts';\n\nexport const a = () => b;\n`,
    );
    probe(`runner/k8s/src/zz-b-${tag}.ts`, `import { a } from './zz-a-${tag}.ts';\n\nexport const b = () => a;\n`);
    const result = cruise(a);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/no-circular/);
  });

  it('fail on a package used without being declared', () => {
    const file = probe(
      `runner/k8s/src/zz-probe-${tag}.ts`,
      "import { parse } from 'yaml';\n\nexport const p = parse;\n",
    );
    const result = cruise(file);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/no-undeclared-package/);
  });

  it('fail when the pure core imports a Node module', () => {
    const file = probe(
      `runner/schema/src/zz-probe-${tag}.ts`,
      "import { readFileSync } from 'node:fs';\n\nexport const r = readFileSync;\n",
    );
    const result = cruise(file);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/pure-core-has-no-node/);
  });
});
