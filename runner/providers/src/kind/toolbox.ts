import type { Duplex } from 'node:stream';
import type { DockerEngine } from './docker-engine.ts';
import { labelsFor, type SessionLabels } from './labels.ts';
import { toolboxName } from './names.ts';

/**
 * What a toolbox container is started with: its image, labels, the session's kubeconfig and the Docker
 * network to join.
 */
export interface ToolboxOptions {
  image: string;
  labels: SessionLabels;
  /** The session's kubeconfig, as reachable from the toolbox's network. */
  kubeconfig: string;
  /** `kind` for a real cluster; tests use `none`. */
  network: string;
}

/**
 * Limits of a learner's toolbox container: it holds one session's kubeconfig and
 * nothing else of the runner's, runs as an unprivileged user on a read-only root
 * with private tmpfs home and tmp, with no capabilities and bounded processes and
 * memory.
 */
export const TOOLBOX_LIMITS = {
  memoryBytes: 512 * 2 ** 20,
  pids: 256,
  nanoCpus: 1_000_000_000,
} as const;

/** Creates and starts the toolbox container of a session; returns its id. */
export async function startToolbox(docker: DockerEngine, options: ToolboxOptions): Promise<string> {
  const id = await docker.create({
    name: toolboxName(options.labels.cluster),
    Image: options.image,
    Labels: labelsFor('toolbox', options.labels),
    Env: [`PARANOID_KUBECONFIG_B64=${Buffer.from(options.kubeconfig).toString('base64')}`],
    User: '1000:1000',
    Hostname: 'paranoid',
    HostConfig: {
      NetworkMode: options.network,
      ReadonlyRootfs: true,
      Tmpfs: {
        '/tmp': 'rw,nosuid,nodev,noexec,size=64m',
        '/home/learner': 'rw,nosuid,nodev,size=64m,uid=1000,gid=1000,mode=0700',
      },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: TOOLBOX_LIMITS.pids,
      Memory: TOOLBOX_LIMITS.memoryBytes,
      NanoCpus: TOOLBOX_LIMITS.nanoCpus,
      RestartPolicy: { Name: 'no' },
    },
  });
  try {
    await docker.start(id);
  } catch (error) {
    await docker.remove(id);
    throw error;
  }
  return id;
}

/** A login shell in the toolbox, for the site's terminal WebSocket. */
export function openToolboxShell(
  docker: DockerEngine,
  id: string,
  size: { cols: number; rows: number },
): Promise<{ stream: Duplex; resize(cols: number, rows: number): Promise<void>; exitCode(): Promise<number | null> }> {
  return docker.execInteractive(id, {
    cmd: ['/bin/sh', '-l'],
    user: '1000:1000',
    env: ['TERM=xterm-256color', 'HOME=/home/learner', 'ENV=/home/learner/.profile'],
    workingDir: '/home/learner',
    ...size,
  });
}
