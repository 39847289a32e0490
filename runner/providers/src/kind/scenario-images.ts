import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { DockerEngine } from './docker-engine.ts';
import { LABELS } from './labels.ts';

export interface ScenarioImageBuild {
  /** The reference the scenario's pods use, e.g. `docker.io/cryptoworker/alpine-utils:latest`. */
  ref: string;
  /** The folder holding its Dockerfile. */
  context: string;
}

/**
 * The images a scenario needs on kind: each `images/<name>.image.yaml` names the
 * reference, and `images/<name>/Dockerfile` builds it locally, so nothing tainted
 * is ever pulled from a public registry.
 */
export function scenarioImageBuilds(scenarioDir: string): ScenarioImageBuild[] {
  const dir = join(scenarioDir, 'images');
  if (!existsSync(dir)) return [];
  const problems: string[] = [];
  const builds: ScenarioImageBuild[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.image.yaml'))
    .sort()) {
    const name = file.replace(/\.image\.yaml$/, '');
    const def = parse(readFileSync(join(dir, file), 'utf8')) as { repository?: string; tags?: string[] } | null;
    const context = join(dir, name);
    if (!def?.repository) problems.push(`${file}: missing repository`);
    else if (!existsSync(join(context, 'Dockerfile')))
      problems.push(`${file}: no Dockerfile at images/${name}/Dockerfile`);
    else builds.push({ ref: `${def.repository}:${def.tags?.[0] ?? 'latest'}`, context });
  }
  if (problems.length > 0) throw new Error(`failed to read images of ${scenarioDir}:\n- ${problems.join('\n- ')}`);
  return builds;
}

export async function buildScenarioImage(docker: DockerEngine, build: ScenarioImageBuild): Promise<void> {
  const files = readdirSync(build.context);
  await docker.build(build.context, files, build.ref, {
    [LABELS.managed]: 'paranoid-kind',
    [LABELS.component]: 'image',
  });
}
