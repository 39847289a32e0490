import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, scratchFile, seedNamespaces, startSim } from '../support/sim.ts';

let sim: StartedSim;
beforeAll(async () => {
  sim = await startSim();
  seedNamespaces(sim, 'default', 'dev');
});
afterAll(() => sim?.close());

const deployment = (image: string, env: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: dev}
spec:
  replicas: 1
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: a
        image: ${image}
        env: ${env}
      - name: sidecar
        image: busybox
`;

const json = async (args: string[]) => {
  const r = await sim.kubectl([...args, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};

describe('create, apply and the write verbs', () => {
  it('creates from a file and refuses a second create with AlreadyExists', async () => {
    const file = scratchFile(
      sim,
      'cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "1"}\n',
    );
    expect((await sim.kubectl(['create', '-f', file])).stdout.trim()).toBe('configmap/settings created');
    const again = await sim.kubectl(['create', '-f', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Error from server (AlreadyExists): error when creating');
    expect(again.stderr).toContain('configmaps "settings" already exists');
  });

  it('applies, then re-applies with a 3-way strategic merge that keeps list items by name', async () => {
    const first = scratchFile(sim, 'd1.yaml', deployment('nginx:1', '[{name: A, value: "1"}, {name: B, value: "2"}]'));
    expect((await sim.kubectl(['apply', '-f', first])).stdout.trim()).toBe('deployment.apps/app created');
    const d1 = await json(['get', 'deploy', 'app', '-n', 'dev']);
    expect(d1.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('nginx:1');
    expect(d1.metadata.generation).toBe(1);
    const second = scratchFile(sim, 'd2.yaml', deployment('nginx:2', '[{name: A, value: "1"}]'));
    expect((await sim.kubectl(['apply', '-f', second])).stdout.trim()).toBe('deployment.apps/app configured');
    const d2 = await json(['get', 'deploy', 'app', '-n', 'dev']);
    expect(d2.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['a', 'sidecar']);
    expect(d2.spec.template.spec.containers[0].image).toBe('nginx:2');
    expect(d2.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(d2.metadata.generation).toBe(2);
    expect((await sim.kubectl(['apply', '-f', second])).stdout.trim()).toBe('deployment.apps/app unchanged');
  });

  it('records managedFields for each manager', async () => {
    const d = await json(['get', 'deploy', 'app', '-n', 'dev', '--show-managed-fields']);
    const managers = d.metadata.managedFields.map(
      (m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`,
    );
    expect(managers).toContain('kubectl-client-side-apply/Update');
  });

  it('applies server-side', async () => {
    const file = scratchFile(
      sim,
      'ss.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ss, namespace: dev}\ndata: {k: v}\n',
    );
    const r = await sim.kubectl(['apply', '--server-side', '-f', file]);
    expect(r.stdout.trim()).toBe('configmap/ss serverside-applied');
    const cm = await json(['get', 'cm', 'ss', '-n', 'dev', '--show-managed-fields']);
    expect(cm.data).toEqual({ k: 'v' });
    expect(cm.metadata.managedFields[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply' });
  });

  it('labels, annotates and patches with strategic, merge and JSON patches', async () => {
    expect((await sim.kubectl(['label', 'cm', 'settings', 'tier=web'])).stdout.trim()).toBe(
      'configmap/settings labeled',
    );
    expect((await sim.kubectl(['annotate', 'cm', 'settings', 'note=hi'])).stdout.trim()).toBe(
      'configmap/settings annotated',
    );
    await sim.kubectl(['patch', 'cm', 'settings', '-p', '{"data":{"b":"2"}}']);
    await sim.kubectl(['patch', 'cm', 'settings', '--type=merge', '-p', '{"data":{"a":null}}']);
    await sim.kubectl(['patch', 'cm', 'settings', '--type=json', '-p', '[{"op":"add","path":"/data/c","value":"3"}]']);
    const cm = await json(['get', 'cm', 'settings']);
    expect(cm.metadata.labels).toEqual({ tier: 'web' });
    expect(cm.metadata.annotations).toEqual({ note: 'hi' });
    expect(cm.data).toEqual({ b: '2', c: '3' });
    const bad = await sim.kubectl([
      'patch',
      'cm',
      'settings',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/data/zzz"}]',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Unable to remove nonexistent key');
  });

  it('edits with KUBE_EDITOR', async () => {
    const editor = scratchFile(sim, 'editor.sh', '#!/bin/sh\nsed -i \'s/b: "2"/b: "edited"/\' "$1"\n');
    const r = await sim.kubectl(['edit', 'cm', 'settings'], { env: { KUBE_EDITOR: editor } });
    expect(r.stdout.trim()).toBe('configmap/settings edited');
    expect((await json(['get', 'cm', 'settings'])).data.b).toBe('edited');
  });

  it('scales through the scale subresource and sets images', async () => {
    expect((await sim.kubectl(['scale', 'deploy', 'app', '-n', 'dev', '--replicas=3'])).stdout.trim()).toBe(
      'deployment.apps/app scaled',
    );
    expect((await sim.kubectl(['set', 'image', 'deploy/app', '-n', 'dev', 'a=nginx:3'])).stdout.trim()).toBe(
      'deployment.apps/app image updated',
    );
    const d = await json(['get', 'deploy', 'app', '-n', 'dev']);
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:3');
    const scale = JSON.parse(
      (await sim.kubectl(['get', '--raw', '/apis/apps/v1/namespaces/dev/deployments/app/scale'])).stdout,
    );
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 3 }, status: { selector: 'app=app' } });
  });

  it('does nothing on --dry-run=server but says what it would do', async () => {
    const r = await sim.kubectl(['create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=server']);
    expect(r.stdout.trim()).toBe('configmap/dry created (server dry run)');
    expect((await sim.kubectl(['get', 'cm', 'dry'])).code).toBe(1);
    const del = await sim.kubectl(['delete', 'cm', 'settings', '--dry-run=server']);
    expect(del.stdout.trim()).toBe('configmap "settings" deleted (server dry run)');
    expect((await sim.kubectl(['get', 'cm', 'settings'])).code).toBe(0);
  });

  it('rejects an invalid name with the Invalid status and field path', async () => {
    const r = await sim.kubectl(['create', 'namespace', 'Not_Valid']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'The Namespace "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid": a lowercase RFC 1123 label',
    );
  });

  it('answers a stale resourceVersion with Conflict', async () => {
    const cm = await json(['get', 'cm', 'settings']);
    cm.metadata.resourceVersion = '1';
    const file = scratchFile(sim, 'stale.json', JSON.stringify(cm));
    const r = await sim.kubectl(['replace', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Error from server (Conflict): error when replacing "' +
        file +
        '": Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('deletes by file, by label and waits until the object is gone', async () => {
    const file = scratchFile(
      sim,
      'p.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {x: z}}\nspec: {containers: [{name: c, image: nginx}]}\n',
    );
    await sim.kubectl(['create', '-f', file]);
    expect((await sim.kubectl(['delete', '-f', file])).stdout.trim()).toBe('pod "p" deleted');
    await sim.kubectl(['create', '-f', file]);
    expect((await sim.kubectl(['delete', 'pods', '-l', 'x=z'])).stdout.trim()).toBe('pod "p" deleted');
    expect((await sim.kubectl(['get', 'pods', '-o', 'name'])).stdout.trim()).toBe('');
  });

  it('keeps an object with finalizers until they are removed', async () => {
    const file = scratchFile(
      sim,
      'f.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/hold]}\n',
    );
    await sim.kubectl(['create', '-f', file]);
    const del = await sim.kubectl(['delete', 'cm', 'held', '--wait=false']);
    expect(del.stdout.trim()).toBe('configmap "held" deleted');
    const held = await json(['get', 'cm', 'held']);
    expect(held.metadata.deletionTimestamp).toBeDefined();
    await sim.kubectl(['patch', 'cm', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    expect((await sim.kubectl(['get', 'cm', 'held'])).code).toBe(1);
  });

  it('deletes a namespace with its contents', async () => {
    seedNamespaces(sim, 'gone');
    await sim.kubectl(['create', 'configmap', 'x', '-n', 'gone', '--from-literal=a=b']);
    const r = await sim.kubectl(['delete', 'namespace', 'gone']);
    expect(r.stdout.trim()).toBe('namespace "gone" deleted');
    expect((await sim.kubectl(['get', 'ns', 'gone'])).stderr).toContain('namespaces "gone" not found');
    expect((await sim.kubectl(['get', 'cm', '-A', '-o', 'name'])).stdout).not.toContain('configmap/x');
  });

  it('keeps the system namespaces', async () => {
    const r = await sim.kubectl(['delete', 'namespace', 'default']);
    expect(r.stderr.trim()).toBe(
      'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted',
    );
  });

  it('refuses to create in a namespace that does not exist', async () => {
    const r = await sim.kubectl(['create', 'configmap', 'c', '-n', 'nowhere']);
    expect(r.stderr.trim()).toBe('error: failed to create configmap: namespaces "nowhere" not found');
  });
});
