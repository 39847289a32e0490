import { describe, expect, it } from 'vitest';
import { planProcesses } from './process-plan.ts';
import type { ContainerInstance } from './types.ts';

// Only the fields planProcesses reads: the image's processes and binaries, argv, the spec's overrides.
const instance = (argv: string[], binaries: string[], spec: object = { command: argv }): ContainerInstance =>
  ({
    image: { processes: [], binaries, config: { entrypoint: [], cmd: [] } },
    argv,
    spec: { name: 'c', ...spec },
    rootFs: { stat: () => undefined },
  }) as unknown as ContainerInstance;

describe('planProcesses', () => {
  it('exits a sleep after its duration', () => {
    expect(planProcesses(instance(['sleep', '2m'], ['sleep'])).exit).toEqual({ ms: 120_000, code: 0 });
    expect(planProcesses(instance(['sleep', 'infinity'], ['sleep'])).exit).toBeUndefined();
  });

  it('fails to start a container with no command, as runc does', () => {
    expect(planProcesses(instance([], [], {})).startError).toMatch(/no command specified/);
  });

  it('fails to start a command that is not in the image', () => {
    expect(planProcesses(instance(['nmap'], ['sh'])).startError).toMatch(
      /exec: "nmap": executable file not found in \$PATH/,
    );
  });

  it('runs a shell -c script, and a shell without stdin reads EOF and exits', () => {
    expect(planProcesses(instance(['sh', '-c', 'echo hi'], ['sh'])).script).toBe('echo hi');
    expect(planProcesses(instance(['sh'], ['sh'])).exit).toEqual({ ms: 100, code: 0 });
    expect(planProcesses(instance(['sh'], ['sh'], { command: ['sh'], stdin: true })).exit).toBeUndefined();
  });
});
