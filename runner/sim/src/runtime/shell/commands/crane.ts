import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Image } from '@paranoid/schema/image.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';
import { type TarEntry, ustarArchive } from './tar.ts';

/**
 * `crane` (go-containerregistry) over the cluster's registry: what is in an image as the
 * registry serves it, not as a container shows it. `config` (the OCI config: user, env,
 * history with the build arguments `RUN` saw), `manifest` (the layers, and the base the image
 * was built from as OCI's `org.opencontainers.image.base.*` annotations), `digest`, `ls`,
 * `export` (the flattened file system, a tar) and `blob` (one layer, a tar: a file a later
 * layer deleted is still there). Layers travel uncompressed, as the simulator's pipes carry
 * text: pipe `blob` into `tar -x`, not `tar -xz`.
 */

const hash = (text: string) => `sha256:${bytesToHex(sha256(new TextEncoder().encode(text)))}`;
const FS_TIME = Date.UTC(2025, 0, 1);

interface Layer {
  digest: string;
  createdBy: string;
  entries: TarEntry[];
}

function layersOf(image: Image): Layer[] {
  const binDir = image.binDir ?? (image.userland === 'gnu' ? '/usr/bin' : '/bin');
  const entry = (
    name: string,
    f: { content: string; mode: number; uid: number; gid: number; directory?: boolean },
  ) => ({
    name,
    content: f.content,
    mode: f.mode,
    uid: f.uid,
    gid: f.gid,
    directory: f.directory ?? false,
    mtime: FS_TIME,
  });
  if (image.layers?.length) {
    return image.layers.map((l) => ({
      digest: l.digest,
      createdBy: l.createdBy,
      entries: [
        ...Object.entries(l.files).map(([p, f]) => entry(p, f)),
        ...l.whiteouts.map((w) => {
          const i = w.lastIndexOf('/');
          return entry(`${w.slice(0, i)}/.wh.${w.slice(i + 1)}`, { content: '', mode: 0o644, uid: 0, gid: 0 });
        }),
      ],
    }));
  }
  const entries = [
    ...Object.entries(image.files).map(([p, f]) => entry(p, f)),
    ...image.binaries.map((b) => entry(`${binDir}/${b}`, { content: '', mode: 0o755, uid: 0, gid: 0 })),
  ];
  return [{ digest: hash(JSON.stringify(entries)), createdBy: image.history.at(-1)?.createdBy ?? '', entries }];
}

function configOf(image: Image): string {
  const c = image.config;
  const layers = layersOf(image);
  return JSON.stringify({
    architecture: 'amd64',
    config: {
      ...(c.user ? { User: c.user } : {}),
      ...(c.exposedPorts.length ? { ExposedPorts: Object.fromEntries(c.exposedPorts.map((p) => [p, {}])) } : {}),
      Env: c.env,
      ...(c.entrypoint.length ? { Entrypoint: c.entrypoint } : {}),
      ...(c.cmd.length ? { Cmd: c.cmd } : {}),
      WorkingDir: c.workingDir,
      ...(Object.keys(c.labels).length ? { Labels: c.labels } : {}),
    },
    created: '2025-01-01T00:00:00Z',
    history: [...image.history].reverse().map((h) => ({
      created: '2025-01-01T00:00:00Z',
      created_by: h.createdBy,
      ...(h.size === '0B' ? { empty_layer: true } : {}),
    })),
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
  });
}

function manifestOf(image: Image): string {
  const config = configOf(image);
  const base = image.build?.base;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: hash(config) },
    layers: layersOf(image).map((l) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      size: ustarArchive(l.entries).length,
      digest: l.digest,
    })),
    ...(base
      ? {
          annotations: {
            'org.opencontainers.image.base.name': base,
            ...(image.build?.baseDigest ? { 'org.opencontainers.image.base.digest': image.build.baseDigest } : {}),
          },
        }
      : {}),
  });
}

/** The flattened file system: every layer applied in order, whiteouts removing what earlier layers added. */
function flattened(image: Image): TarEntry[] {
  const files = new Map<string, TarEntry>();
  for (const layer of layersOf(image)) {
    for (const e of layer.entries) {
      const wh = e.name.match(/^(.*)\/\.wh\.(.+)$/);
      if (wh) {
        const gone = `${wh[1]}/${wh[2]}`;
        for (const k of [...files.keys()]) if (k === gone || k.startsWith(`${gone}/`)) files.delete(k);
      } else files.set(e.name, e);
    }
  }
  return [...files.values()];
}

const USAGE = `Usage:
  crane [command]

Available Commands:
  blob        Read a blob from the registry
  config      Get the config of an image
  digest      Get the digest of an image
  export      Export filesystem of a container image as a tarball
  ls          List the tags in a repo
  manifest    Get the manifest of an image
  pull        Pull remote images by reference and store their contents locally
`;

function crane(ctx: CommandCtx): number {
  const [sub, ...rest] = ctx.argv.slice(1);
  const args = rest.filter((a) => !a.startsWith('--'));
  const registry = ctx.sys.state.deps.registry;
  const pull = (ref: string | undefined): Image | undefined => {
    if (!ref) {
      ctx.err(`Error: requires 1 arg(s), only received 0\n`);
      return undefined;
    }
    const pulled = registry.pull(ref);
    if (!pulled.ok) {
      ctx.err(`Error: fetching manifest ${ref}: ${pulled.message.replace(/^.*?: (?=[^:]*not found$)/, '')}\n`);
      return undefined;
    }
    return pulled.image;
  };
  switch (sub) {
    case 'config': {
      const image = pull(args[0]);
      if (!image) return 1;
      ctx.out(`${configOf(image)}\n`);
      return 0;
    }
    case 'manifest': {
      const image = pull(args[0]);
      if (!image) return 1;
      ctx.out(`${manifestOf(image)}\n`);
      return 0;
    }
    case 'digest': {
      const image = pull(args[0]);
      if (!image) return 1;
      ctx.out(`${image.digest}\n`);
      return 0;
    }
    case 'export': {
      const image = pull(args[0]);
      if (!image) return 1;
      if (args[1] !== undefined && args[1] !== '-') {
        ctx.err('Error: the simulator writes the tarball to stdout only: crane export IMAGE - | tar -t\n');
        return 1;
      }
      ctx.out(ustarArchive(flattened(image)));
      return 0;
    }
    case 'pull': {
      // `crane pull IMAGE TARBALL`: the image as `docker save` writes it, every layer and the config.
      const image = pull(args[0]);
      if (!image) return 1;
      if (args[1] !== '-' && args[1] !== '/dev/stdout') {
        ctx.err('Error: the simulator writes the tarball to stdout only: crane pull IMAGE /dev/stdout\n');
        return 1;
      }
      const config = configOf(image);
      const layers = layersOf(image);
      const file = (name: string, content: string): TarEntry => ({
        name,
        content,
        mode: 0o644,
        uid: 0,
        gid: 0,
        mtime: FS_TIME,
      });
      ctx.out(
        ustarArchive([
          file(`${hash(config).slice(7)}.json`, config),
          ...layers.map((l) => file(`${l.digest.slice(7)}.tar`, ustarArchive(l.entries))),
          file(
            'manifest.json',
            JSON.stringify([
              {
                Config: `${hash(config).slice(7)}.json`,
                RepoTags: image.tags.map((t) => `${image.repository}:${t}`),
                Layers: layers.map((l) => `${l.digest.slice(7)}.tar`),
              },
            ]),
          ),
        ]),
      );
      return 0;
    }
    case 'blob': {
      const ref = args[0] ?? '';
      const at = ref.lastIndexOf('@');
      if (at < 0) {
        ctx.err(`Error: parsing reference "${ref}": a digest must contain exactly one '@' separator\n`);
        return 1;
      }
      const repo = ref.slice(0, at);
      const digest = ref.slice(at + 1);
      for (const image of registry.images()) {
        const pulled = registry.pull(`${repo}@${image.digest}`);
        if (!pulled.ok || pulled.image !== image) continue;
        const config = configOf(image);
        if (hash(config) === digest) {
          ctx.out(config);
          return 0;
        }
        const layer = layersOf(image).find((l) => l.digest === digest);
        if (layer) {
          ctx.out(ustarArchive(layer.entries));
          return 0;
        }
      }
      ctx.err(
        `Error: GET https://${repo.split('/')[0]}/v2/${repo.split('/').slice(1).join('/')}/blobs/${digest}: BLOB_UNKNOWN: blob unknown to registry\n`,
      );
      return 1;
    }
    case 'ls': {
      const repo = args[0] ?? '';
      const tags = registry
        .images()
        .filter((i) => registry.pull(`${repo}@${i.digest}`).ok)
        .flatMap((i) => i.tags);
      if (!tags.length) {
        ctx.err(`Error: reading tags for ${repo}: NAME_UNKNOWN: repository name not known to registry\n`);
        return 1;
      }
      ctx.out(`${[...new Set(tags)].sort().join('\n')}\n`);
      return 0;
    }
    default:
      if (sub === undefined || sub === '--help' || sub === '-h') {
        ctx.out(USAGE);
        return 0;
      }
      ctx.err(`Error: unknown command "${sub}" for "crane"\nRun 'crane --help' for usage.\n`);
      return 1;
  }
}

/** `crane`, which reads images from the cluster's registry. */
export const craneCommands: CommandTable = { crane };
