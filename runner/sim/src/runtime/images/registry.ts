import { type Image, type ImageDefinition, parseImage } from '@paranoid/schema/image.ts';
import type { CosignAttestation, CosignSignature } from '@paranoid/schema/image-signatures.ts';
import { type ImageReference, parseImageReference } from './reference.ts';
import { imageForRelease, type ReleaseTag, releaseTags } from './releases.ts';

/** A pulled image and the reference it resolved to, or the reason the pull failed (kubelet's ErrImagePull). */
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
  /**
   * Stores a cosign signature or attestation beside a pulled image (its `.sig` or `.att` tag),
   * as `cosign sign` and `cosign attest` push them. `replace` drops the image's attestations of
   * the same predicate type first (`cosign attest --replace`).
   */
  attach(image: Image, item: Attachment): void;
  /** Deletes what cosign pushed beside an image (`cosign clean --type`): signatures, attestations or both. */
  clean(image: Image, type: 'signature' | 'attestation' | 'all'): void;
}

/** What cosign pushes beside an image: a signature, or an attestation of a predicate type. */
export type Attachment =
  | { signature: CosignSignature }
  | { attestation: CosignAttestation; predicateType: string; replace?: boolean };

/**
 * A registry keeps at most this many signatures and attestations per image; past it the oldest
 * goes, so a pipeline re-run on one image forever cannot grow it without bound (the image
 * format's own limit, so what is stored stays loadable).
 */
export const MAX_ATTACHED = 16;

/**
 * Each definition parsed, and its release images derived, once per process: that is most of what making
 * a registry costs, and every simulated cluster makes one (validate, hundreds). Every registry gets its
 * own shallow copies, because {@link ImageRegistry.attach} and `clean` replace an image's signature and
 * attestation lists (never change them in place), and one cluster's signing must not show in another.
 */
const parsed = new WeakMap<ImageDefinition, { image: Image; releases: ReleaseImage[] }>();

/** An image of a release line, and the tags that name it. */
interface ReleaseImage {
  names: string[];
  image: Image;
}

function parsedOnce(def: ImageDefinition): { image: Image; releases: ReleaseImage[] } {
  let entry = parsed.get(def);
  if (!entry) {
    const image = parseImage(def, `image ${def.repository}`);
    entry = { image, releases: releaseImages(image) };
    parsed.set(def, entry);
  }
  return entry;
}

/** Each release tag of an image's release lines → the image it names (built once, so its digest is stable). */
function releaseImages(image: Image): ReleaseImage[] {
  if (!image.releases) return [];
  const byVersion = new Map<string, { tag: ReleaseTag; names: string[] }>();
  for (const [name, tag] of releaseTags(image.releases)) {
    const key = `${tag.version}${tag.suffix}`;
    const entry = byVersion.get(key) ?? { tag, names: [] };
    entry.names.push(name);
    byVersion.set(key, entry);
  }
  return [...byVersion.values()].map(({ tag, names }) => ({ names, image: imageForRelease(image, tag, names) }));
}

function predicateTypeOf(a: CosignAttestation): string | undefined {
  try {
    const statement = JSON.parse(atob(a.payload)) as { predicateType?: unknown };
    return typeof statement.predicateType === 'string' ? statement.predicateType : undefined;
  } catch {
    return undefined;
  }
}

/** A registry over image definitions (validated here; a bad definition throws with every problem listed). */
export function createImageRegistry(definitions: ImageDefinition[]): ImageRegistry {
  const byRepo = new Map<string, Image[]>();
  /** Per repository: each release tag → the image it names (built once, so its digest is stable). */
  const releases = new Map<string, Map<string, Image>>();
  /** Per repository: each release image by digest, so a pod pinned to one pulls. */
  const releaseDigests = new Map<string, Map<string, Image>>();
  const addReleases = (repo: string, derived: ReleaseImage[]) => {
    if (derived.length === 0) return;
    const tags = releases.get(repo) ?? new Map<string, Image>();
    const digests = releaseDigests.get(repo) ?? new Map<string, Image>();
    for (const release of derived) {
      const image = { ...release.image };
      for (const name of release.names) tags.set(name, image);
      digests.set(image.digest, image);
    }
    releases.set(repo, tags);
    releaseDigests.set(repo, digests);
  };
  const add = (defs: ImageDefinition[]) => {
    for (const def of defs) {
      const once = parsedOnce(def);
      const image = { ...once.image };
      const ref = parseImageReference(image.repository);
      const key = ref?.repository ?? image.repository;
      const list = byRepo.get(key) ?? [];
      // A later definition of the same repository and tag replaces the earlier one.
      const kept = list.filter((i) => i.digest !== image.digest && !i.tags.some((t) => image.tags.includes(t)));
      byRepo.set(key, [...kept, image]);
      addReleases(key, once.releases);
    }
  };
  add(definitions);
  return {
    images: () => [...byRepo.values()].flat(),
    add,
    attach(image, item) {
      // The image object is this registry's own (parsed here), so every later pull sees the change.
      if ('signature' in item) {
        image.signatures = [...image.signatures, item.signature].slice(-MAX_ATTACHED);
        return;
      }
      const kept = item.replace
        ? image.attestations.filter((a) => predicateTypeOf(a) !== item.predicateType)
        : image.attestations;
      image.attestations = [...kept, item.attestation].slice(-MAX_ATTACHED);
    },
    clean(image, type) {
      if (type !== 'attestation') image.signatures = [];
      if (type !== 'signature') image.attestations = [];
    },
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
      // Authored tags first (their digests are the ones scenarios pin), then the release lines.
      const image =
        candidates.find(
          (i) =>
            (!reference.digest || i.digest === reference.digest) &&
            (!reference.tag || reference.digest || i.tags.includes(reference.tag)),
        ) ??
        (reference.digest
          ? releaseDigests.get(reference.repository)?.get(reference.digest)
          : releases.get(reference.repository)?.get(reference.tag ?? 'latest'));
      if (!image) {
        return { ok: false, message: `${prefix}: ${reference.full}: not found` };
      }
      return { ok: true, image, reference, imageRef: `${reference.repository}@${image.digest}` };
    },
  };
}
