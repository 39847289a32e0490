import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The pure core (Kubernetes vocabulary, schema, simulator, grader) must run in a browser worker too, so
// a Node import there has to break the build. These tests prove both fences bite,
// and that each would pass the same code outside the core (so they can fail).

const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'paranoid-fence-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const nodeImport = "import { readFileSync } from 'node:fs';\n\nexport const x = readFileSync;\n";
const processUse = 'export const home = process.env.HOME;\n';

function typecheck(base: string, source: string): { code: number; output: string } {
  const dir = mkdtempSync(join(scratch, 'tsc-'));
  writeFileSync(join(dir, 'probe.ts'), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, base),
      // Resolve type packages from the runner, as the real project does; only `types` differs.
      compilerOptions: { typeRoots: [join(root, 'node_modules/@types')] },
      include: ['probe.ts'],
    }),
  );
  const tsc = join(root, 'node_modules/.bin/tsc');
  const run = spawnSync(tsc, ['--noEmit', '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  return { code: run.status ?? 1, output: run.stdout + run.stderr };
}

/** Lints `source` as if it lived at `path` in the repository, under the repository's own Biome config. */
function lint(path: string, source: string): { code: number; output: string } {
  const dir = mkdtempSync(join(scratch, 'biome-'));
  mkdirSync(join(dir, dirname(path)), { recursive: true });
  writeFileSync(join(dir, path), source);
  writeFileSync(
    join(dir, 'biome.json'),
    JSON.stringify({ extends: [join(root, 'biome.json')], vcs: { enabled: false } }),
  );
  const biome = join(root, 'node_modules/.bin/biome');
  const run = spawnSync(biome, ['lint', path], { cwd: dir, encoding: 'utf8' });
  return { code: run.status ?? 1, output: run.stdout + run.stderr };
}

describe('the pure core fence', () => {
  it('fails to compile a node:* import with the core compiler options', () => {
    const result = typecheck('runner/tsconfig.core.json', nodeImport);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/Cannot find module 'node:fs'/);
  });

  it('fails to compile a use of process in the core', () => {
    const result = typecheck('runner/tsconfig.core.json', processUse);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/Cannot find name 'process'/);
  });

  it('compiles the same import on the Node side of the runner', () => {
    expect(typecheck('runner/tsconfig.json', nodeImport).code).toBe(0);
  });

  for (const pkg of ['k8s', 'schema', 'sim', 'grader']) {
    it(`fails lint on a Node import in @paranoid/${pkg}`, () => {
      const result = lint(`runner/${pkg}/src/probe.ts`, nodeImport);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/noNodejsModules/);
    });
  }

  it('lets the server import Node modules', () => {
    expect(lint('runner/server/src/probe.ts', nodeImport).code).toBe(0);
  });
});
