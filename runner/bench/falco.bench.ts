/**
 * The simulated Falco's costs: loading the image's rules plus a custom rules file, evaluating one system call against all of them (every call on a node pays it while
 * Falco runs), and refusing a hostile rules file (a macro bomb) at its node bound.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { SyscallEvent } from '@paranoid/sim/falco/event.ts';
import { alertsFor, loadRules, RulesError } from '@paranoid/sim/falco/rules.ts';
import { parse } from 'yaml';
import type { Figure } from './main.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A custom rules file of the kind learners write: overrides of the image's rules and a rule of its own. */
const CUSTOM = `
- rule: Read sensitive file untrusted
  enabled: true
  priority: CRITICAL
  override:
    enabled: replace
    priority: replace
- rule: Drop and execute new binary in container
  enabled: true
  override:
    enabled: replace
- list: shell_expected_namespaces
  items: [ops]
- rule: Shell spawned in a container
  desc: A shell the runtime started in a running container.
  condition: >
    spawned_process and container and shell_procs and container_entrypoint and proc.vpid != 1
    and not k8s.ns.name in (shell_expected_namespaces)
  output: Shell (command=%proc.cmdline pod=%k8s.pod.name ns=%k8s.ns.name)
  priority: WARNING
`;

function filesOf(): { name: string; content: string }[] {
  const image = parse(readFileSync(`${root}runner/sim/src/runtime/images/builtin/falco.image.yaml`, 'utf8')) as {
    files: Record<string, string>;
  };
  return [
    { name: '/etc/falco/falco_rules.yaml', content: image.files['/etc/falco/falco_rules.yaml']! },
    { name: '/etc/falco/rules.d/custom-rules.yaml', content: CUSTOM },
  ];
}

const proc = (name: string, args: string[]) => ({
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
});

const event = (i: number): SyscallEvent => ({
  type: i % 2 ? 'execve' : 'openat',
  num: i + 1,
  time: 0,
  res: 0,
  node: 'kind-worker',
  proc: proc(i % 2 ? 'sh' : 'cat', ['-c', 'id']),
  ancestors: [proc('containerd-shim', [])],
  container: {
    id: '3f2a9c1b7d4e',
    name: 'web',
    image: 'registry.lab.local/shop/storefront:2.1.0',
    repository: 'registry.lab.local/shop/storefront',
    tag: '2.1.0',
    namespace: i % 3 ? 'shop' : 'ops',
    podName: 'storefront-abc',
    podUid: 'uid',
  },
  ...(i % 2
    ? {}
    : { fd: { num: 3, typechar: 'f' as const, name: i % 4 ? '/etc/passwd' : '/etc/shadow', openRead: true } }),
});

export async function run(): Promise<Figure[]> {
  const files = filesOf();
  let started = performance.now();
  const loads = 50;
  let rules = loadRules(files);
  for (let i = 1; i < loads; i++) rules = loadRules(files);
  const loadMs = (performance.now() - started) / loads;

  const n = 100_000;
  let alerts = 0;
  started = performance.now();
  for (let i = 0; i < n; i++) alerts += alertsFor(rules, event(i)).length;
  const perEventUs = ((performance.now() - started) * 1000) / n;

  const bomb = ['- macro: m0\n  condition: proc.name = a'];
  for (let i = 1; i <= 40; i++) bomb.push(`- macro: m${i}\n  condition: (m${i - 1} or m${i - 1})`);
  bomb.push('- rule: Bomb\n  desc: d\n  condition: m40\n  output: o\n  priority: INFO');
  started = performance.now();
  let refused = false;
  try {
    loadRules([{ name: 'bomb.yaml', content: bomb.join('\n') }]);
  } catch (e) {
    refused = e instanceof RulesError;
  }
  const bombMs = performance.now() - started;

  return [
    {
      name: `load the image's rules and a custom file (${rules.length} rules)`,
      value: loadMs,
      unit: 'ms',
      goal: '< 100 ms',
    },
    {
      name: `evaluate one system call against them (${alerts} alerts in ${n})`,
      value: perEventUs,
      unit: 'µs',
      goal: '< 50 µs',
    },
    {
      name: `refuse a macro bomb of 2^40 nodes${refused ? '' : ' (NOT REFUSED)'}`,
      value: bombMs,
      unit: 'ms',
      goal: '< 50 ms',
    },
  ];
}
