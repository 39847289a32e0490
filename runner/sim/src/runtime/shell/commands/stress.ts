import { allocPid } from '../../node-host.ts';
import type { Proc } from '../../types.ts';
import type { CommandCtx, CommandTable } from '../interpreter.ts';

/**
 * How much a vm worker touches per step (the node's memory managers look after each), and how
 * often it pauses: about 1 GiB per 10 ms, fast as a real worker, in steps small enough that the
 * eviction manager sees the node pass under its threshold before it runs out.
 */
const STEP_BYTES = 64 * 1024 * 1024;
const STEPS_PER_PAUSE = 16;
const STEP_MS = 10;
/** How often a holding worker looks whether it was killed. */
const HOLD_POLL_MS = 200;
/** Bound on workers of either kind, so one command cannot flood the node's process table. */
const MAX_WORKERS = 64;
/** Bound on one worker's allocation (1 TiB): more than any simulated node has. */
const MAX_VM_BYTES = 1024 ** 4;

/** stress's size syntax: bytes, or b/k/m/g suffixes in powers of 1024. */
function parseBytes(s: string): number | undefined {
  const m = s.match(/^(\d+)([bBkKmMgG]?)$/);
  if (!m) return undefined;
  const unit = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()]!;
  return Number(m[1]) * unit;
}

/** stress's time syntax: seconds, or s/m/h/d/y suffixes. */
function parseSeconds(s: string): number | undefined {
  const m = s.match(/^(\d+)([smhdy]?)$/);
  if (!m) return undefined;
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400, y: 31536000 }[m[2]!]!;
}

/**
 * `stress` (Amos Waterland's workload generator, the tool of the Kubernetes docs' memory examples):
 * `--vm N --vm-bytes B` starts N workers that each touch B bytes of memory, `--cpu N` spins N
 * workers, `--timeout T` ends the run. The workers are processes of the container the command
 * runs in, so their memory counts against its cgroup limit and the node: the kubelet's OOM
 * killer and eviction manager see them as they grow. A killed worker fails the run, as stress does.
 */
async function stress(ctx: CommandCtx): Promise<number> {
  const args = ctx.argv.slice(1);
  let vm = 0;
  let cpu = 0;
  let vmBytes = 256 * 1024 * 1024;
  let timeout: number | undefined;
  let quiet = false;
  const self = ctx.sys.self.nsPid;
  const fail = (line: number, text: string) => {
    ctx.err(`stress: FAIL: [${self}] (${line}) ${text}\n`);
    return 1;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => args[++i] ?? '';
    if (a === '-m' || a === '--vm') vm = Number(value());
    else if (a === '-c' || a === '--cpu') cpu = Number(value());
    else if (a === '--vm-bytes') {
      const v = value();
      const bytes = parseBytes(v);
      if (bytes === undefined) return fail(238, `invalid number in size: ${v}`);
      vmBytes = bytes;
    } else if (a === '-t' || a === '--timeout') {
      const v = value();
      const secs = parseSeconds(v);
      if (secs === undefined) return fail(238, `invalid number in time: ${v}`);
      timeout = secs;
    } else if (a === '--vm-hang' || a === '--vm-stride' || a === '-i' || a === '--io' || a === '-d' || a === '--hdd')
      value();
    else if (a === '--vm-keep' || a === '-v' || a === '--verbose' || a === '-n' || a === '--dry-run') {
      // Accepted; the simulated workers always keep what they touched.
    } else if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-?' || a === '--help') {
      ctx.out(
        "`stress' imposes certain types of compute stress on your system\n\nUsage: stress [OPTION [ARG]] ...\n -t, --timeout N    timeout after N seconds\n -c, --cpu N        spawn N workers spinning on sqrt()\n -m, --vm N         spawn N workers spinning on malloc()/free()\n     --vm-bytes B   malloc B bytes per vm worker (default is 256MB)\n     --vm-hang N    sleep N secs before free (default none, 0 is inf)\n     --vm-keep      redirty memory instead of freeing and reallocating\n",
      );
      return 0;
    } else return fail(244, `unrecognized option: ${a}`);
  }
  if (!Number.isInteger(vm) || !Number.isInteger(cpu) || vm < 0 || cpu < 0)
    return fail(238, 'invalid number of workers');
  if (vm + cpu === 0) return fail(265, 'you must specify at least one hog');
  if (vm + cpu > MAX_WORKERS) return fail(238, `at most ${MAX_WORKERS} workers (the simulator bounds every exec)`);
  if (vmBytes > MAX_VM_BYTES) return fail(238, 'vm-bytes over 1T (the simulator bounds every exec)');

  const { host, container, state } = ctx.sys;
  const started = ctx.sh.clock.now();
  if (!quiet) ctx.out(`stress: info: [${self}] dispatching hogs: ${cpu} cpu, 0 io, ${vm} vm, 0 hdd\n`);
  const workers: Proc[] = [];
  for (let i = 0; i < vm + cpu; i++) {
    const { pid, nsPid } = allocPid(host, ctx.sys.pidNs);
    const worker: Proc = {
      ...ctx.sys.self,
      pid,
      nsPid,
      ppid: ctx.sys.self.pid,
      argv: ctx.argv,
      startedAt: started,
      cpuMilli: 1000,
      memBytes: 0,
      transient: true,
      ...(container ? { container } : {}),
    };
    delete worker.listen;
    workers.push(worker);
    host.procs.push(worker);
    container?.procs.push(worker);
  }
  const vmWorkers = workers.slice(0, vm);
  const killed = () => workers.find((w) => !host.procs.includes(w) || (container && container.state !== 'running'));
  const elapsed = () => Math.round((ctx.sh.clock.now() - started) / 1000);
  try {
    let touched = 0;
    let steps = 0;
    while (touched < vmBytes && vm > 0) {
      const step = Math.min(STEP_BYTES, vmBytes - touched);
      touched += step;
      for (const w of vmWorkers) w.memBytes += step;
      state.memoryChanged?.(host);
      if (killed() || ctx.sh.aborted) break;
      if (++steps % STEPS_PER_PAUSE === 0) await ctx.sh.sleep(STEP_MS);
    }
    const until = started + (timeout ?? Number.POSITIVE_INFINITY) * 1000;
    const bound = ctx.sh.clock.now() + ctx.sh.limits.maxSleepMs;
    while (!killed() && !ctx.sh.aborted && ctx.sh.clock.now() < Math.min(until, bound)) {
      await ctx.sh.sleep(Math.min(HOLD_POLL_MS, Math.max(1, Math.min(until, bound) - ctx.sh.clock.now())));
    }
    const victim = killed();
    if (victim) {
      ctx.err(`stress: FAIL: [${self}] (415) <-- worker ${victim.nsPid} got signal 9\n`);
      ctx.err(`stress: WARN: [${self}] (417) now reaping child worker processes\n`);
      ctx.err(`stress: FAIL: [${self}] (451) failed run completed in ${elapsed()}s\n`);
      return 1;
    }
    if (ctx.sh.aborted) return 130;
    if (ctx.sh.clock.now() < until) {
      ctx.err(`stress: stopped after ${ctx.sh.limits.maxSleepMs / 1000}s (the simulator bounds every exec)\n`);
      return 130;
    }
    if (!quiet) ctx.out(`stress: info: [${self}] successful run completed in ${elapsed()}s\n`);
    return 0;
  } finally {
    const gone = new Set(workers);
    host.procs = host.procs.filter((p) => !gone.has(p));
    if (container) container.procs = container.procs.filter((p) => !gone.has(p));
    state.memoryChanged?.(host);
  }
}

/** `stress`, which loads CPU or memory so limits and quotas show their effect. */
export const stressCommands: CommandTable = { stress };
