import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createMemoryStore } from '../store/memory-store.ts';
import { podSecurityAdmission } from './pod-security.ts';
import { policyToEvaluate } from './pod-security-labels.ts';
import { evaluatePod, forbiddenDetail } from './pod-security-policy.ts';
import type { AdmissionRequest } from './types.ts';

const NS = { group: '', resource: 'namespaces' };
const PODS = { group: '', resource: 'pods' };

function cluster(labels: Record<string, string>) {
  const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
  store.create(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels } });
  return store;
}

const nginx = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'dev' },
  spec: { containers: [{ name: 'nginx', image: 'nginx' }], ...spec },
});

function request(object: KubeObject, extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'pods' },
    subresource: '',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    namespace: 'dev',
    name: object.metadata.name ?? '',
    object,
    userInfo: { username: 'alice', groups: ['system:authenticated'] },
    dryRun: false,
    ...extra,
  };
}

const validate = (r: AdmissionRequest, store: ReturnType<typeof cluster>) => podSecurityAdmission.validate!(r, store);

describe('evaluatePod', () => {
  it('names every restricted violation of a plain pod, baseline checks first', () => {
    const r = evaluatePod('restricted', 'latest', {}, { containers: [{ name: 'x', image: 'nginx' }] });
    expect(forbiddenDetail(r)).toBe(
      'allowPrivilegeEscalation != false (container "x" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "x" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "x" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "x" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it('reports privileged before restricted checks and pluralizes containers', () => {
    const r = evaluatePod(
      'restricted',
      'latest',
      {},
      {
        hostNetwork: true,
        containers: [
          { name: 'a', image: 'x', securityContext: { privileged: true } },
          { name: 'b', image: 'x', securityContext: { privileged: true } },
        ],
      },
    );
    expect(r.reasons.map((x) => x.id).slice(0, 3)).toEqual([
      'hostNamespaces',
      'privileged',
      'allowPrivilegeEscalation',
    ]);
    expect(r.reasons[1]!.detail).toBe('containers "a", "b" must not set securityContext.privileged=true');
  });

  it('applies runAsUser only from v1.23 and treats newer versions as the newest', () => {
    const spec = {
      securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' as const } },
      containers: [
        {
          name: 'x',
          image: 'x',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    };
    expect(evaluatePod('restricted', { minor: 22 }, {}, spec).allowed).toBe(true);
    expect(evaluatePod('restricted', 'v1.22', {}, spec).allowed).toBe(true);
    expect(forbiddenDetail(evaluatePod('restricted', { minor: 23 }, {}, spec))).toBe(
      'runAsUser=0 (pod must not set runAsUser=0)',
    );
    expect(evaluatePod('restricted', { minor: 99 }, {}, spec).reasons.map((x) => x.id)).toEqual(['runAsUser']);
  });

  it('allows the 1.32 sysctls only from v1.32', () => {
    const spec = { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '1' }] }, containers: [] };
    expect(forbiddenDetail(evaluatePod('baseline', { minor: 31 }, {}, spec))).toBe(
      'forbidden sysctls (net.ipv4.tcp_rmem)',
    );
    expect(evaluatePod('baseline', 'latest', {}, spec).allowed).toBe(true);
  });

  it('checks AppArmor fields and annotations', () => {
    const r = evaluatePod(
      'baseline',
      'latest',
      { annotations: { 'container.apparmor.security.beta.kubernetes.io/b': 'unconfined' } },
      {
        securityContext: { appArmorProfile: { type: 'Unconfined' } },
        containers: [
          { name: 'a', image: 'x', securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } },
          { name: 'b', image: 'x' },
        ],
      },
    );
    expect(forbiddenDetail(r)).toBe(
      'forbidden AppArmor profiles (pod and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/b=\\"unconfined\\"")',
    );
  });

  it('admits anything at privileged', () => {
    expect(evaluatePod('privileged', 'latest', {}, { hostPID: true, containers: [] }).allowed).toBe(true);
  });
});

describe('policyToEvaluate', () => {
  it('defaults warn to a stricter enforce level and reads invalid values as restricted:latest', () => {
    expect(policyToEvaluate({ 'pod-security.kubernetes.io/enforce': 'baseline' }).policy.warn).toEqual({
      level: 'baseline',
      version: 'latest',
    });
    const bad = policyToEvaluate({
      'pod-security.kubernetes.io/enforce': 'strict',
      'pod-security.kubernetes.io/enforce-version': '1.30',
    });
    expect(bad.policy.enforce).toEqual({ level: 'restricted', version: 'latest' });
    expect(bad.errors.map((e) => e.message)).toEqual([
      'must be one of privileged, baseline, restricted',
      'must be "latest" or "v1.x"',
    ]);
  });
});

describe('podSecurityAdmission', () => {
  it('denies a privileged pod under baseline with the apiserver message', () => {
    const store = cluster({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    const pod = nginx({ containers: [{ name: 'nginx', image: 'nginx', securityContext: { privileged: true } }] });
    expect(validate(request(pod), store).denied).toEqual({
      code: 403,
      reason: 'Forbidden',
      message:
        'pods "web" is forbidden: violates PodSecurity "baseline:latest": privileged (container "nginx" must not set securityContext.privileged=true)',
    });
  });

  it('quotes the label version as written', () => {
    const store = cluster({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.30',
    });
    expect(validate(request(nginx()), store).denied?.message).toMatch(
      /^pods "web" is forbidden: violates PodSecurity "restricted:v1\.30": allowPrivilegeEscalation != false/,
    );
  });

  it('admits pods in an unlabelled namespace without warnings', () => {
    const store = cluster({});
    expect(validate(request(nginx({ hostPID: true })), store)).toEqual({ warnings: [] });
  });

  it('warns instead of denying under warn, and records audit violations', () => {
    const store = cluster({
      'pod-security.kubernetes.io/warn': 'baseline',
      'pod-security.kubernetes.io/audit': 'baseline',
    });
    const r = validate(request(nginx({ hostPID: true })), store);
    expect(r.denied).toBeUndefined();
    expect(r.warnings).toEqual(['would violate PodSecurity "baseline:latest": host namespaces (hostPID=true)']);
    expect(r.auditAnnotations?.['pod-security.kubernetes.io/audit-violations']).toBe(
      'would violate PodSecurity "baseline:latest": host namespaces (hostPID=true)',
    );
  });

  it('never denies a Deployment but warns about its pod template', () => {
    const store = cluster({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'dev' },
      spec: { template: { metadata: {}, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'x' }] } } },
    };
    const r = validate(
      request(deployment, {
        resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      }),
      store,
    );
    expect(r.denied).toBeUndefined();
    expect(r.warnings).toEqual(['would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)']);
  });

  it('judges a CronJob by its job template', () => {
    const store = cluster({ 'pod-security.kubernetes.io/warn': 'baseline' });
    const cronJob: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c', namespace: 'dev' },
      spec: { jobTemplate: { spec: { template: { spec: { hostIPC: true, containers: [] } } } } },
    };
    const r = validate(
      request(cronJob, {
        resource: { group: 'batch', version: 'v1', resource: 'cronjobs' },
        kind: { group: 'batch', version: 'v1', kind: 'CronJob' },
      }),
      store,
    );
    expect(r.warnings).toEqual(['would violate PodSecurity "baseline:latest": host namespaces (hostIPC=true)']);
  });

  it('skips pod updates that only change labels', () => {
    const store = cluster({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const old = nginx();
    const pod = { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } };
    expect(validate(request(pod, { operation: 'UPDATE', oldObject: old }), store).denied).toBeUndefined();
    const newImage = nginx({ containers: [{ name: 'nginx', image: 'nginx:2' }] });
    expect(validate(request(newImage, { operation: 'UPDATE', oldObject: old }), store).denied).toBeDefined();
  });

  it('rejects a namespace with an invalid level label', () => {
    const store = cluster({});
    const ns: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'prod', labels: { 'pod-security.kubernetes.io/enforce': 'strict' } },
    };
    const r = validate(
      request(ns, {
        resource: { group: '', version: 'v1', resource: 'namespaces' },
        kind: { group: '', version: 'v1', kind: 'Namespace' },
        namespace: '',
        name: 'prod',
      }),
      store,
    );
    expect(r.denied).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message:
        'Namespace "prod" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
    });
  });

  it('warns about existing pods when a namespace gets a stricter enforce level', () => {
    const store = cluster({});
    store.create(PODS, nginx());
    store.create(PODS, { ...nginx(), metadata: { name: 'api', namespace: 'dev' } });
    store.create(PODS, { ...nginx({ hostPID: true }), metadata: { name: 'agent', namespace: 'dev' } });
    const old = store.get(NS, undefined, 'dev')!;
    const labelled = {
      ...old,
      metadata: { ...old.metadata, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } },
    };
    const r = validate(
      request(labelled, {
        operation: 'UPDATE',
        oldObject: old,
        resource: { group: '', version: 'v1', resource: 'namespaces' },
        kind: { group: '', version: 'v1', kind: 'Namespace' },
        namespace: 'dev',
        name: 'dev',
      }),
      store,
    );
    expect(r.warnings).toEqual([
      'existing pods in namespace "dev" violate the new PodSecurity enforce level "baseline:latest"',
      'agent: host namespaces',
    ]);
    const restricted = {
      ...old,
      metadata: { ...old.metadata, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    };
    const r2 = validate(
      request(restricted, {
        operation: 'UPDATE',
        oldObject: old,
        resource: { group: '', version: 'v1', resource: 'namespaces' },
        kind: { group: '', version: 'v1', kind: 'Namespace' },
        namespace: 'dev',
        name: 'dev',
      }),
      store,
    );
    expect(r2.warnings).toEqual([
      'existing pods in namespace "dev" violate the new PodSecurity enforce level "restricted:latest"',
      'agent: host namespaces, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
      'api (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    ]);
  });
});
