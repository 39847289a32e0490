/**
 * Jobs with the real kubectl 1.32 on the full simulated cluster, the commands a learner types:
 * the API server generates a Job's selector and pod labels as kube-apiserver does, so
 * `kubectl logs job/NAME`, `kubectl wait --for=condition=complete job/NAME` and
 * `kubectl describe job` find the Job's pods; a manual selector is the author's, checked in
 * upstream's words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, scratchFile, startSim } from '../support/sim.ts';

let sim: StartedSim;

const JOB = `
apiVersion: batch/v1
kind: Job
metadata: {name: pi, namespace: batch}
spec:
  backoffLimit: 0
  template:
    metadata: {labels: {app: pi}}
    spec: {restartPolicy: Never, containers: [{name: calc, image: busybox, command: [echo, "pi is 3.14159"]}]}
`;

async function kubectlOk(args: string[]): Promise<string> {
  const r = await sim.kubectl(args, { timeoutMs: 90_000 });
  expect(r.code, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  sim = await startSim({ full: true });
  await kubectlOk(['create', 'namespace', 'batch']);
}, 60_000);
afterAll(() => sim?.close());

describe('a Job, as kubectl finds its pods', () => {
  it('waits for it, reads its logs and describes it by the Job alone', async () => {
    const file = scratchFile(sim, 'pi.yaml', JOB);
    expect(await kubectlOk(['apply', '-f', file])).toBe('job.batch/pi created\n');
    expect(await kubectlOk(['-n', 'batch', 'wait', '--for=condition=complete', 'job/pi', '--timeout=60s'])).toBe(
      'job.batch/pi condition met\n',
    );
    expect(await kubectlOk(['-n', 'batch', 'logs', 'job/pi'])).toBe('pi is 3.14159\n');
    const uid = await kubectlOk(['-n', 'batch', 'get', 'job', 'pi', '-o', 'jsonpath={.metadata.uid}']);
    expect(await kubectlOk(['-n', 'batch', 'get', 'job', 'pi', '-o', 'jsonpath={.spec.selector.matchLabels}'])).toBe(
      `{"batch.kubernetes.io/controller-uid":"${uid}"}`,
    );
    const describe = await kubectlOk(['-n', 'batch', 'describe', 'job', 'pi']);
    expect(describe).toMatch(new RegExp(`Selector:\\s+batch\\.kubernetes\\.io/controller-uid=${uid}\\n`));
    expect(describe).toMatch(/Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
    expect(describe).toContain('job-name=pi');
    // Its pod carries the labels a learner (and older tooling) selects by.
    expect(await kubectlOk(['-n', 'batch', 'get', 'pods', '-l', 'job-name=pi', '-o', 'name'])).toMatch(
      /^pod\/pi-[a-z0-9]{5}\n$/,
    );
    // Applied again unchanged, it stays unchanged: the generated selector is not the applier's to drop.
    expect(await kubectlOk(['apply', '-f', file])).toBe('job.batch/pi unchanged\n');
    expect(await kubectlOk(['apply', '--server-side', '-f', file])).toBe('job.batch/pi serverside-applied\n');
  }, 120_000);

  it('runs a Job made from a CronJob and reads its logs by name', async () => {
    const cron = scratchFile(
      sim,
      'nightly.yaml',
      `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: report, image: busybox, command: [echo, nightly report]}]}
`,
    );
    await kubectlOk(['apply', '-f', cron]);
    expect(await kubectlOk(['-n', 'batch', 'create', 'job', 'by-hand', '--from=cronjob/nightly'])).toBe(
      'job.batch/by-hand created\n',
    );
    await kubectlOk(['-n', 'batch', 'wait', '--for=condition=complete', 'job/by-hand', '--timeout=60s']);
    expect(await kubectlOk(['-n', 'batch', 'logs', 'job/by-hand'])).toBe('nightly report\n');
  }, 120_000);

  it('refuses a manual selector that misses the template, and a hand-written selector without manualSelector', async () => {
    const manual = scratchFile(
      sim,
      'manual.yaml',
      `
apiVersion: batch/v1
kind: Job
metadata: {name: manual, namespace: batch}
spec:
  manualSelector: true
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: manual}}
    spec: {restartPolicy: Never, containers: [{name: c, image: busybox, command: ["true"]}]}
`,
    );
    const wrong = await sim.kubectl(['apply', '-f', manual]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'The Job "manual" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"manual"}: `selector` does not match template `labels`',
    );
    const copied = scratchFile(
      sim,
      'copied.yaml',
      `
apiVersion: batch/v1
kind: Job
metadata: {name: copied, namespace: batch}
spec:
  selector: {matchLabels: {app: pi}}
  template:
    metadata: {labels: {app: pi}}
    spec: {restartPolicy: Never, containers: [{name: c, image: busybox, command: ["true"]}]}
`,
    );
    const adopted = await sim.kubectl(['apply', '-f', copied]);
    expect(adopted.code).toBe(1);
    expect(adopted.stderr).toContain('`selector` not auto-generated');
    expect((await sim.kubectl(['-n', 'batch', 'get', 'job', 'copied'])).code).toBe(1);
  }, 60_000);
});
