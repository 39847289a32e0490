import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';

/**
 * How to reach the Docker engine the `docker` CLI (and so kind) would use.
 *
 * dockerode reads `DOCKER_HOST` but not Docker contexts, while kind runs the docker
 * CLI, which does: on Docker Desktop, colima or rootless Docker the two would talk to
 * different engines (or dockerode to none). The order is the CLI's: `DOCKER_HOST`,
 * then `DOCKER_CONTEXT`, then `currentContext` in `config.json`; `default` is the
 * local socket. Returns undefined where dockerode's own defaults already agree.
 */
export function dockerConnection(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): (Docker.DockerOptions & { context?: string }) | undefined {
  if (env.DOCKER_HOST) return undefined;
  const configDir = env.DOCKER_CONFIG ?? join(home, '.docker');
  let context = env.DOCKER_CONTEXT;
  if (!context) {
    const configFile = join(configDir, 'config.json');
    if (existsSync(configFile)) {
      try {
        context = (JSON.parse(readFileSync(configFile, 'utf8')) as { currentContext?: string }).currentContext;
      } catch (error) {
        throw new Error(`failed to read ${configFile}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  if (!context || context === 'default') return undefined;
  // The CLI stores each context under the sha256 of its name.
  const id = createHash('sha256').update(context).digest('hex');
  const metaFile = join(configDir, 'contexts', 'meta', id, 'meta.json');
  if (!existsSync(metaFile)) {
    throw new Error(`failed to use Docker context "${context}": it does not exist (see \`docker context ls\`)`);
  }
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as {
    Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
  };
  const host = meta.Endpoints?.docker?.Host;
  if (!host) throw new Error(`failed to use Docker context "${context}": it names no Docker endpoint`);
  const url = new URL(host);
  if (url.protocol === 'unix:') return { socketPath: url.pathname, context };
  if (url.protocol === 'npipe:') return { socketPath: host.slice('npipe://'.length), context };
  if (url.protocol === 'ssh:') {
    return {
      protocol: 'ssh',
      host: url.hostname,
      port: url.port ? Number(url.port) : 22,
      ...(url.username ? { username: url.username } : {}),
      context,
    };
  }
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    const tls = join(configDir, 'contexts', 'tls', id, 'docker');
    const read = (f: string) => (existsSync(join(tls, f)) ? readFileSync(join(tls, f)) : undefined);
    const [ca, cert, key] = [read('ca.pem'), read('cert.pem'), read('key.pem')];
    const secure = url.protocol === 'https:' || cert !== undefined;
    return {
      protocol: secure ? 'https' : 'http',
      host: url.hostname,
      port: url.port ? Number(url.port) : secure ? 2376 : 2375,
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      context,
    };
  }
  throw new Error(`failed to use Docker context "${context}": unsupported endpoint ${host}`);
}
