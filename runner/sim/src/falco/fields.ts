/**
 * Falco's syscall fields the simulator can answer, read from a {@link SyscallEvent}.
 * Names and meanings follow `falco --list=syscall` (libsinsp's filterchecks); a field
 * the simulator does not know is refused when the rules load, as Falco refuses a field
 * that does not exist, so a rule never silently evaluates against nothing.
 */
import { ERRNO, type ProcessInfo, type SyscallEvent } from './event.ts';

/** A field's value: undefined when the event has none (Falco's `<NA>`; `exists` is false). */
export type FieldValue = string | number | boolean | undefined;

type Extract = (ev: SyscallEvent, arg: string | undefined) => FieldValue;

const cmdline = (p: ProcessInfo) => [p.name, ...p.args].join(' ');
const ancestor = (ev: SyscallEvent, arg: string | undefined): ProcessInfo | undefined => {
  const n = arg === undefined ? 1 : Number(arg);
  if (!Number.isInteger(n) || n < 0) return undefined;
  return n === 0 ? ev.proc : ev.ancestors[n - 1];
};
const dirOf = (path: string) => {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
};
const fileOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const isFile = (ev: SyscallEvent) => ev.fd?.typechar === 'f';
const isSock = (ev: SyscallEvent) => ev.fd?.typechar === '4';

/** Field name → how to read it, and whether it takes an argument (`proc.aname[2]`). */
export const FIELDS: Record<string, { read: Extract; arg?: 'optional' | 'required' }> = {
  'evt.type': { read: (ev) => ev.type },
  'evt.num': { read: (ev) => ev.num },
  // Rules see exit events, whose direction is `<`.
  'evt.dir': { read: () => '<' },
  'evt.time': { read: (ev) => new Date(ev.time).toISOString() },
  'evt.res': { read: (ev) => (ev.res === 0 ? 'SUCCESS' : (ERRNO[ev.res] ?? String(ev.res))) },
  'evt.rawres': { read: (ev) => ev.res },
  'evt.failed': { read: (ev) => ev.res < 0 },
  'evt.is_open_read': { read: (ev) => (ev.type === 'openat' ? !!ev.fd?.openRead : false) },
  'evt.is_open_write': { read: (ev) => (ev.type === 'openat' ? !!ev.fd?.openWrite : false) },
  'evt.hostname': { read: (ev) => ev.node },
  'proc.name': { read: (ev) => ev.proc.name },
  'proc.exe': { read: (ev) => ev.proc.exe },
  'proc.exepath': { read: (ev) => ev.proc.exepath },
  'proc.args': { read: (ev) => ev.proc.args.join(' ') },
  'proc.cmdline': { read: (ev) => cmdline(ev.proc) },
  'proc.pid': { read: (ev) => ev.proc.pid },
  'proc.vpid': { read: (ev) => ev.proc.vpid },
  'proc.tty': { read: (ev) => ev.proc.tty },
  'proc.cwd': { read: (ev) => ev.proc.cwd },
  'proc.is_exe_upper_layer': { read: (ev) => ev.proc.exeUpperLayer },
  'proc.ppid': { read: (ev) => ev.ancestors[0]?.pid },
  'proc.pvpid': { read: (ev) => ev.ancestors[0]?.vpid },
  'proc.pname': { read: (ev) => ev.ancestors[0]?.name },
  'proc.pexe': { read: (ev) => ev.ancestors[0]?.exe },
  'proc.pexepath': { read: (ev) => ev.ancestors[0]?.exepath },
  'proc.pcmdline': { read: (ev) => (ev.ancestors[0] ? cmdline(ev.ancestors[0]) : undefined) },
  'proc.aname': { read: (ev, arg) => ancestor(ev, arg)?.name, arg: 'optional' },
  'proc.apid': { read: (ev, arg) => ancestor(ev, arg)?.pid, arg: 'optional' },
  'user.uid': { read: (ev) => ev.proc.uid },
  'user.name': { read: (ev) => ev.proc.userName ?? '' },
  'fd.num': { read: (ev) => ev.fd?.num },
  'fd.typechar': { read: (ev) => ev.fd?.typechar },
  'fd.type': { read: (ev) => (ev.fd ? (isFile(ev) ? 'file' : 'ipv4') : undefined) },
  'fd.name': { read: (ev) => ev.fd?.name },
  'fd.directory': { read: (ev) => (isFile(ev) ? dirOf(ev.fd!.name) : undefined) },
  'fd.filename': { read: (ev) => (isFile(ev) ? fileOf(ev.fd!.name) : undefined) },
  'fd.l4proto': { read: (ev) => (isSock(ev) ? ev.fd!.l4proto : undefined) },
  'fd.sip': { read: (ev) => (isSock(ev) ? ev.fd!.serverIp : undefined) },
  'fd.sport': { read: (ev) => (isSock(ev) ? ev.fd!.serverPort : undefined) },
  'fd.cip': { read: (ev) => (isSock(ev) ? ev.fd!.clientIp : undefined) },
  'fd.cport': { read: (ev) => (isSock(ev) ? ev.fd!.clientPort : undefined) },
  // For an outbound connect the remote end is the server.
  'fd.rip': { read: (ev) => (isSock(ev) ? ev.fd!.serverIp : undefined) },
  'fd.rport': { read: (ev) => (isSock(ev) ? ev.fd!.serverPort : undefined) },
  'fd.lip': { read: (ev) => (isSock(ev) ? ev.fd!.clientIp : undefined) },
  'fd.lport': { read: (ev) => (isSock(ev) ? ev.fd!.clientPort : undefined) },
  'container.id': { read: (ev) => ev.container?.id ?? 'host' },
  'container.name': { read: (ev) => ev.container?.name ?? 'host' },
  'container.image': { read: (ev) => ev.container?.image },
  'container.image.repository': { read: (ev) => ev.container?.repository },
  'container.image.tag': { read: (ev) => ev.container?.tag },
  'k8s.ns.name': { read: (ev) => ev.container?.namespace },
  'k8s.pod.name': { read: (ev) => ev.container?.podName },
  'k8s.pod.uid': { read: (ev) => ev.container?.podUid },
};

/** Numeric fields compare as numbers; the rest as text (booleans as `true`/`false`). */
export const NUMERIC_FIELDS = new Set([
  'evt.num',
  'evt.rawres',
  'proc.pid',
  'proc.vpid',
  'proc.tty',
  'proc.ppid',
  'proc.pvpid',
  'proc.apid',
  'user.uid',
  'fd.num',
  'fd.sport',
  'fd.cport',
  'fd.rport',
  'fd.lport',
]);

/** Checks a field name and its argument; returns the problem, or undefined when Falco would accept it. */
export function fieldProblem(field: string, arg: string | undefined): string | undefined {
  const def = FIELDS[field];
  if (!def) return `filter_check called with nonexistent field ${field}`;
  if (arg !== undefined && !def.arg) return `field ${field} does not take an argument`;
  if (arg === undefined && def.arg === 'required') return `field ${field} requires an argument`;
  return undefined;
}

/** A field's value on an event, as a condition or an output reads it; undefined when the event has none. */
export function readField(ev: SyscallEvent, field: string, arg?: string): FieldValue {
  return FIELDS[field]?.read(ev, arg);
}
