import { describe, expect, it } from 'vitest';
import { rfc3339 } from './meta.ts';
import { R } from './resources.ts';
import { ROOT_CA_CONFIGMAP } from './service-account.ts';
import { deployment, harness, namespace, threeNodes } from './testing/harness.ts';
import type { NamespaceObject } from './types.ts';

describe('namespace and service account controllers', () => {
  it('gives every namespace a default ServiceAccount and kube-root-ca.crt', () => {
    const h = harness();
    h.create(R.namespaces, namespace('team-a'));
    h.settle();
    expect(h.store.get(R.serviceaccounts, 'team-a', 'default')).toMatchObject({ kind: 'ServiceAccount' });
    const cm = h.store.get(R.configmaps, 'team-a', ROOT_CA_CONFIGMAP)!;
    expect((cm.data as Record<string, string>)['ca.crt']).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/,
    );
    expect(cm.metadata.annotations?.['kubernetes.io/description']).toMatch(/^Contains a CA bundle/);
    h.store.delete(R.serviceaccounts, 'team-a', 'default');
    h.settle();
    expect(h.store.get(R.serviceaccounts, 'team-a', 'default')).toBeDefined();
  });

  it('empties a terminating namespace, then removes its finalizer and the namespace', () => {
    const h = harness();
    h.create(R.namespaces, namespace('team-a'));
    threeNodes(h.store);
    const d = deployment('web', 2);
    d.metadata.namespace = 'team-a';
    h.create(R.deployments, d);
    h.settle();
    expect(h.store.list(R.pods, 'team-a')).toHaveLength(2);
    // A held object keeps the namespace Terminating until its finalizer goes.
    h.create(R.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'held', namespace: 'team-a', finalizers: ['example.com/hold'] },
    });
    const ns = h.store.get(R.namespaces, undefined, 'team-a') as NamespaceObject;
    ns.metadata.deletionTimestamp = rfc3339(h.clock.now());
    h.store.update(R.namespaces, ns);
    h.settle();
    const terminating = h.store.get(R.namespaces, undefined, 'team-a') as NamespaceObject;
    expect(terminating.status?.phase).toBe('Terminating');
    expect(terminating.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'],
      [
        'NamespaceDeletionGroupVersionParsingFailure',
        'False',
        'ParsedGroupVersions',
        'All legacy kube types successfully parsed',
      ],
      [
        'NamespaceDeletionContentFailure',
        'False',
        'ContentDeleted',
        'All content successfully deleted, may be waiting on finalization',
      ],
      [
        'NamespaceContentRemaining',
        'True',
        'SomeResourcesRemain',
        'Some resources are remaining: secrets. has 1 resource instances',
      ],
      [
        'NamespaceFinalizersRemaining',
        'True',
        'SomeFinalizersRemain',
        'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
      ],
    ]);
    expect(h.store.list(R.pods, 'team-a')).toHaveLength(0);
    expect(h.store.list(R.serviceaccounts, 'team-a')).toHaveLength(0);
    const secret = h.store.get(R.secrets, 'team-a', 'held')!;
    delete secret.metadata.finalizers;
    h.store.update(R.secrets, secret);
    // Its last finalizer gone, the update removes the terminating Secret, as the registry does.
    expect(h.store.get(R.secrets, 'team-a', 'held')).toBeUndefined();
    h.settle();
    expect(h.store.get(R.namespaces, undefined, 'team-a')).toBeUndefined();
  });
});
