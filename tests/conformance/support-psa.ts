/**
 * Pod Security conformance: the upstream fixtures (tests/conformance/data/pod-security)
 * and the judging rules of upstream's test/run.go, kept apart from how a pod reaches
 * the cluster so the same judge runs over the pure plugin and over HTTP.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { conformanceData } from './support-data.ts';

export const PSA_DATA = conformanceData('pod-security');

/** Newest Kubernetes minor the simulator emulates; newer fixture directories encode later policy. */
export const NEWEST_MINOR = 32;

export interface PsaFixture {
  file: string;
  level: 'baseline' | 'restricted';
  version: string;
  minor: number;
  expect: 'admit' | 'reject';
  check: string | null;
  expectErrorSubstring?: string;
  namespaceLabels: Record<string, string>;
}

export function loadFixtures(maxMinor = NEWEST_MINOR): PsaFixture[] {
  const index = JSON.parse(readFileSync(join(PSA_DATA, 'index.json'), 'utf8')) as { fixtures: PsaFixture[] };
  return index.fixtures.filter((f) => f.minor <= maxMinor);
}

export function loadPod(fixture: PsaFixture): Record<string, unknown> {
  return parse(readFileSync(join(PSA_DATA, fixture.file), 'utf8')) as Record<string, unknown>;
}

/** What came back from submitting one object. */
export interface Submission {
  allowed: boolean;
  code?: number;
  reason?: string;
  message?: string;
  warnings: string[];
}

/**
 * How an object reaches a cluster: create it (dry run) in a namespace with these labels.
 * `kind` is `Pod` or `Deployment`; the object is ready to send.
 */
export interface PsaTransport {
  submit(namespaceLabels: Record<string, string>, object: Record<string, unknown>): Promise<Submission>;
}

/** The namespace labels upstream's Run() sets: enforce and warn at the fixture's level and version. */
export function labelsFor(f: PsaFixture): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': f.level,
    'pod-security.kubernetes.io/enforce-version': f.version,
    'pod-security.kubernetes.io/warn': f.level,
    'pod-security.kubernetes.io/warn-version': f.version,
  };
}

/** The pod as Run() submits it: renamed `test`, service account `default`. */
export function podFor(f: PsaFixture): Record<string, unknown> {
  const pod = loadPod(f);
  const metadata = { ...(pod.metadata as Record<string, unknown>), name: 'test' };
  const spec = { ...(pod.spec as Record<string, unknown>), serviceAccountName: 'default' };
  return { ...pod, metadata, spec };
}

/** The same pod wrapped in a Deployment template, labelled `test: "true"`. */
export function deploymentFor(f: PsaFixture): Record<string, unknown> {
  const pod = podFor(f);
  const podMeta = pod.metadata as Record<string, unknown>;
  const { name: _name, ...templateMeta } = podMeta;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'test' },
    spec: {
      selector: { matchLabels: { test: 'true' } },
      template: {
        metadata: { ...templateMeta, labels: { ...((podMeta.labels as Record<string, string>) ?? {}), test: 'true' } },
        spec: pod.spec,
      },
    },
  };
}

/** Returns '' when the fixture behaves as upstream requires, else why not. */
export async function judgeFixture(f: PsaFixture, transport: PsaTransport): Promise<string> {
  const labels = labelsFor(f);
  const expected = f.expectErrorSubstring ?? f.check ?? '';
  const pod = await transport.submit(labels, podFor(f));
  const label = `${f.level}:${f.version}`;
  if (f.expect === 'admit') {
    if (!pod.allowed) return `pod rejected: ${pod.message}`;
  } else {
    if (pod.allowed) return 'pod admitted';
    if (pod.code !== 403 || pod.reason !== 'Forbidden') return `pod rejected with ${pod.code} ${pod.reason}`;
    const prefix = `pods "test" is forbidden: violates PodSecurity "${label}": `;
    if (!pod.message?.startsWith(prefix)) return `unexpected message: ${pod.message}`;
    if (!pod.message.includes(expected)) return `message lacks "${expected}": ${pod.message}`;
    if (pod.message.includes('unknown forbidden reason')) return `unknown forbidden reason: ${pod.message}`;
  }
  const deployment = await transport.submit(labels, deploymentFor(f));
  if (!deployment.allowed) return `deployment rejected: ${deployment.message}`;
  const warned = deployment.warnings.filter((w) => w.startsWith(`would violate PodSecurity "${label}": `));
  if (f.expect === 'admit') {
    if (warned.length > 0) return `deployment warned: ${warned.join(' | ')}`;
  } else if (!warned.some((w) => w.includes(expected))) {
    return `deployment not warned about "${expected}": ${deployment.warnings.join(' | ')}`;
  }
  return '';
}
