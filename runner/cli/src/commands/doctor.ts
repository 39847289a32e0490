import { DockerEngine } from '@paranoid/providers/kind/docker-engine.ts';
import { realEnvironment, runDoctor } from '@paranoid/providers/kind/doctor-checks.ts';
import { terminalDoctorChecks } from '@paranoid/server/sandbox-doctor.ts';

/** `paranoid doctor`: what the kind provider and learners' terminals need, each line with its fix. Exit 1 on any failure. */
export async function doctor(): Promise<void> {
  let docker: DockerEngine;
  try {
    docker = new DockerEngine();
  } catch (error) {
    // A Docker context that does not exist: every other check still runs.
    const cause = error instanceof Error ? error.message : String(error);
    docker = { ping: () => Promise.reject(new Error(cause)) } as unknown as DockerEngine;
  }
  const checks = [...(await runDoctor(realEnvironment(docker))), ...(await terminalDoctorChecks())];
  const mark = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;
  for (const c of checks) {
    process.stdout.write(`${mark[c.verdict]} ${c.name.padEnd(16)} ${c.detail}\n`);
    if (c.fix) process.stdout.write(`     ${''.padEnd(16)} fix: ${c.fix}\n`);
  }
  process.exitCode = checks.some((c) => c.verdict === 'fail') ? 1 : 0;
}
