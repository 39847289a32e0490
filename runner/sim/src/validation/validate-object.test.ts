import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults/apply-defaults.ts';
import { invalidError, validateObject } from './validate-object.ts';

const pod = (spec: Record<string, unknown>, name = 'web'): KubeObject =>
  applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });

const deployment = (selector: unknown, labels: Record<string, string>): KubeObject =>
  applyDefaults({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector,
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  });

describe('validateObject', () => {
  it('accepts a valid defaulted Pod', () => {
    expect(validateObject(pod({ containers: [{ name: 'web', image: 'nginx' }] }))).toEqual([]);
  });

  it('requires containers and images', () => {
    expect(validateObject(pod({ containers: [] }))).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' },
    ]);
    expect(validateObject(pod({ containers: [{ name: 'web' }] }))).toContainEqual({
      reason: 'FieldValueRequired',
      field: 'spec.containers[0].image',
      message: 'Required value',
    });
  });

  it('rejects a name that is not a DNS-1123 subdomain', () => {
    const [cause] = validateObject(pod({ containers: [{ name: 'web', image: 'nginx' }] }, 'Web'));
    expect(cause).toEqual({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message:
        "Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    });
  });

  it('reports duplicate container names, bad ports and unsupported values', () => {
    const causes = validateObject(
      pod({
        restartPolicy: 'Sometimes',
        containers: [
          { name: 'web', image: 'nginx', ports: [{ containerPort: 70000 }] },
          { name: 'web', image: 'nginx' },
        ],
      }),
    );
    expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[1].name: Duplicate value: "web"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
  });

  it('accepts a native sidecar, and a container restartPolicy nowhere else', () => {
    const sidecar = { name: 'agent', image: 'vault', restartPolicy: 'Always' };
    expect(validateObject(pod({ initContainers: [sidecar], containers: [{ name: 'web', image: 'nginx' }] }))).toEqual(
      [],
    );
    const causes = validateObject(
      pod({
        initContainers: [{ ...sidecar, restartPolicy: 'OnFailure' }],
        containers: [{ name: 'web', image: 'nginx', restartPolicy: 'Always' }],
      }),
    );
    expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers',
      'spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]);
  });

  it('rejects a Deployment whose selector does not match its template labels', () => {
    const d = deployment({ matchLabels: { app: 'web' } }, { app: 'api' });
    const causes = validateObject(d);
    expect(causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.template.metadata.labels',
        message: 'Invalid value: map[string]string{"app":"api"}: `selector` does not match template `labels`',
      },
    ]);
    expect(invalidError(d, causes).toStatus()).toMatchObject({
      code: 422,
      reason: 'Invalid',
      details: { name: 'web', group: 'apps', kind: 'Deployment' },
    });
  });

  it('requires a Deployment selector and refuses to change it', () => {
    expect(validateObject(deployment(undefined, { app: 'web' }))).toContainEqual({
      reason: 'FieldValueRequired',
      field: 'spec.selector',
      message: 'Required value',
    });
    const old = deployment({ matchLabels: { app: 'web' } }, { app: 'web', v: '2' });
    const changed = deployment({ matchLabels: { app: 'web', v: '2' } }, { app: 'web', v: '2' });
    expect(validateObject(changed, old)).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.selector',
        message:
          'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
      },
    ]);
  });

  it('only lets a Pod update change images and a few other fields', () => {
    const old = pod({ containers: [{ name: 'web', image: 'nginx' }] });
    const image = JSON.parse(JSON.stringify(old)) as KubeObject & { spec: { containers: { image: string }[] } };
    image.spec.containers[0]!.image = 'nginx:1.27';
    expect(validateObject(image, old)).toEqual([]);
    const privileged = pod({ containers: [{ name: 'web', image: 'nginx', securityContext: { privileged: true } }] });
    expect(validateObject(privileged, old)[0]).toMatchObject({ field: 'spec', reason: 'FieldValueForbidden' });
  });

  it('validates Service type, ports and nodePort use', () => {
    const svc = (spec: Record<string, unknown>): KubeObject =>
      applyDefaults({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec });
    expect(validateObject(svc({ ports: [{ port: 80 }] }))).toEqual([]);
    expect(validateObject(svc({}))).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' },
    ]);
    expect(validateObject(svc({ type: 'Public', ports: [{ port: 80 }] }))[0]?.message).toBe(
      'Unsupported value: "Public": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    );
    expect(validateObject(svc({ ports: [{ port: 80, nodePort: 30080 }] }))[0]).toEqual({
      reason: 'FieldValueForbidden',
      field: 'spec.ports[0].nodePort',
      message: "Forbidden: may not be used when `type` is 'ClusterIP'",
    });
    const name = validateObject(svc({ ports: [{ port: 80 }] }));
    expect(name).toEqual([]);
    expect(
      validateObject(
        applyDefaults({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: '1web' },
          spec: { ports: [{ port: 80 }] },
        }),
      )[0]?.message,
    ).toContain('a DNS-1035 label must consist of lower case alphanumeric characters');
  });

  it('requires verbs, api groups and resources in Role rules', () => {
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r', namespace: 'dev' },
      rules: [{ resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }],
    };
    expect(validateObject(role).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[1].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
    ]);
  });

  it('refuses to change a RoleBinding roleRef', () => {
    const rb = (name: string): KubeObject =>
      applyDefaults({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'rb', namespace: 'dev' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'User', name: 'alice' }],
      });
    expect(validateObject(rb('view'))).toEqual([]);
    expect(validateObject(rb('admin'), rb('view'))).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'roleRef',
        message:
          'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"admin"}: cannot change roleRef',
      },
    ]);
  });

  it('requires a name or generateName', () => {
    expect(validateObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })).toEqual([
      {
        reason: 'FieldValueRequired',
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
      },
    ]);
  });

  it('checks NetworkPolicy policy types and CIDRs', () => {
    const np = applyDefaults({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np' },
      spec: { podSelector: {}, policyTypes: ['Inbound'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] },
    });
    expect(validateObject(np).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.policyTypes[0]: Unsupported value: "Inbound": supported values: "Ingress", "Egress"',
      'spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
  });
});

describe('validateObject on security contexts', () => {
  it('checks seccomp profile types and localhost profiles', () => {
    const causes = validateObject(
      pod({
        securityContext: { seccompProfile: { type: 'Strict' }, runAsUser: -1 },
        containers: [{ name: 'web', image: 'nginx', securityContext: { seccompProfile: { type: 'Localhost' } } }],
      }),
    );
    expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.containers[0].securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost',
      'spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive',
      'spec.securityContext.seccompProfile.type: Unsupported value: "Strict": supported values: "Localhost", "RuntimeDefault", "Unconfined"',
    ]);
  });

  it('refuses privileged with allowPrivilegeEscalation false', () => {
    const [cause] = validateObject(
      pod({
        containers: [
          { name: 'web', image: 'nginx', securityContext: { privileged: true, allowPrivilegeEscalation: false } },
        ],
      }),
    );
    expect(cause?.field).toBe('spec.containers[0].securityContext');
    expect(cause?.message).toContain('cannot set `allowPrivilegeEscalation` to false and `privileged` to true');
  });
});

describe('annotation size', () => {
  it('refuses annotations over 256 KiB in total with upstream’s text', () => {
    const big = applyDefaults({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'default', annotations: { a: 'x'.repeat(200_000), b: 'y'.repeat(70_000) } },
    });
    expect(invalidError(big, validateObject(big)).message).toBe(
      'ConfigMap "c" is invalid: metadata.annotations: Too long: must have at most 262144 bytes',
    );
    const fits = applyDefaults({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'default', annotations: { a: 'x'.repeat(200_000) } },
    });
    expect(validateObject(fits)).toEqual([]);
  });
});
