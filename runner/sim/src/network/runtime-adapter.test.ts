import type { GroupResource, KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../store.ts';
import { createPolicyNetworkPort } from './runtime-adapter.ts';
import { defaultDeny, shop } from './testing/fixtures.ts';
import type { NetworkObjects } from './types.ts';

/** A read-only store over fixture objects: all the adapter needs. */
function storeOf(objects: NetworkObjects): ObjectStore {
  const byResource: Record<string, unknown[] | undefined> = {
    namespaces: objects.namespaces,
    pods: objects.pods,
    services: objects.services,
    networkpolicies: objects.networkPolicies,
    nodes: objects.nodes,
  };
  const unsupported = () => {
    throw new Error('read-only');
  };
  return {
    get: () => undefined,
    list: (r: GroupResource) => (byResource[r.resource] ?? []) as KubeObject[],
    create: unsupported,
    update: unsupported,
    delete: unsupported,
    resourceVersion: () => '1',
    subscribe: () => () => {},
  };
}

describe('the runtime adapter', () => {
  it('resolves fully qualified names and reports NXDOMAIN as undefined', () => {
    const port = createPolicyNetworkPort(storeOf(shop()));
    const from = { kind: 'pod' as const, namespace: 'shop', name: 'api' };
    expect(port.resolve('db.shop.svc.cluster.local', from)).toEqual(['10.96.10.1']);
    expect(port.resolve('db', from)).toBeUndefined();
  });

  it('hands the runtime the pod a Service translates to, leaving listening to it', () => {
    const port = createPolicyNetworkPort(storeOf(shop()));
    const c = port.connect({ kind: 'pod', namespace: 'shop', name: 'intruder' }, '10.96.10.1', 6379);
    expect(c.verdict.allowed).toBe(true);
    expect(c.target?.kind === 'pod' && c.target.pod.metadata?.name).toBe('db');
    expect(c.port).toBe(6379);
    // Nothing declares port 1 on db, but the runtime decides listening.
    expect(port.connect({ kind: 'pod', namespace: 'shop', name: 'intruder' }, '10.244.1.12', 1).verdict.allowed).toBe(
      true,
    );
  });

  it('reports a policy drop with its cause and message', () => {
    const port = createPolicyNetworkPort(storeOf(shop({ networkPolicies: [defaultDeny('shop')] })));
    const c = port.connect({ kind: 'pod', namespace: 'shop', name: 'intruder' }, '10.244.1.12', 6379);
    expect(c.verdict).toMatchObject({ allowed: false, cause: 'egress-denied' });
  });

  it('also gives the full answers: a DNS timeout under default-deny, a refused port', () => {
    const port = createPolicyNetworkPort(storeOf(shop({ networkPolicies: [defaultDeny('shop')] })));
    const r = port.lookup('db', { namespace: 'shop', pod: 'api' });
    expect('error' in r && r.error).toBe('TIMEOUT');
    const open = createPolicyNetworkPort(storeOf(shop())).open(
      { kind: 'pod', namespace: 'shop', name: 'api' },
      { ip: '10.244.1.12', port: 1 },
    );
    expect(open.outcome).toBe('refused');
  });

  it('maps the kubernetes Service to the apiserver', () => {
    const port = createPolicyNetworkPort(storeOf(shop()));
    expect(port.connect({ kind: 'pod', namespace: 'shop', name: 'api' }, '10.96.0.1', 443)).toMatchObject({
      target: { kind: 'apiserver' },
      port: 6443,
    });
  });

  it('reads the store once per revision and sees a new policy as soon as the revision moves', () => {
    const objects = shop();
    let revision = 1;
    let lists = 0;
    const base = storeOf(objects);
    const store: ObjectStore = {
      ...base,
      list: (r, ns) => {
        lists++;
        return base.list(r, ns);
      },
      resourceVersion: () => String(revision),
    };
    const port = createPolicyNetworkPort(store);
    const from = { kind: 'pod' as const, namespace: 'shop', name: 'intruder' };
    expect(port.connect(from, '10.244.1.12', 6379).verdict.allowed).toBe(true);
    const afterFirst = lists;
    expect(port.connect(from, '10.244.1.12', 6379).verdict.allowed).toBe(true);
    expect(port.resolve('db.shop.svc.cluster.local', from)).toEqual(['10.96.10.1']);
    expect(lists).toBe(afterFirst);
    objects.networkPolicies!.push(defaultDeny('shop'));
    revision++;
    expect(port.connect(from, '10.244.1.12', 6379).verdict).toMatchObject({ allowed: false, cause: 'egress-denied' });
  });
});
