import type { Proc } from '../types.ts';

/** Bounds on what a client can store: a learner's loop must not grow the runner's memory. */
const MAX_KEYS = 10_000;
const MAX_VALUE = 64 * 1024;

/** The password clients must AUTH with: the image's, or the one its environment names. */
function passwordOf(proc: Proc): string | undefined {
  const kv = proc.listen?.kv;
  if (kv?.password !== undefined) return kv.password;
  if (!kv?.passwordFromEnv) return undefined;
  const entry = proc.env.findLast((e) => e.startsWith(`${kv.passwordFromEnv}=`));
  const value = entry?.slice(kv.passwordFromEnv.length + 1);
  return value ? value : undefined;
}

/** The `# Server` section of INFO: the image's lines, CRLF-terminated, plus the port. */
function serverInfo(proc: Proc): string {
  const lines = (proc.listen?.kv?.info ?? '').split('\n').filter(Boolean);
  return `${[...lines, `tcp_port:${proc.listen?.port ?? 6379}`].join('\r\n')}\r\n`;
}

/** A reply to one command, as a RESP value. */
export type RespValue = string | number | null | RespValue[] | { error: string } | { status: string };

/**
 * A key/value store's answer to one command, in the RESP protocol (redis, valkey,
 * KeyDB): the commands a lab's client sends. What the store holds and its
 * password and INFO text are the image's data (`listen.kv`).
 */
export function kvCommand(proc: Proc, args: string[], authed: { ok: boolean }): RespValue {
  proc.kv ??= new Map(Object.entries(proc.listen?.kv?.data ?? {}));
  const data = proc.kv;
  const cmd = (args[0] ?? '').toUpperCase();
  const password = passwordOf(proc);
  if (cmd === 'AUTH') {
    if (!password)
      return {
        error:
          'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      };
    if (args[args.length - 1] === password) {
      authed.ok = true;
      return { status: 'OK' };
    }
    return { error: 'WRONGPASS invalid username-password pair or user is disabled.' };
  }
  if (password && !authed.ok && cmd !== 'PING') return { error: 'NOAUTH Authentication required.' };
  switch (cmd) {
    case 'PING':
      return { status: args[1] ?? 'PONG' };
    case 'GET':
      return data.get(args[1] ?? '') ?? null;
    case 'SET':
      if (data.size >= MAX_KEYS && !data.has(args[1] ?? ''))
        return { error: "OOM command not allowed when used memory > 'maxmemory'." };
      if ((args[2] ?? '').length > MAX_VALUE)
        return { error: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' };
      data.set(args[1] ?? '', args[2] ?? '');
      return { status: 'OK' };
    case 'DEL': {
      let n = 0;
      for (const k of args.slice(1)) if (data.delete(k)) n++;
      return n;
    }
    case 'EXISTS':
      return args.slice(1).filter((k) => data.has(k)).length;
    case 'KEYS': {
      const pattern = args[1] ?? '*';
      const re = new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
      return [...data.keys()].filter((k) => re.test(k)).sort();
    }
    case 'DBSIZE':
      return data.size;
    case 'CONFIG':
      if ((args[1] ?? '').toUpperCase() === 'GET')
        return [args[2] ?? '', args[2] === 'requirepass' ? (password ?? '') : ''];
      return { status: 'OK' };
    case 'INFO':
      return `# Server\r\n${serverInfo(proc)}\r\n# Clients\r\nconnected_clients:1\r\n\r\n# Keyspace\r\n${data.size ? `db0:keys=${data.size},expires=0,avg_ttl=0\r\n` : ''}`;
    case 'COMMAND':
      return [];
    case 'QUIT':
      return { status: 'OK' };
    case 'FLUSHALL':
    case 'FLUSHDB':
      data.clear();
      return { status: 'OK' };
    default:
      return {
        error: `ERR unknown command '${args[0] ?? ''}', with args beginning with: ${args
          .slice(1)
          .map((a) => `'${a}' `)
          .join('')}`,
      };
  }
}

/** RESP wire encoding (what `nc` prints). */
export function encodeResp(v: RespValue): string {
  if (v === null) return '$-1\r\n';
  if (typeof v === 'number') return `:${v}\r\n`;
  if (typeof v === 'string') return `$${new TextEncoder().encode(v).length}\r\n${v}\r\n`;
  if (Array.isArray(v)) return `*${v.length}\r\n${v.map(encodeResp).join('')}`;
  if ('error' in v) return `-${v.error}\r\n`;
  return `+${v.status}\r\n`;
}
