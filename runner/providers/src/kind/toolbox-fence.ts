import { execFile } from 'node:child_process';
import type { DockerEngine } from './docker-engine.ts';

/** Runs `iptables` with these arguments; rejects with its message. */
export type Iptables = (args: string[]) => Promise<string>;

/** The host's iptables (`-w`: wait for the lock Docker also takes). */
export const hostIptables: Iptables = (args) =>
  new Promise((resolve, reject) => {
    execFile('iptables', ['-w', ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new Error('iptables is not installed'));
      else if (error) reject(new Error((stderr || error.message).trim()));
      else resolve(stdout);
    });
  });

/** The chains a toolbox's rules go in (see {@link fenceRules}). */
export const FENCE_CHAINS = ['INPUT', 'DOCKER-USER'] as const;

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
  for (const chain of FENCE_CHAINS) {
    const listed = await iptables(['-S', chain]).catch(() => '');
    for (const rule of fenceRulesIn(listed)) if (rule.tag === tag) await deleteRule(rule, iptables);
  }
}

/** One rule of `iptables -S CHAIN` that fences a toolbox in. */
export interface FenceRule {
  chain: string;
  /** The rule's arguments after `-A`, chain first, as `iptables -D` takes them back. */
  spec: string[];
  /** Its comment, `paranoid-toolbox-` and the first 12 hex digits of the container's id. */
  tag: string;
  /** Those 12 digits. */
  container: string;
}

const TAG = /^paranoid-toolbox-([0-9a-f]{12})$/;

/**
 * The toolbox rules in a listing of `iptables -S` (one chain or all): those whose comment is
 * exactly a {@link fenceTag}. Any other rule, including one whose comment merely contains a
 * tag, is not ours and is never returned, so nothing else of the host's firewall is touched.
 */
export function fenceRulesIn(listing: string): FenceRule[] {
  const rules: FenceRule[] = [];
  for (const line of listing.split('\n')) {
    if (!line.startsWith('-A ')) continue;
    const spec = splitRule(line.slice(3));
    const at = spec.indexOf('--comment');
    const tag = at >= 0 ? spec[at + 1] : undefined;
    const m = tag === undefined ? null : TAG.exec(tag);
    if (!m || !spec[0]) continue;
    rules.push({ chain: spec[0], spec, tag: tag!, container: m[1]! });
  }
  return rules;
}

/**
 * The rules whose toolbox is no longer running: its container is gone, or stopped (its address
 * is then free on the bridge, for the next container to inherit the rule). `running` holds the
 * ids of the containers that run now (paused ones included: they keep their address).
 */
export function staleFenceRules(rules: FenceRule[], running: Iterable<string>): FenceRule[] {
  const live = new Set([...running].map((id) => id.slice(0, 12)));
  return rules.filter((r) => !live.has(r.container));
}

/** What a sweep of the fence rules found. */
export interface FenceSweep {
  /** Rules removed: their toolbox no longer runs. */
  removed: FenceRule[];
  /** Rules kept: their toolbox runs. */
  kept: number;
}

/**
 * Removes the fence rules a runner left behind when it died without taking its toolboxes' rules
 * back (SIGKILL, a crash, the host's power): left alone they pile up, and a later container given
 * the same address on that bridge would inherit a REJECT. The rules are listed before the
 * containers, so a toolbox fenced meanwhile (its rules come after its start) is seen running;
 * a rule another sweep removed first is not an error. Throws `failed to sweep ...` when iptables
 * cannot be read or changed (not installed, not root); the caller reports it and carries on.
 */
export async function sweepStaleFenceRules(
  runningContainers: () => Promise<string[]>,
  iptables: Iptables = hostIptables,
): Promise<FenceSweep> {
  const rules: FenceRule[] = [];
  for (const chain of FENCE_CHAINS) {
    let listed: string;
    try {
      listed = await iptables(['-S', chain]);
    } catch (error) {
      // No DOCKER-USER: Docker does not manage iptables here, so no toolbox was ever fenced in it.
      if (chain !== 'INPUT' && NO_CHAIN.test(messageOf(error))) continue;
      throw new Error(`failed to sweep stale toolbox fence rules: cannot list ${chain}: ${messageOf(error)}`);
    }
    rules.push(...fenceRulesIn(listed).filter((r) => r.chain === chain));
  }
  if (rules.length === 0) return { removed: [], kept: 0 };
  const stale = staleFenceRules(rules, await runningContainers());
  const failed: string[] = [];
  const removed: FenceRule[] = [];
  for (const rule of stale) {
    try {
      await deleteRule(rule, iptables);
      removed.push(rule);
    } catch (error) {
      failed.push(`${rule.chain} ${rule.tag}: ${messageOf(error)}`);
    }
  }
  if (failed.length > 0)
    throw new Error(`failed to sweep stale toolbox fence rules: cannot delete ${failed.join('; ')}`);
  return { removed, kept: rules.length - stale.length };
}

/** What iptables says of a chain that does not exist (legacy, then nf_tables). */
export const NO_CHAIN = /No chain\/target\/match by that name|in table `filter' is incompatible|does not exist/;
/** What iptables says when deleting a rule (or from a chain) that is not there. */
const NO_RULE = /does a matching rule exist|No chain\/target\/match by that name/;

/** Deletes one rule by its arguments (not its number, which moves as others change the chain); gone already is fine. */
async function deleteRule(rule: FenceRule, iptables: Iptables): Promise<void> {
  try {
    await iptables(['-D', ...rule.spec]);
  } catch (error) {
    if (!NO_RULE.test(messageOf(error))) throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `iptables -S` prints a rule as arguments, quoting those with spaces and escaping quotes in them. */
function splitRule(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g))
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}
