// Which package may import which: the architecture as data (see ARCHITECTURE.md).
// A package's own code imports only the packages listed for it; its tests may
// also use the real simulator, so they are tested against it rather than a double.
// `pnpm deps` runs these rules (a stage of `npm test`); tests/integration/dependency-rules.test.ts
// proves that a wrong-way import and a cycle fail them.
const LAYERS = {
  // The HTTP API's contract (zod schemas and their types): the server validates with it, the site imports it.
  api: [],
  k8s: [],
  schema: ['k8s', 'api'],
  sim: ['k8s', 'schema'],
  grader: ['k8s', 'schema'],
  // The one Kubernetes client; it implements the grader's KubeApi port.
  kube: ['k8s', 'schema', 'grader'],
  'sim-server': ['k8s', 'schema', 'sim'],
  catalog: ['k8s', 'schema', 'grader', 'kube'],
  providers: ['k8s', 'schema', 'kube', 'catalog', 'sim', 'sim-server'],
  server: ['api', 'k8s', 'schema', 'grader', 'kube', 'catalog', 'providers', 'sim'],
  cli: ['api', 'k8s', 'schema', 'sim', 'grader', 'kube', 'sim-server', 'catalog', 'providers', 'server'],
};
const TEST_ONLY = ['sim', 'sim-server'];
// What one package's tests may import besides TEST_ONLY. The grader's tests reach the real simulated
// cluster as `paranoid check` does: through the one Kubernetes client (kube) and the learner's apply
// (catalog), instead of a double of the API. Both depend on the grader, so only tests may.
const TEST_ONLY_FOR = { grader: ['kube', 'catalog'] };
const PURE = ['api', 'k8s', 'schema', 'sim', 'grader'];
const TEST = '(\\.test\\.ts$|/testing/)';

const layerRules = Object.entries(LAYERS).flatMap(([pkg, allowed]) => {
  const forbidden = Object.keys(LAYERS).filter((p) => p !== pkg && !allowed.includes(p));
  const forbiddenInTests = forbidden.filter((p) => !TEST_ONLY.includes(p) && !(TEST_ONLY_FOR[pkg] ?? []).includes(p));
  const comment = `@paranoid/${pkg} may import only ${allowed.length ? allowed.join(', ') : 'no other package'}`;
  const rule = (name, from, list) => ({
    name,
    severity: 'error',
    comment,
    from,
    to: { path: `^runner/(${list.join('|')})/` },
  });
  return [
    ...(forbidden.length
      ? [rule(`${pkg}-imports-only-its-layers`, { path: `^runner/${pkg}/`, pathNot: TEST }, forbidden)]
      : []),
    ...(forbiddenInTests.length
      ? [
          rule(
            `${pkg}-tests-import-only-its-layers-and-the-simulator`,
            { path: `^runner/${pkg}/.*${TEST}` },
            forbiddenInTests,
          ),
        ]
      : []),
  ];
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'site-imports-only-the-api-contract',
      severity: 'error',
      comment:
        "The site is a client of the HTTP API: it takes the types of what it sends and receives from @paranoid/api, never the server's or the simulator's internals.",
      from: { path: '^site/' },
      to: { path: '^runner/', pathNot: '^runner/api/src/' },
    },
    {
      name: 'site-imports-only-the-api-contract-package',
      severity: 'error',
      comment: 'The site declares @paranoid/api alone: any other runner package is an import it must not make.',
      from: { path: '^site/' },
      to: { couldNotResolve: true, path: '^@paranoid/(?!api/)' },
    },
    {
      name: 'no-undeclared-package',
      severity: 'error',
      comment: 'An import that does not resolve: a package used without being declared in package.json, or a typo.',
      from: { path: '^runner/' },
      // kubernetes-types ships declarations only, so its imports never resolve to a module.
      to: { couldNotResolve: true, pathNot: '^kubernetes-types/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one: split them along the dependency instead.',
      from: { path: '^runner/' },
      to: { circular: true },
    },
    {
      name: 'pure-core-has-no-node',
      severity: 'error',
      comment: 'The pure core runs in a browser worker too: time, I/O and randomness are passed in.',
      from: { path: `^runner/(${PURE.join('|')})/src/`, pathNot: TEST },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'nothing-imports-tests-or-benches',
      severity: 'error',
      from: { path: '^runner/', pathNot: `(^runner/bench/|${TEST})` },
      to: { path: `(^runner/bench/|\\.test\\.ts$)` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(node_modules|/dist/)' },
    tsConfig: { fileName: 'runner/tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'default'],
      extensions: ['.ts', '.tsx', '.js'],
    },
  },
};
