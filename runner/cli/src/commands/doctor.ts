import { DockerEngine } from '@paranoid/providers/kind/docker-engine.ts';
import { realEnvironment, runDoctor } from '@paranoid/providers/kind/doctor-checks.ts';

/** `paranoid doctor`: what the kind provider needs, each line with its fix. Exit 1 on any failure. */
export async function doctor(): Promise<void> {
  const checks = await runDoctor(realEnvironment(new DockerEngine()));
  const mark = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;
  for (const c of checks) {
    process.stdout.write(`${mark[c.verdict]} ${c.name.padEnd(15)} ${c.detail}\n`);
    if (c.fix) process.stdout.write(`     ${''.padEnd(15)} fix: ${c.fix}\n`);
  }
  process.exitCode = checks.some((c) => c.verdict === 'fail') ? 1 : 0;
}
