import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, seedNamespaces, startSim } from '../support/sim.ts';

let sim: StartedSim;
beforeAll(async () => {
  sim = await startSim();
  seedNamespaces(sim, 'default');
});
afterAll(() => sim?.close());

describe('kubectl version and raw endpoints', () => {
  it('reports server version v1.32 so the dispatcher runs kubectl 1.32', async () => {
    const r = await sim.kubectl(['version', '-o', 'json']);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.serverVersion.major).toBe('1');
    expect(v.serverVersion.minor).toBe('32');
    expect(v.serverVersion.gitVersion).toMatch(/^v1\.32\./);
    expect(v.clientVersion.gitVersion).toMatch(/^v1\.32\./);
  });

  it('answers get --raw on /healthz, /readyz, /livez and /version', async () => {
    for (const path of ['/healthz', '/readyz', '/livez']) {
      const r = await sim.kubectl(['get', '--raw', path]);
      expect(r, path).toMatchObject({ code: 0, stdout: 'ok' });
    }
    const r = await sim.kubectl(['get', '--raw', '/version']);
    expect(JSON.parse(r.stdout).minor).toBe('32');
  });
});

describe('discovery', () => {
  it('lists api-resources with short names, scope and kind', async () => {
    const r = await sim.kubectl(['api-resources']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND/);
    expect(lines.find((l) => l.startsWith('pods '))).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/);
    expect(lines.find((l) => l.startsWith('deployments '))).toMatch(/deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(lines.find((l) => l.startsWith('clusterroles '))).toMatch(
      /rbac.authorization.k8s.io\/v1\s+false\s+ClusterRole/,
    );
    expect(lines.find((l) => l.startsWith('validatingadmissionpolicies '))).toBeDefined();
  });

  it('lists api-versions', async () => {
    const r = await sim.kubectl(['api-versions']);
    expect(r.stdout.split('\n')).toEqual(
      expect.arrayContaining(['v1', 'apps/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1']),
    );
  });

  it('serves legacy discovery to clients that do not ask for the aggregated form', async () => {
    const api = await sim.kubectl(['get', '--raw', '/api/v1']);
    const list = JSON.parse(api.stdout);
    expect(list.kind).toBe('APIResourceList');
    expect(list.resources.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining(['pods', 'pods/exec', 'pods/log']),
    );
    const groups = JSON.parse((await sim.kubectl(['get', '--raw', '/apis'])).stdout);
    expect(groups.kind).toBe('APIGroupList');
    expect(groups.groups.find((g: { name: string }) => g.name === 'apps').preferredVersion.groupVersion).toBe(
      'apps/v1',
    );
  });

  it('says the server has no such resource type for an unknown one', async () => {
    const r = await sim.kubectl(['get', 'foo']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('error: the server doesn\'t have a resource type "foo"');
  });

  it('makes kubectl get all work through the all category', async () => {
    const r = await sim.kubectl(['run', 'p', '--image=nginx']);
    expect(r.code).toBe(0);
    const all = await sim.kubectl(['get', 'all']);
    expect(all.stdout).toContain('pod/p');
  });
});
