import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { R } from './resources.ts';
import { harness, namespace, threeNodes } from './testing/harness.ts';
import type { CronJobObject, DaemonSetObject, JobObject, PodObject, StatefulSetObject } from './types.ts';

function setup() {
  const h = harness();
  h.create(R.namespaces, namespace('default'));
  threeNodes(h.store);
  h.settle();
  return h;
}
type H = ReturnType<typeof setup>;

const pods = (h: H) => h.store.list(R.pods, 'default') as PodObject[];
/** A pod template whose container runs `script` (by default, on and on: a long sleep). */
const template = (labels: Record<string, string>, extra: Record<string, unknown> = {}, script = 'sleep 86400') => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script] }], ...extra },
});
const phase = (h: H, p: PodObject) =>
  (h.store.get(R.pods, 'default', p.metadata.name!) as PodObject | undefined)?.status?.phase;

describe('DaemonSet controller', () => {
  const ds = (tolerateControlPlane: boolean): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: template({ app: 'agent' }, tolerateControlPlane ? { tolerations: [{ operator: 'Exists' }] } : {}),
    },
  });

  it('runs one pod per schedulable node, skipping the tainted control plane', async () => {
    const h = setup();
    h.create(R.daemonsets, ds(false));
    await h.rollForward();
    const ps = pods(h);
    expect(ps.map((p) => p.spec.nodeName).sort()).toEqual(['paranoid-worker', 'paranoid-worker2']);
    for (const p of ps) {
      expect(p.metadata.name).toMatch(/^agent-[a-z0-9]{5}$/);
      expect(p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] },
      ]);
      expect(p.spec.tolerations?.map((t) => t.key)).toContain('node.kubernetes.io/not-ready');
      expect(p.metadata.labels?.['controller-revision-hash']).toBeTruthy();
    }
    const status = (h.store.get(R.daemonsets, 'default', 'agent') as DaemonSetObject).status;
    expect(status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberReady: 2,
      numberAvailable: 2,
      updatedNumberScheduled: 2,
      numberMisscheduled: 0,
    });
    expect(h.store.list(R.controllerrevisions, 'default')).toHaveLength(1);
  });

  it('runs everywhere when it tolerates every taint, and rolls a new template node by node', async () => {
    const h = setup();
    h.create(R.daemonsets, ds(true));
    await h.rollForward();
    expect(pods(h)).toHaveLength(3);
    const d = h.store.get(R.daemonsets, 'default', 'agent') as DaemonSetObject;
    d.spec.template.spec!.containers[0]!.image = 'busybox:1.37';
    h.store.update(R.daemonsets, d);
    h.settle();
    expect(pods(h).filter((p) => p.spec.containers[0]!.image === 'busybox')).toHaveLength(2);
    await h.rollForward();
    expect(pods(h).map((p) => p.spec.containers[0]!.image)).toEqual(['busybox:1.37', 'busybox:1.37', 'busybox:1.37']);
    expect(h.store.list(R.controllerrevisions, 'default')).toHaveLength(2);
  });
});

describe('StatefulSet controller', () => {
  const sts = (replicas: number): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'nginx' } },
      template: template({ app: 'nginx' }),
      volumeClaimTemplates: [
        {
          metadata: { name: 'www' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  });

  it('starts web-0, web-1, web-2 in order, each after the previous is ready', async () => {
    const h = setup();
    h.create(R.statefulsets, sts(3));
    h.settle();
    expect(pods(h).map((p) => p.metadata.name)).toEqual(['web-0']);
    // The kubelet pulls and starts web-0; only once it is Ready does web-1 come.
    while (!pods(h)[0]!.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
      expect(pods(h).map((p) => p.metadata.name)).toEqual(['web-0']);
      await h.run(100);
    }
    expect(pods(h).map((p) => p.metadata.name)).toEqual(['web-0', 'web-1']);
    await h.rollForward();
    const ps = pods(h);
    expect(ps.map((p) => p.metadata.name)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(ps[1]!.spec).toMatchObject({ hostname: 'web-1', subdomain: 'nginx' });
    expect(ps[1]!.metadata.labels).toMatchObject({
      'statefulset.kubernetes.io/pod-name': 'web-1',
      'apps.kubernetes.io/pod-index': '1',
    });
    expect(ps[1]!.spec.volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } }]);
    expect(h.store.list(R.persistentvolumeclaims, 'default').map((c) => c.metadata.name)).toEqual([
      'www-web-0',
      'www-web-1',
      'www-web-2',
    ]);
    expect(h.events()).toContain(
      'Normal SuccessfulCreate StatefulSet/web: create Pod web-0 in StatefulSet web successful',
    );
    expect((h.store.get(R.statefulsets, 'default', 'web') as StatefulSetObject).status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
  });

  it('scales down from the highest ordinal', async () => {
    const h = setup();
    h.create(R.statefulsets, sts(3));
    await h.rollForward();
    const s = h.store.get(R.statefulsets, 'default', 'web') as StatefulSetObject;
    s.spec.replicas = 1;
    h.store.update(R.statefulsets, s);
    h.settle();
    expect(pods(h).map((p) => p.metadata.name)).toEqual(['web-0']);
    const deletes = h.events().filter((e) => e.includes('SuccessfulDelete'));
    expect(deletes).toEqual([
      'Normal SuccessfulDelete StatefulSet/web: delete Pod web-2 in StatefulSet web successful',
      'Normal SuccessfulDelete StatefulSet/web: delete Pod web-1 in StatefulSet web successful',
    ]);
  });
});

describe('Job controller', () => {
  /** Each pod's container works for 10 s and then exits with `code`. */
  const job = (spec: Record<string, unknown>, code = 0): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default' },
    spec: { template: template({ app: 'pi' }, { restartPolicy: 'Never' }, `sleep 10; exit ${code}`), ...spec },
  });
  const get = (h: H) => h.store.get(R.jobs, 'default', 'pi') as JobObject;

  it('runs completions with parallelism and completes', async () => {
    const h = setup();
    h.create(R.jobs, job({ completions: 3, parallelism: 2 }));
    await h.rollForward();
    expect(pods(h)).toHaveLength(2);
    expect(pods(h)[0]!.metadata.name).toMatch(/^pi-[a-z0-9]{5}$/);
    expect(pods(h)[0]!.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi' });
    expect(get(h).status).toMatchObject({ active: 2, ready: 2, startTime: '2026-01-01T12:00:00Z' });
    const first = pods(h);
    while (first.some((p) => phase(h, p) === 'Running')) await h.run(100);
    expect(first.map((p) => phase(h, p))).toEqual(['Succeeded', 'Succeeded']);
    await h.rollForward();
    expect(get(h).status).toMatchObject({ succeeded: 2, active: 1 });
    const last = pods(h).find((p) => p.status?.phase === 'Running')!;
    while (phase(h, last) === 'Running') await h.run(100);
    h.settle();
    const status = get(h).status!;
    expect(status.succeeded).toBe(3);
    expect(status.active).toBeUndefined();
    // Completed when the last pod finished: its container's 10 s after it started.
    const lastStart = Date.parse(last.status!.startTime!);
    expect(Date.parse(status.completionTime!) - lastStart).toBeGreaterThanOrEqual(10_000);
    expect(Date.parse(status.completionTime!) - lastStart).toBeLessThan(12_000);
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['SuccessCriteriaMet', 'True', 'CompletionsReached'],
      ['Complete', 'True', 'CompletionsReached'],
    ]);
    expect(h.events()).toContain('Normal Completed Job/pi: Job completed');
    expect(pods(h).every((p) => !p.metadata.finalizers?.length)).toBe(true);
  });

  it('fails after backoffLimit with backoff between retries', async () => {
    const h = setup();
    h.create(R.jobs, job({ backoffLimit: 1 }, 1));
    await h.rollForward();
    const first = pods(h)[0]!;
    while (phase(h, first) === 'Running') await h.run(100);
    expect(phase(h, first)).toBe('Failed');
    // Upstream's backoff: the retry waits 10 s after the failure.
    await h.run(9_900);
    expect(pods(h)).toHaveLength(1);
    await h.run(100);
    expect(pods(h)).toHaveLength(2);
    await h.rollForward();
    const second = pods(h).find((p) => p.status?.phase === 'Running')!;
    while (phase(h, second) === 'Running') await h.run(100);
    h.settle();
    const status = get(h).status!;
    expect(status.failed).toBe(2);
    expect(status.conditions?.map((c) => [c.type, c.reason, c.message])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ]);
  });

  it('lets go of the pods of a Job that was deleted, so they do not hang in Terminating', async () => {
    const h = setup();
    h.create(R.jobs, job({}));
    await h.rollForward();
    expect(pods(h)[0]!.metadata.finalizers).toContain('batch.kubernetes.io/job-tracking');
    // The Job vanishes before its controller counted the pod (a CronJob deleted with it, say).
    h.store.delete(R.jobs, 'default', 'pi');
    h.settle();
    expect(pods(h).filter((p) => p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking'))).toEqual([]);
  });

  it('deletes a finished job after ttlSecondsAfterFinished', async () => {
    const h = setup();
    h.create(R.jobs, job({ ttlSecondsAfterFinished: 30 }));
    await h.rollForward();
    const pod = pods(h)[0]!;
    while (phase(h, pod) === 'Running') await h.run(100);
    expect(phase(h, pod)).toBe('Succeeded');
    await h.run(29_000);
    expect(get(h)).toBeDefined();
    await h.run(2_000);
    expect(get(h)).toBeUndefined();
    expect(pods(h)).toHaveLength(0);
  });
});

describe('CronJob controller', () => {
  const cronjob = (spec: Record<string, unknown> = {}, script = 'sleep 10'): KubeObject => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'backup', namespace: 'default' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { spec: { template: template({ app: 'backup' }, { restartPolicy: 'OnFailure' }, script) } },
      ...spec,
    },
  });
  const get = (h: H) => h.store.get(R.cronjobs, 'default', 'backup') as CronJobObject;

  it('creates a Job named after the scheduled minute when the schedule fires', async () => {
    const h = setup();
    h.create(R.cronjobs, cronjob());
    h.settle(4 * 60_000);
    expect(h.store.list(R.jobs, 'default')).toHaveLength(0);
    // Upstream wakes 100ms after the scheduled minute.
    h.settle(60_000 + 100);
    const jobs = h.store.list(R.jobs, 'default') as JobObject[];
    const minutes = Date.UTC(2026, 0, 1, 12, 5) / 60_000;
    expect(jobs.map((j) => j.metadata.name)).toEqual([`backup-${minutes}`]);
    expect(jobs[0]!.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(
      '2026-01-01T12:05:00Z',
    );
    expect(jobs[0]!.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'backup', controller: true });
    expect(get(h).status).toMatchObject({
      lastScheduleTime: '2026-01-01T12:05:00Z',
      active: [{ kind: 'Job', name: `backup-${minutes}` }],
    });
    expect(h.events()).toContain(`Normal SuccessfulCreate CronJob/backup: Created job backup-${minutes}`);
    expect(pods(h)).toHaveLength(1);
  });

  it('keeps three successful jobs and respects Forbid and suspend', async () => {
    const h = setup();
    h.create(R.cronjobs, cronjob({ concurrencyPolicy: 'Forbid' }));
    const unfinished = () => (h.store.list(R.jobs, 'default') as JobObject[]).filter((j) => !j.status?.conditions);
    // Five schedules, each job's pod done 10 s after it starts.
    await h.run(5 * 5 * 60_000 + 60_000, 1000);
    expect(h.store.list(R.jobs, 'default')).toHaveLength(3);
    expect(unfinished()).toHaveLength(0);
    expect(get(h).status?.lastSuccessfulTime).toBeDefined();
    // Forbid: a job that is still running blocks the next.
    const cj = get(h);
    cj.spec.jobTemplate.spec!.template.spec!.containers[0]!.command = ['sh', '-c', 'sleep 86400'];
    h.store.update(R.cronjobs, cj);
    await h.run(2 * 5 * 60_000, 1000);
    expect(unfinished()).toHaveLength(1);
    expect(pods(h).filter((p) => p.status?.phase === 'Running')).toHaveLength(1);
    // Suspended: nothing new is scheduled however long it waits.
    const suspended = get(h);
    suspended.spec.suspend = true;
    h.store.update(R.cronjobs, suspended);
    const before = h.store.list(R.jobs, 'default').map((j) => j.metadata.name);
    await h.run(30 * 60_000, 1000);
    expect(h.store.list(R.jobs, 'default').map((j) => j.metadata.name)).toEqual(before);
  });
});

describe('StatefulSet rolling update', () => {
  it('replaces pods from the highest ordinal and moves currentRevision at the end', async () => {
    const h = setup();
    h.create(R.statefulsets, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: template({ app: 'db' }),
      },
    });
    await h.rollForward();
    const first = (h.store.get(R.statefulsets, 'default', 'db') as StatefulSetObject).status!.currentRevision;
    const s = h.store.get(R.statefulsets, 'default', 'db') as StatefulSetObject;
    s.spec.template.spec!.containers[0]!.image = 'busybox:1.37';
    h.store.update(R.statefulsets, s);
    h.settle();
    let status = (h.store.get(R.statefulsets, 'default', 'db') as StatefulSetObject).status!;
    expect(status.currentRevision).toBe(first);
    expect(status.updateRevision).not.toBe(first);
    expect(pods(h).map((p) => p.metadata.name)).toEqual(['db-0', 'db-1']);
    expect(pods(h).find((p) => p.metadata.name === 'db-1')!.spec.containers[0]!.image).toBe('busybox:1.37');
    expect(pods(h).find((p) => p.metadata.name === 'db-0')!.spec.containers[0]!.image).toBe('busybox');
    await h.rollForward();
    status = (h.store.get(R.statefulsets, 'default', 'db') as StatefulSetObject).status!;
    expect(pods(h).map((p) => p.spec.containers[0]!.image)).toEqual(['busybox:1.37', 'busybox:1.37']);
    expect(status.currentRevision).toBe(status.updateRevision);
    expect(status).toMatchObject({ replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2 });
  });
});

describe('local-path provisioner', () => {
  it('binds a StatefulSet claim to a volume on its first consumer’s node and keeps the pod there', async () => {
    const h = setup();
    h.create(
      { group: 'storage.k8s.io', resource: 'storageclasses' },
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: 'rancher.io/local-path',
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'WaitForFirstConsumer',
      },
    );
    h.create(R.statefulsets, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: template({ app: 'db' }),
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
          },
        ],
      },
    });
    await h.rollForward();
    const pvc = h.store.get(R.persistentvolumeclaims, 'default', 'data-db-0')!;
    const node = pods(h)[0]!.spec.nodeName!;
    expect(pvc.status).toMatchObject({ phase: 'Bound', capacity: { storage: '2Gi' } });
    const pvName = (pvc.spec as { volumeName: string }).volumeName;
    expect(pvName).toBe(`pvc-${pvc.metadata.uid}`);
    const pv = h.store.get(R.persistentvolumes, undefined, pvName)!;
    expect(pv.spec).toMatchObject({ storageClassName: 'standard', claimRef: { name: 'data-db-0' } });
    expect(JSON.stringify(pv.spec)).toContain(node);
    expect(
      h
        .events()
        .some((e) =>
          e.includes(
            `ProvisioningSucceeded PersistentVolumeClaim/data-db-0: Successfully provisioned volume ${pvName}`,
          ),
        ),
    ).toBe(true);
    // The replacement pod must land where its volume is.
    h.store.delete(R.pods, 'default', 'db-0');
    await h.rollForward();
    expect(pods(h)[0]!.spec.nodeName).toBe(node);
    h.store.delete(R.persistentvolumeclaims, 'default', 'data-db-0');
    h.settle();
    expect(h.store.get(R.persistentvolumes, undefined, pvName)).toBeUndefined();
  });
});

describe('disruption controller', () => {
  it('computes disruptionsAllowed for a PodDisruptionBudget over a Deployment', async () => {
    const h = setup();
    h.create(R.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }) },
    });
    h.create(R.poddisruptionbudgets, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'default' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    });
    h.settle();
    let status = h.store.get(R.poddisruptionbudgets, 'default', 'web')!.status as Record<string, unknown>;
    expect(status).toMatchObject({ currentHealthy: 0, desiredHealthy: 2, disruptionsAllowed: 0, expectedPods: 3 });
    await h.rollForward();
    status = h.store.get(R.poddisruptionbudgets, 'default', 'web')!.status as Record<string, unknown>;
    expect(status).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3 });
    expect((status.conditions as { type: string; status: string; reason: string }[])[0]).toMatchObject({
      type: 'DisruptionAllowed',
      status: 'True',
      reason: 'SufficientPods',
    });
  });
});

describe('Indexed Job', () => {
  it('gives each pod its completion index and completes when every index succeeded', async () => {
    const h = setup();
    h.create(R.jobs, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'idx', namespace: 'default' },
      spec: {
        completions: 3,
        parallelism: 2,
        completionMode: 'Indexed',
        // Index 1 works for 5 s, the others for 20 s.
        template: template(
          { app: 'idx' },
          { restartPolicy: 'Never' },
          'if [ "$JOB_COMPLETION_INDEX" = 1 ]; then sleep 5; else sleep 20; fi',
        ),
      },
    });
    await h.rollForward();
    let ps = pods(h);
    expect(ps.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort()).toEqual([
      '0',
      '1',
    ]);
    expect(ps.find((p) => p.metadata.name!.startsWith('idx-1-'))!.spec.hostname).toBe('idx-1');
    const one = ps.find((p) => p.metadata.name!.startsWith('idx-1-'))!;
    while (phase(h, one) === 'Running') await h.run(100);
    expect(phase(h, one)).toBe('Succeeded');
    await h.rollForward();
    expect((h.store.get(R.jobs, 'default', 'idx') as JobObject).status?.completedIndexes).toBe('1');
    ps = pods(h).filter((p) => p.status?.phase === 'Running');
    expect(ps.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort()).toEqual([
      '0',
      '2',
    ]);
    while (ps.some((p) => phase(h, p) === 'Running')) await h.run(100);
    h.settle();
    const job = h.store.get(R.jobs, 'default', 'idx') as JobObject;
    expect(job.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    expect(job.status?.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
  });
});
