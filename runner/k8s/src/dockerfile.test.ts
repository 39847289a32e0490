import { describe, expect, it } from 'vitest';
import { DOCKERFILE_LIMITS, parseDockerfile } from './dockerfile.ts';

const parse = (text: string) => {
  const r = parseDockerfile(text);
  if (!r.ok) throw new Error(r.error);
  return r.instructions;
};

describe('parseDockerfile', () => {
  it('reads keywords in any case, with ARG defaults expanded into later instructions', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a JavaScript template
    const [arg, from, user] = parse('ARG V=12\nfrom debian:${V}@sha256:abc AS build\nuser 0:0\n');
    expect(arg).toMatchObject({ keyword: 'ARG', stage: -1, line: 1 });
    expect(from).toMatchObject({
      keyword: 'FROM',
      args: ['debian:12@sha256:abc', 'AS', 'build'],
      as: 'build',
      stage: 0,
    });
    expect(user).toMatchObject({ keyword: 'USER', args: ['0:0'], stage: 0, line: 3 });
  });

  it('separates flags from arguments and numbers the stages', () => {
    const ins = parse('FROM a AS one\nFROM b\nCOPY --from=one --chown=1:1 /x /y\n');
    expect(ins[2]).toMatchObject({
      keyword: 'COPY',
      flags: { from: 'one', chown: '1:1' },
      args: ['/x', '/y'],
      stage: 1,
    });
    expect(ins[2]!.text).toBe('/x /y');
  });

  it('gives the exec form as its JSON strings and the shell form as words and text', () => {
    const [, exec, shell] = parse(
      'FROM a\nCMD ["/api", "--port", "8080"]\nRUN apt-get update && apt-get install -y curl\n',
    );
    expect(exec!.args).toEqual(['/api', '--port', '8080']);
    expect(shell!.text).toBe('apt-get update && apt-get install -y curl');
  });

  it('refuses a Dockerfile past its bounds, naming the bound', () => {
    const many = parseDockerfile(`FROM a\n${'LABEL a=b\n'.repeat(DOCKERFILE_LIMITS.instructions)}`);
    expect(many).toEqual({ ok: false, error: `the Dockerfile has 201 instructions, more than the 200 allowed` });
    const big = parseDockerfile(`FROM a\n# ${'x'.repeat(DOCKERFILE_LIMITS.bytes)}\n`);
    expect(big.ok).toBe(false);
    expect(!big.ok && big.error).toMatch(/^the Dockerfile is \d+ bytes, more than the 65536 allowed$/);
  });
});
