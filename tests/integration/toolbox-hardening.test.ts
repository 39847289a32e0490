/**
 * The kind toolbox container, attacked from inside as the sandbox is (issue #12 §1, "the same
 * holds for the kind toolbox container"), on the real Docker engine: not host root, no
 * capabilities, kernel settings read-only, no user namespaces, and memory and process caps that
 * bind. The kind CLI cannot run here, so the toolbox runs on Docker's `none` network; its place
 * on the kind network is tested where kind runs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DockerEngine } from '@paranoid/providers/kind/docker-engine.ts';
import { LABELS } from '@paranoid/providers/kind/labels.ts';
import { startToolbox, TOOLBOX_LIMITS } from '@paranoid/providers/kind/toolbox.ts';
import { ensureToolboxImage, findHostToolboxSources } from '@paranoid/providers/kind/toolbox-image.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const docker = new DockerEngine();
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);
if (!dockerUp && process.env.CI) throw new Error('CI must run the Docker suite: dockerd is not answering');

const session = `hard${Date.now().toString(36)}`;
let id = '';
const sh = (cmd: string) => docker.execCapture(id, ['/bin/sh', '-c', cmd]);
const inspect = (format: string) => execFileSync('docker', ['inspect', '-f', format, id], { encoding: 'utf8' }).trim();

describe.skipIf(!dockerUp)('the kind toolbox container under attack', () => {
  beforeAll(async () => {
    const sources = await findHostToolboxSources();
    if (!sources) throw new Error('this machine needs busybox-static and kubectl for the toolbox image');
    const image = await ensureToolboxImage(docker, sources);
    const now = Date.now();
    id = await startToolbox(docker, {
      image,
      labels: { session, cluster: `paranoid-${session}`, createdAt: now, expiresAt: now + 600_000 },
      kubeconfig: 'x',
      network: 'none',
    });
  }, 180_000);

  afterAll(async () => {
    for (const c of await docker.listByLabels({ [LABELS.session]: session })) await docker.remove(c.id);
  });

  it('runs as uid 1000 on the host too, with no capabilities and no_new_privs', async () => {
    const status = (await sh('cat /proc/self/status')).stdout;
    expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(status).toMatch(/^CapEff:\s+0{16}$/m);
    expect(status).toMatch(/^CapBnd:\s+0{16}$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    // Seen from the host: the container's first process is uid 1000 there too, never 0.
    const hostPid = inspect('{{.State.Pid}}');
    expect(readFileSync(`/proc/${hostPid}/status`, 'utf8')).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
  });

  it('cannot write kernel settings or make a user namespace', async () => {
    const write = await sh('echo "|/tmp/x" > /proc/sys/kernel/core_pattern; echo 10 > /proc/sys/vm/swappiness');
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system|Permission denied/);
    const userns = await sh('unshare -U true');
    expect(userns.exitCode).not.toBe(0);
  });

  it('has a memory and a process cap that bind', async () => {
    expect(Number(inspect('{{.HostConfig.Memory}}'))).toBe(TOOLBOX_LIMITS.memoryBytes);
    expect(Number(inspect('{{.HostConfig.PidsLimit}}'))).toBe(TOOLBOX_LIMITS.pids);
    // Memory first: at the process cap below, nothing more could even start.
    const oom = await sh("echo started; head -c 700m /dev/zero | tr '\\0' a | (x=$(cat); echo survived)");
    expect(oom.stdout).toContain('started');
    expect(oom.stdout).not.toContain('survived');
    await sh('i=0; while [ $i -lt 400 ]; do sleep 30 & i=$((i+1)); done 2>/dev/null');
    // Counted from the host: at the cap, nothing inside can fork to count.
    const hostPid = inspect('{{.State.Pid}}');
    const cgroup = /^\d+:pids:(.*)$/m.exec(readFileSync(`/proc/${hostPid}/cgroup`, 'utf8'))?.[1];
    const running = Number(readFileSync(`/sys/fs/cgroup/pids${cgroup}/pids.current`, 'utf8'));
    expect(running).toBeGreaterThan(50);
    expect(running).toBeLessThanOrEqual(TOOLBOX_LIMITS.pids);
  });
});
