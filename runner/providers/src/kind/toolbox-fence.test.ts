import { describe, expect, it } from 'vitest';
import { fenceRulesIn, fenceTag, type Iptables, staleFenceRules, sweepStaleFenceRules } from './toolbox-fence.ts';

const LIVE = 'a1b2c3d4e5f6'.padEnd(64, '7');
const GONE = '0123456789ab'.padEnd(64, 'c');

// `iptables -w -S INPUT` and `-S DOCKER-USER` as iptables v1.8.9 (nf_tables) printed them on
// this project's Debian host with two toolboxes fenced, one of whose containers is gone.
const INPUT = `-P INPUT ACCEPT
-A INPUT -s 172.18.0.3/32 -i br-5f0e1d2c3b4a -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment --comment ${fenceTag(LIVE)} -j REJECT --reject-with icmp-port-unreachable
-A INPUT -s 172.19.0.3/32 -i br-9a8b7c6d5e4f -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment --comment ${fenceTag(GONE)} -j REJECT --reject-with icmp-port-unreachable
-A INPUT -i lo -j ACCEPT
`;
const DOCKER_USER = `-N DOCKER-USER
-A DOCKER-USER -s 172.18.0.3/32 -i br-5f0e1d2c3b4a ! -o br-5f0e1d2c3b4a -m comment --comment ${fenceTag(LIVE)} -j REJECT --reject-with icmp-port-unreachable
-A DOCKER-USER -s 172.19.0.3/32 -i br-9a8b7c6d5e4f ! -o br-9a8b7c6d5e4f -m comment --comment ${fenceTag(GONE)} -j REJECT --reject-with icmp-port-unreachable
-A DOCKER-USER -s 192.0.2.7/32 -m comment --comment "kept by the admin: not paranoid-toolbox-0123456789ab" -j RETURN
-A DOCKER-USER -s 192.0.2.8/32 -m comment --comment paranoid-toolbox-0123456789ab-extra -j RETURN
-A DOCKER-USER -s 192.0.2.9/32 -m comment --comment "say \\"paranoid-toolbox-0123456789ab\\"" -j RETURN
-A DOCKER-USER -j RETURN
`;

describe('fenceRulesIn', () => {
  it("finds each toolbox's rules in nf_tables output with the arguments that delete them", () => {
    const rules = fenceRulesIn(INPUT);
    expect(rules.map((r) => [r.chain, r.container])).toEqual([
      ['INPUT', 'a1b2c3d4e5f6'],
      ['INPUT', '0123456789ab'],
    ]);
    expect(rules[1]!.spec).toEqual([
      'INPUT',
      '-s',
      '172.19.0.3/32',
      '-i',
      'br-9a8b7c6d5e4f',
      '-m',
      'conntrack',
      '!',
      '--ctstate',
      'RELATED,ESTABLISHED',
      '-m',
      'comment',
      '--comment',
      'paranoid-toolbox-0123456789ab',
      '-j',
      'REJECT',
      '--reject-with',
      'icmp-port-unreachable',
    ]);
  });

  it('never takes a rule whose comment only contains a tag, or a tag with more after it', () => {
    expect(fenceRulesIn(DOCKER_USER).map((r) => r.spec[2])).toEqual(['172.18.0.3/32', '172.19.0.3/32']);
  });

  it('reads the quoted comments older iptables print, and skips policies, chains and warnings', () => {
    const legacy = `-P FORWARD DROP
-N DOCKER-USER
-A DOCKER-USER -s 172.19.0.3/32 -i br-9a8b7c6d5e4f ! -o br-9a8b7c6d5e4f -m comment --comment "${fenceTag(GONE)}" -j REJECT --reject-with icmp-port-unreachable
# Warning: iptables-legacy tables present, use iptables-legacy to see them
`;
    const rules = fenceRulesIn(legacy);
    expect(rules).toHaveLength(1);
    expect(rules[0]!.tag).toBe('paranoid-toolbox-0123456789ab');
    expect(rules[0]!.spec).toContain('paranoid-toolbox-0123456789ab');
  });

  it('finds nothing in a table without toolboxes', () => {
    expect(fenceRulesIn('-P INPUT ACCEPT\n-A INPUT -i lo -j ACCEPT\n')).toEqual([]);
    expect(fenceRulesIn('')).toEqual([]);
  });
});

describe('staleFenceRules', () => {
  it('selects the rules of containers that no longer run and keeps those of running ones', () => {
    const rules = [...fenceRulesIn(INPUT), ...fenceRulesIn(DOCKER_USER)];
    const stale = staleFenceRules(rules, [LIVE, 'ffffffffffff'.padEnd(64, '0')]);
    expect(stale.map((r) => `${r.chain} ${r.container}`)).toEqual(['INPUT 0123456789ab', 'DOCKER-USER 0123456789ab']);
  });

  it('takes every rule when nothing runs', () => {
    expect(staleFenceRules(fenceRulesIn(INPUT), [])).toHaveLength(2);
  });
});

/** A firewall of two chains held as `iptables -S` lines, answering as iptables does; calls are logged. */
function firewall(chains: Record<string, string>, log: string[]): Iptables {
  return async (args) => {
    log.push(args.slice(0, 2).join(' '));
    const [op, chain] = args;
    const lines = chains[chain!];
    if (lines === undefined) throw new Error('iptables: No chain/target/match by that name.');
    if (op === '-S') return lines;
    if (op === '-D') {
      const wanted = args.slice(1);
      const all = lines.split('\n');
      const at = all.findIndex((l) => fenceRulesIn(l)[0]?.spec.join(' ') === wanted.join(' '));
      if (at < 0) throw new Error('iptables: Bad rule (does a matching rule exist in that chain?).');
      all.splice(at, 1);
      chains[chain!] = all.join('\n');
      return '';
    }
    throw new Error(`unexpected iptables ${args.join(' ')}`);
  };
}

describe('sweepStaleFenceRules', () => {
  it('lists both chains before the containers, then deletes only the stale rules', async () => {
    const log: string[] = [];
    const chains = { INPUT, 'DOCKER-USER': DOCKER_USER };
    const swept = await sweepStaleFenceRules(
      async () => {
        log.push('containers');
        return [LIVE];
      },
      firewall(chains, log),
    );
    expect(log).toEqual(['-S INPUT', '-S DOCKER-USER', 'containers', '-D INPUT', '-D DOCKER-USER']);
    expect(swept.removed.map((r) => r.chain)).toEqual(['INPUT', 'DOCKER-USER']);
    expect(swept.kept).toBe(2);
    expect(chains.INPUT).not.toContain(fenceTag(GONE));
    expect(chains.INPUT).toContain(fenceTag(LIVE));
    // The admin's rules, even those naming a tag, are all still there.
    expect(chains['DOCKER-USER'].split('\n').filter((l) => l.includes('192.0.2.'))).toHaveLength(3);
  });

  it('does not ask Docker when no rule is tagged', async () => {
    const swept = await sweepStaleFenceRules(
      () => Promise.reject(new Error('Docker was asked')),
      firewall({ INPUT: '-P INPUT ACCEPT\n', 'DOCKER-USER': '-N DOCKER-USER\n' }, []),
    );
    expect(swept).toEqual({ removed: [], kept: 0 });
  });

  it('takes a host whose Docker made no DOCKER-USER chain as having no rules there', async () => {
    const chains: Record<string, string> = { INPUT };
    const swept = await sweepStaleFenceRules(async () => [], firewall(chains, []));
    expect(swept.removed).toHaveLength(2);
  });

  it('takes a rule another sweep removed first as removed', async () => {
    const log: string[] = [];
    const chains = { INPUT, 'DOCKER-USER': DOCKER_USER };
    const iptables = firewall(chains, log);
    const racing: Iptables = async (args) => {
      // Another runner's sweep gets there between this one's listing and its delete.
      if (args[0] === '-D') await iptables(args);
      return iptables(args);
    };
    const swept = await sweepStaleFenceRules(async () => [LIVE], racing);
    expect(swept.removed).toHaveLength(2);
  });

  it('says why when iptables is missing or refuses, and never asks Docker then', async () => {
    const missing: Iptables = () => Promise.reject(new Error('iptables is not installed'));
    const docker = () => Promise.reject(new Error('Docker was asked'));
    await expect(sweepStaleFenceRules(docker, missing)).rejects.toThrow(
      'failed to sweep stale toolbox fence rules: cannot list INPUT: iptables is not installed',
    );
    const notRoot: Iptables = () =>
      Promise.reject(
        new Error(
          'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)',
        ),
      );
    await expect(sweepStaleFenceRules(docker, notRoot)).rejects.toThrow(/cannot list INPUT: .*Permission denied/);
  });

  it('deletes every stale rule it can and names the ones it could not', async () => {
    const chains = { INPUT, 'DOCKER-USER': DOCKER_USER };
    const iptables = firewall(chains, []);
    const refusing: Iptables = (args) =>
      args[0] === '-D' && args[1] === 'INPUT' ? Promise.reject(new Error('Permission denied')) : iptables(args);
    await expect(sweepStaleFenceRules(async () => [LIVE], refusing)).rejects.toThrow(
      'failed to sweep stale toolbox fence rules: cannot delete INPUT paranoid-toolbox-0123456789ab: Permission denied',
    );
    expect(fenceRulesIn(chains['DOCKER-USER']).map((r) => r.container)).toEqual(['a1b2c3d4e5f6']);
  });
});
