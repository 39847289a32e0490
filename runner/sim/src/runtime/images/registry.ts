import { type Image, type ImageDefinition, parseImage } from '@paranoid/schema/image.ts';
import { type ImageReference, parseImageReference } from './reference.ts';

export type PullResult =
  | { ok: true; image: Image; reference: ImageReference; imageRef: string }
  | { ok: false; message: string };

/** The images a simulated cluster can pull. */
export interface ImageRegistry {
  /** Every image, for listings and the node's image list. */
  images(): Image[];
  /**
   * Resolves a pod's `image` as containerd would pull it. A failure carries the
   * text the kubelet puts after `Failed to pull image "<ref>": `.
   */
  pull(ref: string): PullResult;
  /** Adds images (a scenario's own) after creation. */
  add(images: ImageDefinition[]): void;
}

/** A registry over image definitions (validated here; a bad definition throws with every problem listed). */
export function createImageRegistry(definitions: ImageDefinition[]): ImageRegistry {
  const byRepo = new Map<string, Image[]>();
  const add = (defs: ImageDefinition[]) => {
    for (const def of defs) {
      const image = parseImage(def, `image ${def.repository}`);
      const ref = parseImageReference(image.repository);
      const key = ref?.repository ?? image.repository;
      const list = byRepo.get(key) ?? [];
      // A later definition of the same repository and tag replaces the earlier one.
      const kept = list.filter((i) => i.digest !== image.digest && !i.tags.some((t) => image.tags.includes(t)));
      byRepo.set(key, [...kept, image]);
    }
  };
  add(definitions);
  return {
    images: () => [...byRepo.values()].flat(),
    add,
    pull(raw) {
      const reference = parseImageReference(raw);
      if (!reference) {
        return { ok: false, message: `failed to pull and unpack image "${raw}": invalid reference format` };
      }
      const resolved = `failed to resolve reference "${reference.full}"`;
      const prefix = `rpc error: code = NotFound desc = failed to pull and unpack image "${reference.full}": ${resolved}`;
      const candidates = byRepo.get(reference.repository);
      if (!candidates) {
        if (reference.domain !== 'docker.io') {
          const known = [...byRepo.keys()].some((k) => k.startsWith(`${reference.domain}/`));
          if (!known) {
            return {
              ok: false,
              message: `rpc error: code = Unknown desc = failed to pull and unpack image "${reference.full}": ${resolved}: failed to do request: Head "https://${reference.domain}/v2/${reference.repository.slice(reference.domain.length + 1)}/manifests/${reference.tag ?? reference.digest}": dial tcp: lookup ${reference.domain}: no such host`,
            };
          }
        }
        return {
          ok: false,
          message: `rpc error: code = Unknown desc = failed to pull and unpack image "${reference.full}": ${resolved}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`,
        };
      }
      const image = candidates.find(
        (i) =>
          (!reference.digest || i.digest === reference.digest) &&
          (!reference.tag || reference.digest || i.tags.includes(reference.tag)),
      );
      if (!image) {
        return { ok: false, message: `${prefix}: ${reference.full}: not found` };
      }
      return { ok: true, image, reference, imageRef: `${reference.repository}@${image.digest}` };
    },
  };
}
