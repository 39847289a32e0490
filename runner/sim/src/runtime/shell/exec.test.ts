import type { KubeObject } from '@paranoid/k8s/object.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCluster } from '../testing/harness.ts';

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

const sleeper = (name: string, extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: {
    ...extra,
    containers: [{ name: 'c', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'], ...container }],
  },
});

describe('exec and the shell', () => {
  it('runs sh -c with pipes, variables, && and exit codes', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('box'));
    const r = await cluster.run({
      pod: 'box',
      command: ['sh', '-c', 'X=hello; echo "$X world" | grep -o world && echo $? ; false || echo "failed: $?"'],
    });
    expect(r).toMatchObject({ stdout: 'world\n0\nfailed: 1\n', stderr: '', code: 0 });
  });

  it('stops at the first failing command under set -e, except where POSIX ignores it', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('box'));
    const sh = (script: string) => cluster.run({ pod: 'box', command: ['sh', '-c', script] });
    expect(await sh('set -e; echo a; false; echo b')).toMatchObject({ stdout: 'a\n', code: 1 });
    // A condition, a left side of && or ||, and a negated pipeline do not end the shell.
    expect(
      await sh(
        'set -e; if false; then :; fi; false || echo or; false && echo no; ! true; while false; do :; done; echo end',
      ),
    ).toMatchObject({ stdout: 'or\nend\n', code: 0 });
    // The last command of an AND-OR list does: `|| false` keeps the failure, `|| true` hides it.
    expect(await sh('set -eu; (exit 3) || false; echo after')).toMatchObject({ stdout: '', code: 1 });
    expect(await sh('set -o errexit; sh -c "exit 4"; echo after')).toMatchObject({ stdout: '', code: 4 });
    expect(await sh('set -e; set +e; false; echo still')).toMatchObject({ stdout: 'still\n', code: 0 });
  });

  it('runs a command with env NAME=VALUE, and lists the environment with them', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('box'));
    const r = await cluster.run({ pod: 'box', command: ['env', 'GREETING=a=b', 'sh', '-c', 'echo "$GREETING"'] });
    expect(r).toMatchObject({ stdout: 'a=b\n', code: 0 });
    const listed = await cluster.run({ pod: 'box', command: ['env', '-i', 'ONLY=1'] });
    expect(listed).toMatchObject({ stdout: 'ONLY=1\n', code: 0 });
  });

  it('runs a command under timeout, and stops waiting for one that outlives it', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('box', {}, { image: 'busybox:1.37' }));
    const quick = await cluster.run({ pod: 'box', command: ['sh', '-c', 'timeout 5 echo in time; echo "exit $?"'] });
    expect(quick).toMatchObject({ stdout: 'in time\nexit 0\n', code: 0 });
    const slow = await cluster.run({ pod: 'box', command: ['sh', '-c', 'timeout 1 sleep 3; echo "exit $?"'] });
    expect(slow.stdout).toMatch(/^exit (124|143)\n$/);
  });

  it('prints sh: X: not found with exit 127', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('box'));
    const r = await cluster.run({ pod: 'box', command: ['sh', '-c', 'python3 -c 1'] });
    expect(r).toMatchObject({ stderr: 'sh: python3: not found\n', code: 127 });
  });

  it('prints the syntax error instead of throwing', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('box'));
    const r = await cluster.run({ pod: 'box', command: ['sh', '-c', "echo 'oops"] });
    expect(r).toMatchObject({ stderr: 'sh: syntax error: unterminated quoted string\n', code: 2 });
  });

  it('answers id, whoami, hostname like busybox', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('box'));
    const r = await cluster.run({ pod: 'box', command: ['sh', '-c', 'id; whoami; hostname'] });
    expect(r.stdout).toBe('uid=0(root) gid=0(root) groups=0(root)\nroot\nbox\n');
  });

  it('runs as runAsUser with fsGroup and shows it in id', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('box', { securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000 } }));
    const r = await cluster.run({ pod: 'box', command: ['id'] });
    expect(r.stdout).toBe('uid=1000 gid=3000 groups=3000,2000\n');
  });

  it('refuses writes on a read-only root file system', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('ro', {}, { securityContext: { readOnlyRootFilesystem: true } }));
    const r = await cluster.run({ pod: 'ro', command: ['sh', '-c', 'echo x > /etc/evil; touch /tmp/a'] });
    expect(r.stderr).toBe("sh: can't create /etc/evil: Read-only file system\ntouch: /tmp/a: Read-only file system\n");
  });

  it('lets a writable container keep files between execs', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('rw'));
    await cluster.run({ pod: 'rw', command: ['sh', '-c', 'echo persisted > /tmp/note'] });
    const r = await cluster.run({ pod: 'rw', command: ['cat', '/tmp/note'] });
    expect(r.stdout).toBe('persisted\n');
  });

  it('shows only the container processes without hostPID, and the node with it', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('iso'));
    await cluster.createPod(sleeper('hp', { hostPID: true }));
    const iso = await cluster.run({ pod: 'iso', command: ['ps'] });
    expect(iso.stdout.split('\n')[0]).toBe('PID   USER     TIME  COMMAND');
    expect(iso.stdout).toContain('    1 root      0:00 sleep infinity');
    expect(iso.stdout).not.toContain('kubelet');
    const hp = await cluster.run({ pod: 'hp', command: ['ps', 'aux'] });
    expect(hp.stdout).toContain('/sbin/init');
    expect(hp.stdout).toContain('/usr/bin/kubelet --bootstrap-kubeconfig');
  });

  it('shows CapEff of the default set and of a privileged container', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('def'));
    await cluster.createPod(sleeper('priv', {}, { securityContext: { privileged: true } }));
    await cluster.createPod(sleeper('drop', {}, { securityContext: { capabilities: { drop: ['ALL'] } } }));
    const cap = async (pod: string) =>
      (await cluster.run({ pod, command: ['sh', '-c', 'grep CapEff /proc/1/status'] })).stdout;
    expect(await cap('def')).toBe('CapEff:\t00000000a80425fb\n');
    expect(await cap('priv')).toBe('CapEff:\t000001ffffffffff\n');
    expect(await cap('drop')).toBe('CapEff:\t0000000000000000\n');
    const capsh = await cluster.run({ pod: 'def', command: ['capsh', '--decode=00000000a80425fb'] });
    expect(capsh.stdout).toContain('cap_chown,cap_dac_override,cap_fowner,cap_fsetid,cap_kill');
  });

  it('matches a line against every -e pattern grep is given, not only the last', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('g'));
    const r = await cluster.run({
      pod: 'g',
      command: ['sh', '-c', "printf 'a key\\nsome token\\nneither\\n' | grep -c -e key -e token"],
    });
    expect(r.stdout).toBe('2\n');
  });

  it('lists the mounts: overlay root, proc, the service account tmpfs', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('m'));
    const r = await cluster.run({ pod: 'm', command: ['mount'] });
    expect(r.stdout).toMatch(/^overlay on \/ type overlay \(rw,relatime/);
    expect(r.stdout).toContain('proc on /proc type proc');
    expect(r.stdout).toContain('tmpfs on /var/run/secrets/kubernetes.io/serviceaccount type tmpfs (ro');
  });

  it('stops a runaway loop and a flood with a clear message', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('loop'));
    const loop = await cluster.run({ pod: 'loop', command: ['sh', '-c', 'while true; do :; done'] });
    expect(loop.stderr).toContain('stopped after');
    expect(loop.code).toBe(137);
    const flood = await cluster.run({ pod: 'loop', command: ['yes'] });
    expect(flood.stderr).toContain('output limit');
    expect(flood.stdout.length).toBeLessThanOrEqual((1 << 20) + 8192);
    const head = await cluster.run({ pod: 'loop', command: ['sh', '-c', 'yes | head -n 2'] });
    expect(head.stdout).toBe('y\ny\n');
  });

  it('refuses a container that is not in the pod or not running', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('box'));
    expect(() =>
      cluster.exec(
        { namespace: 'default', pod: 'box', container: 'nope', command: ['sh'], stdin: false, tty: false },
        { username: 'u', groups: [] },
      ),
    ).toThrow('container nope is not valid for pod box');
    await cluster.createPod({
      metadata: { name: 'pending' },
      spec: { containers: [{ name: 'x', image: 'doesnotexist/foo' }] },
    });
    expect(() =>
      cluster.exec(
        { namespace: 'default', pod: 'pending', container: 'x', command: ['sh'], stdin: false, tty: false },
        { username: 'u', groups: [] },
      ),
    ).toThrow('unable to upgrade connection: container not found ("x")');
  });

  it('runs an interactive shell with a prompt, echo and exit', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('tty'));
    const session = cluster.exec(
      { namespace: 'default', pod: 'tty', container: 'c', command: ['sh'], stdin: true, tty: true },
      { username: 'u', groups: [] },
    );
    let out = '';
    let code: number | undefined;
    session.onStdout((d) => {
      out += new TextDecoder().decode(d);
    });
    session.onExit((c) => {
      code = c;
    });
    await cluster.flush();
    for (const ch of 'echo hi\r') session.writeStdin(new TextEncoder().encode(ch));
    await cluster.flush();
    session.writeStdin(new TextEncoder().encode('exit 3\r'));
    await cluster.flush();
    expect(out).toBe('/ # echo hi\r\nhi\r\n/ # exit 3\r\n');
    expect(code).toBe(3);
  });
});

/** An `exec -it` session driven key by key, as kubectl in raw mode sends it. */
function terminalSession(command: string[], pod = 'escape') {
  const session = cluster.exec(
    { namespace: 'default', pod, container: 'c', command, stdin: true, tty: true },
    { username: 'u', groups: [] },
  );
  const state = { out: '', code: undefined as number | undefined };
  session.onStdout((d) => {
    state.out += new TextDecoder().decode(d);
  });
  session.onExit((c) => {
    state.code = c;
  });
  const type = async (keys: string) => {
    for (const ch of keys) session.writeStdin(new TextEncoder().encode(ch));
    for (let i = 0; i < 5; i++) await cluster.flush();
  };
  return { state, type };
}

describe('exec -it of a command that starts a shell', () => {
  const escapePod = () =>
    cluster.createPod(
      {
        metadata: { name: 'escape' },
        spec: {
          hostPID: true,
          volumes: [{ name: 'host', hostPath: { path: '/' } }],
          containers: [
            {
              name: 'c',
              image: 'nicolaka/netshoot',
              command: ['sleep', 'infinity'],
              volumeMounts: [{ name: 'host', mountPath: '/host' }],
              securityContext: { privileged: true },
            },
          ],
        },
      },
      'paranoid-control-plane',
    );

  for (const command of [
    ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'sh'],
    ['nsenter', '-t', '1', '-m', '--', 'sh'],
    ['chroot', '/host', 'sh'],
  ]) {
    it(`${command.join(' ')} gives the node's prompt, runs what is typed and returns on exit`, async () => {
      cluster = createTestCluster();
      await escapePod();
      const { state, type } = terminalSession(command);
      await type('');
      expect(state.out).toBe('# ');
      await type('cat /etc/hostname\r');
      expect(state.out).toBe('# cat /etc/hostname\r\nparanoid-control-plane\r\n# ');
      await type('exit\r');
      expect(state.code).toBe(0);
    });
  }

  it('honours Ctrl+C on a hung child and Ctrl+D at the prompt', async () => {
    cluster = createTestCluster();
    await escapePod();
    const { state, type } = terminalSession(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'sh']);
    await type('sleep 50\r');
    expect(state.code).toBeUndefined();
    await type('\x03');
    expect(state.out.endsWith('^C\r\n# ')).toBe(true);
    await type('echo still here\r');
    expect(state.out).toContain('still here\r\n# ');
    await type('\x04');
    expect(state.code).toBe(0);
  });

  it('returns the exit code of the shell it started, and of a command that starts none', async () => {
    cluster = createTestCluster();
    await escapePod();
    const shell = terminalSession(['chroot', '/host', 'sh']);
    await shell.type('exit 4\r');
    expect(shell.state.code).toBe(4);
    const plain = terminalSession(['hostname']);
    await plain.type('');
    expect(plain.state).toEqual({ out: 'escape\r\n', code: 0 });
  });

  it('runs piped lines in the node shell of nsenter without a terminal, each as it comes', async () => {
    cluster = createTestCluster();
    await escapePod();
    const session = cluster.exec(
      {
        namespace: 'default',
        pod: 'escape',
        container: 'c',
        command: ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'sh'],
        stdin: true,
        tty: false,
      },
      { username: 'u', groups: [] },
    );
    let out = '';
    let code: number | undefined;
    session.onStdout((d) => {
      out += new TextDecoder().decode(d);
    });
    session.onExit((c) => {
      code = c;
    });
    session.writeStdin(new TextEncoder().encode('cat /etc/hostname\n'));
    for (let i = 0; i < 5; i++) await cluster.flush();
    // The first line ran on the node before stdin closed.
    expect(out).toBe('paranoid-control-plane\n');
    session.writeStdin(new TextEncoder().encode('exit 5\n'));
    session.closeStdin();
    for (let i = 0; i < 5; i++) await cluster.flush();
    expect(code).toBe(5);
  });

  it('interrupts a launched command that never ends', async () => {
    cluster = createTestCluster();
    await escapePod();
    const { state, type } = terminalSession(['sleep', '50']);
    await type('');
    expect(state.code).toBeUndefined();
    await type('\x03');
    expect(state.code).toBe(130);
  });
});

describe('crictl on a node', () => {
  it('lists the containers of the node it runs on after nsenter, and refuses inside the container', async () => {
    cluster = createTestCluster();
    await cluster.createPod(
      sleeper('node-monitor', { hostPID: true }, { securityContext: { privileged: true } }),
      'paranoid-control-plane',
    );
    const onNode = await cluster.run({
      pod: 'node-monitor',
      command: ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'crictl', 'ps'],
    });
    expect(onNode.stderr).toBe('');
    const lines = onNode.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONTAINER\s+IMAGE\s+CREATED\s+STATE\s+NAME\s+ATTEMPT\s+POD ID\s+POD\s+NAMESPACE$/);
    expect(
      lines.some((l) =>
        /^[0-9a-f]{13}\s+[0-9a-f]{13}\s+.* ago\s+Running\s+c\s+0\s+\S+\s+node-monitor\s+default$/.test(l),
      ),
    ).toBe(true);
    const inside = await cluster.run({ pod: 'node-monitor', command: ['crictl', 'ps'] });
    expect(inside.code).toBe(127);
  });
});

describe('the escape matrix', () => {
  const hostPathRoot = (name: string, extra: Record<string, unknown> = {}, sc: Record<string, unknown> = {}) => ({
    metadata: { name },
    spec: {
      ...extra,
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
      containers: [
        {
          name: 'c',
          image: 'nicolaka/netshoot',
          command: ['sleep', 'infinity'],
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
          securityContext: sc,
        },
      ],
    },
  });

  it('privileged + hostPID: nsenter -t 1 reaches the node and its CA key', async () => {
    cluster = createTestCluster();
    await cluster.createPod(
      sleeper('node-monitor', { hostPID: true }, { securityContext: { privileged: true } }),
      'paranoid-control-plane',
    );
    const r = await cluster.run({
      pod: 'node-monitor',
      command: [
        'nsenter',
        '-t',
        '1',
        '-m',
        '-u',
        '-i',
        '-n',
        '-p',
        '--',
        'sh',
        '-c',
        'hostname; head -1 /etc/kubernetes/pki/ca.key; id -u',
      ],
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('paranoid-control-plane\n-----BEGIN RSA PRIVATE KEY-----\n0\n');
  });

  it('restricted pod: nsenter fails with Operation not permitted', async () => {
    cluster = createTestCluster();
    await cluster.createPod(
      sleeper(
        'restricted',
        {},
        { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
      ),
    );
    const r = await cluster.run({ pod: 'restricted', command: ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', 'sh'] });
    expect(r).toMatchObject({
      stderr: "nsenter: reassociate to namespace 'ns/mnt' failed: Operation not permitted\n",
      code: 1,
    });
  });

  it('hostPID without privilege: nsenter cannot open the host namespaces', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('hp', { hostPID: true }));
    const r = await cluster.run({ pod: 'hp', command: ['nsenter', '-t', '1', '-m', 'sh'] });
    expect(r).toMatchObject({ stderr: 'nsenter: cannot open /proc/1/ns/mnt: Permission denied\n', code: 1 });
  });

  it('hostPath / at /host as root: chroot /host sees the node', async () => {
    cluster = createTestCluster();
    await cluster.createPod(hostPathRoot('escape'), 'paranoid-control-plane');
    const r = await cluster.run({
      pod: 'escape',
      command: [
        'chroot',
        '/host',
        'sh',
        '-c',
        'cat /etc/hostname; ls /etc/kubernetes/pki | head -3; echo pwned > /root/owned',
      ],
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      'paranoid-control-plane\napiserver-etcd-client.crt\napiserver-etcd-client.key\napiserver-kubelet-client.crt\n',
    );
    const after = await cluster.run({ pod: 'escape', command: ['cat', '/host/root/owned'] });
    expect(after.stdout).toBe('pwned\n');
  });

  it('hostPath / at /host as non-root: chroot is not permitted', async () => {
    cluster = createTestCluster();
    await cluster.createPod(hostPathRoot('nonroot', { securityContext: { runAsUser: 1000 } }));
    const r = await cluster.run({ pod: 'nonroot', command: ['chroot', '/host'] });
    expect(r).toMatchObject({
      stderr: "chroot: can't change root directory to '/host': Operation not permitted\n",
      code: 1,
    });
    const key = await cluster.run({ pod: 'nonroot', command: ['cat', '/host/etc/kubernetes/pki/ca.key'] });
    expect(key.stderr).toContain('No such file or directory');
  });

  it('privileged alone: mounting the node disk reaches the node, and the mount persists', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('priv', {}, { securityContext: { privileged: true } }), 'paranoid-control-plane');
    const r = await cluster.run({
      pod: 'priv',
      command: [
        'sh',
        '-c',
        'fdisk -l | head -1; mkdir -p /mnt/host; mount /dev/vda1 /mnt/host && head -1 /mnt/host/etc/kubernetes/pki/ca.key',
      ],
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      'Disk /dev/vda: 100 GB, 107374182400 bytes, 209715200 sectors\n-----BEGIN RSA PRIVATE KEY-----\n',
    );
    expect((await cluster.run({ pod: 'priv', command: ['cat', '/mnt/host/etc/hostname'] })).stdout).toBe(
      'paranoid-control-plane\n',
    );
  });

  it('unprivileged: mount is denied and there is no disk device', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('plain'));
    const r = await cluster.run({ pod: 'plain', command: ['mount', '/dev/vda1', '/mnt'] });
    expect(r).toMatchObject({ stderr: 'mount: permission denied (are you root?)\n', code: 1 });
  });

  it('a node-root shell reads the tokens of every pod on the node', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('victim', { serviceAccountName: 'deployer' }), 'paranoid-worker');
    await cluster.createPod(hostPathRoot('escape'), 'paranoid-worker');
    const r = await cluster.run({
      pod: 'escape',
      command: ['sh', '-c', 'cat /host/var/lib/kubelet/pods/*/volumes/kubernetes.io~projected/*/token'],
    });
    expect(r.stdout).toContain('token-default-deployer');
  });
});

describe('attach and debug', () => {
  it('keeps a shell with stdin running and attaches to it; exit ends the container', async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod({
      metadata: { name: 'it' },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'it', image: 'busybox', command: ['sh'], stdin: true, tty: true }],
      },
    });
    expect(pod.status?.phase).toBe('Running');
    const { createAttach } = await import('./exec.ts');
    const session = createAttach(cluster.deps)(
      { namespace: 'default', pod: 'it', container: 'it', command: [], stdin: true, tty: true },
      { username: 'u', groups: [] },
    );
    let out = '';
    session.onStdout((d) => {
      out += new TextDecoder().decode(d);
    });
    await cluster.flush();
    session.writeStdin(new TextEncoder().encode('hostname\r'));
    await cluster.flush();
    session.writeStdin(new TextEncoder().encode('exit 0\r'));
    await cluster.settle(500);
    expect(out).toContain('hostname\r\nit\r\n');
    expect(cluster.getPod('it').status?.phase).toBe('Succeeded');
  });

  it('starts an ephemeral debug container in the target PID namespace', async () => {
    cluster = createTestCluster();
    const pod = await cluster.createPod({
      metadata: { name: 'app' },
      spec: { containers: [{ name: 'web', image: 'nginx' }] },
    });
    cluster.store.update({ group: '', resource: 'pods' }, {
      ...(pod as object as KubeObject),
      spec: {
        ...pod.spec,
        ephemeralContainers: [
          { name: 'debugger', image: 'busybox', command: ['sh'], stdin: true, tty: true, targetContainerName: 'web' },
        ],
      },
    } as KubeObject);
    await cluster.settle(3000);
    const status = cluster.getPod('app').status?.ephemeralContainerStatuses?.[0];
    expect(status?.state?.running).toBeDefined();
    const ps = await cluster.run({ pod: 'app', container: 'debugger', command: ['ps'] });
    expect(ps.stdout).toContain('nginx: master process nginx -g daemon off;');
  });
});

describe('bounds on input', () => {
  it('refuses more than 1 MiB of stdin', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('big'));
    const r = await cluster.run({ pod: 'big', command: ['cat'] }, 'x'.repeat((1 << 20) + 10));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('exec: stdin larger than 1048576 bytes refused by the simulator\n');
  });

  it('passes piped stdin to a command', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('pipe'));
    const r = await cluster.run({ pod: 'pipe', command: ['sh', '-c', 'cat > /tmp/in; wc -l < /tmp/in'] }, 'a\nb\nc\n');
    expect(r.stdout).toBe('3\n');
  });
});

describe('kubectl cp through tar', () => {
  it('round-trips a file out of one container and into another', async () => {
    cluster = createTestCluster();
    await cluster.createPod(sleeper('src'));
    await cluster.createPod(sleeper('dst'));
    await cluster.run({
      pod: 'src',
      command: ['sh', '-c', 'mkdir -p /data && printf "secret: ünïcode\\n" > /data/a.txt'],
    });
    const out = await cluster.run({ pod: 'src', command: ['tar', 'cf', '-', '/data'] });
    expect(out.code).toBe(0);
    const into = await cluster.run({ pod: 'dst', command: ['tar', '-xmf', '-', '-C', '/tmp'] }, out.stdout);
    expect(into.code).toBe(0);
    expect((await cluster.run({ pod: 'dst', command: ['cat', '/tmp/data/a.txt'] })).stdout).toBe('secret: ünïcode\n');
  });
});
