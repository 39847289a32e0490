/**
 * Loads an np-guard/netpol-analyzer case (../shared/conformance/network-policy)
 * and renders the connectivity the simulator's network computes in the
 * analyzer's connlist text format. See that directory's README for the rules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzerConnlist, type ConnlistPeer, type NetworkObjects } from '@paranoid/sim/network/index.ts';
import { parseAllDocuments } from 'yaml';
import { conformanceData } from './support-data.ts';

export const CASES_DIR = `${conformanceData('network-policy')}/`;

// The tests package does not depend on kubernetes-types: take the kinds from the engine's input type.
type Namespace = NonNullable<NetworkObjects['namespaces']>[number];
type Pod = NonNullable<NetworkObjects['pods']>[number];
type NetworkPolicy = NonNullable<NetworkObjects['networkPolicies']>[number];
type PodTemplateSpec = { metadata?: Pod['metadata']; spec?: Pod['spec'] };

type Manifest = { kind?: string; apiVersion?: string; metadata?: Record<string, unknown>; [k: string]: unknown };

const WORKLOAD_KINDS = new Set([
  'Deployment',
  'ReplicaSet',
  'ReplicationController',
  'DaemonSet',
  'StatefulSet',
  'Job',
  'CronJob',
]);

/** Every object in a case's input files, with `List`/`PodList`/`NamespaceList` unwrapped. */
export function readCaseObjects(caseDir: string): Manifest[] {
  const inputDir = join(caseDir, 'input');
  const out: Manifest[] = [];
  for (const file of readdirSync(inputDir).sort()) {
    const text = readFileSync(join(inputDir, file), 'utf8');
    const docs: unknown[] = file.endsWith('.json')
      ? [JSON.parse(text)]
      : parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: -1 }));
    for (const doc of docs) {
      if (!doc || typeof doc !== 'object') continue;
      const m = doc as Manifest;
      if (m.kind?.endsWith('List') && Array.isArray(m.items)) {
        const itemKind = m.kind === 'List' ? undefined : m.kind.slice(0, -'List'.length);
        for (const item of m.items as Manifest[]) out.push(item.kind || !itemKind ? item : { ...item, kind: itemKind });
      } else out.push(m);
    }
  }
  return out;
}

/**
 * Turns a case's manifests into the network's objects, plus the workload each
 * pod stands for. Workload manifests become one pod from their template, as
 * the analyzer models them.
 */
export function caseToNetwork(manifests: Manifest[]): { objects: NetworkObjects; workloadOf: Map<string, string> } {
  const namespaces: Namespace[] = [];
  const pods: Pod[] = [];
  const networkPolicies: NetworkPolicy[] = [];
  const workloadOf = new Map<string, string>();
  // The analyzer gives pods without an address a placeholder; so do we, so every pod can be probed.
  let placeholder = 0;
  const address = () => `198.18.${Math.floor(placeholder / 250)}.${(placeholder++ % 250) + 1}`;
  for (const m of manifests) {
    const meta = (m.metadata ?? {}) as { name?: string; namespace?: string };
    const ns = meta.namespace || 'default';
    if (m.kind === 'Namespace') namespaces.push(m as Namespace);
    else if (m.kind === 'NetworkPolicy')
      networkPolicies.push({ ...m, metadata: { ...meta, namespace: ns } } as NetworkPolicy);
    else if (m.kind === 'Pod') {
      const pod = m as Pod;
      const owner = pod.metadata?.ownerReferences?.find((r) => r.controller) ?? pod.metadata?.ownerReferences?.[0];
      const name =
        owner && WORKLOAD_KINDS.has(owner.kind) ? `${ns}/${owner.name}[${owner.kind}]` : `${ns}/${meta.name}[Pod]`;
      // The analyzer counts every listed pod, whatever its phase.
      const podIP = pod.status?.podIP ?? address();
      pods.push({
        ...pod,
        metadata: { ...pod.metadata, namespace: ns },
        status: { ...pod.status, phase: 'Running', podIP },
      });
      workloadOf.set(`${ns}/${meta.name}`, name);
    } else if (m.kind && WORKLOAD_KINDS.has(m.kind)) {
      const spec = m.spec as { template?: PodTemplateSpec; jobTemplate?: { spec?: { template?: PodTemplateSpec } } };
      const template = m.kind === 'CronJob' ? spec.jobTemplate?.spec?.template : spec.template;
      const podName = `${meta.name}-sim`;
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...(template?.metadata ?? {}), name: podName, namespace: ns },
        ...(template?.spec ? { spec: template.spec } : {}),
        status: { phase: 'Running', podIP: address() },
      });
      workloadOf.set(`${ns}/${podName}`, `${ns}/${meta.name}[${m.kind}]`);
    }
  }
  return { objects: { namespaces, pods, networkPolicies }, workloadOf };
}

/** Pods of one workload are identical to the analyzer: the first pod speaks for all. */
export function representatives(objects: NetworkObjects, workloadOf: Map<string, string>): NetworkObjects {
  const seen = new Set<string>();
  const pods = (objects.pods ?? []).filter((p) => {
    const w = workloadOf.get(`${p.metadata?.namespace}/${p.metadata?.name}`)!;
    if (seen.has(w)) return false;
    seen.add(w);
    return true;
  });
  return { ...objects, pods };
}

/** The connlist text for a case, lines sorted as the analyzer sorts them, newline-terminated. */
export function renderConnlist(objects: NetworkObjects, workloadOf: Map<string, string>): string {
  const name = (peer: ConnlistPeer): string =>
    peer.kind === 'range' ? `${peer.range}[External]` : workloadOf.get(`${peer.namespace}/${peer.name}`)!;
  const entries = analyzerConnlist(representatives(objects, workloadOf));
  const lines = entries.map((e) => `${name(e.from)} => ${name(e.to)} : ${e.connections}`);
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function listCases(): string[] {
  const index = JSON.parse(readFileSync(join(CASES_DIR, 'index.json'), 'utf8')) as { cases: Array<{ case: string }> };
  return index.cases.map((c) => c.case);
}
