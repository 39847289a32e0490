import { resolveKubectl } from '@paranoid/kube/kubectl-binary.ts';
import type { DoctorCheck } from '@paranoid/providers/kind/doctor-checks.ts';
import { missingTools } from './sandbox.ts';
import { probeNamespaces } from './sandbox-host.ts';
import { detectLimitsBackend, removeBackend } from './sandbox-limits.ts';
import { SANDBOX_ACCOUNT, sandboxUser } from './sandbox-user.ts';

/**
 * What a learner's terminal needs on this host (README.md, "The terminal sandbox"), each with
 * its fix: the tools, an unprivileged uid, namespaces bubblewrap can make, where the limits
 * come from, and which kubectl the terminal runs.
 */
export async function terminalDoctorChecks(): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const missing = missingTools();
  checks.push(
    missing
      ? { name: 'sandbox tools', verdict: 'fail', detail: missing.split(' Fix: ')[0]!, fix: missing.split(' Fix: ')[1] }
      : { name: 'sandbox tools', verdict: 'ok', detail: 'bwrap, prlimit, setpriv, perl, bash' },
  );
  const user = sandboxUser(undefined, { create: false });
  if (!user.ok) {
    const rootOnly = process.getuid?.() === 0;
    checks.push({
      name: 'sandbox user',
      verdict: rootOnly ? 'warn' : 'fail',
      detail: user.reason,
      fix: `useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ${SANDBOX_ACCOUNT}`,
    });
  } else {
    checks.push({
      name: 'sandbox user',
      verdict: 'ok',
      detail: user.switchTo
        ? `shells run as ${user.name} (uid ${user.uid}), not root`
        : `shells run as the runner's own uid ${user.uid} (not root)`,
    });
  }
  if (!missing && user.ok) {
    const namespaces = probeNamespaces(user);
    checks.push(
      namespaces
        ? {
            name: 'namespaces',
            verdict: 'fail',
            detail: namespaces.split(' Fix: ')[0]!,
            fix: namespaces.split(' Fix: ')[1],
          }
        : { name: 'namespaces', verdict: 'ok', detail: 'bubblewrap makes user, PID, network and mount namespaces' },
    );
  }
  const limits = detectLimitsBackend(`doctor-${process.pid}`);
  await removeBackend(limits);
  checks.push(
    limits.kind === 'rlimit'
      ? {
          name: 'session limits',
          verdict: 'warn',
          detail: `no cgroup per terminal (${limits.reason}): per-process rlimits and one RLIMIT_NPROC for all terminals`,
          fix: 'run the lab as root, or under a delegated cgroup v2 (e.g. `systemd-run --user --scope -p Delegate=yes npm start`)',
        }
      : { name: 'session limits', verdict: 'ok', detail: `a ${limits.kind} cgroup per terminal: memory, pids, cpu` },
  );
  const kubectl = await resolveKubectl();
  checks.push(
    kubectl.ok
      ? {
          name: 'terminal kubectl',
          verdict: 'ok',
          detail: `${kubectl.version} (${kubectl.source === 'host' ? 'the host' : 'bundled, verified'}'s: ${kubectl.path})`,
        }
      : { name: 'terminal kubectl', verdict: 'fail', detail: kubectl.reason },
  );
  return checks;
}
