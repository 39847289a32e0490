/**
 * RBAC of a full kind-like cluster with the real kubectl 1.32: can-i (with --list,
 * --as, --as-group), whoami, and Forbidden with the apiserver's message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, startSim } from '../support/sim.ts';

let sim: StartedSim;
beforeAll(async () => {
  sim = await startSim({ full: true });
  const r = await sim.kubectl(['apply', '-f', '-'], {
    input: `apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: team}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reads, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-edit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}]
`,
  });
  if (r.code !== 0) throw new Error(r.stderr);
}, 30_000);
afterAll(() => sim?.close());

describe('kubectl auth against a full simulated cluster', () => {
  it('answers can-i with yes or no and the exit code, for users and groups', async () => {
    expect(await sim.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'team', '--as', 'alice'])).toMatchObject({
      code: 0,
      stdout: 'yes\n',
    });
    expect(await sim.kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'team', '--as', 'alice'])).toMatchObject({
      code: 1,
      stdout: 'no\n',
    });
    expect(await sim.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'default', '--as', 'alice'])).toMatchObject({
      code: 1,
    });
    expect(
      await sim.kubectl([
        'auth',
        'can-i',
        'create',
        'deployments',
        '-n',
        'default',
        '--as',
        'bob',
        '--as-group',
        'ops',
      ]),
    ).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(
      await sim.kubectl(['auth', 'can-i', 'list', 'secrets', '-A', '--as', 'system:serviceaccount:team:default']),
    ).toMatchObject({
      code: 1,
      stdout: 'no\n',
    });
    expect(await sim.kubectl(['auth', 'can-i', '*', '*'])).toMatchObject({ code: 0, stdout: 'yes\n' });
  });

  it('lists the rules with can-i --list', async () => {
    const r = await sim.kubectl(['auth', 'can-i', '--list', '-n', 'team', '--as', 'alice']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(r.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(r.stdout).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(r.stdout).toMatch(/^\s+\[\/healthz\]\s+\[\]\s+\[get\]$/m);
  });

  it('tells who I am, also when impersonating', async () => {
    const me = await sim.kubectl(['auth', 'whoami']);
    expect(me.stdout).toMatch(/^Username\s+kubernetes-admin$/m);
    expect(me.stdout).toMatch(/^Groups\s+\[system:masters system:authenticated\]$/m);
    const alice = await sim.kubectl(['auth', 'whoami', '--as', 'alice', '--as-group', 'ops']);
    expect(alice.stdout).toMatch(/^Username\s+alice$/m);
    expect(alice.stdout).toMatch(/^Groups\s+\[ops system:authenticated\]$/m);
  });

  it('forbids with the apiserver message', async () => {
    const r = await sim.kubectl(['get', 'secrets', '-n', 'team', '--as', 'alice']);
    expect(r).toMatchObject({
      code: 1,
      stderr:
        'Error from server (Forbidden): secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "team"\n',
    });
    const one = await sim.kubectl(['delete', 'pod', 'x', '-n', 'team', '--as', 'alice']);
    expect(one.stderr).toBe(
      'Error from server (Forbidden): pods "x" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "team"\n',
    );
    const nodes = await sim.kubectl(['get', 'nodes', '--as', 'system:serviceaccount:team:default']);
    expect(nodes.stderr).toBe(
      'Error from server (Forbidden): nodes is forbidden: User "system:serviceaccount:team:default" cannot list resource "nodes" in API group "" at the cluster scope\n',
    );
  });
});
