import { type Duplex, Readable } from 'node:stream';
import Docker from 'dockerode';
import { dockerConnection } from './docker-context.ts';

/** A Docker object Paranoid made, as the reaper and the pool see it. */
export interface LabelledContainer {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

/** Docker could not be reached at all, as opposed to one call failing; the message points at `paranoid doctor`. */
export class DockerUnavailableError extends Error {
  constructor(cause: string) {
    super(`failed to reach Docker: ${cause} (is dockerd running? see \`paranoid doctor\`)`);
    this.name = 'DockerUnavailableError';
  }
}

/**
 * The Docker calls the kind provider makes, through dockerode. Errors say
 * `failed to <verb> <noun>: <cause>`, as kind's do.
 */
export class DockerEngine {
  readonly docker: Docker;

  /** Without options: the engine the docker CLI (and so kind) uses, Docker contexts included. */
  constructor(options?: Docker.DockerOptions) {
    this.docker = new Docker(options ?? dockerConnection());
  }

  async ping(): Promise<{ version: string; apiVersion: string }> {
    try {
      const v = await this.docker.version();
      return { version: v.Version, apiVersion: v.ApiVersion };
    } catch (error) {
      throw new DockerUnavailableError(message(error));
    }
  }

  /** Containers (running or not) carrying every given label; a value of '' matches any value. */
  async listByLabels(labels: Record<string, string>): Promise<LabelledContainer[]> {
    const filters = { label: Object.entries(labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`)) };
    const found = await this.wrap('list containers', () => this.docker.listContainers({ all: true, filters }));
    return found.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      state: c.State,
      labels: c.Labels ?? {},
    }));
  }

  /** The ids of every container running now, whoever made it (paused ones included, as `docker ps` lists them). */
  async runningContainerIds(): Promise<string[]> {
    const found = await this.wrap('list containers', () => this.docker.listContainers({ all: false }));
    return found.map((c) => c.Id);
  }

  /** Removes a container, running or not; a container already gone is not an error. */
  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw new Error(`failed to remove container ${id.slice(0, 12)}: ${message(error)}`);
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw new Error(`failed to inspect image ${ref}: ${message(error)}`);
    }
  }

  /**
   * Builds an image from a directory holding a Dockerfile. The build's own error
   * (a failed RUN, a missing base image) is reported, not swallowed by the stream.
   */
  async build(
    contextDir: string,
    files: string[],
    tag: string,
    labels: Record<string, string>,
    options: { noCache?: boolean } = {},
  ): Promise<void> {
    const stream = await this.wrap(`build image ${tag}`, () =>
      this.docker.buildImage(
        { context: contextDir, src: files },
        {
          t: tag,
          ...(Object.keys(labels).length > 0 ? { labels } : {}),
          rm: true,
          forcerm: true,
          // Never ask a registry: a FROM that is not `scratch` or local fails here, offline or not.
          pull: false,
          ...(options.noCache ? { nocache: true } : {}),
        },
      ),
    );
    const events = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))),
    );
    const failed = events.find((e) => e.error || e.errorDetail);
    if (failed) throw new Error(`failed to build image ${tag}: ${failed.errorDetail?.message ?? failed.error}`);
  }

  /**
   * `docker save` of one image, whole, in memory (scenario images are a few MiB).
   * `platform` (API 1.48+) saves that platform alone; older engines save what they hold.
   */
  async saveImage(ref: string, options: { platform?: string } = {}): Promise<Buffer> {
    const [os, architecture] = (options.platform ?? '').split('/');
    const stream = await this.wrap(`save image ${ref}`, () =>
      options.platform
        ? new Promise<NodeJS.ReadableStream>((resolve, reject) =>
            this.docker.modem.dial(
              {
                path: `/images/${encodeURIComponent(ref)}/get?`,
                method: 'GET',
                isStream: true,
                statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
                options: { platform: JSON.stringify({ os, architecture }) },
              },
              (err, data) => (err ? reject(err) : resolve(data as NodeJS.ReadableStream)),
            ),
          )
        : this.docker.getImage(ref).get(),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** `docker load` of an archive; a refusal in the stream (a bad layer) is an error. */
  async loadImage(archive: Buffer): Promise<void> {
    const stream = await this.wrap('load image', () =>
      this.docker.loadImage(Readable.from([archive]), { quiet: true }),
    );
    const events = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))),
    );
    const failed = events.find((e) => e.error || e.errorDetail);
    if (failed) throw new Error(`failed to load image: ${failed.errorDetail?.message ?? failed.error}`);
  }

  /** The registry digests (`repo@sha256:...`) of a local image, or undefined when there is no such image. */
  async repoDigests(ref: string): Promise<string[] | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).RepoDigests ?? [];
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new Error(`failed to inspect image ${ref}: ${message(error)}`);
    }
  }

  /** `docker pull` of one reference; the pull's own error (no network, no such digest) is reported. */
  async pull(ref: string): Promise<void> {
    const stream = await this.wrap(`pull image ${ref}`, () => this.docker.pull(ref));
    const events = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))),
    );
    const failed = events.find((e) => e.error || e.errorDetail);
    if (failed) throw new Error(`failed to pull image ${ref}: ${failed.errorDetail?.message ?? failed.error}`);
  }

  /** Names an image `repository:tag` too. */
  async tag(source: string, ref: string): Promise<void> {
    const at = ref.lastIndexOf(':');
    await this.wrap(`tag image ${ref}`, () =>
      this.docker.getImage(source).tag({ repo: ref.slice(0, at), tag: ref.slice(at + 1) }),
    );
  }

  /** Removes an image reference; one already gone is not an error. */
  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ noprune: false });
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw new Error(`failed to remove image ${ref}: ${message(error)}`);
    }
  }

  async create(options: Docker.ContainerCreateOptions): Promise<string> {
    const container = await this.wrap(`create container ${options.name ?? ''}`.trim(), () =>
      this.docker.createContainer(options),
    );
    return container.id;
  }

  async start(id: string): Promise<void> {
    await this.wrap(`start container ${id.slice(0, 12)}`, () => this.docker.getContainer(id).start());
  }

  async networkExists(name: string): Promise<boolean> {
    try {
      await this.docker.getNetwork(name).inspect();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw new Error(`failed to inspect network ${name}: ${message(error)}`);
    }
  }

  /** Removes a network; one already gone is not an error. Containers still on it keep it (Docker refuses). */
  async removeNetwork(name: string): Promise<void> {
    try {
      await this.docker.getNetwork(name).remove();
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw new Error(`failed to remove network ${name}: ${message(error)}`);
    }
  }

  /** Creates a bridge network with these labels (kind makes its own; tests make sessions' stand-ins). */
  async createNetwork(name: string, labels: Record<string, string>): Promise<void> {
    await this.wrap(`create network ${name}`, () => this.docker.createNetwork({ Name: name, Labels: labels }));
  }

  /** The IPv4 gateway of a network: the host's own address on its bridge. */
  async gatewayOf(network: string): Promise<string | undefined> {
    const info = await this.wrap(`inspect network ${network}`, () => this.docker.getNetwork(network).inspect());
    return (info.IPAM?.Config ?? [])
      .map((c: { Gateway?: string }) => c.Gateway)
      .find((g: string | undefined) => !!g && g.includes('.'));
  }

  /** The host's bridge interface of a Docker network (`br-<id>` unless the network names its own). */
  async bridgeOf(network: string): Promise<string> {
    const info = await this.wrap(`inspect network ${network}`, () => this.docker.getNetwork(network).inspect());
    return info.Options?.['com.docker.network.bridge.name'] ?? `br-${String(info.Id).slice(0, 12)}`;
  }

  /** A container's IPv4 address on one of its networks, or undefined. */
  async addressOn(id: string, network: string): Promise<string | undefined> {
    const info = await this.wrap(`inspect container ${id.slice(0, 12)}`, () => this.docker.getContainer(id).inspect());
    return info.NetworkSettings.Networks?.[network]?.IPAddress || undefined;
  }

  /** The networks a container is attached to, by name. */
  async networksOf(id: string): Promise<string[]> {
    const info = await this.wrap(`inspect container ${id.slice(0, 12)}`, () => this.docker.getContainer(id).inspect());
    return Object.keys(info.NetworkSettings.Networks ?? {}).sort();
  }

  /** Starts an interactive exec and returns its raw stream (TTY: one stream, no multiplexing). */
  async execInteractive(
    id: string,
    options: { cmd: string[]; user?: string; env?: string[]; workingDir?: string; cols?: number; rows?: number },
  ): Promise<{
    stream: Duplex;
    resize(cols: number, rows: number): Promise<void>;
    exitCode(): Promise<number | null>;
  }> {
    const container = this.docker.getContainer(id);
    const exec = await this.wrap('create exec', () =>
      container.exec({
        Cmd: options.cmd,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
        ...(options.user ? { User: options.user } : {}),
        ...(options.env ? { Env: options.env } : {}),
        ...(options.workingDir ? { WorkingDir: options.workingDir } : {}),
      }),
    );
    const stream = await this.wrap('start exec', () => exec.start({ hijack: true, stdin: true, Tty: true }));
    const resize = async (cols: number, rows: number) => {
      await exec.resize({ w: cols, h: rows }).catch(() => {});
    };
    if (options.cols && options.rows) await resize(options.cols, options.rows);
    return {
      stream,
      resize,
      exitCode: async () => (await exec.inspect()).ExitCode ?? null,
    };
  }

  /** Runs a command to completion and returns its output (no TTY, demultiplexed). */
  async execCapture(id: string, cmd: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const container = this.docker.getContainer(id);
    const exec = await this.wrap('create exec', () =>
      container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false }),
    );
    const stream = await this.wrap('start exec', () => exec.start({ hijack: true, stdin: false }));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.demuxStream(stream, sink(out), sink(err));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const { ExitCode } = await exec.inspect();
    return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exitCode: ExitCode ?? -1 };
  }

  private async wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isConnectionError(error)) throw new DockerUnavailableError(message(error));
      throw new Error(`failed to ${what}: ${message(error)}`);
    }
  }
}

function sink(chunks: Buffer[]): NodeJS.WritableStream {
  return { write: (c: Buffer) => chunks.push(c) > 0 } as unknown as NodeJS.WritableStream;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

function isConnectionError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES';
}

function message(error: unknown): string {
  if (error instanceof Error) {
    const json = (error as { json?: { message?: string } }).json;
    return json?.message ?? error.message;
  }
  return String(error);
}
