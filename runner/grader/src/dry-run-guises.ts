import type { KubeObject } from '@paranoid/k8s/object.ts';
import type { DryRunResult } from './kube-api.ts';

/**
 * One way of presenting a dry-run probe's object to admission. The learner holds
 * cluster-admin and can read the scenario, so a policy could single out the probe
 * by its name or its `paranoid.dev/probe` label and refuse only that. The grader
 * sends the same object in several guises; a policy refuses (or admits) the object
 * only if it does so in every guise.
 */
export interface DryRunGuise {
  /** How this guise differs, for the learner: `as written`, `unlabelled, random name`, ... */
  label: string;
  object: KubeObject;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Web Crypto, a global in Node 20 and in browsers alike (the core's tsconfig has no DOM types). */
const webCrypto = (globalThis as unknown as { crypto: { getRandomValues(array: Uint8Array): Uint8Array } }).crypto;

/** Random lower-case characters, as the names controllers generate. Unpredictable, so no policy can list them. */
export function randomSuffix(length: number): string {
  const bytes = new Uint8Array(length);
  webCrypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** Labels and annotations a scenario author puts on probes to mark them; none of them survive a guise. */
const isProbeMark = (key: string) => key.startsWith('paranoid.dev/') || key.startsWith('paranoid.');

function withoutMarks(map: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([k]) => !isProbeMark(k)));
}

/** A copy of `object` with another name, labels and no annotations. */
function disguise(object: KubeObject, name: string, labels: Record<string, string>): KubeObject {
  const { annotations: _annotations, labels: _labels, generateName: _generateName, ...metadata } = object.metadata;
  const copy = JSON.parse(JSON.stringify({ ...object, metadata: { ...metadata, name } })) as KubeObject;
  if (Object.keys(labels).length > 0) copy.metadata.labels = { ...labels };
  return copy;
}

/** The label set of a running pod that is the namespace's own workload (not a probe), the first by name. */
function workloadLabels(
  namespace: string,
  pods: KubeObject[],
): { labels: Record<string, string>; base: string } | undefined {
  const own = pods
    .filter(
      (p) =>
        p.metadata.namespace === namespace &&
        Object.keys(p.metadata.labels ?? {}).length > 0 &&
        !Object.keys(p.metadata.labels ?? {}).some(isProbeMark),
    )
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const pod = own[0];
  if (!pod) return undefined;
  // A ReplicaSet's pod is `<rs>-<5>`: keep the ReplicaSet's part so the name looks like its sibling's.
  const name = pod.metadata.name ?? 'pod';
  const base = pod.metadata.generateName?.replace(/-$/, '') ?? name.replace(/-[a-z0-9]{5}$/, '');
  return { labels: { ...(pod.metadata.labels ?? {}) }, base };
}

/**
 * The guises of a dry-run `create`: as written; without the author's labels and
 * annotations under a random name; and, when the namespace runs a workload, with
 * that workload's labels and a name like its pods'. A policy that refuses only
 * the probe (by name, label or annotation) admits one of them.
 */
export function createGuises(object: KubeObject, pods: KubeObject[]): DryRunGuise[] {
  const guises: DryRunGuise[] = [{ label: 'as written', object }];
  const kind = object.kind.toLowerCase();
  guises.push({
    label: 'without its labels, under a random name',
    object: disguise(object, `${kind}-${randomSuffix(10)}-${randomSuffix(5)}`, withoutMarks(object.metadata.labels)),
  });
  const namespace = object.metadata.namespace;
  const workload = namespace ? workloadLabels(namespace, pods) : undefined;
  if (workload) {
    guises.push({
      label: `with the labels of ${workload.base}'s pods`,
      object: disguise(object, `${workload.base}-${randomSuffix(5)}`, workload.labels),
    });
  }
  return guises;
}

/**
 * The container names an ephemeral-container probe is tried under: as written and
 * as `kubectl debug` names them (`debugger-<5>`).
 */
export function ephemeralGuises(
  container: Record<string, unknown>,
): { label: string; container: Record<string, unknown> }[] {
  return [
    { label: 'as written', container },
    { label: 'under a random name', container: { ...container, name: `debugger-${randomSuffix(5)}` } },
  ];
}

/**
 * ResourceQuota is the last validating admission step (upstream's plugin order:
 * ..., PodSecurity, ValidatingAdmissionPolicy, ValidatingAdmissionWebhook,
 * ResourceQuota), and it checks dry-run requests too without counting them
 * (`checkQuotas`: "Don't update quota for ... dry-run requests"). A refusal by quota
 * therefore says every policy before it admitted the object, and says nothing about
 * what the object is: a full `pods: 1` quota refuses every pod alike.
 * Its messages are the plugin's own (`exceeded quota: <name>, ...`, `failed quota: <name>: ...`);
 * a policy's message comes after "ValidatingAdmissionPolicy '<name>' ... denied request:",
 * so it cannot pose as one.
 */
export function refusedOnlyByQuota(result: DryRunResult): string | undefined {
  if (result.admitted) return undefined;
  const m = /^[a-z.]+ "[^"]*" is forbidden: ((?:exceeded|failed) quota: [a-z0-9.-]+)/.exec(result.message);
  return m?.[1];
}
