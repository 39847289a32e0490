import type { Pod, Volume } from 'kubernetes-types/core/v1';
import { ConfigError, implicitTokenVolume, prepareVolumes } from './container-setup.ts';
import { BACKOFF_START_MS, type KubeletContext, type PodRecord } from './kubelet-context.ts';

/** The pod's volumes, with the projected service account token volume admission would have added. */
export function podVolumes(pod: Pod): Volume[] {
  return [
    ...(pod.spec?.volumes ?? []),
    ...(pod.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')) ? [] : [implicitTokenVolume(pod)]),
  ];
}

/**
 * Sets up the pod's volumes before any container starts (upstream volumemanager
 * `WaitForAttachAndMount`): a volume that cannot be set up (a missing Secret or ConfigMap) emits
 * FailedMount and is tried again after the back-off; once all are there, `onMounted` runs.
 */
export async function setUpVolumes(ctx: KubeletContext, rec: PodRecord, onMounted: () => void): Promise<void> {
  const { state, emit, later, report } = ctx;
  if (rec.terminating) return;
  try {
    rec.volumes = await prepareVolumes(state, rec.host, rec.pod, podVolumes(rec.pod));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    emit(rec, 'Warning', 'FailedMount', e.message);
    rec.cancel.push(later(BACKOFF_START_MS, () => setUpVolumes(ctx, rec, onMounted).catch(report)));
    return;
  }
  onMounted();
}
