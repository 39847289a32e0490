import { execFile } from 'node:child_process';
import type { DockerEngine } from './docker-engine.ts';

/** Runs `iptables` with these arguments; rejects with its message. */
export type Iptables = (args: string[]) => Promise<string>;

/** The host's iptables (`-w`: wait for the lock Docker also takes). */
export const hostIptables: Iptables = (args) =>
  new Promise((resolve, reject) => {
    execFile('iptables', ['-w', ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error((stderr || error.message).trim()));
      else resolve(stdout);
    });
  });

/** The comment that marks one toolbox's rules, so they are found and removed by it. */
export const fenceTag = (containerId: string) => `paranoid-toolbox-${containerId.slice(0, 12)}`;

/**
 * The two rules that fence a toolbox in (README.md of providers, "The toolbox's network"):
 *
 * - `INPUT`: nothing from the toolbox's address on its bridge reaches the host itself (the
 *   bridge's gateway, the host's other addresses, every port listening there), except the
 *   answers to connections the host opened;
 * - `DOCKER-USER` (Docker's place for the admin's own forwarding rules): nothing from it is
 *   forwarded out of its bridge, so no other session's network, no host network, no internet
 *   and no 169.254.169.254. Its own cluster's nodes are on the same bridge and stay reachable.
 *
 * Both reject rather than drop, so a learner's `nc` ends at once ("Connection refused").
 */
export function fenceRules(bridge: string, address: string, tag: string): string[][] {
  const mark = ['-m', 'comment', '--comment', tag];
  return [
    [
      'INPUT',
      '-i',
      bridge,
      '-s',
      address,
      '-m',
      'conntrack',
      '!',
      '--ctstate',
      'ESTABLISHED,RELATED',
      ...mark,
      '-j',
      'REJECT',
    ],
    ['DOCKER-USER', '-i', bridge, '-s', address, '!', '-o', bridge, ...mark, '-j', 'REJECT'],
  ];
}

/**
 * Fences a started toolbox on its session's network. A toolbox that cannot be fenced (no
 * iptables, no right to change it) is an error: the caller removes it, since a terminal with a
 * route to the host is worse than none.
 */
export async function fenceToolbox(
  docker: DockerEngine,
  containerId: string,
  network: string,
  iptables: Iptables = hostIptables,
): Promise<void> {
  const address = await docker.addressOn(containerId, network);
  if (!address) throw new Error(`failed to fence the toolbox: it has no address on network ${network}`);
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw new Error(`failed to fence the toolbox: bad address ${address}`);
  const bridge = await docker.bridgeOf(network);
  const rules = fenceRules(bridge, address, fenceTag(containerId));
  try {
    for (const [chain, ...rule] of rules) await iptables(['-I', chain!, '1', ...rule]);
  } catch (error) {
    await unfenceToolbox(containerId, iptables).catch(() => undefined);
    throw new Error(
      `failed to fence the toolbox off from the host (iptables, as root): ${error instanceof Error ? error.message : error}`,
    );
  }
}

/** Removes a toolbox's rules, found by their comment; none left is not an error. */
export async function unfenceToolbox(containerId: string, iptables: Iptables = hostIptables): Promise<void> {
  const tag = fenceTag(containerId);
  for (const chain of ['INPUT', 'DOCKER-USER']) {
    const listed = await iptables(['-S', chain]).catch(() => '');
    for (const line of listed.split('\n')) {
      if (!line.startsWith('-A ') || !line.includes(tag)) continue;
      const args = splitRule(line.slice(3));
      await iptables(['-D', ...args]);
    }
  }
}

/** `iptables -S` prints a rule as arguments, quoting those with spaces. */
function splitRule(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? '');
  return out;
}
