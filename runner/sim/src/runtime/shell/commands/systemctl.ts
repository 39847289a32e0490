import { startKubelet } from '../../node-host.ts';
import { credentials } from '../context.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';

/** systemd's private bus, where systemctl run as root talks to PID 1. */
const BUS = '/run/systemd/private';

const UNITS = new Set(['kubelet', 'kubelet.service']);

/**
 * `systemctl` on a kind node, for the one unit the simulator runs: `restart`,
 * `start`, `status` and `is-active` of `kubelet`. It answers only on the node's
 * own file system (on the node, or after `chroot /host` with the node's root
 * mounted there, as `kubectl debug node/...` gives) and only to root: a bus file
 * a container made for itself is not the node's.
 */
function systemctl(ctx: CommandCtx): number {
  const args = ctx.argv.slice(1).filter((a) => a !== '--no-pager' && a !== '-q' && a !== '--quiet');
  const quiet = ctx.argv.includes('-q') || ctx.argv.includes('--quiet');
  const host = ctx.sys.host;
  const bus = ctx.sys.view.stat(BUS);
  if (!bus || bus !== host.fs.stat(BUS)) {
    ctx.err(
      "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n",
    );
    return 1;
  }
  const [verb, ...units] = args;
  if (!verb) {
    ctx.err('systemctl: the simulator lists no units; try `systemctl status kubelet`\n');
    return 1;
  }
  if (units.length === 0 && verb !== 'daemon-reload') {
    ctx.err(`Too few arguments.\n`);
    return 1;
  }
  const unknown = units.find((u) => !UNITS.has(u));
  if (unknown !== undefined) {
    ctx.err(`Unit ${unknown.endsWith('.service') ? unknown : `${unknown}.service`} not found.\n`);
    return verb === 'is-active' ? 4 : 5;
  }
  const writes = ['restart', 'start', 'stop', 'daemon-reload', 'try-restart', 'reload-or-restart'];
  if (writes.includes(verb) && credentials(ctx.sys.sec).uid !== 0) {
    ctx.err(
      `Failed to ${verb} ${units[0] ?? ''}.service: Access denied\nSee system logs and 'systemctl status ${units[0] ?? ''}.service' for details.\n`,
    );
    return 1;
  }
  switch (verb) {
    case 'daemon-reload':
      return 0;
    case 'restart':
    case 'start':
    case 'try-restart':
    case 'reload-or-restart': {
      if (verb === 'start' && host.kubelet.config) return 0;
      const run = startKubelet(host);
      if (run.failure) {
        ctx.err(
          'Job for kubelet.service failed because the control process exited with error code.\nSee "systemctl status kubelet.service" and "journalctl -xeu kubelet.service" for details.\n',
        );
        return 1;
      }
      return 0;
    }
    case 'stop':
      ctx.err('systemctl: the simulator keeps the kubelet running; `restart` it to load a changed config\n');
      return 1;
    case 'is-active': {
      const active = host.kubelet.config !== undefined;
      if (!quiet) ctx.out(active ? 'active\n' : 'failed\n');
      return active ? 0 : 3;
    }
    case 'status': {
      const run = host.kubelet;
      const active = run.config !== undefined;
      ctx.out(
        [
          `${active ? '●' : '×'} kubelet.service - kubelet: The Kubernetes Node Agent`,
          '     Loaded: loaded (/etc/systemd/system/kubelet.service; enabled; preset: enabled)',
          '    Drop-In: /etc/systemd/system/kubelet.service.d',
          '             └─10-kubeadm.conf, 11-kind.conf',
          `     Active: ${active ? 'active (running)' : 'activating (auto-restart) (Result: exit-code)'}`,
          ...(run.failure ? [`   kubelet[${run.starts}]: E ${run.failure}`] : []),
          '',
        ].join('\n'),
      );
      return active ? 0 : 3;
    }
    default:
      ctx.err(`Unknown command verb '${verb}'.\n`);
      return 1;
  }
}

/** `systemctl` for the kubelet unit, as root on a node's own file system. */
export const systemctlCommands: CommandTable = { systemctl };
