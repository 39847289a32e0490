import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The few `kind` CLI calls Paranoid makes. Everything after a cluster exists goes
 * through the Kubernetes API instead, with the client code the simulator already
 * tests; keeping kind behind this interface lets tests check the calls without a
 * Kubernetes node image, which cannot be had on every machine.
 */
export interface KindCli {
  version(): Promise<string>;
  /** `network`: the Docker network the nodes join (one per session; kind makes it if missing). */
  createCluster(args: {
    name: string;
    config: string;
    image?: string;
    waitSeconds: number;
    network?: string;
  }): Promise<void>;
  deleteCluster(name: string): Promise<void>;
  /** The kubeconfig for reaching the API server from this host (`internal` = from the cluster's network). */
  kubeconfig(name: string, options?: { internal?: boolean }): Promise<string>;
  /**
   * Imports an image archive into every node's containerd (`kind load image-archive`).
   * Unlike `kind load docker-image` it never goes through `docker save`, which on
   * Docker's containerd image store fails for images with attestations (kind#3795),
   * and it keeps the archive's manifest digest, which scenario data pins.
   */
  loadImageArchive(name: string, archivePath: string): Promise<void>;
  listClusters(): Promise<string[]>;
}

/** A `kind` command that failed, with its arguments and stderr for the error message. */
export class KindCliError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    message: string,
  ) {
    super(message);
    this.name = 'KindCliError';
  }
}

/** Where each cluster's own kubeconfig lives: never the user's `~/.kube/config`. */
export const KUBECONFIG_DIR = join(tmpdir(), 'paranoid-kind');

/** Where the kubeconfig of a kind cluster is kept (one file per cluster in `dir`). */
export function kubeconfigPath(cluster: string, dir = KUBECONFIG_DIR): string {
  return join(dir, `${cluster}.kubeconfig`);
}

/**
 * Runs the real `kind` binary. `config` goes in on stdin, never through a temp file.
 *
 * Every call that writes a kubeconfig gets `--kubeconfig` with a file of its own
 * cluster: kind would otherwise rewrite `~/.kube/config`, switch the user's current
 * context, and take a lock on it that makes two pool operations at once fail.
 */
export function execKindCli(
  binary = 'kind',
  options: { kubeconfigDir?: string; env?: NodeJS.ProcessEnv } = {},
): KindCli {
  const dir = options.kubeconfigDir ?? KUBECONFIG_DIR;
  const baseEnv = options.env ?? process.env;
  const run = (args: string[], input?: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 10 * 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile(
        binary,
        args,
        { timeout: timeoutMs, maxBuffer: 16 * 2 ** 20, env: { ...baseEnv, ...env } },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          const cause = missing
            ? `${binary} is not installed (see \`paranoid doctor\`)`
            : stderr.trim() || error.message;
          const what = args
            .slice(0, 2)
            .filter((a) => !a.startsWith('-'))
            .join(' ');
          reject(new KindCliError(args, stderr, `failed to run kind ${what}: ${cause}`));
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  const ownKubeconfig = (name: string) => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return kubeconfigPath(name, dir);
  };
  return {
    version: async () => (await run(['version'])).trim(),
    async createCluster({ name, config, image, waitSeconds, network }) {
      const args = ['create', 'cluster', '--name', name, '--config', '-', '--wait', `${waitSeconds}s`];
      args.push('--kubeconfig', ownKubeconfig(name));
      if (image) args.push('--image', image);
      // kind's documented switch for the nodes' network; it creates the network when missing.
      await run(args, config, network ? { KIND_EXPERIMENTAL_DOCKER_NETWORK: network } : {});
    },
    async deleteCluster(name) {
      await run(['delete', 'cluster', '--name', name, '--kubeconfig', ownKubeconfig(name)]);
      rmSync(kubeconfigPath(name, dir), { force: true });
      rmSync(`${kubeconfigPath(name, dir)}.lock`, { force: true });
    },
    kubeconfig: (name, o) => run(['get', 'kubeconfig', '--name', name, ...(o?.internal ? ['--internal'] : [])]),
    async loadImageArchive(name, archivePath) {
      await run(['load', 'image-archive', archivePath, '--name', name]);
    },
    listClusters: async () =>
      (await run(['get', 'clusters']))
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('No kind clusters')),
  };
}
