import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedSim, scratchFile, seedNamespaces, startSim } from '../support/sim.ts';

let sim: StartedSim;
const header = (out: string) =>
  out
    .split('\n')[0]!
    .trim()
    .split(/\s{2,}/);

const MANIFESTS = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: dev, labels: {app: web, tier: front}}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: dev, labels: {app: db}}
spec:
  nodeName: node-1
  containers: [{name: c, image: postgres}]
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: prod, labels: {app: web}}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dev}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: dev}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: dev}
type: kubernetes.io/basic-auth
stringData: {username: u, password: p}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: dev}
spec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress]}
---
apiVersion: v1
kind: Event
metadata: {name: web.1, namespace: dev}
involvedObject: {kind: Pod, name: web, namespace: dev}
reason: Scheduled
message: Successfully assigned dev/web to node-1
type: Normal
`;

const dbEvent = (uid: string) => `
apiVersion: v1
kind: Event
metadata: {name: db.1, namespace: dev}
involvedObject: {kind: Pod, name: db, namespace: dev, uid: ${uid}}
reason: BackOff
message: Back-off pulling image
type: Warning
`;

beforeAll(async () => {
  sim = await startSim();
  seedNamespaces(sim, 'default', 'dev', 'prod');
  const file = scratchFile(sim, 'all.yaml', MANIFESTS);
  const r = await sim.kubectl(['apply', '-f', file]);
  if (r.code !== 0) throw new Error(r.stderr);
  const uid = (await sim.kubectl(['get', 'pod', 'db', '-n', 'dev', '-o', 'jsonpath={.metadata.uid}'])).stdout;
  const ev = await sim.kubectl(['create', '-f', scratchFile(sim, 'event.yaml', dbEvent(uid))]);
  if (ev.code !== 0) throw new Error(ev.stderr);
});
afterAll(() => sim?.close());

describe('kubectl get with server-side tables', () => {
  it('prints pods with the columns of a real cluster', async () => {
    const r = await sim.kubectl(['get', 'pods', '-n', 'dev']);
    expect(header(r.stdout)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(r.stdout).toMatch(/web\s+0\/1\s+Pending\s+0\s+\d+s/);
  });

  it('adds IP, NODE, NOMINATED NODE and READINESS GATES with -o wide', async () => {
    const r = await sim.kubectl(['get', 'pods', '-n', 'dev', '-o', 'wide']);
    expect(header(r.stdout)).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    expect(r.stdout).toMatch(/db\s+.*node-1/);
  });

  it('prints deployments, services, secrets and network policies like kubectl on kind', async () => {
    expect(header((await sim.kubectl(['get', 'deploy', '-n', 'dev'])).stdout)).toEqual([
      'NAME',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'AGE',
    ]);
    const svc = await sim.kubectl(['get', 'svc', '-n', 'dev']);
    expect(header(svc.stdout)).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(svc.stdout).toMatch(/web\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:3\d{4}\/TCP/);
    expect((await sim.kubectl(['get', 'secrets', '-n', 'dev'])).stdout).toMatch(
      /creds\s+kubernetes.io\/basic-auth\s+2/,
    );
    expect((await sim.kubectl(['get', 'netpol', '-n', 'dev'])).stdout).toMatch(/deny\s+app=db/);
    expect(header((await sim.kubectl(['get', 'ns'])).stdout)).toEqual(['NAME', 'STATUS', 'AGE']);
  });

  it('shows the namespace column with -A and labels with --show-labels', async () => {
    const all = await sim.kubectl(['get', 'pods', '-A']);
    expect(header(all.stdout)[0]).toBe('NAMESPACE');
    expect(all.stdout).toMatch(/prod\s+other/);
    const labels = await sim.kubectl(['get', 'pods', '-n', 'dev', '--show-labels']);
    expect(labels.stdout).toMatch(/web\s+.*app=web,tier=front/);
  });

  it('filters by label and field selectors', async () => {
    const byLabel = await sim.kubectl(['get', 'pods', '-A', '-l', 'app=web', '-o', 'name']);
    expect(byLabel.stdout.trim().split('\n').sort()).toEqual(['pod/other', 'pod/web']);
    const setBased = await sim.kubectl(['get', 'pods', '-n', 'dev', '-l', 'app in (db),!tier', '-o', 'name']);
    expect(setBased.stdout.trim()).toBe('pod/db');
    const byNode = await sim.kubectl(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-1', '-o', 'name']);
    expect(byNode.stdout.trim()).toBe('pod/db');
    const byPhase = await sim.kubectl([
      'get',
      'pods',
      '-A',
      '--field-selector',
      'status.phase=Pending,metadata.namespace=prod',
      '-o',
      'name',
    ]);
    expect(byPhase.stdout.trim()).toBe('pod/other');
    const secrets = await sim.kubectl([
      'get',
      'secrets',
      '-n',
      'dev',
      '--field-selector',
      'type=kubernetes.io/basic-auth',
      '-o',
      'name',
    ]);
    expect(secrets.stdout.trim()).toBe('secret/creds');
    const events = await sim.kubectl([
      'get',
      'events',
      '-n',
      'dev',
      '--field-selector',
      'involvedObject.name=db',
      '-o',
      'name',
    ]);
    expect(events.stdout.trim()).toBe('event/db.1');
  });

  it('rejects an unsupported field selector with the apiserver message', async () => {
    const r = await sim.kubectl(['get', 'pods', '-n', 'dev', '--field-selector', 'spec.foo=bar']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('field label not supported: spec.foo');
  });

  it('prints yaml, json, name and jsonpath output', async () => {
    const y = await sim.kubectl(['get', 'pod', 'web', '-n', 'dev', '-o', 'yaml']);
    expect(y.stdout).toMatch(/^apiVersion: v1\nkind: Pod\n/);
    expect(y.stdout).toMatch(/uid: [0-9a-f-]{36}/);
    const j = JSON.parse((await sim.kubectl(['get', 'pods', '-n', 'dev', '-o', 'json'])).stdout);
    expect(j.kind).toBe('List');
    expect(j.items).toHaveLength(2);
    const jp = await sim.kubectl(['get', 'pods', '-n', 'dev', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(jp.stdout).toBe('db web');
  });

  it('prints events with LAST SEEN, TYPE, REASON, OBJECT and MESSAGE', async () => {
    const r = await sim.kubectl(['get', 'events', '-n', 'dev']);
    expect(header(r.stdout)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(r.stdout).toMatch(/Warning\s+BackOff\s+pod\/db\s+Back-off pulling image/);
  });

  it('answers NotFound with the apiserver message', async () => {
    const r = await sim.kubectl(['get', 'pod', 'nope', '-n', 'dev']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });

  it('describes a pod with its events', async () => {
    const r = await sim.kubectl(['describe', 'pod', 'db', '-n', 'dev']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Name:\s+db/);
    expect(r.stdout).toMatch(/Warning\s+BackOff\s+.*Back-off pulling image/);
  });

  it('describes a service and a deployment', async () => {
    expect((await sim.kubectl(['describe', 'svc', 'web', '-n', 'dev'])).stdout).toMatch(/Type:\s+NodePort/);
    expect((await sim.kubectl(['describe', 'deploy', 'web', '-n', 'dev'])).stdout).toMatch(/Replicas:\s+2 desired/);
  });
});
