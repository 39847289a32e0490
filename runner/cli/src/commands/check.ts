import { fileURLToPath } from 'node:url';
import { lintAll } from '@paranoid/catalog/lint.ts';
import { grade } from '@paranoid/grader/grade.ts';
import { apiErrorMessage, createKubeApi, KubeClient } from '@paranoid/kube/client.ts';
import { formatProblem } from '@paranoid/schema/problem.ts';

/** Flags of `paranoid check`: the cluster to grade and how to print the result. */
export interface CheckOptions {
  kubeconfig: string;
  json?: boolean;
  /** The scenarios directory (default: the repository's). */
  scenarios?: string;
}

const defaultRoot = () => fileURLToPath(new URL('../../../../scenarios', import.meta.url));

/**
 * `paranoid check ID --kubeconfig FILE [--json]`: grades a live cluster.
 * Returns the exit code: 0 all MUST checks pass, 1 one fails, 2 usage or connection error.
 */
export async function check(
  id: string,
  options: CheckOptions,
  out: { stdout: (s: string) => void; stderr: (s: string) => void } = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  },
): Promise<number> {
  const root = options.scenarios ?? defaultRoot();
  const entry = lintAll(root, [id]).scenarios.find((s) => s.id === id);
  if (!entry) {
    out.stderr(`paranoid check: no scenario "${id}" in ${root}\n`);
    return 2;
  }
  if (!entry.loaded || entry.problems.length > 0) {
    for (const p of entry.problems) out.stderr(`${formatProblem(p)}\n`);
    out.stderr(`paranoid check: scenario "${id}" is invalid (see paranoid lint)\n`);
    return 2;
  }
  let client: KubeClient;
  try {
    client = KubeClient.fromFile(options.kubeconfig);
  } catch (error) {
    out.stderr(`paranoid check: ${apiErrorMessage(error)}\n`);
    return 2;
  }
  try {
    await client.send('GET', '/api/v1/namespaces?limit=1');
  } catch (error) {
    out.stderr(`paranoid check: failed to reach the cluster at ${client.server}: ${apiErrorMessage(error)}\n`);
    return 2;
  }
  const result = await grade(entry.loaded.scenario, createKubeApi(client));
  if (options.json) {
    const body = {
      scenario: result.scenario,
      passed: result.passed,
      checks: result.checks.map((c) => ({ id: c.id, level: c.level, passed: c.passed, message: c.message })),
    };
    out.stdout(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    out.stdout(formatResult(entry.loaded.scenario.title, result));
  }
  return result.passed ? 0 : 1;
}

function formatResult(title: string, result: Awaited<ReturnType<typeof grade>>): string {
  const must = result.checks.filter((c) => c.level === 'MUST');
  const failing = must.filter((c) => !c.passed).length;
  const lines = [
    `${result.scenario}: ${title}`,
    result.passed
      ? `PASSED: all ${must.length} MUST checks pass`
      : `FAILED: ${failing} of ${must.length} MUST checks fail`,
    '',
  ];
  for (const c of result.checks) {
    const mark = c.passed ? 'pass' : c.level === 'MUST' ? 'FAIL' : 'advice';
    lines.push(`  ${mark.padEnd(6)} ${c.level.padEnd(6)} ${c.id}`);
    if (!c.passed) lines.push(`         ${c.message}`);
  }
  return `${lines.join('\n')}\n`;
}
