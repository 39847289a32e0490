import { describe, expect, it } from 'vitest';
import type { DockerEngine } from './docker-engine.ts';
import { atLeast, type DoctorEnvironment, parseVersion, runDoctor } from './doctor-checks.ts';
import { HOST_BUSYBOX_SHA256 } from './toolbox-image.ts';

function env(
  overrides: Partial<DoctorEnvironment> & { tools?: Record<string, string | null> } = {},
): DoctorEnvironment {
  const tools = overrides.tools ?? {
    kind: 'kind v0.27.0 go1.23.6 linux/amd64',
    kubectl: 'Client Version: v1.32.4',
    file: '/bin/busybox: ELF 64-bit LSB executable, x86-64, statically linked, stripped',
    ldd: '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)',
    iptables: '-P INPUT ACCEPT',
  };
  return {
    docker: {
      ping: async () => ({ version: '27.0.1', apiVersion: '1.46' }),
      runningContainerIds: async () => [],
    } as unknown as DockerEngine,
    readFile: (p) => (p.endsWith('watches') ? '524288\n' : '512\n'),
    exec: async (cmd) => (tools[cmd] ? { ok: true, out: tools[cmd]! } : { ok: false, out: '' }),
    freeBytes: () => 50 * 2 ** 30,
    exists: () => true,
    hashFile: () => HOST_BUSYBOX_SHA256,
    toolboxKubectl: async () => ({ ok: true, path: '/cache/v1.32.3/kubectl', version: 'v1.32.3', source: 'bundled' }),
    ...overrides,
  };
}

describe('paranoid doctor', () => {
  it('passes a machine that has everything', async () => {
    const checks = await runDoctor(env());
    expect(checks.map((c) => [c.name, c.verdict])).toEqual([
      ['docker', 'ok'],
      ['kind', 'ok'],
      ['kubectl', 'ok'],
      ['busybox', 'ok'],
      ['toolbox kubectl', 'ok'],
      ['toolbox curl', 'ok'],
      ['inotify limits', 'ok'],
      ['bubblewrap', 'ok'],
      ['toolbox fence', 'ok'],
      ['free disk', 'ok'],
    ]);
  });

  it('fails when kind terminals cannot be fenced off the host, saying what to do', async () => {
    const fence = async (out: string | null) => {
      const checks = await runDoctor(
        env({
          exec: async (cmd) => (cmd === 'iptables' ? { ok: false, out: out ?? '' } : { ok: true, out: 'kind v0.27.0' }),
        }),
      );
      return checks.find((c) => c.name === 'toolbox fence');
    };
    expect(await fence(null)).toMatchObject({
      verdict: 'fail',
      detail: 'cannot list INPUT: iptables is not installed',
      fix: expect.stringContaining('apt-get install iptables'),
    });
    expect(
      await fence(
        'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)',
      ),
    ).toMatchObject({ verdict: 'fail', fix: expect.stringContaining('as root') });
    expect(await fence('iptables: No chain/target/match by that name.')).toMatchObject({
      verdict: 'fail',
      fix: expect.stringContaining('DOCKER-USER'),
    });
  });

  it('warns about fence rules a dead runner left, naming them, and keeps quiet about a running toolbox', async () => {
    const live = 'a1b2c3d4e5f6'.padEnd(64, '0');
    const rule = (id: string) =>
      `-A INPUT -s 172.18.0.3/32 -i br-5f0e1d2c3b4a -m conntrack ! --ctstate RELATED,ESTABLISHED -m comment --comment paranoid-toolbox-${id} -j REJECT --reject-with icmp-port-unreachable`;
    const docker = {
      ping: async () => ({ version: '27.0.1', apiVersion: '1.46' }),
      runningContainerIds: async () => [live],
    } as unknown as DockerEngine;
    const listing = `-P INPUT ACCEPT\n${rule('a1b2c3d4e5f6')}\n${rule('0123456789ab')}\n`;
    const checks = await runDoctor(
      env({ docker, exec: async (cmd) => ({ ok: true, out: cmd === 'iptables' ? listing : 'kind v0.27.0' }) }),
    );
    expect(checks.find((c) => c.name === 'toolbox fence')).toMatchObject({
      verdict: 'warn',
      detail: expect.stringMatching(/rule\(s\) of toolboxes that no longer run \(paranoid-toolbox-0123456789ab\)/),
      fix: expect.stringContaining('serve --provider kind'),
    });
    const fine = await runDoctor(
      env({
        docker,
        exec: async (cmd) => ({ ok: true, out: cmd === 'iptables' ? rule('a1b2c3d4e5f6') : 'kind v0.27.0' }),
      }),
    );
    expect(fine.find((c) => c.name === 'toolbox fence')?.verdict).toBe('ok');
  });

  it('fails a kind too old to enforce NetworkPolicy and says to upgrade', async () => {
    const checks = await runDoctor(env({ tools: { kind: 'kind v0.23.0 go1.22', kubectl: 'Client Version: v1.32.4' } }));
    expect(checks.find((c) => c.name === 'kind')).toMatchObject({
      verdict: 'fail',
      fix: expect.stringMatching(/0\.24/),
    });
  });

  it('reports a stopped Docker with how to start it', async () => {
    const checks = await runDoctor(
      env({
        docker: {
          ping: async () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')),
        } as unknown as DockerEngine,
      }),
    );
    expect(checks[0]).toMatchObject({ name: 'docker', verdict: 'fail', fix: expect.stringMatching(/docker/) });
  });

  it('warns about low inotify limits with the sysctl to run', async () => {
    const checks = await runDoctor(env({ readFile: () => '128\n' }));
    expect(checks.find((c) => c.name === 'inotify limits')).toMatchObject({
      verdict: 'warn',
      fix: expect.stringContaining('fs.inotify.max_user_watches=524288'),
    });
  });

  it('warns when bubblewrap is missing and the disk is nearly full', async () => {
    const checks = await runDoctor(env({ exists: () => false, freeBytes: () => 2 ** 30 }));
    expect(checks.find((c) => c.name === 'bubblewrap')?.verdict).toBe('warn');
    expect(checks.find((c) => c.name === 'free disk')).toMatchObject({
      verdict: 'warn',
      detail: '1.0 GiB free for Docker',
    });
  });

  it('fails without a static busybox, and warns when it is not the one scenario digests were built from', async () => {
    const none = await runDoctor(env({ exists: (p) => !p.includes('busybox') }));
    expect(none.find((c) => c.name === 'busybox')).toMatchObject({
      verdict: 'fail',
      fix: expect.stringContaining('busybox-static'),
    });
    const other = await runDoctor(env({ hashFile: () => '0'.repeat(64) }));
    expect(other.find((c) => c.name === 'busybox')).toMatchObject({
      verdict: 'warn',
      fix: expect.stringMatching(/pin a digest.*busybox-static_1\.35\.0/),
    });
  });

  it('fails without a kubectl for the terminal, and warns when curl cannot go in it', async () => {
    const checks = await runDoctor(
      env({
        toolboxKubectl: async () => ({ ok: false, reason: 'the bundled kubectl is for linux/amd64 only' }),
        tools: { kind: 'kind v0.27.0', kubectl: 'Client Version: v1.32.4', ldd: 'libcurl.so.4 => not found' },
      }),
    );
    expect(checks.find((c) => c.name === 'toolbox kubectl')?.verdict).toBe('fail');
    expect(checks.find((c) => c.name === 'toolbox curl')).toMatchObject({
      verdict: 'warn',
      detail: expect.stringMatching(/not found/),
    });
  });

  it('compares versions component by component', () => {
    expect(parseVersion('kind v0.24.0 go1.22')).toEqual([0, 24, 0]);
    expect(atLeast([0, 24, 0], [0, 24, 0])).toBe(true);
    expect(atLeast([0, 9, 9], [0, 24, 0])).toBe(false);
    expect(atLeast([1, 0, 0], [0, 24, 0])).toBe(true);
  });
});
