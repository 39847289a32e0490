import type { ImageProcess } from '@paranoid/schema/image.ts';
import type { ContainerInstance } from './types.ts';

/** What runs in a container: the image's processes, a shell script, a sleep, or nothing at all. */
export interface ProcessPlan {
  defs: ImageProcess[];
  /** argv of the first process when the pod overrode command/args. */
  argv0?: string[];
  script?: string;
  exit?: { ms: number; code: number };
  startError?: string;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);

/** Decides what a container runs from its image and command: the image's processes, a script, a sleep or nothing. */
export function planProcesses(inst: ContainerInstance): ProcessPlan {
  const { image, argv, spec } = inst;
  const overridden = spec.command !== undefined || spec.args !== undefined;
  const base = (s: string | undefined) => (s ?? '').split('/').pop() ?? '';
  const idle = (name: string, a: string[]): ImageProcess => ({
    name,
    argv: a,
    cpu: '0',
    memory: '1Mi',
    logs: [],
    alsoListen: [],
  });
  if (image.processes.length && !overridden) return { defs: image.processes };
  const exe = base(argv[0]);
  if (!argv.length)
    return {
      defs: [],
      startError:
        'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: no command specified: unknown',
    };
  const known = image.processes.find(
    (p) => base(p.argv?.[0]?.split(' ')[0]) === exe || p.name === exe || base(image.config.entrypoint[0]) === exe,
  );
  if (known && !SHELLS.has(exe)) {
    return { defs: [known, ...image.processes.filter((p) => p !== known && p.child)], argv0: argv };
  }
  const binaries = new Set(image.binaries);
  const onPath = binaries.has(exe) || !!inst.rootFs.stat(argv[0]!) || image.processes.some((p) => p.name === exe);
  if (!onPath) {
    return {
      defs: [],
      startError: `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "${argv[0]}": executable file not found in $PATH: unknown`,
    };
  }
  if (SHELLS.has(exe)) {
    const c = argv.indexOf('-c');
    if (c >= 0 && argv[c + 1] !== undefined) return { defs: [idle(exe, argv)], script: argv[c + 1] };
    // A shell with stdin open (`kubectl run -it`, `kubectl debug`) waits for input; without, it reads EOF and exits.
    if (spec.stdin) return { defs: [idle(exe, argv)] };
    return { defs: [idle(exe, argv)], exit: { ms: 100, code: 0 } };
  }
  if (exe === 'sleep') {
    const arg = argv[1] ?? '';
    const m = arg.match(/^(\d+(?:\.\d+)?)([smhd]?)$/);
    const secs =
      arg === 'infinity'
        ? Number.POSITIVE_INFINITY
        : m
          ? Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2] ?? '']!
          : 0;
    return { defs: [idle(exe, argv)], ...(Number.isFinite(secs) ? { exit: { ms: secs * 1000, code: 0 } } : {}) };
  }
  if (exe === 'tail' && argv.includes('-f')) return { defs: [idle(exe, argv)] };
  // Any other known command runs once through the shell, so `echo hi` logs `hi` and exits.
  return { defs: [idle(exe, argv)], script: argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ') };
}
