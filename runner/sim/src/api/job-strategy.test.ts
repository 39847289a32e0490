import type { KubeObject } from '@paranoid/k8s/object.ts';
import { describe, expect, it } from 'vitest';
import { ManualClock, SequentialIds } from '../clock.ts';
import { createCluster } from '../cluster.ts';
import { SCHEMA_ENGINE } from '../openapi/schema-engine.ts';

const JOBS = '/apis/batch/v1/namespaces/dev/jobs';

function api() {
  const cluster = createCluster({
    clock: new ManualClock(),
    ids: new SequentialIds(),
    adminToken: 'admin',
    schema: SCHEMA_ENGINE,
  });
  const call = (method: string, path: string, body?: unknown) => {
    const r = cluster.callApi('admin', method, path, body);
    return { status: r.status, body: r.body as KubeObject & { message?: string; reason?: string } };
  };
  call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
  return { cluster, call };
}

const job = (name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: {
    ...spec,
    template: {
      ...(labels ? { metadata: { labels } } : {}),
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
    },
  },
});

type Spec = {
  selector?: { matchLabels?: Record<string, string> };
  template: { metadata?: { labels?: Record<string, string> } };
};

describe('a Job as the API server stores it', () => {
  it('gets a selector on its own uid and the uid and name labels on its pod template', () => {
    const { call } = api();
    const created = call('POST', JOBS, job('pi', {}, { app: 'pi' }));
    expect(created.status).toBe(201);
    const uid = created.body.metadata.uid as string;
    expect(uid).toBeTruthy();
    const spec = created.body.spec as Spec;
    expect(spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    expect(spec.template.metadata?.labels).toEqual({
      app: 'pi',
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': uid,
      'job-name': 'pi',
    });
    // What is stored is what was answered: the same uid, the same selector.
    const read = call('GET', `${JOBS}/pi`);
    expect(read.body.metadata.uid).toBe(uid);
    expect((read.body.spec as Spec).selector).toEqual(spec.selector);
  });

  it('gets the same through server-side apply, and keeps it when the same manifest is applied again', () => {
    const { call, cluster } = api();
    const apply = () =>
      cluster.callApi('admin', 'PATCH', `${JOBS}/pi?fieldManager=kubectl`, job('pi'), {
        'content-type': 'application/apply-patch+yaml',
      });
    expect(apply().status).toBe(201);
    const uid = call('GET', `${JOBS}/pi`).body.metadata.uid as string;
    expect(apply().status).toBe(200);
    const spec = call('GET', `${JOBS}/pi`).body.spec as Spec;
    expect(spec.selector?.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': uid });
    expect(spec.template.metadata?.labels?.['job-name']).toBe('pi');
  });

  it('refuses a selector it did not generate unless manualSelector is true', () => {
    const { call } = api();
    const r = call('POST', JOBS, job('pi', { selector: { matchLabels: { app: 'pi' } } }, { app: 'pi' }));
    expect(r.status).toBe(422);
    const uid = '00000000-0000-4000-8000-000000000001';
    expect(r.body.message).toContain(
      // The uid label is added to the author's selector before validation, as upstream's strategy does.
      `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"pi", "batch.kubernetes.io/controller-uid":"${uid}"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: \`selector\` not auto-generated`,
    );
  });

  it('refuses a template label that names another Job', () => {
    const { call } = api();
    const r = call('POST', JOBS, job('pi', {}, { 'job-name': 'other' }));
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('spec.template.metadata.labels[job-name]: Invalid value: map[string]string{');
    expect(r.body.message).toContain(": must be 'pi'");
  });

  it("with manualSelector: true, takes the author's selector and adds no label", () => {
    const { call } = api();
    const r = call(
      'POST',
      JOBS,
      job('pi', { manualSelector: true, selector: { matchLabels: { app: 'pi' } } }, { app: 'pi' }),
    );
    expect(r.status).toBe(201);
    const spec = r.body.spec as Spec;
    expect(spec.selector).toEqual({ matchLabels: { app: 'pi' } });
    expect(spec.template.metadata?.labels).toEqual({ app: 'pi' });
  });

  it('with manualSelector: true, refuses no selector and a selector that misses the template, in upstream words', () => {
    const { call } = api();
    const none = call('POST', JOBS, job('a', { manualSelector: true }, { app: 'a' }));
    expect(none.status).toBe(422);
    expect(none.body.message).toBe('Job.batch "a" is invalid: spec.selector: Required value');
    const wrong = call(
      'POST',
      JOBS,
      job('b', { manualSelector: true, selector: { matchLabels: { app: 'other' } } }, { app: 'b' }),
    );
    expect(wrong.status).toBe(422);
    expect(wrong.body.message).toBe(
      'Job.batch "b" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
    );
  });

  it('keeps the selector immutable', () => {
    const { call } = api();
    const created = call('POST', JOBS, job('pi'));
    const changed = structuredClone(created.body) as KubeObject;
    (changed.spec as Spec).selector = { matchLabels: { app: 'x' } };
    const r = call('PUT', `${JOBS}/pi`, changed);
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('spec.selector: Invalid value');
    expect(r.body.message).toContain('field is immutable');
  });
});
