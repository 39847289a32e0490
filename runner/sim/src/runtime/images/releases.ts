import type { Image, ListenSpec, Releases } from '@paranoid/schema/image.ts';

/**
 * The tags a registry publishes for an image's release lines, and the image a
 * tag of another version resolves to. Pure: the same inputs give the same tags
 * and digests, so a pod pinned to a derived digest pulls again after a restart.
 */

/** One published tag: the version it names and its suffix. */
export interface ReleaseTag {
  version: string;
  suffix: string;
}

/** Every tag the release lines publish, newest versions winning the `X.Y` and `X` aliases. */
export function releaseTags(releases: Releases): Map<string, ReleaseTag> {
  const tags = new Map<string, ReleaseTag>();
  const lines = Object.entries(releases.lines)
    .map(([line, top]) => {
      const [major, minor] = line.split('.').map(Number) as [number, number];
      return { line, major, minor, top };
    })
    .sort((a, b) => a.major - b.major || a.minor - b.minor);
  const newestOfMajor = new Map<number, string>();
  for (const { major, line, top } of lines) newestOfMajor.set(major, `${line}.${top}`);
  for (const suffix of releases.suffixes) {
    for (const { line, major, top } of lines) {
      for (let patch = 0; patch <= top; patch++) {
        tags.set(`${releases.prefix}${line}.${patch}${suffix}`, { version: `${line}.${patch}`, suffix });
      }
      if (!releases.aliases) continue;
      tags.set(`${releases.prefix}${line}${suffix}`, { version: `${line}.${top}`, suffix });
      tags.set(`${releases.prefix}${major}${suffix}`, { version: newestOfMajor.get(major)!, suffix });
    }
  }
  return tags;
}

/**
 * The image a release tag names: the definition with its version replaced where
 * a client sees it (env, Server header, logs), under a digest of its own, as a
 * real registry gives each version a manifest of its own.
 */
export function imageForRelease(image: Image, tag: ReleaseTag, tags: string[]): Image {
  const current = image.releases?.current ?? '';
  const swap = (s: string) => (current ? s.split(current).join(tag.version) : s);
  return {
    ...image,
    tags,
    digest: derivedDigest(`${image.repository}:${tag.version}${tag.suffix}`),
    config: { ...image.config, env: image.config.env.map(swap) },
    processes: image.processes.map((p) => ({
      ...p,
      logs: p.logs.map(swap),
      ...(p.listen ? { listen: swapListen(p.listen, swap) } : {}),
    })),
  };
}

function swapListen(l: ListenSpec, swap: (s: string) => string): ListenSpec {
  return {
    ...l,
    ...(l.http?.server ? { http: { ...l.http, server: swap(l.http.server) } } : {}),
    ...(l.kv ? { kv: { ...l.kv, info: swap(l.kv.info) } } : {}),
  };
}

/** A stable, made-up sha256-shaped digest for a name (the simulator is not a registry mirror). */
export function derivedDigest(seed: string): string {
  let hex = '';
  for (let round = 0; hex.length < 64; round++) {
    let h = 0x811c9dc5 ^ round;
    for (const byte of new TextEncoder().encode(`${round}:${seed}`)) {
      h ^= byte;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    hex += h.toString(16).padStart(8, '0');
  }
  return `sha256:${hex.slice(0, 64)}`;
}
