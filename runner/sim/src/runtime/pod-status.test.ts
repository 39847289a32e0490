// Node-side: it reads and (with UPDATE_GOLDEN=1) writes the golden files; the code under test stays pure.
// biome-ignore lint/correctness/noNodejsModules: a Node-side test that reads its golden files.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
// biome-ignore lint/correctness/noNodejsModules: a Node-side test that builds paths.
import { join } from 'node:path';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { generatePodStatus, getPhase, type PodRuntimeFacts, qosClass } from './pod-status.ts';

// Golden files in the manner of kwok: each `<case>.input.yaml` holds a pod, the runtime's facts
// about it and the status as stored; `<case>.output.yaml` is the status the kubelet writes, under
// a pinned clock. `UPDATE_GOLDEN=1` rewrites the outputs; otherwise they are compared.
const DIR = join(import.meta.dirname, 'testdata', 'pod-status');
const NOW = Date.parse('2026-01-01T00:01:00Z');
// biome-ignore lint/style/noRestrictedGlobals: the switch that regenerates the golden files.
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface GoldenInput {
  /** What the case shows. */
  description: string;
  pod: Pod;
  facts: PodRuntimeFacts;
  /** The status as stored before the kubelet writes (possibly forged). */
  stored?: PodStatus;
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.input.yaml'))
  .map((f) => f.slice(0, -'.input.yaml'.length))
  .sort();

describe('generatePodStatus golden files', () => {
  it('has the cases the kubelet must get right', () => {
    expect(cases).toEqual(
      expect.arrayContaining([
        'running',
        'pending-pull',
        'image-pull-backoff',
        'crash-loop-backoff',
        'init-running',
        'init-failed-never',
        'job-succeeded',
        'job-failed-never',
        'onfailure-failed',
        'not-ready',
        'forged-status',
      ]),
    );
  });

  it.each(cases)('%s', (name) => {
    const input = parse(readFileSync(join(DIR, `${name}.input.yaml`), 'utf8')) as GoldenInput;
    expect(input.description, `${name}.input.yaml needs a description`).toBeTruthy();
    const { status, transitions } = generatePodStatus(input.pod, input.facts, NOW, input.stored);
    const got = stringify({ status, transitions }, { sortMapEntries: false });
    const file = join(DIR, `${name}.output.yaml`);
    if (UPDATE) writeFileSync(file, got);
    expect(got).toBe(readFileSync(file, 'utf8'));
  });
});

describe('generatePodStatus', () => {
  const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
  const facts: PodRuntimeFacts = { hostIP: '172.18.0.3', podIP: '10.244.1.2', startTime: NOW - 60_000 };

  it('moves lastTransitionTime only when a condition changes status', () => {
    const first = generatePodStatus(pod, facts, NOW);
    const later = generatePodStatus(pod, { ...facts, transitions: first.transitions }, NOW + 5_000);
    expect(later.status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:01:00Z');
    const running = {
      name: 'app',
      image: 'nginx',
      imageID: '',
      ready: true,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: '2026-01-01T00:01:05Z' } },
    };
    const ready = generatePodStatus(
      pod,
      { ...facts, containerStatuses: [running], transitions: later.transitions },
      NOW + 10_000,
    );
    expect(ready.status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      lastTransitionTime: '2026-01-01T00:01:10Z',
    });
    expect(ready.status.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime).toBe(
      '2026-01-01T00:01:00Z',
    );
  });

  it('does not read addresses, phase or container states from the stored status', () => {
    const forged: PodStatus = {
      phase: 'Succeeded',
      podIP: '10.244.9.9',
      hostIP: '1.2.3.4',
      containerStatuses: [
        { name: 'app', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
      ],
    };
    const { status } = generatePodStatus(pod, facts, NOW, forged);
    expect(status.phase).toBe('Pending');
    expect(status.podIP).toBe('10.244.1.2');
    expect(status.hostIP).toBe('172.18.0.3');
    expect(status.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
  });
});

describe('getPhase', () => {
  const terminated = (exitCode: number) => ({
    name: 'c',
    image: '',
    imageID: '',
    ready: false,
    restartCount: 0,
    state: { terminated: { exitCode } },
  });
  it('keeps a pod whose containers exited Running under restartPolicy Always', () => {
    expect(getPhase('Always', [], [terminated(0)])).toBe('Running');
  });
  it('fails a pod only under restartPolicy Never: under OnFailure a failed container restarts', () => {
    expect(getPhase('OnFailure', [], [terminated(1)])).toBe('Running');
    expect(getPhase('Never', [], [terminated(1)])).toBe('Failed');
    expect(getPhase('OnFailure', [], [terminated(0)])).toBe('Succeeded');
  });
  it('is Pending with no containers acted on', () => {
    expect(getPhase('Always', [], [])).toBe('Pending');
  });
});

describe('qosClass', () => {
  const withResources = (resources: object): Pod => ({ spec: { containers: [{ name: 'c', resources }] } });
  it('is BestEffort without requests or limits', () => {
    expect(qosClass(withResources({}))).toBe('BestEffort');
  });
  it('is Guaranteed when limits set cpu and memory and requests default to them', () => {
    expect(qosClass(withResources({ limits: { cpu: '1', memory: '1Gi' } }))).toBe('Guaranteed');
  });
  it('is Burstable when requests differ from limits', () => {
    expect(qosClass(withResources({ requests: { cpu: '500m' }, limits: { cpu: '1', memory: '1Gi' } }))).toBe(
      'Burstable',
    );
  });
});
