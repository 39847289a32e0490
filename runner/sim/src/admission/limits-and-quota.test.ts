import type { KubeObject } from '@paranoid/k8s/object.ts';
import { canonical, formatMilli, milli } from '@paranoid/k8s/quantity.ts';
import { describe, expect, it } from 'vitest';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createMemoryStore } from '../store/memory-store.ts';
import { limitRanger } from './limit-ranger.ts';
import { checkQuota, resourceQuotaStatus, syncQuotaStatus } from './resource-quota.ts';
import type { AdmissionRequest } from './types.ts';

const PODS = { group: '', resource: 'pods' };
const QUOTAS = { group: '', resource: 'resourcequotas' };

function store() {
  const s = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
  s.create({ group: '', resource: 'namespaces' }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
  return s;
}

const pod = (name: string, resources?: Record<string, Record<string, string>>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'dev' },
  spec: { containers: [{ name: 'app', image: 'nginx', ...(resources ? { resources } : {}) }] },
});

const create = (object: KubeObject): AdmissionRequest => ({
  operation: 'CREATE',
  resource: { group: '', version: 'v1', resource: 'pods' },
  subresource: '',
  kind: { group: '', version: 'v1', kind: 'Pod' },
  namespace: 'dev',
  name: object.metadata.name ?? '',
  object,
  userInfo: { username: 'alice', groups: [] },
  dryRun: false,
});

describe('quantities', () => {
  it('parses and prints the Kubernetes forms', () => {
    expect(milli('500m')).toBe(500n);
    expect(milli('1.5')).toBe(1500n);
    expect(milli('1Gi')).toBe(1073741824000n);
    expect(milli('1e3')).toBe(1000000n);
    expect(formatMilli(1500n, false)).toBe('1500m');
    expect(formatMilli(2000n, false)).toBe('2');
    expect(formatMilli(1073741824000n * 3n, true)).toBe('3Gi');
    expect(canonical('1000m')).toBe('1');
    expect(canonical('512Mi')).toBe('512Mi');
  });
});

describe('limitRanger', () => {
  const withLimitRange = (limits: unknown[]) => {
    const s = store();
    s.create(
      { group: '', resource: 'limitranges' },
      { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'dev' }, spec: { limits } },
    );
    return s;
  };

  it('fills missing requests and limits from the defaults and says so in an annotation', () => {
    const s = withLimitRange([
      { type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } },
    ]);
    const out = limitRanger.mutate!(create(pod('web', { limits: { memory: '1Gi' } })), s)!;
    const c = (out.spec as { containers: { resources: unknown }[] }).containers[0]!;
    expect(c.resources).toEqual({ limits: { memory: '1Gi', cpu: '500m' }, requests: { cpu: '100m', memory: '256Mi' } });
    expect(out.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: cpu, memory request for container app; cpu limit for container app',
    );
  });

  it('rejects a container over the max with the upstream message', () => {
    const s = withLimitRange([{ type: 'Container', max: { cpu: '1' } }]);
    const r = limitRanger.validate!(create(pod('web', { limits: { cpu: '2' }, requests: { cpu: '2' } })), s);
    expect(r.denied).toEqual({
      code: 403,
      reason: 'Forbidden',
      message: 'pods "web" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    });
    const missing = limitRanger.validate!(create(pod('web')), s);
    expect(missing.denied?.message).toBe(
      'pods "web" is forbidden: maximum cpu usage per Container is 1.  No limit is specified',
    );
  });

  it('lists several violations in brackets', () => {
    const s = withLimitRange([{ type: 'Container', min: { memory: '64Mi' }, maxLimitRequestRatio: { cpu: '2' } }]);
    const r = limitRanger.validate!(
      create(pod('web', { limits: { cpu: '1', memory: '32Mi' }, requests: { cpu: '100m', memory: '32Mi' } })),
      s,
    );
    expect(r.denied?.message).toBe(
      'pods "web" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, cpu max limit to request ratio per Container is 2, but provided ratio is 10.000000]',
    );
  });
});

describe('resource quota', () => {
  const withQuota = (hard: Record<string, string>) => {
    const s = store();
    s.create(QUOTAS, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'compute', namespace: 'dev' },
      spec: { hard },
    });
    return s;
  };

  it('refuses a pod past the pod count', () => {
    const s = withQuota({ pods: '1' });
    expect(checkQuota(create(pod('a')), s).denied).toBeUndefined();
    s.create(PODS, pod('a'));
    expect(checkQuota(create(pod('b')), s).denied?.message).toBe(
      'pods "b" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1',
    );
  });

  it('requires containers to state what a compute quota limits', () => {
    const s = withQuota({ 'requests.cpu': '1', 'limits.memory': '1Gi' });
    expect(checkQuota(create(pod('a')), s).denied?.message).toBe(
      'pods "a" is forbidden: failed quota: compute: must specify limits.memory for: app; requests.cpu for: app',
    );
  });

  it('sums cpu and memory across pods', () => {
    const s = withQuota({ 'requests.cpu': '1', 'requests.memory': '1Gi' });
    s.create(PODS, pod('a', { requests: { cpu: '600m', memory: '512Mi' } }));
    const r = checkQuota(create(pod('b', { requests: { cpu: '600m', memory: '256Mi' } })), s);
    expect(r.denied?.message).toBe(
      'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1',
    );
  });

  it('keeps status.used current', async () => {
    const s = withQuota({ pods: '5', 'requests.cpu': '2' });
    const stop = resourceQuotaStatus({ store: s });
    expect(s.get(QUOTAS, 'dev', 'compute')!.status).toEqual({
      hard: { pods: '5', 'requests.cpu': '2' },
      used: { pods: '0', 'requests.cpu': '0' },
    });
    s.create(PODS, pod('a', { requests: { cpu: '250m' } }));
    await Promise.resolve();
    expect(s.get(QUOTAS, 'dev', 'compute')!.status).toEqual({
      hard: { pods: '5', 'requests.cpu': '2' },
      used: { pods: '1', 'requests.cpu': '250m' },
    });
    stop();
    expect(syncQuotaStatus(s)).toBe(0);
  });
});
