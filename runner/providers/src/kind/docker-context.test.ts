import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerConnection } from './docker-context.ts';

describe('the Docker engine to talk to', () => {
  let home = '';
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  /** A ~/.docker as `docker context create` leaves it. */
  function dockerHome(current: string | undefined, contexts: Record<string, string>) {
    home = mkdtempSync(join(tmpdir(), 'paranoid-docker-home-'));
    const dir = join(home, '.docker');
    mkdirSync(dir, { recursive: true });
    if (current) writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: {}, currentContext: current }));
    for (const [name, host] of Object.entries(contexts)) {
      const meta = join(dir, 'contexts/meta', createHash('sha256').update(name).digest('hex'));
      mkdirSync(meta, { recursive: true });
      writeFileSync(
        join(meta, 'meta.json'),
        JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
      );
    }
    return home;
  }

  it("follows the CLI's current context, as kind does (colima, Docker Desktop, rootless)", () => {
    const h = dockerHome('colima', { colima: `unix:///home/u/.colima/default/docker.sock` });
    expect(dockerConnection({}, h)).toEqual({ socketPath: '/home/u/.colima/default/docker.sock', context: 'colima' });
  });

  it('lets DOCKER_CONTEXT override the current context, and DOCKER_HOST override both', () => {
    const h = dockerHome('colima', { colima: 'unix:///a.sock', remote: 'tcp://10.0.0.5:2375' });
    expect(dockerConnection({ DOCKER_CONTEXT: 'remote' }, h)).toEqual({
      protocol: 'http',
      host: '10.0.0.5',
      port: 2375,
      context: 'remote',
    });
    // dockerode reads DOCKER_HOST itself.
    expect(dockerConnection({ DOCKER_HOST: 'unix:///b.sock', DOCKER_CONTEXT: 'remote' }, h)).toBeUndefined();
  });

  it('uses the local socket for the default context or no config at all', () => {
    expect(dockerConnection({}, dockerHome('default', {}))).toBeUndefined();
    rmSync(home, { recursive: true, force: true });
    expect(dockerConnection({}, dockerHome(undefined, {}))).toBeUndefined();
  });

  it('says so when the context named does not exist', () => {
    const h = dockerHome('gone', {});
    expect(() => dockerConnection({}, h)).toThrow(/failed to use Docker context "gone": it does not exist/);
  });
});
