import { execFile } from 'node:child_process';

/**
 * The few `kind` CLI calls Paranoid makes. Everything after a cluster exists goes
 * through the Kubernetes API instead, with the client code the simulator already
 * tests; keeping kind behind this interface lets tests check the calls without a
 * Kubernetes node image, which cannot be had on every machine.
 */
export interface KindCli {
  version(): Promise<string>;
  createCluster(args: { name: string; config: string; image?: string; waitSeconds: number }): Promise<void>;
  deleteCluster(name: string): Promise<void>;
  /** The kubeconfig for reaching the API server from this host (`internal` = from the kind network). */
  kubeconfig(name: string, options?: { internal?: boolean }): Promise<string>;
  loadImage(name: string, image: string): Promise<void>;
  listClusters(): Promise<string[]>;
}

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

/** Runs the real `kind` binary. `config` goes in on stdin, never through a temp file. */
export function execKindCli(binary = 'kind'): KindCli {
  const run = (args: string[], input?: string, timeoutMs = 10 * 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile(binary, args, { timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        const cause = missing ? `${binary} is not installed (see \`paranoid doctor\`)` : stderr.trim() || error.message;
        reject(new KindCliError(args, stderr, `failed to run kind ${args[0]} ${args[1] ?? ''}: ${cause}`.trim()));
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  return {
    version: async () => (await run(['version'])).trim(),
    async createCluster({ name, config, image, waitSeconds }) {
      const args = ['create', 'cluster', '--name', name, '--config', '-', '--wait', `${waitSeconds}s`];
      if (image) args.push('--image', image);
      await run(args, config);
    },
    async deleteCluster(name) {
      await run(['delete', 'cluster', '--name', name]);
    },
    kubeconfig: (name, options) =>
      run(['get', 'kubeconfig', '--name', name, ...(options?.internal ? ['--internal'] : [])]),
    async loadImage(name, image) {
      await run(['load', 'docker-image', image, '--name', name]);
    },
    listClusters: async () =>
      (await run(['get', 'clusters']))
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('No kind clusters')),
  };
}
