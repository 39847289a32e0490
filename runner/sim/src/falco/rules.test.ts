import { describe, expect, it } from 'vitest';
import { ConditionError, parseCondition } from './condition.ts';
import { evaluate, globMatch, pathMatch } from './evaluate.ts';
import type { SyscallEvent } from './event.ts';
import { alertsFor, loadRules, RulesError } from './rules.ts';

const proc = (name: string, args: string[] = [], extra: Partial<SyscallEvent['proc']> = {}) => ({
  pid: 4242,
  vpid: 7,
  name,
  exe: name,
  exepath: `/bin/${name}`,
  args,
  uid: 0,
  userName: 'root',
  tty: 0,
  cwd: '/',
  exeUpperLayer: false,
  ...extra,
});

const container = {
  id: '3f2a9c1b7d4e',
  name: 'web',
  image: 'registry.lab.local/shop/storefront:2.1.0',
  repository: 'registry.lab.local/shop/storefront',
  tag: '2.1.0',
  namespace: 'shop',
  podName: 'storefront-abc',
  podUid: 'uid-1',
};

const exec = (name: string, args: string[] = [], extra: Partial<SyscallEvent> = {}): SyscallEvent => ({
  type: 'execve',
  num: 1,
  time: Date.UTC(2026, 0, 1),
  res: 0,
  node: 'kind-worker',
  proc: proc(name, args),
  ancestors: [proc('containerd-shim', [], { vpid: 0 })],
  container,
  ...extra,
});

const open = (path: string, extra: Partial<SyscallEvent> = {}): SyscallEvent => ({
  ...exec('cat', [path]),
  type: 'openat',
  fd: { num: 3, typechar: 'f', name: path, openRead: true },
  ...extra,
});

// The macros below are written the way falcosecurity/rules writes them (falco_rules.yaml, 0.39).
const MACROS = `
- list: shell_binaries
  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash]
- macro: spawned_process
  condition: (evt.type in (execve, execveat) and evt.dir=<)
- macro: container
  condition: (container.id != host)
- macro: open_read
  condition: (evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0)
- macro: container_entrypoint
  condition: (not proc.pname exists or proc.pname in (runc:[0:PARENT], runc:[1:CHILD], runc, docker-runc, exe, docker-runc-cur, containerd-shim, systemd, crio))
- list: sensitive_file_names
  items: [/etc/shadow, /etc/sudoers, /etc/pam.conf, /etc/security/pwquality.conf]
- macro: sensitive_files
  condition: (fd.name startswith /etc and fd.name in (sensitive_file_names))
`;

const rules = (body: string) =>
  loadRules([
    { name: 'falco_rules.yaml', content: MACROS },
    { name: 'rules.d/custom.yaml', content: body },
  ]);

describe('the condition language', () => {
  it('binds not tighter than and, and and tighter than or', () => {
    const c = parseCondition('proc.name=a or proc.name=b and not proc.name=b');
    expect(c.t).toBe('or');
    expect(evaluate(c, exec('a'))).toBe(true);
    expect(evaluate(c, exec('b'))).toBe(false);
  });

  it('reads bare words with brackets and colons, as upstream lists write them', () => {
    const c = parseCondition('proc.pname in (runc:[0:PARENT], runc:[1:CHILD], containerd-shim)');
    expect(c).toMatchObject({ t: 'cmp', op: 'in', list: ['runc:[0:PARENT]', 'runc:[1:CHILD]', 'containerd-shim'] });
  });

  it('matches pmatch as the example in the Falco documentation does', () => {
    const prefixes = ['/var/run', '/var/spool', '/etc', '/boot'];
    expect(pathMatch(prefixes, '/var/spool/maillog')).toBe(true);
    expect(pathMatch(prefixes, '/opt/data/file.txt')).toBe(false);
    expect(pathMatch(['/var/*/*.txt', '/etc', '/boot'], '/var/run/app.txt')).toBe(true);
    expect(pathMatch(['/etc'], '/etcetera')).toBe(false);
  });

  it('globs as fnmatch does, without exponential backtracking', () => {
    expect(globMatch('/tmp/*', '/tmp/a/b')).toBe(true);
    expect(globMatch('/usr/bin/?ash', '/usr/bin/bash')).toBe(true);
    expect(globMatch('[a-c]at', 'bat')).toBe(true);
    expect(globMatch('[!a-c]at', 'bat')).toBe(false);
    expect(globMatch(`${'*a'.repeat(30)}b`, 'a'.repeat(5000))).toBe(false);
  });

  it('compares numeric fields as numbers', () => {
    expect(evaluate(parseCondition('proc.vpid > 1 and user.uid = 0'), exec('sh'))).toBe(true);
    expect(evaluate(parseCondition('proc.tty != 0'), exec('sh'))).toBe(false);
  });

  it('refuses what Falco refuses, with the position', () => {
    expect(() => parseCondition('proc.name = ')).toThrow(ConditionError);
    expect(() => parseCondition('proc.name in sh')).toThrow(/needs a list/);
    expect(() => parseCondition('(proc.name = sh')).toThrow(/missing '\)'/);
  });

  it('bounds a hostile condition: depth, size and nodes', () => {
    expect(() => parseCondition(`${'('.repeat(5000)}proc.name=sh${')'.repeat(5000)}`)).toThrow(/deeper than 64/);
    expect(() => parseCondition('proc.name=sh or '.repeat(5000))).toThrow(/over the limit/);
    expect(() =>
      parseCondition(`proc.name in (${Array.from({ length: 21_000 }, (_, i) => `p${i}`).join(',')})`, {
        maxLength: 1 << 20,
        maxDepth: 64,
        maxNodes: 20_000,
      }),
    ).toThrow(/more than 20000 nodes/);
  });
});

describe('rules files', () => {
  it('alerts on a shell spawned in a container and on a read of /etc/shadow, at the rule priority', () => {
    const loaded = rules(`
- rule: Shell in container
  desc: a shell started in a container
  condition: spawned_process and container and proc.name in (shell_binaries)
  output: Shell in container (user=%user.name pod=%k8s.pod.name ns=%k8s.ns.name cmd=%proc.cmdline)
  priority: WARNING
  tags: [container, shell]
- rule: Read shadow
  desc: /etc/shadow opened for reading
  condition: open_read and container and sensitive_files
  output: Sensitive file read (file=%fd.name proc=%proc.name container=%container.id)
  priority: CRITICAL
`);
    const shell = alertsFor(loaded, exec('sh', ['-c', 'id']));
    expect(shell).toHaveLength(1);
    expect(shell[0]).toMatchObject({ rule: 'Shell in container', priority: 'Warning', tags: ['container', 'shell'] });
    expect(shell[0]!.output).toBe('Shell in container (user=root pod=storefront-abc ns=shop cmd=sh -c id)');
    const read = alertsFor(loaded, open('/etc/shadow'));
    expect(read.map((a) => [a.rule, a.priority])).toEqual([['Read shadow', 'Critical']]);
    expect(read[0]!.outputFields).toMatchObject({ 'fd.name': '/etc/shadow', 'container.id': '3f2a9c1b7d4e' });
    expect(alertsFor(loaded, open('/etc/passwd'))).toEqual([]);
    expect(alertsFor(loaded, exec('cat', ['/etc/hostname']))).toEqual([]);
    expect(alertsFor(loaded, open('/etc/shadow', { container: undefined }))).toEqual([]);
  });

  it('switches rules off and on: legacy enabled, override enabled: replace', () => {
    const base = `
- rule: Shell in container
  desc: d
  condition: spawned_process and proc.name in (shell_binaries)
  output: shell %proc.name
  priority: NOTICE
`;
    expect(rules(`${base}\n- rule: Shell in container\n  enabled: false\n`)).toHaveLength(0);
    const back = rules(
      `${base}\n- rule: Shell in container\n  enabled: false\n- rule: Shell in container\n  enabled: true\n  override:\n    enabled: replace\n`,
    );
    expect(back).toHaveLength(1);
  });

  it('appends to lists, macros and conditions, and replaces priorities', () => {
    const loaded = rules(`
- list: shell_binaries
  items: [busybox]
  override:
    items: append
- macro: container
  condition: and k8s.ns.name = shop
  override:
    condition: append
- rule: Shell in container
  desc: d
  condition: spawned_process and container and proc.name in (shell_binaries)
  output: shell %proc.name
  priority: NOTICE
- rule: Shell in container
  condition: and not proc.cmdline = "sh -c healthcheck"
  priority: ERROR
  override:
    condition: append
    priority: replace
`);
    expect(alertsFor(loaded, exec('busybox'))[0]?.priority).toBe('Error');
    expect(alertsFor(loaded, exec('sh', ['-c', 'healthcheck']))).toEqual([]);
    expect(alertsFor(loaded, exec('sh', [], { container: { ...container, namespace: 'ops' } }))).toEqual([]);
  });

  it('compiles exceptions into the condition', () => {
    const loaded = rules(`
- rule: Shell in container
  desc: d
  condition: spawned_process and container and proc.name in (shell_binaries)
  output: shell %proc.name
  priority: WARNING
  exceptions:
    - name: toolbox
      fields: [k8s.ns.name, container.image.repository]
      values:
        - [ops, registry.lab.local/shop/storefront]
`);
    expect(alertsFor(loaded, exec('sh'))).toHaveLength(1);
    expect(alertsFor(loaded, exec('sh', [], { container: { ...container, namespace: 'ops' } }))).toEqual([]);
  });

  it('keeps only alerts at or above the minimum priority', () => {
    const loaded = rules(`
- rule: Shell in container
  desc: d
  condition: spawned_process and proc.name = sh
  output: shell
  priority: NOTICE
`);
    expect(alertsFor(loaded, exec('sh'), 'Warning')).toEqual([]);
    expect(alertsFor(loaded, exec('sh'), 'Notice')).toHaveLength(1);
  });

  it('fails the whole load on a problem, naming file, rule and cause', () => {
    const bad = (body: string) => () => rules(body);
    expect(bad('- rule: X\n  desc: d\n  condition: proc.nme = sh\n  output: o\n  priority: WARNING\n')).toThrow(
      /rules.d\/custom.yaml: rule X: LOAD_ERR_COMPILE_CONDITION: filter_check called with nonexistent field proc.nme/,
    );
    expect(bad('- rule: X\n  desc: d\n  condition: no_such_macro\n  output: o\n  priority: WARNING\n')).toThrow(
      /undefined macro 'no_such_macro'/,
    );
    expect(bad('- rule: X\n  desc: d\n  condition: proc.name = sh\n  output: o\n  priority: LOUD\n')).toThrow(
      /invalid priority LOUD/,
    );
    expect(bad('- rule: X\n  desc: d\n  condition: proc.name = sh\n  priority: INFO\n')).toThrow(
      /no mandatory key 'output'/,
    );
    expect(
      bad('- rule: X\n  desc: d\n  condition: proc.name = sh\n  output: "%proc.nope"\n  priority: INFO\n'),
    ).toThrow(/LOAD_ERR_COMPILE_OUTPUT/);
    expect(bad('- rule: Nope\n  condition: and x\n  override:\n    condition: append\n')).toThrow(/not defined/);
    expect(
      bad(
        '- macro: a\n  condition: b\n- macro: b\n  condition: a\n- rule: X\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n',
      ),
    ).toThrow(/refers to itself/);
    expect(bad('rule: not a list')).toThrow(RulesError);
  });

  it('bounds macro expansion, so a macro bomb is an error and not a stall', () => {
    const bomb = ['- macro: m0\n  condition: proc.name = a'];
    for (let i = 1; i <= 30; i++) bomb.push(`- macro: m${i}\n  condition: (m${i - 1} or m${i - 1})`);
    bomb.push('- rule: Bomb\n  desc: d\n  condition: m30\n  output: o\n  priority: INFO');
    expect(() => rules(bomb.join('\n'))).toThrow(/more than 20000 nodes once macros are expanded/);
  });
});
