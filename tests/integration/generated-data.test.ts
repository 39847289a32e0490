import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Data generated from upstream keeps its generator, and what is committed is exactly
// what the generator writes today: each generator's --check mode compares the two.

const root = resolve(import.meta.dirname, '../..');

function check(script: string, ...args: string[]): { code: number; output: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--check', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: run.status ?? 1, output: run.stdout + run.stderr };
}

describe('generated data', () => {
  it('has the default ClusterRoles exactly as generated from upstream golden file', () => {
    const result = check('runner/sim/scripts/generate-bootstrap-roles.ts');
    expect(result.output).toMatch(/up to date/);
    expect(result.code).toBe(0);
  });

  it('has the built-in images exactly as compiled from their YAML', () => {
    const result = check('runner/sim/scripts/generate-builtin-images.ts');
    expect(result.output).toMatch(/up to date/);
    expect(result.code).toBe(0);
  });

  it("has dockerfile-hardening's setup image exactly as its own Dockerfile builds it", () => {
    const result = check(
      'runner/sim/scripts/build-scenario-image.ts',
      'scenarios/dockerfile-hardening',
      'ci/api-build-context',
      'registry.lab.local/shop/api:1.0',
      'scenarios/dockerfile-hardening/images/api-1.0.image.yaml',
    );
    expect(result.output).toMatch(/up to date/);
    expect(result.code).toBe(0);
  });

  it('has the protobuf field tables exactly as the bundled kubectl embeds them', () => {
    // The suites' global setup extracts and verifies the bundled kubectl (support/kubectl-setup.ts).
    const kubectl = process.env.PARANOID_KUBECTL;
    expect(kubectl, 'the bundled kubectl').toBeTruthy();
    const result = check('runner/sim/scripts/generate-protobuf-schema.ts', '--kubectl', kubectl!);
    expect(result.output).toMatch(/up to date/);
    expect(result.code).toBe(0);
  });
});
