import { afterEach, describe, expect, it } from 'vitest';
import { IMAGES } from '../bootstrap/versions.ts';
import { preloadImages } from './preload.ts';
import { createTestCluster } from './testing/harness.ts';

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

const events = (pod: string) =>
  cluster.store
    .list({ group: '', resource: 'events' }, 'default')
    .filter((e) => (e.involvedObject as { name: string }).name === pod)
    .map((e) => `${e.type} ${e.reason} ${e.message}`);

describe('preloadImages', () => {
  it('starts a pod with a preloaded IfNotPresent image without pulling it', async () => {
    cluster = createTestCluster();
    expect(preloadImages(cluster.store, ['nginx:1.27'])).toEqual(['nginx:1.27']);
    const pod = await cluster.createPod(
      { metadata: { name: 'web' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
      'paranoid-worker',
      50,
    );
    expect(pod.status?.phase).toBe('Running');
    expect(events('web')).toContain('Normal Pulled Container image "nginx:1.27" already present on machine');
    expect(events('web').some((e) => e.includes('Pulling'))).toBe(false);
  });

  it('skips references the registry does not have, so they still fail to pull', async () => {
    cluster = createTestCluster();
    expect(preloadImages(cluster.store, ['nginx:doesnotexist'])).toEqual([]);
    const pod = await cluster.createPod({
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'nginx', image: 'nginx:doesnotexist' }] },
    });
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toMatch(/ErrImagePull|ImagePullBackOff/);
  });

  it("has kind's node-image add-ons present on every node from the start", async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod(
      { metadata: { name: 'dns' }, spec: { containers: [{ name: 'coredns', image: IMAGES.coredns }] } },
      'paranoid-worker2',
      50,
    );
    expect(pod.status?.phase).toBe('Running');
    expect(events('dns').some((e) => e.includes('already present on machine'))).toBe(true);
  });
});
