import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
const shipped = readFileSync(resolve(root, 'infra/ci/validate-on-kind.yml'), 'utf8');

describe('the kind validation workflow for users', () => {
  it('is the same file this repository runs', () => {
    expect(readFileSync(resolve(root, '.github/workflows/validate-on-kind.yml'), 'utf8')).toBe(shipped);
  });

  it('installs kind and kubectl, then validates every scenario on kind', () => {
    const workflow = parse(shipped);
    const steps: Array<{ run?: string }> = workflow.jobs.validate.steps;
    const script = steps.map((s) => s.run ?? '').join('\n');
    expect(script).toMatch(/kind-linux-amd64/);
    expect(script).toMatch(/bin\/linux\/amd64\/kubectl/);
    expect(script.trim().split('\n').at(-1)).toMatch(/paranoid validate --provider kind$/);
  });

  it('pins a kind whose kindnet enforces NetworkPolicy', () => {
    const [, minor] = /v0\.(\d+)\./.exec(parse(shipped).env.KIND_VERSION) ?? [];
    expect(Number(minor)).toBeGreaterThanOrEqual(24);
  });
});
