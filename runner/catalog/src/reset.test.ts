import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type LoadedScenario, loadScenario } from './load.ts';
import { clusterReuse, resetDeletions } from './reset.ts';

const root = fileURLToPath(new URL('../../../scenarios', import.meta.url));
const load = (id: string) => loadScenario(join(root, id)).scenario!;

const withSetup = (base: LoadedScenario, extra: LoadedScenario['setup']): LoadedScenario => ({
  ...base,
  setup: [...base.setup, ...extra],
});

describe('whether a cluster can be reset between the cases of a scenario', () => {
  it("is sound when everything lives in the scenario's own namespaces or is a cluster-scoped object it names", () => {
    expect(clusterReuse(load('missing-networkpolicy'))).toEqual({ sound: true });
    expect(resetDeletions(load('missing-networkpolicy'))).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', name: 'sandbox' },
      { apiVersion: 'v1', kind: 'Namespace', name: 'shop' },
    ]);
  });

  it('deletes the cluster-scoped objects of every variant, whichever ran last', () => {
    const deletions = resetDeletions(load('cryptominer-image'));
    expect(deletions).toContainEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      name: 'approved-images-only',
    });
    expect(deletions.at(-1)).toEqual({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' });
  });

  it('is not sound when a pod can change its node, or a variant rewrites the bootstrap RBAC', () => {
    expect(clusterReuse(load('root-container-escape'))).toEqual({
      sound: false,
      reason: "setup's Deployment monitoring/node-monitor runs a pod with hostPID",
    });
    expect(clusterReuse(load('exposed-dashboard'))).toMatchObject({
      sound: false,
      reason: expect.stringMatching(/changes the cluster's own ClusterRole cluster-admin/),
    });
  });

  it("is not sound when anything lands in the cluster's own namespaces, default included", () => {
    const base = load('missing-networkpolicy');
    const cm = (namespace?: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', ...(namespace ? { namespace } : {}) },
    });
    expect(clusterReuse(withSetup(base, [cm('kube-system')]))).toEqual({
      sound: false,
      reason: "setup writes ConfigMap kube-system/x into the cluster's own namespace kube-system",
    });
    expect(clusterReuse(withSetup(base, [cm()]))).toMatchObject({ sound: false });
    const privileged = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'shop' },
      spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] },
    };
    expect(clusterReuse(withSetup(base, [privileged]))).toEqual({
      sound: false,
      reason: "setup's Pod shop/p runs a pod with a privileged container",
    });
  });
});
