/**
 * Image tags as a real registry has them, through the real kubectl: a learner types
 * the versions they know, and only a tag that was never published fails to pull.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type StartedSim, scratchFile, startSim } from '../support/sim.ts';

let sim: StartedSim;
beforeAll(async () => {
  sim = await startSim({ full: true });
}, 30_000);
afterAll(() => sim?.close());

const web = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: tags}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: nginx:1.27}]}
`;

describe('kubectl set image with the versions a registry publishes', () => {
  it('rolls out nginx:1.28, and a never-published tag fails to pull with containerd NotFound', async () => {
    await sim.kubectl(['create', 'namespace', 'tags']);
    await sim.kubectl(['apply', '-f', scratchFile(sim, 'web.yaml', web)]);
    const status = () =>
      sim.kubectl(['rollout', 'status', 'deployment/web', '-n', 'tags', '--timeout=30s'], { timeoutMs: 40_000 });
    expect((await status()).code).toBe(0);

    expect(await sim.kubectl(['set', 'image', 'deploy/web', 'nginx=nginx:1.28', '-n', 'tags'])).toMatchObject({
      code: 0,
      stdout: 'deployment.apps/web image updated\n',
    });
    expect((await status()).stdout).toContain('deployment "web" successfully rolled out');
    const ids = async () =>
      (
        await sim.kubectl([
          'get',
          'pods',
          '-n',
          'tags',
          '-l',
          'app=web',
          '-o',
          'jsonpath={range .items[*]}{.spec.containers[0].image} {.status.containerStatuses[0].imageID}{"\\n"}{end}',
        ])
      ).stdout;
    expect(
      await eventually(async () => {
        const lines = (await ids()).trim().split('\n');
        return (
          lines.length === 2 &&
          lines.every((l) => /^nginx:1\.28 docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/.test(l))
        );
      }),
    ).toBe(true);
    const version = await sim.kubectl(['exec', '-n', 'tags', 'deploy/web', '--', 'printenv', 'NGINX_VERSION']);
    expect(version.stdout).toBe('1.28.0\n');

    await sim.kubectl(['set', 'image', 'deploy/web', 'nginx=nginx:1.28.9', '-n', 'tags']);
    const pulled = await eventually(async () => {
      const events = await sim.kubectl(['get', 'events', '-n', 'tags', '--field-selector', 'reason=Failed']);
      return events.stdout.includes(
        'Failed to pull image "nginx:1.28.9": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.28.9": failed to resolve reference "docker.io/library/nginx:1.28.9": docker.io/library/nginx:1.28.9: not found',
      );
    });
    expect(pulled).toBe(true);
  });
});
