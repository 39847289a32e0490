import type { ContainerInstance } from '../../types.ts';
import { credentials } from '../context.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';
import { parseFlags } from './util.ts';

const SOCKET = '/run/containerd/containerd.sock';

/** go-units' HumanDuration, as crictl prints CREATED ("2 minutes ago"). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  return `${Math.floor(hours / 24 / 7)} weeks`;
}

/** crictl's table: tabwriter with a minimum cell width of 20 and padding 3. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(20, ...rows.map((r) => (r[i] ?? '').length + 3)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

const shortId = (hex: string) =>
  hex
    .replace(/^sha256:/, '')
    .replace(/-/g, '')
    .slice(0, 13);

/** The containers the node's containerd runs: current ones, and exited ones with `-a`. */
function nodeContainers(ctx: CommandCtx, all: boolean): ContainerInstance[] {
  const list: ContainerInstance[] = [];
  for (const rec of ctx.sys.state.pods.values()) {
    for (const inst of rec.containers.values()) if (inst.nodeName === ctx.sys.host.name) list.push(inst);
    if (all) for (const inst of rec.previous.values()) if (inst.nodeName === ctx.sys.host.name) list.push(inst);
  }
  return list
    .filter((inst) => all || inst.state === 'running')
    .sort((a, b) => b.startedAt - a.startedAt || a.name.localeCompare(b.name));
}

/**
 * `crictl` on a node: `ps [-a] [-q]`, `pods`, `images`, from the runtime's own state.
 * It answers only where containerd's socket is (the node's file system, after
 * `nsenter -m` or `chroot /host`) and only to root, as on a kind node.
 */
function crictl(ctx: CommandCtx): number {
  const [sub, ...rest] = ctx.argv.slice(1);
  const socket = ctx.sys.view.stat(SOCKET);
  if (!socket) {
    ctx.err(
      `time="${new Date(ctx.sh.clock.now()).toISOString()}" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"unix://${SOCKET}\\": rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix ${SOCKET}: connect: no such file or directory\\""\n`,
    );
    return 1;
  }
  if (credentials(ctx.sys.sec).uid !== 0) {
    ctx.err(
      `time="${new Date(ctx.sh.clock.now()).toISOString()}" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"unix://${SOCKET}\\": rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix ${SOCKET}: connect: permission denied\\""\n`,
    );
    return 1;
  }
  const { flags } = parseFlags(rest);
  const now = ctx.sh.clock.now();
  switch (sub) {
    case 'ps': {
      const list = nodeContainers(ctx, flags.has('a') || flags.has('all'));
      if (flags.has('q') || flags.has('quiet')) {
        ctx.out(list.map((c) => `${c.id}\n`).join(''));
        return 0;
      }
      const rows = [['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD', 'NAMESPACE']];
      for (const c of list) {
        rows.push([
          shortId(c.id),
          shortId(c.image.digest),
          `${humanDuration(now - c.startedAt)} ago`,
          c.state === 'running' ? 'Running' : 'Exited',
          c.name,
          String(c.restartCount),
          shortId(c.podUid),
          c.podName,
          c.namespace,
        ]);
      }
      ctx.out(table(rows));
      return 0;
    }
    case 'pods': {
      const rows = [['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT', 'RUNTIME']];
      const seen = new Set<string>();
      for (const c of nodeContainers(ctx, false)) {
        if (seen.has(c.podUid)) continue;
        seen.add(c.podUid);
        rows.push([
          shortId(c.podUid),
          `${humanDuration(now - c.startedAt)} ago`,
          'Ready',
          c.podName,
          c.namespace,
          '0',
          '(default)',
        ]);
      }
      ctx.out(table(rows));
      return 0;
    }
    case 'images': {
      const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
      const seen = new Set<string>();
      for (const c of nodeContainers(ctx, true)) {
        const [repo, tag] = splitName(c.imageName);
        const key = `${repo}:${tag}`;
        if (seen.has(key)) continue;
        seen.add(key);
        rows.push([repo, tag, shortId(c.image.digest), '-']);
      }
      ctx.out(table(rows));
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      ctx.out(
        'NAME:\n   crictl - client for CRI\n\nUSAGE:\n   crictl [global options] command [command options]\n\nCOMMANDS (in this simulator):\n   ps       List containers\n   pods     List pods\n   images   List images\n',
      );
      return 0;
    default:
      ctx.err(`No help topic for '${sub}'\n`);
      return 3;
  }
}

/** `docker.io/library/nginx:1.27` → [`docker.io/library/nginx`, `1.27`]; a digest-only name has tag `<none>`. */
function splitName(name: string): [string, string] {
  const at = name.indexOf('@');
  const base = at >= 0 ? name.slice(0, at) : name;
  const colon = base.lastIndexOf(':');
  if (colon > base.lastIndexOf('/')) return [base.slice(0, colon), base.slice(colon + 1)];
  return [base, '<none>'];
}

/** `crictl`, for inspecting a node's containers from a node shell. */
export const crictlCommands: CommandTable = { crictl };
