import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

/**
 * Turns what `docker save` gives into one reproducible OCI image archive.
 *
 * Docker's builders stamp build times into layers and config, so two builds of one
 * Dockerfile differ in digest; a solution that pins a digest could then never pin the
 * image a cluster really runs. Here every layer is applied in order (whiteouts
 * included) into one filesystem, written back as a single tar with its entries sorted
 * and their times, user and group names cleared, and the config keeps only what
 * decides how the container runs. The same files and settings give the same digest
 * on any engine and any builder (classic, BuildKit, the containerd image store).
 *
 * The archive holds both an OCI layout (`index.json`, what `ctr images import` and
 * thus `kind load image-archive` read, keeping the manifest digest) and a Docker
 * `manifest.json` (what `docker load` reads on engines older than 25).
 */

/** One entry of a tar stream, as far as an image filesystem needs. */
export interface TarEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode: number;
  uid: number;
  gid: number;
  linkname: string;
  data: Buffer;
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number): number {
  // GNU base-256 for large numbers: top bit of the first byte set.
  if ((header[offset] ?? 0) & 0x80) {
    let n = 0;
    for (let i = offset + 1; i < offset + length; i++) n = n * 256 + (header[i] ?? 0);
    return n;
  }
  const text = field(header, offset, length).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) break;
    const length = Number(data.subarray(i, space).toString());
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, i + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += length;
  }
  return out;
}

/** Reads a tar stream (ustar, pax and GNU long names); gzip input is unpacked first. */
export function readTar(input: Buffer): TarEntry[] {
  const tar = input[0] === 0x1f && input[1] === 0x8b ? gunzipSync(input) : input;
  const entries: TarEntry[] = [];
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 48);
    const data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      pax = { ...pax, ...parsePax(data) };
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (type === 'K') {
      longLink = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    const prefix = field(header, 345, 155);
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const linkname = pax.linkpath ?? longLink ?? field(header, 157, 100);
    pax = {};
    longName = undefined;
    longLink = undefined;
    const kind =
      type === '5'
        ? 'dir'
        : type === '2'
          ? 'symlink'
          : type === '1'
            ? 'hardlink'
            : type === '0' || type === '\0'
              ? 'file'
              : undefined;
    // Devices, FIFOs and the like have no place in a scenario image.
    if (!kind) continue;
    entries.push({
      path: normalisePath(name),
      type: kind,
      mode: octal(header, 100, 8) & 0o7777,
      uid: octal(header, 108, 8),
      gid: octal(header, 116, 8),
      linkname: kind === 'hardlink' ? normalisePath(linkname) : linkname,
      data: kind === 'file' ? Buffer.from(data) : Buffer.alloc(0),
    });
  }
  return entries;
}

function normalisePath(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

function tarHeader(name: string, e: Omit<TarEntry, 'path' | 'data'>, size: number, typeflag: string): Buffer {
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, e.mode, 100, 8);
  writeOctal(header, e.uid, 108, 8);
  writeOctal(header, e.gid, 116, 8);
  writeOctal(header, size, 124, 12);
  writeOctal(header, 0, 136, 12);
  header.write(typeflag, 156, 1, 'ascii');
  header.write(e.linkname, 157, 100, 'utf8');
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest)];
}

/**
 * Writes entries as a tar in the order given, every time zero. Names and link targets
 * longer than ustar holds go in a pax header.
 */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const name = e.type === 'dir' ? `${e.path}/` : e.path;
    if (Buffer.byteLength(name) > 99 || Buffer.byteLength(e.linkname) > 99) {
      const records = [`path=${name}`, ...(e.linkname ? [`linkpath=${e.linkname}`] : [])].map((r) => {
        // A pax record counts its own length, digits included.
        let length = Buffer.byteLength(r) + 3;
        while (`${length} ${r}\n`.length !== length) length = Buffer.byteLength(`${length} ${r}\n`);
        return `${length} ${r}\n`;
      });
      const pax = Buffer.from(records.join(''));
      parts.push(tarHeader('PaxHeader', { ...e, linkname: '' }, pax.length, 'x'), ...padded(pax));
    }
    const typeflag = { file: '0', dir: '5', symlink: '2', hardlink: '1' }[e.type];
    const data = e.type === 'file' ? e.data : Buffer.alloc(0);
    parts.push(tarHeader(name.slice(0, 99), { ...e, linkname: e.linkname.slice(0, 99) }, data.length, typeflag));
    if (data.length > 0) parts.push(...padded(data));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/**
 * Applies image layers in order into one filesystem, as an overlay mount would:
 * `.wh.<name>` deletes a path, `.wh..wh..opq` empties a directory. Hard links become
 * copies and missing parent directories appear as `0755 root`, so the result depends
 * on nothing but what the layers hold. Sorted by path.
 */
export function squashLayers(layers: readonly TarEntry[][]): TarEntry[] {
  const fs = new Map<string, TarEntry>();
  const removeUnder = (dir: string) => {
    for (const p of [...fs.keys()]) if (p.startsWith(`${dir}/`)) fs.delete(p);
  };
  for (const layer of layers) {
    for (const entry of layer) {
      const slash = entry.path.lastIndexOf('/');
      const dir = slash === -1 ? '' : entry.path.slice(0, slash);
      const base = entry.path.slice(slash + 1);
      if (base === '.wh..wh..opq') {
        removeUnder(dir);
        continue;
      }
      if (base.startsWith('.wh.')) {
        const gone = `${dir ? `${dir}/` : ''}${base.slice(4)}`;
        fs.delete(gone);
        removeUnder(gone);
        continue;
      }
      if (entry.path === '') continue;
      if (entry.type === 'hardlink') {
        const target = fs.get(entry.linkname);
        if (target) fs.set(entry.path, { ...target, path: entry.path });
        continue;
      }
      if (entry.type !== 'dir') removeUnder(entry.path);
      fs.set(entry.path, entry);
    }
  }
  for (const p of [...fs.keys()]) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!fs.has(parent))
        fs.set(parent, { path: parent, type: 'dir', mode: 0o755, uid: 0, gid: 0, linkname: '', data: Buffer.alloc(0) });
    }
  }
  return [...fs.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** How the container runs: the part of an image config that survives the squash. */
export interface RunConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Volumes?: Record<string, object> | null;
}

const RUN_KEYS = ['User', 'Env', 'Entrypoint', 'Cmd', 'WorkingDir', 'ExposedPorts', 'Labels', 'StopSignal', 'Volumes'];

/** JSON with object keys sorted, so equal content gives equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** An image read from an OCI archive: the digests that name it and what to load into the nodes. */
export interface OciImage {
  /** The manifest digest: what `image@sha256:...` names on containerd, and what scenario data pins. */
  digest: string;
  /** The config digest: Docker's image id. */
  configDigest: string;
  /** The archive, for `docker load` and `kind load image-archive`. */
  archive: Buffer;
}

/** Platform names as OCI spells them. */
export function ociArchitecture(arch: string = process.arch): string {
  return (
    ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ??
    arch
  );
}

/** Builds the reproducible archive of one filesystem and run config, under every given reference. */
export function ociImage(files: readonly TarEntry[], run: RunConfig, refs: readonly string[], arch: string): OciImage {
  const layer = writeTar(files);
  const layerDigest = sha256(layer);
  const config = Buffer.from(
    canonicalJson({
      architecture: arch,
      os: 'linux',
      config: Object.fromEntries(
        RUN_KEYS.flatMap((k) => {
          const v = (run as Record<string, unknown>)[k];
          return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) ? [] : [[k, v]];
        }),
      ),
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
      history: [{ created_by: 'paranoid images build: the Dockerfile, squashed to one reproducible layer' }],
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    canonicalJson({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
    }),
  );
  const digest = sha256(manifest);
  const blob = (d: string) => `blobs/sha256/${d.slice('sha256:'.length)}`;
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: refs.map((ref) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: manifest.length,
      platform: { architecture: arch, os: 'linux' },
      annotations: {
        'io.containerd.image.name': ref,
        'org.opencontainers.image.ref.name': ref.slice(ref.lastIndexOf(':') + 1),
      },
    })),
  };
  const dockerManifest = [{ Config: blob(configDigest), RepoTags: refs, Layers: [blob(layerDigest)] }];
  const file = (path: string, data: Buffer | string): TarEntry => ({
    path,
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    linkname: '',
    data: Buffer.from(data),
  });
  const dir = (path: string): TarEntry => ({
    path,
    type: 'dir',
    mode: 0o755,
    uid: 0,
    gid: 0,
    linkname: '',
    data: Buffer.alloc(0),
  });
  const archive = writeTar([
    dir('blobs'),
    dir('blobs/sha256'),
    file(blob(configDigest), config),
    file(blob(layerDigest), layer),
    file(blob(digest), manifest),
    file('index.json', canonicalJson(index)),
    file('manifest.json', JSON.stringify(dockerManifest)),
    file('oci-layout', '{"imageLayoutVersion":"1.0.0"}'),
  ]);
  return { digest, configDigest, archive };
}

/**
 * Reads a `docker save` archive (either layout: per-layer folders before Docker 25,
 * `blobs/sha256` after) into its layers, in order, and its run config.
 */
export function readDockerSave(save: Buffer): { layers: TarEntry[][]; run: RunConfig } {
  const entries = new Map(readTar(save).map((e) => [e.path, e]));
  const manifestFile = entries.get('manifest.json');
  if (!manifestFile) throw new Error('failed to read image archive: no manifest.json');
  const [manifest] = JSON.parse(manifestFile.data.toString()) as Array<{ Config: string; Layers: string[] }>;
  if (!manifest) throw new Error('failed to read image archive: manifest.json lists no image');
  const read = (p: string) => {
    const e = entries.get(normalisePath(p));
    if (!e) throw new Error(`failed to read image archive: ${p} is missing`);
    return e.data;
  };
  const config = JSON.parse(read(manifest.Config).toString()) as { config?: RunConfig };
  return { layers: manifest.Layers.map((l) => readTar(read(l))), run: config.config ?? {} };
}
