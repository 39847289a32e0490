import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { StatusError } from '@paranoid/k8s/status.ts';
import { describe, expect, it } from 'vitest';
import { serverSideApply, updateManagedFields } from './server-side-apply.ts';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';

const deployment = (replicas: number, extra: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web', ...extra } },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
    },
  },
});

describe('serverSideApply', () => {
  it('creates the object and records an Apply entry in FieldsV1', () => {
    const { object } = serverSideApply({ applied: deployment(2), manager: 'kubectl', force: false, now: T0 });
    expect(object.metadata.name).toBe('web');
    expect(object.metadata.managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
  });

  it('reports a conflict with a client-side apply manager like the apiserver', () => {
    const live = updateManagedFields(undefined, deployment(1), 'kubectl-client-side-apply', 'Update', T0);
    try {
      serverSideApply({ live, applied: deployment(3), manager: 'kubectl', force: false, now: T1 });
      expect.unreachable();
    } catch (e) {
      const s = (e as StatusError).toStatus();
      expect(s.code).toBe(409);
      expect(s.reason).toBe('Conflict');
      expect(s.message).toBe(
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      );
      expect(s.details?.causes).toEqual([
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "kubectl-client-side-apply" using apps/v1',
          field: '.spec.replicas',
        },
      ]);
    }
  });

  it('lists several conflicts per manager', () => {
    const live = updateManagedFields(undefined, deployment(1), 'kubectl-edit', 'Update', T0);
    const applied = deployment(3);
    (applied.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image =
      'nginx:1.28';
    expect(() => serverSideApply({ live, applied, manager: 'kubectl', force: false, now: T1 })).toThrow(
      'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it('shares fields applied with the same value, without conflict', () => {
    const live = updateManagedFields(undefined, deployment(1), 'kubectl-client-side-apply', 'Update', T0);
    const { object } = serverSideApply({ live, applied: deployment(1), manager: 'kubectl', force: false, now: T1 });
    expect(object.metadata.managedFields?.map((m) => m.manager)).toEqual(['kubectl', 'kubectl-client-side-apply']);
  });

  it('takes conflicting fields over with force', () => {
    const live = updateManagedFields(undefined, deployment(1), 'kubectl-client-side-apply', 'Update', T0);
    const { object } = serverSideApply({ live, applied: deployment(3), manager: 'kubectl', force: true, now: T1 });
    expect((object.spec as { replicas: number }).replicas).toBe(3);
    const csa = object.metadata.managedFields?.find((m) => m.manager === 'kubectl-client-side-apply');
    const fields = csa?.fieldsV1 as Record<string, Record<string, unknown>>;
    expect(fields['f:spec']).not.toHaveProperty('f:replicas');
  });

  it('removes a field the manager stops applying when nobody else owns it', () => {
    const first = serverSideApply({
      applied: deployment(1, { tier: 'web' }),
      manager: 'kubectl',
      force: false,
      now: T0,
    });
    const { object } = serverSideApply({
      live: first.object,
      applied: deployment(1),
      manager: 'kubectl',
      force: false,
      now: T1,
    });
    expect(object.metadata.labels).toEqual({ app: 'web' });
  });

  it('keeps a dropped field that another manager also owns', () => {
    const first = serverSideApply({
      applied: deployment(1, { tier: 'web' }),
      manager: 'kubectl',
      force: false,
      now: T0,
    });
    const other = serverSideApply({
      live: first.object,
      applied: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { tier: 'web' } } },
      manager: 'other',
      force: false,
      now: T0,
    });
    const { object } = serverSideApply({
      live: other.object,
      applied: deployment(1),
      manager: 'kubectl',
      force: false,
      now: T1,
    });
    expect(object.metadata.labels).toEqual({ app: 'web', tier: 'web' });
  });

  it('refuses an applied configuration that carries managedFields', () => {
    const applied = deployment(1);
    applied.metadata.managedFields = [];
    expect(() => serverSideApply({ applied, manager: 'kubectl', force: false, now: T0 })).toThrow(
      'metadata.managedFields must be nil',
    );
  });
});

describe('updateManagedFields', () => {
  it('gives the creating manager every field, with "." on new maps and list items', () => {
    const out = updateManagedFields(undefined, deployment(1), 'kubectl-create', 'Update', T0);
    expect(out.metadata.managedFields).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
  });

  it('moves a changed field from its previous owner to the writer', () => {
    const created = updateManagedFields(undefined, deployment(1), 'kubectl-create', 'Update', T0);
    const scaled = updateManagedFields(
      created,
      { ...created, spec: { ...(created.spec as object), replicas: 4 } },
      'kubectl-scale',
      'Update',
      T1,
    );
    const byName = Object.fromEntries((scaled.metadata.managedFields ?? []).map((m) => [m.manager, m.fieldsV1]));
    expect(byName['kubectl-scale']).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect((byName['kubectl-create'] as Record<string, object>)['f:spec']).not.toHaveProperty('f:replicas');
  });
});

describe('serverSideApply on the main resource', () => {
  it('ignores an applied status', () => {
    const applied = { ...deployment(1), status: { replicas: 9 } };
    const { object } = serverSideApply({ applied, manager: 'kubectl', force: false, now: T0 });
    expect(object).not.toHaveProperty('status');
  });
});

describe('serverSideApply with defaulted list keys', () => {
  it('matches an applied port without protocol to the stored TCP port', () => {
    const pod = (image: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image, ports: [{ containerPort: 80 }] }] },
    });
    const first = serverSideApply({ applied: pod('nginx:1.27'), manager: 'kubectl', force: false, now: T0 });
    const stored = JSON.parse(JSON.stringify(first.object)) as KubeObject & {
      spec: { containers: { ports: { protocol?: string }[] }[] };
    };
    stored.spec.containers[0]!.ports[0]!.protocol = 'TCP';
    const { object } = serverSideApply({
      live: stored,
      applied: pod('nginx:1.28'),
      manager: 'kubectl',
      force: false,
      now: T1,
    });
    expect((object.spec as { containers: { ports: unknown[] }[] }).containers[0]!.ports).toEqual([
      { containerPort: 80, protocol: 'TCP' },
    ]);
    const fields = object.metadata.managedFields?.[0]?.fieldsV1 as Record<
      string,
      Record<string, Record<string, Record<string, Record<string, unknown>>>>
    >;
    expect(Object.keys(fields['f:spec']!['f:containers']!['k:{"name":"c"}']!['f:ports']!)).toEqual([
      'k:{"containerPort":80,"protocol":"TCP"}',
    ]);
  });
});

describe('serverSideApply of unknown fields', () => {
  it('refuses them whatever the field validation, with structured paths', () => {
    const applied: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'nginx', imagePullPolice: 'Always' }] },
    };
    expect(() => serverSideApply({ applied, manager: 'kubectl', force: false, now: T0 })).toThrow(
      'failed to create typed patch object (default/p; /v1, Kind=Pod): .spec.containers[name="c"].imagePullPolice: field not declared in schema',
    );
  });
});
