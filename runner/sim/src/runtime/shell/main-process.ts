import type { ContainerInstance, Proc, RuntimeState } from '../types.ts';
import './commands/index.ts';
import { ExitSignal, LimitExceeded } from './context.ts';
import { Shell } from './interpreter.ts';
import { sysForContainer } from './sys.ts';

/** Steps a main process may take without sleeping before it counts as a CPU-bound spinner. */
const BUSY_STEPS = 50_000;

/**
 * Runs a container's `sh -c` script as its main process: output becomes the
 * container's log, sleeps wait on the clock for real, and the exit code ends the
 * container. A loop that never sleeps is treated as what it is on a real node: a
 * process burning a CPU core forever.
 */
export async function runMainScript(
  state: RuntimeState,
  inst: ContainerInstance,
  proc: Proc,
  script: string,
  now: () => number,
): Promise<number> {
  const sys = sysForContainer(state, inst, proc, false);
  const sh = new Shell({
    sys,
    env: inst.env,
    cwd: inst.workingDir,
    clock: state.deps.clock,
    limits: {
      maxSteps: Number.POSITIVE_INFINITY,
      maxOutput: Number.POSITIVE_INFINITY,
      maxSleepMs: Number.POSITIVE_INFINITY,
    },
    name: (inst.argv[0] ?? 'sh').endsWith('bash') ? 'bash' : 'sh',
  });
  sh.mainProcess = true;
  // Stopping the container (or the kubelet) must cancel a pending `sleep 3600`, or its timer outlives the cluster.
  inst.cancel.push(() => sh.interrupt());
  const partial = { stdout: '', stderr: '' };
  const write = (stream: 'stdout' | 'stderr') => (s: string) => {
    partial[stream] += s;
    const lines = partial[stream].split('\n');
    partial[stream] = lines.pop() ?? '';
    for (const text of lines) inst.logs.push({ at: now(), stream, text });
    if (inst.logs.length > 10_000) inst.logs.splice(0, inst.logs.length - 10_000);
  };
  const origStep = sh.step.bind(sh);
  sh.step = () => {
    origStep();
    if (sh.busySteps > BUSY_STEPS) {
      proc.cpuMilli = 1000;
      throw new LimitExceeded('busy');
    }
    if (inst.state !== 'running') throw new LimitExceeded('stopped');
  };
  sh.stderrSink = write('stderr');
  try {
    const code = await sh.runScript(script, {
      stdin: '',
      out: write('stdout'),
      err: write('stderr'),
      stdoutIsPipe: true,
    });
    for (const stream of ['stdout', 'stderr'] as const)
      if (partial[stream]) inst.logs.push({ at: now(), stream, text: partial[stream] });
    return code;
  } catch (e) {
    if (e instanceof ExitSignal) return e.code;
    if (e instanceof LimitExceeded) return new Promise<number>(() => undefined);
    throw e;
  }
}
