import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway PostgreSQL server for tests and benches: its own data dir, port and socket dir. */
export interface TestPostgres {
  /** `postgres://paranoid:<password>@127.0.0.1:<port>/postgres` */
  url: string;
  /** A fresh, empty database on the same server, so suites do not see each other's rows. */
  createDatabase(name: string): Promise<string>;
  stop(): void;
}

/** The newest Debian `postgresql-NN` bin directory, or undefined. */
export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * initdb into a temp dir and pg_ctl start on a private port, password-authenticated,
 * listening on 127.0.0.1 and a private socket dir only. PostgreSQL refuses to run as
 * root, so as root it runs as the `postgres` user the Debian package creates.
 * Throws (never skips) when PostgreSQL is not installed: `.ci/run` installs it.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      'failed to start PostgreSQL for the store tests: no /usr/lib/postgresql/*/bin/pg_ctl; install Debian package postgresql (node scripts/lab.mjs install does)',
    );
  }
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'paranoid-pg-'));
  const password = randomBytes(18).toString('base64url');
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  spawnSync('mkdir', ['-p', sockets]);
  if (root) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0)
      throw new Error('failed to start PostgreSQL as root: there is no `postgres` user to run it as');
    const uid = Number(ids.stdout.trim());
    const gid = Number(gids.stdout.trim());
    for (const path of [dir, sockets, pwfile]) chownSync(path, uid, gid);
  }
  chmodSync(dir, 0o700);
  const as = (command: string, args: string[]): SpawnSyncReturns<string> =>
    root
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
  const must = (what: string, r: SpawnSyncReturns<string>) => {
    if (r.status !== 0) throw new Error(`failed to ${what}: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  };
  must(
    'initdb a test PostgreSQL',
    as(join(bin, 'initdb'), ['-D', data, '-U', 'paranoid', '-A', 'scram-sha-256', `--pwfile=${pwfile}`, '--no-sync']),
  );
  const port = await freePort();
  const options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  must(
    'start the test PostgreSQL',
    as(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']),
  );
  const url = `postgres://paranoid:${password}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    url,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`failed to create database ${name}: not a plain name`);
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop,
  };
}
