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
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

export interface HostToolboxSources {
  /** A statically linked busybox. */
  busybox: string;
  /** A statically linked kubectl. */
  kubectl: string;
}

/** Host binaries for an offline toolbox build, or undefined when this machine lacks them. */
export function findHostToolboxSources(env: NodeJS.ProcessEnv = process.env): HostToolboxSources | undefined {
  const busybox = [env.PARANOID_TOOLBOX_BUSYBOX, '/bin/busybox', '/usr/bin/busybox'].find((p) => p && existsSync(p));
  const kubectl = [
    env.PARANOID_TOOLBOX_KUBECTL,
    '/usr/lib/google-cloud-sdk/bin/kubectl.1.32',
    '/usr/local/bin/kubectl',
    '/usr/bin/kubectl',
  ].find((p) => p && existsSync(p));
  return busybox && kubectl ? { busybox, kubectl } : undefined;
}

/**
 * The toolbox image's tag: a hash of everything that goes into it, so a changed
 * init script or kubectl gives a new image and an unchanged one is never rebuilt.
 */
export function toolboxTag(sources: HostToolboxSources): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(TOOLBOX_DIR, 'toolbox-init.sh')));
  hash.update(APPLETS.join(','));
  for (const file of [sources.busybox, sources.kubectl]) {
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
