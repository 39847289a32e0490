/**
 * The in-process transport: objects go straight to the admission plugins over the
 * simulator's memory store, with no HTTP. It proves the policy code; the HTTP
 * transport (support-http.ts) proves the wiring.
 */

import type { KubeObject } from '@paranoid/k8s/object.ts';
import { podSecurityAdmission } from '@paranoid/sim/admission/pod-security.ts';
import type { AdmissionPlugin, AdmissionRequest } from '@paranoid/sim/admission/types.ts';
import { ManualClock, SequentialIds } from '@paranoid/sim/clock.ts';
import { aggregateClusterRoles } from '@paranoid/sim/rbac/aggregation.ts';
import { authorize } from '@paranoid/sim/rbac/authorizer.ts';
import { bootstrapRbacObjects } from '@paranoid/sim/rbac/bootstrap.ts';
import { createMemoryStore } from '@paranoid/sim/store/memory-store.ts';
import type { PsaTransport, Submission } from './support-psa.ts';
import type { RbacTransport } from './support-rbac.ts';

const RESOURCES: Record<string, { group: string; version: string; resource: string }> = {
  Pod: { group: '', version: 'v1', resource: 'pods' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
};

export function pureTransport(plugins: AdmissionPlugin[] = [podSecurityAdmission]): PsaTransport {
  const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
  let n = 0;
  return {
    async submit(labels, object): Promise<Submission> {
      const namespace = `psa-${n++}`;
      store.create(
        { group: '', resource: 'namespaces' },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
      );
      const kind = object.kind as string;
      const r = RESOURCES[kind]!;
      const obj = structuredClone(object) as unknown as KubeObject;
      obj.metadata.namespace = namespace;
      const request: AdmissionRequest = {
        operation: 'CREATE',
        resource: r,
        subresource: '',
        kind: { group: r.group, version: r.version, kind },
        namespace,
        name: obj.metadata.name ?? '',
        object: obj,
        userInfo: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
        dryRun: true,
      };
      const warnings: string[] = [];
      for (const plugin of plugins) {
        const result = plugin.validate?.(request, store);
        if (!result) continue;
        warnings.push(...result.warnings);
        if (result.denied) return { allowed: false, ...result.denied, warnings };
      }
      store.delete({ group: '', resource: 'namespaces' }, undefined, namespace);
      return { allowed: true, warnings };
    },
  };
}

const GROUP_RESOURCE: Record<string, { group: string; resource: string }> = {
  Namespace: { group: '', resource: 'namespaces' },
  Role: { group: 'rbac.authorization.k8s.io', resource: 'roles' },
  ClusterRole: { group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  RoleBinding: { group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
  ClusterRoleBinding: { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
};

/** RBAC in-process: a memory store seeded like a fresh cluster, asked through `authorize`. */
export function pureRbacTransport(): RbacTransport {
  const store = createMemoryStore({ clock: new ManualClock(), ids: new SequentialIds() });
  for (const obj of bootstrapRbacObjects()) {
    const ns = obj.metadata.namespace;
    if (ns && !store.get(GROUP_RESOURCE.Namespace!, undefined, ns)) {
      store.create(GROUP_RESOURCE.Namespace!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    store.create(GROUP_RESOURCE[obj.kind]!, obj);
  }
  aggregateClusterRoles(store);
  return {
    async apply(objects) {
      for (const obj of objects) {
        const r = GROUP_RESOURCE[obj.kind]!;
        if (obj.kind === 'Namespace' && store.get(r, undefined, obj.metadata.name ?? '')) continue;
        store.create(r, obj);
      }
      aggregateClusterRoles(store);
    },
    async review(attrs) {
      return authorize(attrs, store);
    },
  };
}
