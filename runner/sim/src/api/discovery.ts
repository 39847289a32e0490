import type { ResourceDef } from '../resources.ts';

/** What `/version` answers: kubectl's dispatcher picks the client by `minor`, so it must say 1.32. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** The Accept type of aggregated discovery, which kubectl asks for first. */
export const AGGREGATED_DISCOVERY_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Groups in discovery order, each with its versions (preferred first). */
export function groupsOf(resources: readonly ResourceDef[]): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const r of resources) {
    if (r.group === '') continue;
    let g = out.find((x) => x.group === r.group);
    if (!g) {
      g = { group: r.group, versions: [] };
      out.push(g);
    }
    if (!g.versions.includes(r.version)) g.versions.push(r.version);
  }
  return out;
}

/** Legacy `/api`: APIVersions. */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** Legacy `/apis`: APIGroupList. */
export function apiGroupList(resources: readonly ResourceDef[]): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupsOf(resources).map(apiGroup),
  };
}

/** Legacy `/apis/<group>`: APIGroup. */
export function apiGroup({ group, versions }: { group: string; versions: string[] }): Record<string, unknown> {
  const gv = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: gv, preferredVersion: gv[0] };
}

/** Legacy `/api/v1` and `/apis/<g>/<v>`: APIResourceList. */
export function apiResourceList(
  resources: readonly ResourceDef[],
  group: string,
  version: string,
): Record<string, unknown> {
  const list: Record<string, unknown>[] = [];
  for (const r of resources.filter((x) => x.group === group && x.version === version)) {
    list.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources ?? []) {
      list.push({
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.kind && s.kind.group !== group ? { group: s.kind.group, version: s.kind.version } : {}),
        kind: s.kind?.kind ?? r.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    ...(group === '' ? {} : { apiVersion: 'v1' }),
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: list,
  };
}

function discoveryResource(r: ResourceDef): Record<string, unknown> {
  return {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames ? { shortNames: r.shortNames } : {}),
    ...(r.categories ? { categories: r.categories } : {}),
    ...(r.subresources
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: s.kind ?? { group: r.group, version: r.version, kind: r.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/** Aggregated discovery (apidiscovery.k8s.io/v2) for `/api` (legacy) or `/apis`. */
export function aggregatedDiscovery(resources: readonly ResourceDef[], legacy: boolean): Record<string, unknown> {
  const groups = legacy ? [{ group: '', versions: ['v1'] }] : groupsOf(resources);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map(({ group, versions }) => ({
      metadata: legacy ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
      versions: versions.map((version) => ({
        version,
        resources: resources.filter((r) => r.group === group && r.version === version).map(discoveryResource),
        freshness: 'Current',
      })),
    })),
  };
}

/** Whether an Accept header asks for aggregated discovery v2. */
export function wantsAggregated(accept: string | undefined): boolean {
  if (!accept) return false;
  return (
    accept
      .split(',')
      .map((s) => s.replace(/\s+/g, ''))
      .some(
        (s) =>
          s.startsWith('application/json') &&
          s.includes('g=apidiscovery.k8s.io') &&
          s.includes('v=v2;') &&
          s.includes('as=APIGroupDiscoveryList'),
      ) || accept.replace(/\s+/g, '').includes('g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')
  );
}
