import { boolFlag, kubernetesCelEnvironment } from '@paranoid/k8s/cel.ts';
import { parseImageRef } from '@paranoid/k8s/image-ref.ts';
import { describe, expect, it } from 'vitest';
import { codeOf, expandHelpers, rewriteObjectFields } from './kubernetes-cel.ts';

/** Evaluated in the admission language, without the check-only functions: what an API server runs. */
const evaluate = (expression: string, vars: Record<string, unknown>) =>
  (kubernetesCelEnvironment().parse(expression) as unknown as (v: Record<string, unknown>) => unknown)(vars);

/** An expression with every lab helper expanded must contain none of them. */
const helperFree = (expression: string) => !/\b(imageRef|boolFlag)\s*\(/.test(codeOf(expression));

describe('expandHelpers', () => {
  const images = [
    'nginx',
    'nginx:1.27',
    'library/nginx',
    'cryptoworker/alpine-utils:latest',
    'docker.io/cryptoworker/alpine-utils',
    'index.docker.io/library/redis:7',
    'registry.lab.local/approved/resizer:1.4.2',
    'registry.lab.local.evil.io/approved/resizer',
    'localhost:5000/team/app:dev',
    'localhost/app',
    'registry.lab.local/approved/resizer@sha256:3053cbc5773f2963b1183a8b5f62ac27eddb9097cd1c815c52cb73d6572c5bba',
    'registry.lab.local/a/b:1@sha256:abc',
    'host:5000/x',
    ' nginx:1 ',
    '',
  ];
  it('turns imageRef() into Kubernetes string functions that parse exactly as the grader does', () => {
    const expression = expandHelpers('imageRef(image)');
    expect(helperFree(expression)).toBe(true);
    for (const image of images) {
      const got = evaluate(expression, { image }) as Map<string, string> | Record<string, string>;
      const record = got instanceof Map ? Object.fromEntries(got) : got;
      expect(record, image).toEqual({ ...parseImageRef(image) });
    }
  });

  it('turns boolFlag() into a filter whose last valid occurrence wins, as pflag does', () => {
    const cases: [string[], boolean][] = [
      [[], false],
      [['--enable-skip-login'], false],
      [['--enable-skip-login=true', '--enable-skip-login=false'], true],
      [['--enable-skip-login=false', '-enable-skip-login'], true],
      [['--enable-skip-login=maybe'], false],
      [['--enable-skip-login=t', '--other=false'], true],
      [['---enable-skip-login'], false],
      [['--enable-skip-login-now'], false],
    ];
    const expression = expandHelpers("boolFlag(args, 'enable-skip-login', fallback)");
    expect(helperFree(expression)).toBe(true);
    for (const [args, fallback] of cases.flatMap(([a]) => [[a, false] as const, [a, true] as const])) {
      expect(evaluate(expression, { args, fallback }), args.join(' ')).toBe(
        boolFlag(args, 'enable-skip-login', fallback),
      );
    }
  });

  it('expands helpers nested in other calls and leaves string literals alone', () => {
    const source = "xs.exists(c, imageRef(c.image).repository == 'docker.io/library/nginx' && c.name != 'imageRef(x)')";
    const expression = expandHelpers(source);
    expect(expression).toContain("c.name != 'imageRef(x)'");
    expect(evaluate(expression, { xs: [{ image: 'nginx', name: 'a' }] })).toBe(true);
    expect(evaluate(expression, { xs: [{ image: 'nginx', name: 'imageRef(x)' }] })).toBe(false);
  });

  it('refuses a boolFlag whose name is not a literal', () => {
    expect(() => expandHelpers('boolFlag(args, name, false)')).toThrow(/must be a string literal/);
  });
});

describe('rewriteObjectFields', () => {
  it('maps object.<field> and object.?<field>, not fields of other values nor text in strings', () => {
    const fields = { spec: 'variables.spec', kind: 'request.kind.kind' };
    expect(
      rewriteObjectFields("object.spec.x && object.?spec.y && w.object.spec && 'object.spec' + object.kind", fields),
    ).toBe("variables.spec.x && optional.of(variables.spec).y && w.object.spec && 'object.spec' + request.kind.kind");
  });
});
