import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarioDirs } from '@paranoid/catalog/load.ts';
import { DockerEngine } from './docker-engine.ts';
import { buildScenarioImage, kubectlFor, scenarioImageBuilds } from './scenario-images.ts';
import { HOST_BUSYBOX_SHA256, hostBusybox } from './toolbox-image.ts';

/** Flags of `paranoid images build`: which scenarios directory to build images from. */
export interface ImagesBuildOptions {
  /** The scenarios directory (default: the repository's). */
  scenarios?: string;
}

const defaultRoot = () => fileURLToPath(new URL('../../../../scenarios', import.meta.url));

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

/**
 * `paranoid images build [ID...]`: builds every scenario image (or those of the
 * scenarios named) on the local Docker engine, `FROM scratch` with this machine's
 * static busybox and the scenario's files, with no network. Prints each reference
 * with the digest built and whether it is the digest the scenario data pins.
 * Returns 0 when every image built with its pinned digest, 1 otherwise.
 */
export async function imagesBuild(
  ids: string[],
  options: ImagesBuildOptions,
  out: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
  docker?: DockerEngine,
): Promise<number> {
  const root = options.scenarios ?? defaultRoot();
  const dirs = scenarioDirs(root);
  const known = new Set(dirs.map((d) => d.split('/').at(-1)));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    out.stderr(`error: no scenario ${unknown.map((u) => JSON.stringify(u)).join(', ')} in ${root}\n`);
    return 2;
  }
  const busybox = hostBusybox();
  if (!busybox) {
    out.stderr('error: failed to build scenario images: no static busybox (apt-get install busybox-static)\n');
    return 2;
  }
  if (busybox.sha256 !== HOST_BUSYBOX_SHA256) {
    out.stderr(
      `warning: ${busybox.path} is not the busybox scenario digests were built from: the images will run, but digests will differ (see \`paranoid doctor\`)\n`,
    );
  }
  const engine = docker ?? new DockerEngine();
  await engine.ping();
  let failed = 0;
  let built = 0;
  for (const dir of dirs) {
    const id = dir.split('/').at(-1) ?? dir;
    if (ids.length > 0 && !ids.includes(id)) continue;
    if (!existsSync(join(dir, 'images'))) continue;
    for (const build of scenarioImageBuilds(dir)) {
      const started = performance.now();
      try {
        const kubectl = await kubectlFor(build.context);
        const image = await buildScenarioImage(engine, build, {
          busybox: busybox.path,
          ...(kubectl ? { kubectl } : {}),
        });
        const pinned = image.digest === build.digest;
        if (!pinned) failed++;
        built++;
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        out.stdout(
          `${pinned ? 'ok  ' : 'DIFF'}  ${id}  ${build.refs.join(' ')}  ${image.digest}  ${seconds}s${
            pinned ? '' : `\n      ${build.name}.image.yaml pins ${build.digest || 'no digest'}`
          }\n`,
        );
      } catch (error) {
        failed++;
        out.stdout(`FAIL  ${id}  ${build.refs.join(' ')}  ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }
  out.stdout(`${built} image${built === 1 ? '' : 's'} built, ${failed} problem${failed === 1 ? '' : 's'}\n`);
  return failed === 0 ? 0 : 1;
}
