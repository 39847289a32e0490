import { describe, expect, it } from 'vitest';
import { podSecurityAdmission } from '../admission/pod-security.ts';
import { bootstrapCluster } from '../bootstrap/index.ts';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createCluster } from '../cluster.ts';
import { apiCreator, startControllers } from './index.ts';
import { R } from './resources.ts';
import type { DeploymentObject } from './types.ts';

/** The wiring the cluster is expected to use: bootstrap, then controllers creating through the API. */
function cluster() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const ids = new SequentialIds();
  const c = createCluster({
    clock,
    ids,
    admission: [podSecurityAdmission],
    onStart: [
      (s) => {
        bootstrapCluster(s);
        return startControllers({ ...s, createThroughApi: apiCreator(s) });
      },
    ],
  });
  clock.advance(0);
  return { c, clock };
}

describe('controllers wired into createCluster', () => {
  it('creates pods through admission and reports PodSecurity denials as FailedCreate', () => {
    const { c, clock } = cluster();
    const post = (path: string, body: unknown) => c.callApi(c.adminToken, 'POST', path, body);
    expect(
      post('/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
      }).status,
    ).toBe(201);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
      },
    };
    expect(post('/apis/apps/v1/namespaces/locked/deployments', deployment).status).toBe(201);
    expect(post('/apis/apps/v1/namespaces/default/deployments', deployment).status).toBe(201);
    clock.advance(0);
    expect(c.store.list(R.pods, 'locked')).toHaveLength(0);
    const failed = c.store.list(R.events, 'locked').find((e) => e.reason === 'FailedCreate');
    expect(failed?.message).toMatch(/^Error creating: pods .*is forbidden: violates PodSecurity "restricted:latest"/);
    const pods = c.store.list(R.pods, 'default');
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => (p.spec as { nodeName?: string }).nodeName)).toBe(true);
    const d = c.store.get(R.deployments, 'default', 'web') as DeploymentObject;
    expect(d.status?.replicas).toBe(2);
    c.stop();
  });
});
