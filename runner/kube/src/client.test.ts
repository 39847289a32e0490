import { describe, expect, it } from 'vitest';
import { exitStatusOf } from './client.ts';

// Status objects as the kubelet's streaming server writes them on the exec error
// channel (k8s.io/kubelet/pkg/cri/streaming/remotecommand, served by containerd).
const nonZero = (code: number) =>
  JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [sh -c exit ${code}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  });
const internal = (cause: string) =>
  JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: error executing command in container: ${cause}`,
    reason: 'InternalError',
    details: { causes: [{ message: `error executing command in container: ${cause}` }] },
    code: 500,
  });

describe('the exit status of an exec', () => {
  it('is 0 on Success and the ExitCode cause otherwise', () => {
    expect(exitStatusOf(JSON.stringify({ metadata: {}, status: 'Success' }))).toEqual({ exitCode: 0 });
    expect(exitStatusOf(nonZero(1))).toEqual({ exitCode: 1 });
    expect(exitStatusOf(nonZero(42))).toEqual({ exitCode: 42 });
  });

  it('is 127 with the runtime message when containerd cannot find the binary', () => {
    const status = exitStatusOf(
      internal(
        'failed to exec in container: failed to start exec "4b1c": OCI runtime exec failed: exec failed: unable to start container process: exec: "redis-cli": executable file not found in $PATH: unknown',
      ),
    );
    expect(status.exitCode).toBe(127);
    expect(status.message).toMatch(/"redis-cli": executable file not found/);
    expect(
      exitStatusOf(
        internal(
          'failed to exec in container: failed to start exec "4b1c": OCI runtime exec failed: exec failed: unable to start container process: exec: "/usr/bin/curl": stat /usr/bin/curl: no such file or directory: unknown',
        ),
      ).exitCode,
    ).toBe(127);
  });

  it('is 126 when the file is there but cannot be executed', () => {
    expect(
      exitStatusOf(
        internal(
          'failed to exec in container: failed to start exec "4b1c": OCI runtime exec failed: exec failed: unable to start container process: exec: "/etc/passwd": permission denied: unknown',
        ),
      ).exitCode,
    ).toBe(126);
  });

  it('is 1 for any other failure, and for an answer that is not a Status', () => {
    expect(exitStatusOf(internal('container not running')).exitCode).toBe(1);
    expect(exitStatusOf('not json')).toEqual({ exitCode: 1 });
  });
});
