import type { ExecCall, ExecResult } from '@paranoid/grader/kube-api.ts';
import type { FakeKubeApi } from '@paranoid/grader/testing/fake-kube-api.ts';
import type { InternetHost } from '@paranoid/sim/network/index.ts';
import { connect, groupNetworkObjects, resolve } from '@paranoid/sim/network/index.ts';

/**
 * An exec hook for {@link FakeKubeApi} that answers the network commands probes use
 * (`nc -z`, `nslookup`, `redis-cli GET`) with the simulator's network engine, so
 * tests judge NetworkPolicy with the same code the simulator runs. Test scaffolding:
 * the real answers come from the simulated cluster's exec.
 */
export function networkExec(api: FakeKubeApi, internet: InternetHost[]) {
  return (call: ExecCall): ExecResult => {
    const objects = groupNetworkObjects(api.all());
    const from = { kind: 'pod' as const, namespace: call.namespace, name: call.pod };
    const options = { internet };
    const [command, ...args] = call.command;
    const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', exitCode: 0 });
    const fail = (stderr: string, exitCode = 1): ExecResult => ({ stdout: '', stderr, exitCode });
    const positional = args.filter((a, i) => !a.startsWith('-') && !(args[i - 1] === '-w' || args[i - 1] === '-h'));
    if (command === 'nc') {
      const [host, port] = positional;
      const r = connect(objects, from, { host: host ?? '', port: Number(port) }, options);
      return r.outcome === 'connected' ? ok() : fail(`nc: ${host}:${port}: ${r.outcome}`);
    }
    if (command === 'nslookup') {
      const r = resolve(positional[0] ?? '', from, objects, options);
      return 'ips' in r && r.ips.length > 0
        ? ok(`Name: ${positional[0]}\nAddress: ${r.ips[0]}\n`)
        : fail(';; connection timed out');
    }
    if (command === 'redis-cli') {
      const host = args[args.indexOf('-h') + 1] ?? '';
      const r = connect(objects, from, { host, port: 6379 }, options);
      if (r.outcome !== 'connected') return fail(`Could not connect to Redis at ${host}:6379: ${r.outcome}`);
      return ok(args.includes('GET') ? 'PARANOID{test-flag}\n' : 'OK\n');
    }
    return fail(`sh: ${command}: not found`, 127);
  };
}
