import { describe, expect, it } from 'vitest';
import { parse } from './parser.ts';

describe('shell parser', () => {
  it('parses pipelines, lists and redirections', () => {
    const r = parse('cat /etc/passwd | grep root && echo ok || echo no; ls > /tmp/x 2>&1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.list).toHaveLength(2);
    expect(r.list[0]!.first.commands).toHaveLength(2);
    expect(r.list[0]!.rest.map((x) => x.op)).toEqual(['&&', '||']);
    const ls = r.list[1]!.first.commands[0]!;
    expect(ls.t === 'simple' && ls.redirs.map((x) => `${x.fd}${x.op}`)).toEqual(['1>', '2>&']);
  });

  it('reports an unterminated quote as busybox does, and that more input could finish it', () => {
    expect(parse("echo 'hello")).toEqual({
      ok: false,
      error: 'syntax error: unterminated quoted string',
      incomplete: true,
    });
    expect(parse('echo "a')).toMatchObject({ ok: false, incomplete: true });
  });

  it('reports an unexpected operator', () => {
    expect(parse('| ls')).toEqual({ ok: false, error: 'syntax error: unexpected "|"', incomplete: false });
    expect(parse('echo )')).toMatchObject({ ok: false, error: 'syntax error: unexpected ")"' });
  });

  it('asks for more input inside an open if or loop', () => {
    expect(parse('if true; then echo x')).toMatchObject({ ok: false, incomplete: true });
    expect(parse('while true; do echo x; done')).toMatchObject({ ok: true });
    expect(parse('for i in 1 2 3; do echo $i; done')).toMatchObject({ ok: true });
  });

  it('keeps comments out and quotes in', () => {
    const r = parse(`echo "a b" 'c d' e\\ f # comment`);
    expect(r.ok && r.list[0]!.first.commands[0]!.t === 'simple' && r.list[0]!.first.commands[0]!.words.length).toBe(4);
  });

  it('never throws on garbage', () => {
    for (const src of ['$(', '${', '`', '((', 'if', 'fi', ';;', '&&', '>', '"\\', "'", 'a | | b', '$((1+', '{ echo']) {
      expect(() => parse(src)).not.toThrow();
      expect(parse(src).ok).toBe(false);
    }
  });
});
