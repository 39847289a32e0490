import { afterEach, describe, expect, it } from 'vitest';
import { mayPtraceRead } from './ptrace-access.ts';
import { createTestCluster } from './testing/harness.ts';

describe('mayPtraceRead', () => {
  it('lets a process read its own uid, and another uid only with CAP_SYS_PTRACE', () => {
    expect(mayPtraceRead({ uid: 100 }, 100)).toBe(true);
    expect(mayPtraceRead({ uid: 0 }, 100)).toBe(false);
    expect(mayPtraceRead({ uid: 0, sysPtrace: true }, 100)).toBe(true);
    expect(mayPtraceRead({ uid: 1000, sysPtrace: true }, 0)).toBe(true);
  });
});

let cluster: ReturnType<typeof createTestCluster>;
afterEach(() => cluster?.stop());

/** A pod whose `app` shares its process namespace with an `agent` holding a secret in its environment. */
function pod(name: string, app: Record<string, unknown>, share = true) {
  return {
    metadata: { name },
    spec: {
      shareProcessNamespace: share,
      containers: [
        { name: 'app', image: 'nicolaka/netshoot', command: ['sleep', 'infinity'], ...app },
        {
          name: 'agent',
          image: 'nicolaka/netshoot',
          command: ['sleep', 'infinity'],
          env: [{ name: 'VAULT_TOKEN', value: 'hvs.sidecar-secret' }],
          securityContext: { runAsUser: 100 },
        },
      ],
    },
  };
}

/** Every process's environment the app can read, joined. */
const readAll = ['sh', '-c', 'for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null; done; true'];

describe('/proc/PID/environ across containers of a pod', () => {
  it('is refused to root without SYS_PTRACE, although DAC_OVERRIDE would pass the mode bits', async () => {
    cluster = createTestCluster();
    await cluster.createPod(pod('p', {}));
    const r = await cluster.run({ pod: 'p', container: 'app', command: readAll });
    expect(r.stdout).not.toContain('hvs.sidecar-secret');
  });

  it('is readable with SYS_PTRACE added, one variable a line through tr', async () => {
    cluster = createTestCluster();
    await cluster.createPod(pod('p', { securityContext: { capabilities: { add: ['SYS_PTRACE'] } } }));
    const r = await cluster.run({ pod: 'p', container: 'app', command: readAll });
    expect(r.stdout).toContain('hvs.sidecar-secret');
    const lines = await cluster.run({
      pod: 'p',
      container: 'app',
      command: [
        'sh',
        '-c',
        "for p in /proc/[0-9]*; do tr '\\0' '\\n' < $p/environ 2>/dev/null; done | grep VAULT_TOKEN",
      ],
    });
    expect(lines.stdout).toBe('VAULT_TOKEN=hvs.sidecar-secret\n');
  });

  it('is readable by a process of the same uid, capabilities or not', async () => {
    cluster = createTestCluster();
    await cluster.createPod(pod('p', { securityContext: { runAsUser: 100, capabilities: { drop: ['ALL'] } } }));
    const r = await cluster.run({ pod: 'p', container: 'app', command: readAll });
    expect(r.stdout).toContain('hvs.sidecar-secret');
  });

  it('is out of sight without a shared process namespace, SYS_PTRACE or not', async () => {
    cluster = createTestCluster();
    await cluster.createPod(pod('p', { securityContext: { capabilities: { add: ['SYS_PTRACE'] } } }, false));
    const r = await cluster.run({ pod: 'p', container: 'app', command: readAll });
    expect(r.stdout).not.toContain('hvs.sidecar-secret');
  });
});
