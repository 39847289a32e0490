import type { Image } from '@paranoid/schema/image.ts';
import type { Container } from 'kubernetes-types/core/v1';
import { backoffFor, type KubeletContext, type PodRecord } from './kubelet-context.ts';

/** How long a first pull of an image takes on a node. */
export const PULL_MS = 800;

/**
 * The container's pull policy: as set, else defaulted as the API server does (Always for an
 * untagged or `:latest` reference without a digest, IfNotPresent otherwise).
 */
export function pullPolicy(c: Pick<Container, 'image' | 'imagePullPolicy'>): string {
  const ref = c.image ?? '';
  const tag = /:[^/]+$/.test(ref.split('@')[0] ?? '') ? ref.split('@')[0]!.split(':').pop() : undefined;
  return c.imagePullPolicy ?? (!ref.includes('@') && (!tag || tag === 'latest') ? 'Always' : 'IfNotPresent');
}

/**
 * Makes sure the container's image is on the node (upstream pkg/kubelet/images `EnsureImageExists`):
 * honours the pull policy, emits Pulling/Pulled, and on a failed pull shows ErrImagePull then
 * ImagePullBackOff and tries again after a growing back-off. Calls `onPulled` once the image is there.
 */
export function pullImage(
  ctx: KubeletContext,
  rec: PodRecord,
  c: Container,
  isInit: boolean,
  onPulled: (image: Image, imageRef: string, imageName: string) => void,
): void {
  const { deps, emit, later, setStatus, waiting } = ctx;
  if (rec.terminating) return;
  const ref = c.image ?? '';
  const res = deps.registry.pull(ref);
  const policy = pullPolicy(c);
  const present = res.ok && rec.host.pulled.has(res.imageRef);
  if (policy === 'Never' && !present) {
    const msg = `Container image "${ref}" is not present with pull policy of Never`;
    emit(rec, 'Warning', 'ErrImageNeverPull', msg, c.name);
    setStatus(rec, c, isInit, waiting(c, rec, 'ErrImageNeverPull', msg));
    return;
  }
  if (res.ok && present && policy !== 'Always') {
    emit(rec, 'Normal', 'Pulled', `Container image "${ref}" already present on machine`, c.name);
    onPulled(res.image, res.imageRef, res.reference.full);
    return;
  }
  emit(rec, 'Normal', 'Pulling', `Pulling image "${ref}"`, c.name);
  const ms = present ? 300 : PULL_MS;
  rec.cancel.push(
    later(ms, () => {
      if (rec.terminating) return;
      if (!res.ok) {
        emit(rec, 'Warning', 'Failed', `Failed to pull image "${ref}": ${res.message}`, c.name);
        emit(rec, 'Warning', 'Failed', 'Error: ErrImagePull', c.name);
        setStatus(rec, c, isInit, waiting(c, rec, 'ErrImagePull', `Failed to pull image "${ref}": ${res.message}`));
        const wait = backoffFor(rec, `pull:${c.name}`);
        rec.cancel.push(
          later(1000, () => {
            emit(rec, 'Normal', 'BackOff', `Back-off pulling image "${ref}"`, c.name);
            emit(rec, 'Warning', 'Failed', 'Error: ImagePullBackOff', c.name);
            setStatus(rec, c, isInit, waiting(c, rec, 'ImagePullBackOff', `Back-off pulling image "${ref}"`));
            rec.cancel.push(later(wait, () => pullImage(ctx, rec, c, isInit, onPulled)));
          }),
        );
        return;
      }
      rec.host.pulled.add(res.imageRef);
      const secs = (ms / 1000).toFixed(3);
      emit(
        rec,
        'Normal',
        'Pulled',
        `Successfully pulled image "${ref}" in ${secs}s (${secs}s including waiting). Image size: ${res.image.size ?? 4_000_000} bytes.`,
        c.name,
      );
      onPulled(res.image, res.imageRef, res.reference.full);
    }),
  );
}
