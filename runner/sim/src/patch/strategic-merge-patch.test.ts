import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' };
const POD = { group: '', version: 'v1', kind: 'Pod' };

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'patch-demo', labels: { app: 'nginx' }, finalizers: ['a', 'b'] },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: {
        containers: [{ name: 'patch-demo-ctr', image: 'nginx', env: [{ name: 'A', value: '1' }] }],
        tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
      },
    },
  },
});

// Cases from the Kubernetes docs "Update API Objects in Place Using kubectl patch" and upstream
// strategicpatch/testdata semantics.
describe('applyStrategicMergePatch', () => {
  it('merges containers by name instead of replacing the list', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } },
      DEPLOYMENT,
    );
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['patch-demo-ctr', 'patch-demo-ctr-2']);
  });

  it('merges into the matching container and keeps its other fields', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', image: 'nginx:1.27' }] } } } },
      DEPLOYMENT,
    );
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'patch-demo-ctr', image: 'nginx:1.27', env: [{ name: 'A', value: '1' }] },
    ]);
  });

  it('replaces lists whose strategy is not merge (tolerations)', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } },
      DEPLOYMENT,
    );
    expect(out.spec.template.spec.tolerations).toEqual([{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }]);
  });

  it('drops keys not listed in $retainKeys', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      DEPLOYMENT,
    );
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('deletes a list element with $patch: delete', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr', $patch: 'delete' }] } } } },
      DEPLOYMENT,
    );
    expect(out.spec.template.spec.containers).toEqual([]);
  });

  it('replaces a whole list with a $patch: replace element', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      { spec: { template: { spec: { containers: [{ name: 'x', image: 'busybox' }, { $patch: 'replace' }] } } } },
      DEPLOYMENT,
    );
    expect(out.spec.template.spec.containers).toEqual([{ name: 'x', image: 'busybox' }]);
  });

  it('replaces a map with $patch: replace', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      { metadata: { labels: { tier: 'web', $patch: 'replace' } } },
      DEPLOYMENT,
    );
    expect(out.metadata.labels).toEqual({ tier: 'web' });
  });

  it('deletes a field set to null', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      { spec: { replicas: null }, metadata: { labels: { app: null } } },
      DEPLOYMENT,
    );
    expect(out.spec).not.toHaveProperty('replicas');
    expect(out.metadata.labels).toEqual({});
  });

  it('merges primitive lists with merge strategy as sets (finalizers)', () => {
    const out = applyStrategicMergePatch(deployment(), { metadata: { finalizers: ['b', 'c'] } }, DEPLOYMENT);
    expect(out.metadata.finalizers).toEqual(['a', 'b', 'c']);
  });

  it('removes primitives listed in $deleteFromPrimitiveList', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      DEPLOYMENT,
    );
    expect(out.metadata.finalizers).toEqual(['b']);
  });

  it('orders a merged list by $setElementOrder, as kubectl apply sends it', () => {
    const live = deployment();
    live.spec.template.spec.containers.push({ name: 'b', image: 'b', env: [] });
    const out = applyStrategicMergePatch(
      live,
      {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'c' }, { name: 'b' }, { name: 'patch-demo-ctr' }],
              containers: [{ name: 'c', image: 'c' }],
            },
          },
        },
      },
      DEPLOYMENT,
    );
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['c', 'b', 'patch-demo-ctr']);
  });

  it('merges container ports by containerPort and env by name', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }],
      },
    };
    const out = applyStrategicMergePatch(
      pod,
      { spec: { containers: [{ name: 'c', ports: [{ containerPort: 443 }], env: [{ name: 'A', value: '2' }] }] } },
      POD,
    );
    expect(out.spec.containers[0]).toEqual({
      name: 'c',
      image: 'i',
      ports: [{ containerPort: 80 }, { containerPort: 443 }],
      env: [{ name: 'A', value: '2' }],
    });
  });

  it('rejects a merge-list element without its merge key', () => {
    expect(() =>
      applyStrategicMergePatch(
        deployment(),
        { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
        DEPLOYMENT,
      ),
    ).toThrow('map: map[image:x] does not contain declared merge key: name');
  });

  it('refuses kinds without a schema with 415, as for custom resources', () => {
    expect(() => applyStrategicMergePatch({}, {}, { group: 'example.com', version: 'v1', kind: 'Widget' })).toThrow(
      /unknown format/,
    );
  });

  it('does not change its inputs', () => {
    const live = deployment();
    const before = JSON.stringify(live);
    applyStrategicMergePatch(live, { spec: { replicas: 5 } }, DEPLOYMENT);
    expect(JSON.stringify(live)).toBe(before);
  });
});

// Ordering cases from upstream strategicpatch's patch tests (ThreeWay applied to Current gives Result).
describe('applyStrategicMergePatch ordering', () => {
  const pod = (containers: { name: string; image?: string }[]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers },
  });
  const names = (o: { spec: { containers: { name: string }[] } }) => o.spec.containers.map((c) => c.name);

  it('puts a patched element before a server-only one the live list did not order against it', () => {
    // "nested patch merge with empty list"
    const out = applyStrategicMergePatch(
      pod([{ name: 'hello2' }]),
      {
        spec: {
          '$setElementOrder/containers': [{ name: 'hello' }, { name: 'doesntexist' }],
          containers: [{ name: 'hello' }],
        },
      },
      { group: '', version: 'v1', kind: 'Pod' },
    );
    expect(names(out)).toEqual(['hello', 'hello2']);
  });

  it('adds an item and preserves the requested order', () => {
    // "add an item in a list and preserve order"
    const out = applyStrategicMergePatch(
      pod([{ name: '1' }, { name: '2', image: '2' }]),
      {
        spec: {
          '$setElementOrder/containers': [{ name: '3' }, { name: '1' }, { name: '2' }],
          containers: [{ name: '3', image: '3' }],
        },
      },
      { group: '', version: 'v1', kind: 'Pod' },
    );
    expect(names(out)).toEqual(['3', '1', '2']);
  });

  it('slots a server-only element before the first listed element it preceded live', () => {
    const out = applyStrategicMergePatch(
      pod([{ name: 'a' }, { name: 'server' }, { name: 'b' }]),
      { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } },
      { group: '', version: 'v1', kind: 'Pod' },
    );
    expect(names(out)).toEqual(['server', 'b', 'a']);
  });

  it('orders primitive lists and deletes from them in one patch', () => {
    // "delete items in lists of scalars" on a merge-strategy primitive list (finalizers)
    const out = applyStrategicMergePatch(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', finalizers: ['1', '2', '3'] } },
      { metadata: { '$setElementOrder/finalizers': ['2', '1'], '$deleteFromPrimitiveList/finalizers': ['3'] } },
      { group: '', version: 'v1', kind: 'Pod' },
    );
    expect(out.metadata.finalizers).toEqual(['2', '1']);
  });
});
