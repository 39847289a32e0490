/**
 * Changing a full kind-like cluster (`createSimulatedCluster` through the HTTPS host)
 * with the real kubectl 1.32: generators, apply, delete, label/annotate/patch/edit,
 * scale, set image, rollouts with the real controllers, diff, server dry-run, and the
 * apiserver's errors (AlreadyExists, Conflict, Invalid, Forbidden, PodSecurity).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type StartedSim, scratchFile, startSim } from '../support/sim.ts';

let sim: StartedSim;
beforeAll(async () => {
  sim = await startSim({ full: true });
}, 30_000);
afterAll(() => sim?.close());

const deployment = (name: string, ns: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: app, image: nginx:1.25}]}
`;

async function rolledOut(ns: string, name: string): Promise<void> {
  const r = await sim.kubectl(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=30s'], {
    timeoutMs: 40_000,
  });
  expect(r.stdout).toContain(`deployment "${name}" successfully rolled out`);
  expect(r.code).toBe(0);
}

describe('kubectl changes a full simulated cluster', () => {
  it('creates with every generator', async () => {
    const runs: [string[], string][] = [
      [['create', 'namespace', 'gen'], 'namespace/gen created'],
      [
        ['create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=80', '-n', 'gen'],
        'deployment.apps/web created',
      ],
      [['create', 'serviceaccount', 'bot', '-n', 'gen'], 'serviceaccount/bot created'],
      [['create', 'secret', 'generic', 's', '--from-literal=a=b', '-n', 'gen'], 'secret/s created'],
      [['create', 'secret', 'tls', 't', '--cert', 'CERT', '--key', 'KEY', '-n', 'gen'], ''],
      [
        [
          'create',
          'secret',
          'docker-registry',
          'reg',
          '--docker-server=r.io',
          '--docker-username=u',
          '--docker-password=p',
          '-n',
          'gen',
        ],
        'secret/reg created',
      ],
      [['create', 'configmap', 'c', '--from-literal=k=v', '-n', 'gen'], 'configmap/c created'],
      [['create', 'quota', 'q', '--hard=pods=10', '-n', 'gen'], 'resourcequota/q created'],
      [
        ['create', 'role', 'r', '--verb=get', '--resource=pods', '-n', 'gen'],
        'role.rbac.authorization.k8s.io/r created',
      ],
      [
        ['create', 'rolebinding', 'rb', '--role=r', '--user=alice', '-n', 'gen'],
        'rolebinding.rbac.authorization.k8s.io/rb created',
      ],
      [
        ['create', 'clusterrole', 'gen-cr', '--verb=list', '--resource=nodes'],
        'clusterrole.rbac.authorization.k8s.io/gen-cr created',
      ],
      [
        ['create', 'clusterrolebinding', 'gen-crb', '--clusterrole=gen-cr', '--group=ops'],
        'clusterrolebinding.rbac.authorization.k8s.io/gen-crb created',
      ],
      [['create', 'job', 'j', '--image=busybox', '-n', 'gen', '--', 'true'], 'job.batch/j created'],
      [
        ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *', '-n', 'gen', '--', 'true'],
        'cronjob.batch/cj created',
      ],
      [['create', 'service', 'clusterip', 'cip', '--tcp=80:8080', '-n', 'gen'], 'service/cip created'],
      [['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '-n', 'gen'], 'service/np created'],
      [
        ['create', 'ingress', 'ing', '--rule=shop.example/=web:80', '-n', 'gen'],
        'ingress.networking.k8s.io/ing created',
      ],
      [
        ['create', 'poddisruptionbudget', 'pdb', '--selector=app=web', '--min-available=1', '-n', 'gen'],
        'poddisruptionbudget.policy/pdb created',
      ],
      [['create', 'priorityclass', 'high', '--value=1000'], 'priorityclass.scheduling.k8s.io/high created'],
    ];
    for (const [args, out] of runs) {
      if (!out) continue;
      const r = await sim.kubectl(args);
      expect(r, args.join(' ')).toMatchObject({ code: 0, stdout: `${out}\n` });
    }
    const token = await sim.kubectl(['create', 'token', 'bot', '-n', 'gen']);
    expect(token.code).toBe(0);
    expect(token.stdout.trim().split('.')).toHaveLength(3);
    const ing = await sim.kubectl(['get', 'ingress', 'ing', '-n', 'gen', '-o', 'yaml']);
    expect(ing.stdout).toContain(
      '  - host: shop.example\n    http:\n      paths:\n      - backend:\n          service:\n            name: web\n            port:\n              number: 80\n        path: /\n        pathType: Exact\nstatus:\n  loadBalancer: {}\n',
    );
    const np = await sim.kubectl(['get', 'svc', 'np', '-n', 'gen', '--no-headers']);
    expect(np.stdout).toMatch(/^np\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:3\d{4}\/TCP\s+/);
  });

  it('runs a pod and exposes a deployment, with the controllers making pods and endpoints', async () => {
    await sim.kubectl(['create', 'namespace', 'run']);
    expect(await sim.kubectl(['run', 'one', '--image=nginx', '-n', 'run', '--labels=app=one'])).toMatchObject({
      code: 0,
      stdout: 'pod/one created\n',
    });
    await sim.kubectl(['apply', '-f', scratchFile(sim, 'run-web.yaml', deployment('web', 'run'))]);
    expect(await sim.kubectl(['expose', 'deployment', 'web', '--port=80', '-n', 'run'])).toMatchObject({
      code: 0,
      stdout: 'service/web exposed\n',
    });
    await rolledOut('run', 'web');
    const ok = await eventually(async () => {
      const ep = await sim.kubectl(['get', 'endpoints', 'web', '-n', 'run', '--no-headers']);
      return /^web\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80\s+/.test(ep.stdout);
    });
    expect(ok).toBe(true);
    const pod = await sim.kubectl(['get', 'pod', 'one', '-n', 'run', '--no-headers']);
    expect(pod.stdout).toMatch(/^one\s+1\/1\s+Running\s+0\s+/);
  });

  it('applies files, folders and stdin: created, unchanged, configured', async () => {
    const dir = join(sim.dir, 'manifests');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '0-ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: app}\n');
    writeFileSync(join(dir, 'web.yaml'), deployment('web', 'app'));
    writeFileSync(
      join(dir, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: app}\ndata: {k: v}\n',
    );
    const first = await sim.kubectl(['apply', '-f', dir]);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout.split('\n').sort()).toEqual(
      ['', 'configmap/cfg created', 'deployment.apps/web created', 'namespace/app created'].sort(),
    );
    const again = await sim.kubectl(['apply', '-f', dir]);
    expect(again.stdout).toContain('deployment.apps/web unchanged');
    expect(again.stdout).toContain('configmap/cfg unchanged');
    const file = join(dir, 'cm.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: app}\ndata: {k: w}\n');
    expect(await sim.kubectl(['apply', '-f', file])).toMatchObject({ code: 0, stdout: 'configmap/cfg configured\n' });
    const stdin = await sim.kubectl(['apply', '-f', '-'], {
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: piped, namespace: app}\ndata: {a: b}\n',
    });
    expect(stdin).toMatchObject({ code: 0, stdout: 'configmap/piped created\n' });
    const diff = await sim.kubectl(['diff', '-f', file]);
    expect(diff.code).toBe(0);
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: app}\ndata: {k: x}\n');
    const changed = await sim.kubectl(['diff', '-f', file]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^- {2}k: w$/m);
    expect(changed.stdout).toMatch(/^\+ {2}k: x$/m);
  });

  it('labels, annotates, patches three ways and edits with KUBE_EDITOR', async () => {
    await sim.kubectl(['create', 'namespace', 'meta']);
    await sim.kubectl(['create', 'configmap', 'm', '--from-literal=a=1', '-n', 'meta']);
    expect(await sim.kubectl(['label', 'cm', 'm', 'tier=db', '-n', 'meta'])).toMatchObject({
      code: 0,
      stdout: 'configmap/m labeled\n',
    });
    expect(await sim.kubectl(['annotate', 'cm', 'm', 'owner=me', '-n', 'meta'])).toMatchObject({
      code: 0,
      stdout: 'configmap/m annotated\n',
    });
    const patches: [string, string][] = [
      ['strategic', '{"data":{"b":"2"}}'],
      ['merge', '{"data":{"c":"3"}}'],
      ['json', '[{"op":"add","path":"/data/d","value":"4"}]'],
    ];
    for (const [type, patch] of patches) {
      expect(await sim.kubectl(['patch', 'cm', 'm', '-n', 'meta', '--type', type, '-p', patch])).toMatchObject({
        code: 0,
        stdout: 'configmap/m patched\n',
      });
    }
    const editor = scratchFile(sim, 'editor.sh', '#!/bin/sh\nsed -i "s/a: \\"1\\"/a: \\"edited\\"/" "$1"\n');
    const edit = await sim.kubectl(['edit', 'cm', 'm', '-n', 'meta'], { env: { KUBE_EDITOR: editor } });
    expect(edit).toMatchObject({ code: 0, stdout: 'configmap/m edited\n' });
    const got = await sim.kubectl([
      'get',
      'cm',
      'm',
      '-n',
      'meta',
      '-o',
      'jsonpath={.data}{" "}{.metadata.labels.tier}{" "}{.metadata.annotations.owner}',
    ]);
    expect(got.stdout).toBe('{"a":"edited","b":"2","c":"3","d":"4"} db me');
    const managers = await sim.kubectl([
      'get',
      'cm',
      'm',
      '-n',
      'meta',
      '--show-managed-fields',
      '-o',
      'jsonpath={.metadata.managedFields[*].manager}',
    ]);
    expect(managers.stdout.split(' ').sort()).toEqual([
      'kubectl-annotate',
      'kubectl-create',
      'kubectl-edit',
      'kubectl-label',
      'kubectl-patch',
    ]);
  });

  it('scales, sets an image, and rolls out, restarts and undoes with the real controllers', async () => {
    await sim.kubectl(['create', 'namespace', 'roll']);
    await sim.kubectl(['apply', '-f', scratchFile(sim, 'roll.yaml', deployment('api', 'roll'))]);
    await rolledOut('roll', 'api');
    expect(await sim.kubectl(['scale', 'deployment', 'api', '--replicas=3', '-n', 'roll'])).toMatchObject({
      code: 0,
      stdout: 'deployment.apps/api scaled\n',
    });
    await rolledOut('roll', 'api');
    expect(await sim.kubectl(['set', 'image', 'deployment/api', 'app=nginx:1.27', '-n', 'roll'])).toMatchObject({
      code: 0,
      stdout: 'deployment.apps/api image updated\n',
    });
    await rolledOut('roll', 'api');
    const images = async () =>
      (
        await sim.kubectl([
          'get',
          'pods',
          '-n',
          'roll',
          '-l',
          'app=api',
          '-o',
          'jsonpath={.items[*].spec.containers[0].image}',
        ])
      ).stdout;
    expect(await eventually(async () => (await images()) === 'nginx:1.27 nginx:1.27 nginx:1.27')).toBe(true);
    const history = await sim.kubectl(['rollout', 'history', 'deployment/api', '-n', 'roll']);
    expect(history.stdout).toMatch(/^1\s+<none>$/m);
    expect(history.stdout).toMatch(/^2\s+<none>$/m);
    expect(await sim.kubectl(['rollout', 'undo', 'deployment/api', '-n', 'roll'])).toMatchObject({
      code: 0,
      stdout: 'deployment.apps/api rolled back\n',
    });
    await rolledOut('roll', 'api');
    expect(await eventually(async () => (await images()) === 'nginx:1.25 nginx:1.25 nginx:1.25')).toBe(true);
    expect(await sim.kubectl(['rollout', 'restart', 'deployment/api', '-n', 'roll'])).toMatchObject({
      code: 0,
      stdout: 'deployment.apps/api restarted\n',
    });
    await rolledOut('roll', 'api');
    const rs = await sim.kubectl(['get', 'rs', '-n', 'roll', '--no-headers']);
    expect(
      rs.stdout
        .trim()
        .split('\n')
        .filter((l) => /\s3\s+3\s+3\s/.test(l)),
    ).toHaveLength(1);
  }, 120_000);

  it('deletes by file, by label, with cascading, and whole namespaces', async () => {
    await sim.kubectl(['create', 'namespace', 'del']);
    const file = scratchFile(sim, 'del.yaml', deployment('gone', 'del'));
    await sim.kubectl(['apply', '-f', file]);
    await rolledOut('del', 'gone');
    await sim.kubectl(['create', 'configmap', 'l1', '-n', 'del']);
    await sim.kubectl(['label', 'cm', 'l1', 'drop=yes', '-n', 'del']);
    expect(await sim.kubectl(['delete', 'cm', '-l', 'drop=yes', '-n', 'del'])).toMatchObject({
      code: 0,
      stdout: 'configmap "l1" deleted\n',
    });
    expect(await sim.kubectl(['delete', '-f', file])).toMatchObject({
      code: 0,
      stdout: 'deployment.apps "gone" deleted\n',
    });
    expect(
      await eventually(async () => {
        const left = await sim.kubectl(['get', 'rs,pods', '-n', 'del', '-o', 'name']);
        return left.stdout.trim() === '';
      }),
    ).toBe(true);
    const orphan = scratchFile(sim, 'orphan.yaml', deployment('kept', 'del', 1));
    await sim.kubectl(['apply', '-f', orphan]);
    await rolledOut('del', 'kept');
    await sim.kubectl(['delete', 'deployment', 'kept', '-n', 'del', '--cascade=orphan']);
    const rs = await sim.kubectl(['get', 'rs', '-n', 'del', '-o', 'name']);
    expect(rs.stdout).toMatch(/^replicaset\.apps\/kept-/);
    expect(await sim.kubectl(['delete', 'namespace', 'del'])).toMatchObject({
      code: 0,
      stdout: 'namespace "del" deleted\n',
    });
    const ns = await sim.kubectl(['get', 'namespace', 'del']);
    expect(ns).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): namespaces "del" not found\n' });
  }, 90_000);

  it('refuses with the apiserver errors: AlreadyExists, Conflict, Invalid, unknown fields', async () => {
    await sim.kubectl(['create', 'namespace', 'errs']);
    const exists = await sim.kubectl(['create', 'namespace', 'errs']);
    expect(exists).toMatchObject({
      code: 1,
      stderr: 'Error from server (AlreadyExists): namespaces "errs" already exists\n',
    });
    await sim.kubectl(['create', 'configmap', 'c', '--from-literal=a=1', '-n', 'errs']);
    const stale = scratchFile(
      sim,
      'stale.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: errs, resourceVersion: "1"}\ndata: {a: "2"}\n',
    );
    expect(await sim.kubectl(['replace', '-f', stale])).toMatchObject({
      code: 1,
      stderr:
        'Error from server (Conflict): error when replacing "' +
        stale +
        '": Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again\n',
    });
    const invalid = scratchFile(
      sim,
      'invalid.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: Bad_Name, namespace: errs}
spec:
  replicas: -1
  selector: {matchLabels: {app: a}}
  template: {metadata: {labels: {app: b}}, spec: {containers: [{name: c, image: nginx}]}}
`,
    );
    const inv = await sim.kubectl(['create', '-f', invalid]);
    expect(inv.code).toBe(1);
    expect(inv.stderr).toContain('The Deployment "Bad_Name" is invalid: \n');
    expect(inv.stderr).toContain(
      `* metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    expect(inv.stderr).toContain('* spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const unknown = scratchFile(
      sim,
      'unknown.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: u, namespace: errs}\ndata: {a: b}\nfoo: bar\n',
    );
    const strict = await sim.kubectl(['apply', '--validate=strict', '-f', unknown]);
    expect(strict).toMatchObject({
      code: 1,
      stderr: `Error from server (BadRequest): error when creating "${unknown}": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "foo"\n`,
    });
    const warn = await sim.kubectl(['apply', '--validate=warn', '-f', unknown]);
    expect(warn).toMatchObject({ code: 0, stdout: 'configmap/u created\n' });
    expect(warn.stderr).toContain('Warning: unknown field "foo"');
    await sim.kubectl(['create', 'deployment', 'sel', '--image=nginx', '-n', 'errs']);
    const immutable = await sim.kubectl([
      'patch',
      'deployment',
      'sel',
      '-n',
      'errs',
      '--type=merge',
      '-p',
      '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}',
    ]);
    expect(immutable).toMatchObject({
      code: 1,
      stderr:
        'The Deployment "sel" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable\n',
    });
    const typed = await sim.kubectl(['create', '-f', '-'], {
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typed, namespace: errs}\ndata: {a: 1}\n',
    });
    expect(typed.code).toBe(1);
    expect(typed.stderr).toContain(
      'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number',
    );
  });

  it('records field ownership as the apiserver does: what the client sent, not what admission added', async () => {
    await sim.kubectl(['create', 'namespace', 'owners']);
    await sim.kubectl(['run', 'owned', '--image=nginx', '-n', 'owners']);
    const r = await sim.kubectl([
      'get',
      'pod',
      'owned',
      '-n',
      'owners',
      '--show-managed-fields',
      '-o',
      'jsonpath={.metadata.managedFields[?(@.manager=="kubectl-run")].fieldsV1.f:spec}',
    ]);
    const spec = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(
      Object.keys(spec)
        .filter((k) => k !== '.')
        .sort(),
    ).toEqual([
      'f:containers',
      'f:dnsPolicy',
      'f:enableServiceLinks',
      'f:restartPolicy',
      'f:schedulerName',
      'f:securityContext',
      'f:terminationGracePeriodSeconds',
    ]);
  });

  it('dry-runs on the server: a PodSecurity denial stores nothing', async () => {
    await sim.kubectl(['create', 'namespace', 'locked']);
    await sim.kubectl(['label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted']);
    const denied = await sim.kubectl([
      'run',
      'priv',
      '--image=nginx',
      '--privileged',
      '-n',
      'locked',
      '--dry-run=server',
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe(
      'Error from server (Forbidden): pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged (container "priv" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "priv" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "priv" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "priv" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "priv" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")\n',
    );
    expect((await sim.kubectl(['get', 'pods', '-n', 'locked', '-o', 'name'])).stdout).toBe('');
    const ok = await sim.kubectl(['create', 'configmap', 'dry', '-n', 'locked', '--dry-run=server', '-o', 'name']);
    expect(ok).toMatchObject({ code: 0, stdout: 'configmap/dry\n' });
    expect((await sim.kubectl(['get', 'cm', 'dry', '-n', 'locked'])).code).toBe(1);
    const named = scratchFile(
      sim,
      'gen.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: {generateName: gen-, namespace: locked}\nspec: {containers: [{name: c, image: nginx}]}\n',
    );
    const gen = await sim.kubectl(['create', '-f', named, '--dry-run=server']);
    expect(gen.code).toBe(1);
    expect(gen.stderr).toMatch(
      /^Error from server \(Forbidden\): error when creating "[^"]+": pods "gen-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": /,
    );
    const vap = await sim.kubectl(['create', 'namespace', 'vap']);
    expect(vap.code).toBe(0);
  });

  it('denies with a ValidatingAdmissionPolicy message and an invalid PodSecurity label with its cause', async () => {
    await sim.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: small}
spec:
  matchConstraints: {resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}]}
  validations: [{expression: "object.spec.replicas <= 5", message: "at most 5 replicas"}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: small}
spec: {policyName: small, validationActions: [Deny]}
`,
    });
    await sim.kubectl(['create', 'namespace', 'pol']);
    const denied = await eventually(async () => {
      const r = await sim.kubectl(['create', 'deployment', 'big', '--image=nginx', '--replicas=9', '-n', 'pol']);
      return (
        r.code === 1 &&
        r.stderr.includes("ValidatingAdmissionPolicy 'small' with binding 'small' denied request: at most 5 replicas")
      );
    });
    expect(denied).toBe(true);
    const label = await sim.kubectl(['label', 'namespace', 'pol', 'pod-security.kubernetes.io/enforce=strictest']);
    expect(label.code).toBe(1);
    expect(label.stderr).toContain(
      'The Namespace "pol" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strictest": must be one of privileged, baseline, restricted',
    );
  });
});
