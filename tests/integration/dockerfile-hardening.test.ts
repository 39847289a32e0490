/**
 * dockerfile-hardening played from its own steps: the attack's blocks run as the learner's
 * terminal runs them (sh with the real kubectl on PATH) against a full simulated cluster with the
 * scenario's images. The attack reads the root shell, apt, the deploy key and the token on the
 * setup; then the learner's path of the fix: the reference Dockerfile written into the build
 * context, the pipeline run with `kubectl create job --from=cronjob/api-build`, and the API rolled
 * out on the digest kaniko pushed. The same blocks then fail, and the image has none of it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachChangeFailsExactly } from '../support/near-misses.ts';
import { ScenarioSteps } from '../support/scenario-steps.ts';

const steps = new ScenarioSteps('dockerfile-hardening');
const { dir: DIR } = steps;
const SLOW = 180_000;

describe('dockerfile-hardening, from its steps', () => {
  beforeAll(() => steps.start(['shop', 'ci']), SLOW);
  afterAll(() => steps.close());

  it(
    'reads root, apt, the key and the token on the setup; after a rebuild from the fixed Dockerfile, none of them',
    async () => {
      const attack = steps.blocks('02-attack.md');
      expect(attack).toHaveLength(3);
      const shell = await steps.terminal(attack[0]!);
      expect(shell.out).toContain('uid=0(root)');
      expect(shell.out).toContain('apt 2.6.1 (amd64)');
      const key = await steps.terminal(attack[1]!);
      expect(key.out).toContain('-----BEGIN OPENSSH PRIVATE KEY-----');
      const history = await steps.terminal(attack[2]!);
      expect(history.code, history.out).toBe(0);
      expect(history.out).toContain('RUN |1 RELEASES_TOKEN=rt_PARANOID{build-args-live-in-the-history}');

      // The learner's fix: the Dockerfile edited in the build context, then the pipeline run by hand.
      await steps.kubectlOk(['apply', '-f', join(DIR, 'solution', '10-context.yaml')]);
      const [digests, pipeline] = steps.blocks('03-fix.md');
      const pinned = await steps.terminal(digests!);
      expect(pinned.out).toMatch(/^sha256:[0-9a-f]{64}\nsha256:[0-9a-f]{64}\n$/);
      const run = await steps.terminal(pipeline!);
      expect(run.code, run.out).toBe(0);
      expect(run.out).toContain('job.batch/api-build-fix created');
      expect(run.out).toContain('job.batch/api-build-fix condition met');
      expect(run.out).toContain('successfully rolled out');
      const logs = await steps.kubectlOk(['-n', 'ci', 'logs', 'job/api-build-fix', '-c', 'build']);
      expect(logs).toMatch(/Pushed registry\.lab\.local\/shop\/api@sha256:[0-9a-f]{64}/);
      const image = await steps.kubectlOk(['-n', 'shop', 'get', 'deploy', 'api', '-o', 'jsonpath={..image}']);
      expect(image).toMatch(/^registry\.lab\.local\/shop\/api@sha256:[0-9a-f]{64}$/);

      const verify = steps.blocks('04-verify.md');
      expect(verify).toHaveLength(2);
      const after = await steps.terminal(verify[0]!);
      expect(after.out).not.toContain('uid=0(root)');
      expect(after.out).not.toContain('apt 2.6.1');
      expect(after.out).not.toContain('rt_PARANOID');
      expect(after.out).toContain('"User":"65532:65532"');
      const manifest = await steps.terminal(verify[1]!);
      expect(manifest.out).toMatch(
        /"org\.opencontainers\.image\.base\.name":"gcr\.io\/distroless\/static-debian12:nonroot@sha256:[0-9a-f]{64}"/,
      );
      const key2 = await steps.terminal(attack[1]!);
      expect(key2.code).not.toBe(0);
      expect(key2.out).not.toContain('PRIVATE KEY');
    },
    SLOW,
  );

  it(
    'refuses a Dockerfile past its bounds with a clear error, and pushes nothing',
    async () => {
      const huge = `FROM scratch\n${'LABEL a=b\n'.repeat(201)}`;
      await steps.kubectlOk(['create', 'configmap', 'huge-context', '-n', 'ci', `--from-literal=Dockerfile=${huge}`]);
      const job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'huge-build', namespace: 'ci' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'build',
                  image: 'gcr.io/kaniko-project/executor:v1.23.2',
                  args: [
                    '--dockerfile=Dockerfile',
                    '--context=dir:///workspace',
                    '--destination=registry.lab.local/shop/huge:1',
                  ],
                  volumeMounts: [{ name: 'context', mountPath: '/workspace' }],
                },
              ],
              volumes: [{ name: 'context', configMap: { name: 'huge-context' } }],
            },
          },
        },
      };
      const r = await steps.sim.kubectl(['apply', '-f', '-'], { input: JSON.stringify(job), timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      await steps.kubectlOk(['-n', 'ci', 'wait', '--for=condition=failed', 'job/huge-build', '--timeout=60s']);
      const logs = await steps.kubectlOk(['-n', 'ci', 'logs', 'job/huge-build']);
      expect(logs).toContain('the Dockerfile has 202 instructions, more than the 200 allowed');
      const ls = await steps.terminal(
        'kubectl -n ci exec deploy/registry-tools -- crane ls registry.lab.local/shop/huge',
      );
      expect(ls.code).not.toBe(0);
      expect(ls.out).toContain('NAME_UNKNOWN');
    },
    SLOW,
  );
});

/**
 * Each near miss fails for the reason its README gives, and only that: the MUST checks it fails
 * are named here, so a variant that starts failing (or passing) for another reason shows.
 */
describe('dockerfile-hardening near misses', () => {
  eachChangeFailsExactly({
    scenario: 'dockerfile-hardening',
    everyChange: false,
    failing: {
      'bad-apt-left-in': ['image-has-no-package-manager'],
      'bad-artifact-by-tag': ['dockerfile-pins-every-image'],
      'bad-debian-by-tag': ['dockerfile-pins-every-image', 'image-base-pinned-by-digest'],
      'bad-distroless-latest': ['dockerfile-pins-every-image', 'image-base-pinned-by-digest'],
      'bad-dockerfile-fixed-not-rebuilt': [
        'image-runs-as-non-root',
        'image-base-pinned-by-digest',
        'image-has-no-package-manager',
        'image-has-no-secret-in-any-layer',
      ],
      'bad-key-removed-in-later-layer': ['image-has-no-secret-in-any-layer'],
      'bad-token-as-build-arg': ['image-has-no-secret-in-any-layer'],
      'bad-user-zero': ['dockerfile-sets-a-non-root-user', 'image-runs-as-non-root'],
    },
  });
});
