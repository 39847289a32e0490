import type { AuthorizationDecision, RequestAttributes } from '@paranoid/k8s/identity.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, seedNamespaces, startSim } from '../support/sim.ts';

let sim: StartedSim;
let other: StartedSim;

/** A stand-in for RBAC: admins may do anything; alice may read pods in dev; bob may impersonate alice. */
function authorizer(attrs: RequestAttributes): AuthorizationDecision {
  const { user } = attrs;
  if (user.groups.includes('system:masters')) return { allowed: true, reason: '' };
  if (!attrs.resourceRequest)
    return { allowed: ['/api', '/apis', '/version', '/healthz'].some((p) => attrs.path.startsWith(p)), reason: '' };
  if (attrs.resource.startsWith('selfsubject')) return { allowed: true, reason: '' };
  if (
    user.username === 'alice' &&
    attrs.resource === 'pods' &&
    attrs.namespace === 'dev' &&
    ['get', 'list'].includes(attrs.verb)
  ) {
    return { allowed: true, reason: '' };
  }
  if (user.username === 'bob' && attrs.verb === 'impersonate' && attrs.resource === 'users' && attrs.name === 'alice') {
    return { allowed: true, reason: '' };
  }
  return { allowed: false, reason: '' };
}

beforeAll(async () => {
  sim = await startSim({ cluster: { authorizer } });
  other = await startSim();
  seedNamespaces(sim, 'default', 'dev');
  sim.cluster.cluster.addToken('bob-token', { username: 'bob', groups: ['system:authenticated'] });
});
afterAll(async () => {
  await sim?.close();
  await other?.close();
});

describe('kubectl auth', () => {
  it('answers can-i with yes and no and the exit code', async () => {
    expect(await sim.kubectl(['auth', 'can-i', 'create', 'pods'])).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await sim.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'dev', '--as=alice'])).toMatchObject({
      code: 0,
      stdout: 'yes\n',
    });
    expect(await sim.kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'dev', '--as=alice'])).toMatchObject({
      code: 1,
      stdout: 'no\n',
    });
    expect(await sim.kubectl(['auth', 'can-i', 'get', '/healthz', '--as=alice'])).toMatchObject({
      code: 0,
      stdout: 'yes\n',
    });
  });

  it('lists rules with can-i --list', async () => {
    const r = await sim.kubectl(['auth', 'can-i', '--list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);
  });

  it('tells who I am', async () => {
    const r = await sim.kubectl(['auth', 'whoami']);
    expect(r.stdout).toMatch(/Username\s+kubernetes-admin/);
    const sa = await sim.kubectl(['auth', 'whoami', '--as=system:serviceaccount:dev:builder', '-o', 'json']);
    expect(JSON.parse(sa.stdout).status.userInfo).toEqual({
      username: 'system:serviceaccount:dev:builder',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'],
    });
  });

  it('forbids with the apiserver message', async () => {
    const list = await sim.kubectl(['get', 'pods', '-n', 'prod', '--as=alice']);
    expect(list.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "prod"',
    );
    const one = await sim.kubectl(['get', 'secret', 'x', '-n', 'dev', '--as=alice']);
    expect(one.stderr.trim()).toBe(
      'Error from server (Forbidden): secrets "x" is forbidden: User "alice" cannot get resource "secrets" in API group "" in the namespace "dev"',
    );
    const cluster = await sim.kubectl(['get', 'clusterroles', '--as=alice']);
    expect(cluster.stderr.trim()).toBe(
      'Error from server (Forbidden): clusterroles.rbac.authorization.k8s.io is forbidden: User "alice" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );
  });

  it('lets impersonation through only where the requester may impersonate', async () => {
    const ok = await sim.kubectl(['get', 'pods', '-n', 'dev', '--token=bob-token', '--as=alice']);
    expect(ok.code).toBe(0);
    const denied = await sim.kubectl(['get', 'pods', '-n', 'dev', '--token=bob-token', '--as=carol']);
    expect(denied.stderr.trim()).toBe(
      'Error from server (Forbidden): users "carol" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    const group = await sim.kubectl([
      'get',
      'pods',
      '-n',
      'dev',
      '--token=bob-token',
      '--as=alice',
      '--as-group=system:masters',
    ]);
    expect(group.stderr).toContain(
      'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups"',
    );
  });

  it('refuses a token from another cluster as Unauthorized', async () => {
    const r = await sim.kubectl(['get', 'pods', `--token=${other.cluster.token}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });
});
