import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { ResourceDef, SubresourceDef } from '../resources.ts';

type Any = Record<string, unknown>;
const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The resources a CustomResourceDefinition serves: one per served version. */
export function customResourceDefs(crd: KubeObject): ResourceDef[] {
  const spec = (crd.spec as Any) ?? {};
  const names = (spec.names as Any) ?? {};
  const group = String(spec.group ?? '');
  const kind = String(names.kind ?? '');
  const plural = String(names.plural ?? '');
  if (!group || !kind || !plural || crd.metadata.deletionTimestamp) return [];
  const out: ResourceDef[] = [];
  for (const v of (spec.versions as Any[]) ?? []) {
    if (v.served === false) continue;
    const sub = (v.subresources as Any) ?? {};
    const subresources: SubresourceDef[] = [];
    if (sub.scale) {
      subresources.push({
        name: 'scale',
        kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        verbs: ['get', 'patch', 'update'],
      });
    }
    if (sub.status) subresources.push({ name: 'status', verbs: ['get', 'patch', 'update'] });
    const columns = (v.additionalPrinterColumns as ResourceDef['printerColumns']) ?? undefined;
    out.push({
      group,
      version: String(v.name),
      kind,
      resource: plural,
      singular: String(names.singular ?? kind.toLowerCase()),
      namespaced: spec.scope !== 'Cluster',
      verbs: CRUD,
      ...(Array.isArray(names.shortNames) ? { shortNames: names.shortNames as string[] } : {}),
      ...(Array.isArray(names.categories) ? { categories: names.categories as string[] } : {}),
      ...(subresources.length ? { subresources } : {}),
      custom: true,
      ...(columns ? { printerColumns: columns } : {}),
    });
  }
  return out;
}

/** The status the apiextensions controllers give an accepted CRD. */
export function establishedStatus(crd: KubeObject, now: string): Record<string, unknown> {
  const spec = (crd.spec as Any) ?? {};
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    acceptedNames: spec.names ?? {},
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    storedVersions: ((spec.versions as Any[]) ?? []).filter((v) => v.storage).map((v) => String(v.name)),
  };
}
