import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, seedNamespaces, startSim, watchKubectl } from '../support/sim.ts';

let sim: StartedSim;
beforeAll(async () => {
  sim = await startSim();
  seedNamespaces(sim, 'default');
});
afterAll(() => sim?.close());

describe('kubectl get -w', () => {
  it('prints the list, then changes as Table rows', async () => {
    await sim.kubectl(['create', 'configmap', 'w1', '--from-literal=a=b']);
    const out = await watchKubectl(
      sim,
      ['get', 'configmaps', '-w'],
      2,
      async () => {
        await sim.kubectl(['create', 'configmap', 'w2', '--from-literal=a=b']);
        await sim.kubectl(['delete', 'configmap', 'w1']);
      },
      /w1\s+1\s+\S+\n(.|\n)*w2(.|\n)*w1/,
    );
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    expect(lines[1]).toMatch(/^w1\s+1\s+/);
    expect(lines.some((l) => /^w2\s+1\s+/.test(l))).toBe(true);
  });

  it('watches one object by name with -o name', async () => {
    await sim.kubectl(['create', 'configmap', 'one', '--from-literal=a=b']);
    const out = await watchKubectl(
      sim,
      ['get', 'configmap', 'one', '-w', '-o', 'name'],
      1,
      () => sim.kubectl(['label', 'configmap', 'one', 'x=1']),
      /configmap\/one\n(.|\n)*configmap\/one/,
    );
    expect(out.trim().split('\n')).toEqual(['configmap/one', 'configmap/one']);
  });

  it('resumes from a resourceVersion and ends with timeoutSeconds', async () => {
    const list = JSON.parse((await sim.kubectl(['get', '--raw', '/api/v1/namespaces/default/configmaps'])).stdout);
    await sim.kubectl(['create', 'configmap', 'after', '--from-literal=a=b']);
    const r = await sim.kubectl([
      'get',
      '--raw',
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1`,
    ]);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED after']);
  });
});
