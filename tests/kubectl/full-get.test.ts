/**
 * Reading a full kind-like cluster (`createSimulatedCluster` through the HTTPS host)
 * with the real kubectl 1.32: discovery, explain, the Table columns of every kind as
 * a real 1.32 cluster prints them, output formats, selectors, watch, describe, events, top.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type StartedSim, scratchFile, startSim, watchKubectl } from '../support/sim.ts';

let sim: StartedSim;
const header = (out: string) =>
  out
    .split('\n')[0]!
    .trim()
    .split(/\s{2,}/);

const OBJECTS = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: a}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: nginx, image: nginx:1.27, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 80}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: bot, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: shop}
stringData: {user: u}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {a: "1", b: "2"}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: shop}
spec: {hard: {pods: "20"}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: shop}
spec: {limits: [{type: Container, default: {memory: 256Mi}}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: a, image: busybox, command: [sleep, "3600"]}]}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: redis:7}]}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: shop}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox, command: ["true"]}]}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "0 3 * * *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules: [{host: shop.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: shop-viewer}
rules: [{apiGroups: [""], resources: [services], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: shop-viewer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: shop-viewer}
subjects: [{kind: Group, name: viewers, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  matchConstraints: {resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}]}
  validations: [{expression: "object.spec.replicas <= 5", message: "at most 5 replicas"}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas}
spec: {policyName: max-replicas, validationActions: [Deny]}
`;

beforeAll(async () => {
  sim = await startSim({ full: true });
  const r = await sim.kubectl(['apply', '-f', scratchFile(sim, 'objects.yaml', OBJECTS)]);
  if (r.code !== 0) throw new Error(r.stderr);
  const settled = await eventually(async () => {
    const pods = await sim.kubectl(['get', 'pods', '-n', 'shop', '--no-headers']);
    const deploy = await sim.kubectl(['get', 'deploy', 'web', '-n', 'shop', '--no-headers']);
    return /web\s+2\/2/.test(deploy.stdout) && !/Pending|ContainerCreating/.test(pods.stdout);
  }, 20_000);
  if (!settled) throw new Error('the shop namespace never settled');
}, 60_000);
afterAll(() => sim?.close());

describe('kubectl reads a full simulated cluster', () => {
  it('reports version v1.32 and answers get --raw on /healthz, /readyz and /version', async () => {
    const v = await sim.kubectl(['version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^Server Version: v1\.32\.\d+$/m);
    for (const path of ['/healthz', '/readyz']) {
      expect(await sim.kubectl(['get', '--raw', path])).toMatchObject({ code: 0, stdout: 'ok' });
    }
    const raw = await sim.kubectl(['get', '--raw', '/version']);
    expect(JSON.parse(raw.stdout)).toMatchObject({ major: '1', minor: '32' });
  });

  it('lists api-resources and api-versions', async () => {
    const r = await sim.kubectl(['api-resources']);
    expect(r.code).toBe(0);
    expect(header(r.stdout)).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    expect(r.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(r.stdout).toMatch(/^nodes\s+no\s+v1\s+false\s+Node$/m);
    const v = await sim.kubectl(['api-versions']);
    expect(v.stdout.split('\n')).toEqual(expect.arrayContaining(['apps/v1', 'v1', 'rbac.authorization.k8s.io/v1']));
  });

  it('explains fields from the OpenAPI v3 documents', async () => {
    const r = await sim.kubectl(['explain', 'deployment.spec.replicas']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^GROUP:\s+apps$/m);
    expect(r.stdout).toMatch(/^FIELD: replicas <integer>$/m);
    const missing = await sim.kubectl(['explain', 'pod.spec.nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('field "nope" does not exist');
  });

  it('prints the columns a real 1.32 cluster prints, for every kind', async () => {
    const expected: Record<string, string[]> = {
      namespaces: ['NAME', 'STATUS', 'AGE'],
      pods: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      services: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
      endpoints: ['NAME', 'ENDPOINTS', 'AGE'],
      endpointslices: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
      serviceaccounts: ['NAME', 'SECRETS', 'AGE'],
      secrets: ['NAME', 'TYPE', 'DATA', 'AGE'],
      configmaps: ['NAME', 'DATA', 'AGE'],
      nodes: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
      events: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
      resourcequotas: ['NAME', 'AGE', 'REQUEST', 'LIMIT'],
      limitranges: ['NAME', 'CREATED AT'],
      deployments: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
      replicasets: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
      daemonsets: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
      statefulsets: ['NAME', 'READY', 'AGE'],
      jobs: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'],
      cronjobs: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'],
      networkpolicies: ['NAME', 'POD-SELECTOR', 'AGE'],
      ingresses: ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'],
      roles: ['NAME', 'CREATED AT'],
      clusterroles: ['NAME', 'CREATED AT'],
      rolebindings: ['NAME', 'ROLE', 'AGE'],
      clusterrolebindings: ['NAME', 'ROLE', 'AGE'],
      validatingadmissionpolicies: ['NAME', 'VALIDATIONS', 'PARAMKIND', 'AGE'],
      validatingadmissionpolicybindings: ['NAME', 'POLICYNAME', 'PARAMREF', 'AGE'],
    };
    const got: Record<string, string[]> = {};
    for (const resource of Object.keys(expected)) {
      const r = await sim.kubectl(['get', resource, '-n', 'shop']);
      expect(r, resource).toMatchObject({ code: 0, stderr: '' });
      got[resource] = header(r.stdout);
    }
    expect(got).toEqual(expected);
  });

  it('prints rows as kind does', async () => {
    const [deploy, svc, job, quota, np, ing, rb, vapb] = await Promise.all([
      sim.kubectl(['get', 'deploy', '-n', 'shop', '--no-headers']),
      sim.kubectl(['get', 'svc', 'web', '-n', 'shop', '--no-headers']),
      sim.kubectl(['get', 'job', 'once', '-n', 'shop', '--no-headers']),
      sim.kubectl(['get', 'quota', '-n', 'shop', '--no-headers']),
      sim.kubectl(['get', 'netpol', '-n', 'shop', '--no-headers']),
      sim.kubectl(['get', 'ingress', '-n', 'shop', '--no-headers']),
      sim.kubectl(['get', 'rolebinding', 'reader', '-n', 'shop', '--no-headers']),
      sim.kubectl(['get', 'validatingadmissionpolicybinding', '--no-headers']),
    ]);
    expect(deploy.stdout).toMatch(/^web\s+2\/2\s+2\s+2\s+\d+s$/m);
    expect(svc.stdout).toMatch(/^web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s$/m);
    expect(job.stdout).toMatch(/^once\s+(Complete|Running)\s+[01]\/1\s+/m);
    expect(quota.stdout).toMatch(/^quota\s+\d+s\s+pods: \d+\/20\s*$/m);
    expect(np.stdout).toMatch(/^deny-all\s+<none>\s+\d+s$/m);
    expect(ing.stdout).toMatch(/^web\s+<none>\s+shop\.example\s+80\s+\d+s$/m);
    expect(rb.stdout).toMatch(/^reader\s+Role\/reader\s+\d+s$/m);
    expect(vapb.stdout).toMatch(/^max-replicas\s+max-replicas\s+<unset>\s+\d+s$/m);
  });

  it('shows the kind-like nodes and the running kube-system pods', async () => {
    const nodes = await sim.kubectl(['get', 'nodes', '-o', 'wide']);
    expect(header(nodes.stdout)).toEqual([
      'NAME',
      'STATUS',
      'ROLES',
      'AGE',
      'VERSION',
      'INTERNAL-IP',
      'EXTERNAL-IP',
      'OS-IMAGE',
      'KERNEL-VERSION',
      'CONTAINER-RUNTIME',
    ]);
    expect(nodes.stdout).toMatch(/^paranoid-control-plane\s+Ready\s+control-plane\s+/m);
    const pods = await sim.kubectl(['get', 'pods', '-n', 'kube-system', '--no-headers']);
    expect(pods.stdout).toMatch(/^etcd-paranoid-control-plane\s+1\/1\s+Running\s+0\s+/m);
    expect(pods.stdout).toMatch(/^coredns-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+/m);
  });

  it('prints yaml, json, wide, name and jsonpath output', async () => {
    const yaml = await sim.kubectl(['get', 'cm', 'settings', '-n', 'shop', '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/^apiVersion: v1\ndata:\n {2}a: "1"\n {2}b: "2"\nkind: ConfigMap\n/);
    const json = JSON.parse((await sim.kubectl(['get', 'deploy', '-n', 'shop', '-o', 'json'])).stdout);
    expect(json).toMatchObject({ kind: 'List', items: [{ kind: 'Deployment', metadata: { name: 'web' } }] });
    const wide = await sim.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'wide']);
    expect(header(wide.stdout)).toEqual([
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
    expect(wide.stdout).toMatch(
      /^web-\S+\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+paranoid-worker2?\s+<none>\s+<none>$/m,
    );
    const deployWide = await sim.kubectl(['get', 'deploy', 'web', '-n', 'shop', '-o', 'wide', '--no-headers']);
    expect(deployWide.stdout).toMatch(/\s+nginx\s+nginx:1\.27\s+app=web$/m);
    const names = await sim.kubectl(['get', 'sa', '-n', 'shop', '-o', 'name']);
    expect(names.stdout).toBe('serviceaccount/bot\nserviceaccount/default\n');
    const path = await sim.kubectl([
      'get',
      'pods',
      '-n',
      'shop',
      '-l',
      'app=web',
      '-o',
      'jsonpath={.items[*].spec.containers[0].image}',
    ]);
    expect(path.stdout).toBe('nginx:1.27 nginx:1.27');
  });

  it('filters with -l and --field-selector, across namespaces with -A, and shows labels', async () => {
    const byLabel = await sim.kubectl(['get', 'pods', '-A', '-l', 'tier=front', '--no-headers']);
    expect(byLabel.stdout.trim().split('\n')).toHaveLength(2);
    expect(byLabel.stdout).toMatch(/^shop\s+web-/m);
    const running = await sim.kubectl([
      'get',
      'pods',
      '-A',
      '--field-selector',
      'status.phase=Running,metadata.namespace=kube-system',
      '-o',
      'name',
    ]);
    expect(running.stdout).toContain('pod/etcd-paranoid-control-plane');
    expect(running.stdout).not.toContain('pod/web-');
    const bad = await sim.kubectl(['get', 'pods', '--field-selector', 'spec.image=x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.image=x": field label not supported: spec.image',
    );
    const all = await sim.kubectl(['get', 'ns', '--show-labels']);
    expect(header(all.stdout)).toEqual(['NAME', 'STATUS', 'AGE', 'LABELS']);
    expect(all.stdout).toMatch(/^shop\s+Active\s+\S+\s+kubernetes\.io\/metadata\.name=shop,team=a$/m);
    const ns = await sim.kubectl(['get', 'deploy', '-A', '--no-headers']);
    expect(ns.stdout).toMatch(/^kube-system\s+coredns\s+2\/2\s+/m);
  });

  it('watches with -w: the list, then the changes as rows', async () => {
    const out = await watchKubectl(
      sim,
      ['get', 'configmaps', '-n', 'shop', '-w'],
      3,
      () => sim.kubectl(['create', 'configmap', 'watched', '-n', 'shop', '--from-literal=x=y']),
      /watched.*\n/,
    );
    const lines = out.trim().split('\n');
    expect(header(out)).toEqual(['NAME', 'DATA', 'AGE']);
    expect(lines.at(-1)).toMatch(/^watched\s+1\s+0s$/);
  });

  it('describes a deployment, a pod and a service with their events', async () => {
    const d = await sim.kubectl(['describe', 'deploy', 'web', '-n', 'shop']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m);
    expect(d.stdout).toMatch(/^NewReplicaSet:\s+web-[a-z0-9]+ \(2\/2 replicas created\)$/m);
    expect(d.stdout).toMatch(/Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-/);
    const pod = (await sim.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app=web', '-o', 'name'])).stdout.split(
      '\n',
    )[0]!;
    const p = await sim.kubectl(['describe', pod, '-n', 'shop']);
    expect(p.stdout).toMatch(/^Status:\s+Running$/m);
    expect(p.stdout).toMatch(/^Node:\s+paranoid-worker2?\/172\.18\.0\.\d+$/m);
    expect(p.stdout).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned shop\//);
    const s = await sim.kubectl(['describe', 'svc', 'web', '-n', 'shop']);
    expect(s.stdout).toMatch(/^Endpoints:\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80$/m);
  });

  it('lists events and top pod and node', async () => {
    const e = await sim.kubectl(['get', 'events', '-n', 'shop']);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/Normal\s+Scheduled\s+pod\/web-\S+\s+Successfully assigned shop\/web-/);
    const pods = await sim.kubectl(['top', 'pod', '-n', 'shop', '-l', 'app=web']);
    expect(pods.code).toBe(0);
    expect(header(pods.stdout)).toEqual(['NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    expect(pods.stdout).toMatch(/^web-\S+\s+\d+m\s+\d+Mi\s*$/m);
    const nodes = await sim.kubectl(['top', 'node']);
    expect(header(nodes.stdout)).toEqual(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    expect(nodes.stdout).toMatch(/^paranoid-worker\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*$/m);
  });

  it('reports the control plane components, with the deprecation warning', async () => {
    const r = await sim.kubectl(['get', 'componentstatuses']);
    expect(r).toMatchObject({ code: 0, stderr: 'Warning: v1 ComponentStatus is deprecated in v1.19+\n' });
    expect(header(r.stdout)).toEqual(['NAME', 'STATUS', 'MESSAGE', 'ERROR']);
    expect(r.stdout).toMatch(/^etcd-0\s+Healthy\s+ok\s*$/m);
    const one = await sim.kubectl(['get', 'cs', 'scheduler', '-o', 'jsonpath={.conditions[0].type}']);
    expect(one.stdout).toBe('Healthy');
  });

  it('answers NotFound and an unknown resource type as the apiserver does', async () => {
    const nf = await sim.kubectl(['get', 'pod', 'nope', '-n', 'shop']);
    expect(nf).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    const unknown = await sim.kubectl(['get', 'widgets']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: the server doesn\'t have a resource type "widgets"');
  });
});
