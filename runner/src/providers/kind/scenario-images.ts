import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { DockerEngine } from './docker-engine.ts';
import { ociArchitecture, ociImage, readDockerSave, squashLayers } from './oci-archive.ts';

export interface ScenarioImageBuild {
  /** `images/<name>.image.yaml` and `images/<name>/`. */
  name: string;
  repository: string;
  tags: string[];
  /** The digest the simulator's definition declares, and solutions pin. */
  digest: string;
  /** Every reference the scenario's pods may use: `repository:tag` for each tag. */
  refs: string[];
  /** The folder holding its Dockerfile and build context. */
  context: string;
}

/** A scenario image as built: loaded into Docker, and as an archive for `kind load image-archive`. */
export interface BuiltImage {
  refs: string[];
  /** The manifest digest of what was built: containerd resolves `image@<digest>` to it. */
  digest: string;
  archivePath: string;
}

/**
 * The images a scenario builds for kind: each `images/<name>.image.yaml` names the
 * repository, tags and digest, and `images/<name>/Dockerfile` builds it `FROM scratch`
 * from this machine's static busybox and the scenario's own files, so nothing is
 * pulled from any registry. Every problem is reported at once.
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
    const def = parse(readFileSync(join(dir, file), 'utf8')) as {
      repository?: string;
      tags?: string[];
      digest?: string;
    } | null;
    const context = join(dir, name);
    if (!def?.repository) problems.push(`${file}: missing repository`);
    else if (!existsSync(join(context, 'Dockerfile')))
      problems.push(`${file}: no Dockerfile at images/${name}/Dockerfile`);
    else {
      const tags = def.tags && def.tags.length > 0 ? def.tags : ['latest'];
      builds.push({
        name,
        repository: def.repository,
        tags,
        digest: def.digest ?? '',
        refs: tags.map((t) => `${def.repository}:${t}`),
        context,
      });
    }
  }
  if (problems.length > 0) throw new Error(`failed to read images of ${scenarioDir}:\n- ${problems.join('\n- ')}`);
  return builds;
}

/** Where built archives wait for `kind load image-archive`, by digest. */
export const ARCHIVE_DIR = join(tmpdir(), 'paranoid-images');

/**
 * Copies the build context with fixed modes (a checkout's umask must not change
 * the image) and adds this machine's static busybox as `busybox`.
 */
function prepareContext(source: string, busybox: string): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'paranoid-image-'));
  const copy = (from: string, to: string) => {
    for (const entry of readdirSync(from)) {
      const src = join(from, entry);
      const dst = join(to, entry);
      const s = lstatSync(src);
      if (s.isDirectory()) {
        mkdirSync(dst);
        chmodSync(dst, 0o755);
        copy(src, dst);
      } else if (s.isFile()) {
        copyFileSync(src, dst);
        chmodSync(dst, s.mode & 0o111 ? 0o755 : 0o644);
      } else {
        throw new Error(`failed to prepare build context ${source}: ${entry} is neither a file nor a folder`);
      }
    }
  };
  copy(source, dir);
  copyFileSync(busybox, join(dir, 'busybox'));
  chmodSync(join(dir, 'busybox'), 0o755);
  return { dir, files: readdirSync(dir) };
}

/**
 * Builds a scenario image from its Dockerfile on the local engine (no pull, no cache
 * of another build's timestamps matters), squashes it into one reproducible layer,
 * and loads that into Docker under every tag. Returns the digest of what was built:
 * with the same Dockerfile, files and busybox it is the same on every machine, and
 * scenario data pins it.
 */
export async function buildScenarioImage(
  docker: DockerEngine,
  build: ScenarioImageBuild,
  options: { busybox: string; noCache?: boolean },
): Promise<BuiltImage> {
  const { dir, files } = prepareContext(build.context, options.busybox);
  const scratchTag = `paranoid.local/build/${build.name}:${randomBytes(4).toString('hex')}`;
  try {
    await docker.build(dir, files, scratchTag, {}, options.noCache ? { noCache: true } : {});
    const { layers, run } = readDockerSave(await docker.saveImage(scratchTag));
    const image = ociImage(squashLayers(layers), run, build.refs, ociArchitecture());
    await docker.loadImage(image.archive);
    mkdirSync(ARCHIVE_DIR, { recursive: true });
    const archivePath = join(ARCHIVE_DIR, `${image.digest.slice('sha256:'.length)}.tar`);
    writeFileSync(archivePath, image.archive);
    return { refs: build.refs, digest: image.digest, archivePath };
  } finally {
    await docker.removeImage(scratchTag).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
