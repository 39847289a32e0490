import { afterEach, describe, expect, it } from 'vitest';
import { logs } from './logs.ts';
import { createTestCluster } from './testing/harness.ts';

const STOCK = `
- list: shell_binaries
  items: [ash, bash, sh, dash]
- macro: spawned_process
  condition: (evt.type in (execve, execveat) and evt.dir=<)
- macro: container
  condition: (container.id != host)
- macro: open_read
  condition: (evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0)
`;

const RULES = `
- rule: Shell in container
  desc: a shell the runtime started in a container
  condition: spawned_process and container and proc.name in (shell_binaries) and proc.pname = containerd-shim
  output: Shell (pod=%k8s.pod.name ns=%k8s.ns.name cmd=%proc.cmdline parent=%proc.pname)
  priority: WARNING
- rule: Shadow read
  desc: /etc/shadow opened
  condition: open_read and container and fd.name = /etc/shadow
  output: Shadow read (proc=%proc.name file=%fd.name)
  priority: CRITICAL
- rule: Dropped binary
  desc: a program written after the container started
  condition: spawned_process and container and proc.is_exe_upper_layer = true
  output: Dropped (exe=%proc.exepath name=%proc.name)
  priority: CRITICAL
- rule: Written to tmp
  desc: a file opened for writing under /tmp
  condition: evt.type = openat and evt.is_open_write = true and fd.directory = /tmp
  output: Written (file=%fd.name proc=%proc.name)
  priority: INFO
- rule: Outbound to 4444
  desc: connect to 4444
  condition: evt.type = connect and fd.sport = 4444
  output: Connect (to=%fd.name)
  priority: NOTICE
`;

const images = [
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'docker.io/falcosecurity/falco',
    digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
    tags: ['0.39.2'],
    config: { entrypoint: ['/usr/bin/falco'] },
    userland: 'gnu',
    binaries: ['sh', 'cat'],
    files: {
      '/etc/falco/falco_rules.yaml': STOCK,
      '/etc/falco/falco.yaml':
        'json_output: true\nrules_files:\n  - /etc/falco/falco_rules.yaml\n  - /etc/falco/rules.d\n',
    },
    processes: [{ name: 'falco', watchSyscalls: { engine: 'falco' } }],
  },
  {
    apiVersion: 'paranoid.dev/v1',
    kind: 'Image',
    repository: 'registry.lab.local/shop/app',
    digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
    tags: ['1.0'],
    config: { entrypoint: ['sleep'], cmd: ['infinity'] },
    userland: 'busybox',
    binaries: ['busybox', 'sh', 'cat', 'cp', 'chmod', 'sleep', 'id', 'nc'],
    files: { '/etc/shadow': { content: 'root:*:19000:0:99999:7:::\n', mode: '0640' } },
  },
] as never[];

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

async function withFalco(rules: string) {
  cluster = createTestCluster({ images });
  cluster.store.create({ group: '', resource: 'configmaps' }, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'falco-rules', namespace: 'default' },
    data: { 'custom.yaml': rules },
  } as never);
  await cluster.createPod({
    metadata: { name: 'falco' },
    spec: {
      containers: [
        {
          name: 'falco',
          image: 'falcosecurity/falco:0.39.2',
          volumeMounts: [{ name: 'rules', mountPath: '/etc/falco/rules.d' }],
        },
      ],
      volumes: [{ name: 'rules', configMap: { name: 'falco-rules' } }],
    },
  });
  for (const [name, node] of [
    ['app', 'paranoid-worker'],
    ['elsewhere', 'paranoid-worker2'],
  ] as const) {
    await cluster.createPod(
      { metadata: { name }, spec: { containers: [{ name: 'app', image: 'registry.lab.local/shop/app:1.0' }] } },
      node,
    );
  }
}

const falcoLog = () =>
  logs(cluster.store, cluster.clock.now(), { namespace: 'default', pod: 'falco', container: 'falco', previous: false });
const alerts = () =>
  falcoLog()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map(
      (l) =>
        JSON.parse(l) as { rule: string; priority: string; output: string; output_fields: Record<string, unknown> },
    );

describe('Falco in the simulator', () => {
  it('alerts on a shell exec and a read of /etc/shadow in a pod on its node, from the events that really happen', async () => {
    await withFalco(RULES);
    const r = await cluster.run({
      pod: 'app',
      container: 'app',
      command: ['sh', '-c', 'cat /etc/shadow >/dev/null; id'],
    });
    expect(r.code).toBe(0);
    const got = alerts();
    expect(got.map((a) => [a.rule, a.priority])).toEqual([
      ['Shell in container', 'Warning'],
      ['Shadow read', 'Critical'],
    ]);
    expect(got[0]!.output).toMatch(
      /Warning Shell \(pod=app ns=default cmd=sh -c cat \/etc\/shadow >\/dev\/null; id parent=containerd-shim\)$/,
    );
    expect(got[1]!.output_fields).toMatchObject({ 'proc.name': 'cat', 'fd.name': '/etc/shadow' });
  });

  it('sees only its own node, and no alert when nothing matches', async () => {
    await withFalco(RULES);
    await cluster.run({ pod: 'elsewhere', container: 'app', command: ['sh', '-c', 'cat /etc/shadow'] });
    await cluster.run({ pod: 'app', container: 'app', command: ['cat', '/etc/hostname'] });
    expect(alerts()).toEqual([]);
  });

  it('tells a binary dropped into the container from one the image shipped', async () => {
    await withFalco(RULES);
    await cluster.run({ pod: 'app', container: 'app', command: ['/bin/busybox', 'id'] });
    expect(alerts()).toEqual([]);
    const r = await cluster.run({
      pod: 'app',
      container: 'app',
      command: ['/bin/busybox', 'cp', '/bin/busybox', '/tmp/kworker'],
    });
    expect(r.code).toBe(0);
    await cluster.run({ pod: 'app', container: 'app', command: ['/bin/busybox', 'chmod', '755', '/tmp/kworker'] });
    const ran = await cluster.run({ pod: 'app', container: 'app', command: ['/tmp/kworker'] });
    // busybox called by another name looks for an applet of that name, as the real one does.
    expect(ran.stderr).toContain('kworker: applet not found');
    const got = alerts();
    expect(got.map((a) => a.rule)).toEqual(['Written to tmp', 'Dropped binary']);
    expect(got[0]!.output).toContain('Written (file=/tmp/kworker proc=busybox)');
    expect(got[1]!.output).toContain('exe=/tmp/kworker name=kworker');
  });

  it('sees a connect with where it went, even when nothing answers', async () => {
    await withFalco(RULES);
    await cluster.run({ pod: 'app', container: 'app', command: ['nc', '-z', '-w', '1', '203.0.113.7', '4444'] });
    await cluster.run({ pod: 'app', container: 'app', command: ['nc', '-z', '-w', '1', '203.0.113.7', '4445'] });
    const got = alerts();
    expect(got.map((a) => a.rule)).toEqual(['Outbound to 4444']);
    expect(got[0]!.output).toMatch(/Connect \(to=10\.244\.1\.\d+:\d+->203\.0\.113\.7:4444\)$/);
  });

  it('refuses to start on a rules error, and says why in its log', async () => {
    await withFalco('- rule: Broken\n  desc: d\n  condition: proc.nme = sh\n  output: o\n  priority: WARNING\n');
    const pod = cluster.getPod('falco');
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
    expect(falcoLog()).toContain('LOAD_ERR_COMPILE_CONDITION: filter_check called with nonexistent field proc.nme');
  });
});
