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
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { DockerEngine } from './docker-engine.ts';
import { ociArchitecture, ociImage, readDockerSave, squashLayers } from './oci-archive.ts';
import { findToolboxKubectl } from './toolbox-image.ts';

/** A scenario image to build from its `images/` folder, and the repository and tag it gets. */
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
  // A scenario that says why it does not run on kind (`notOnKind`) may have images for the simulator only.
  const scenarioFile = join(scenarioDir, 'scenario.yaml');
  const simulatorOnly =
    existsSync(scenarioFile) &&
    typeof (parse(readFileSync(scenarioFile, 'utf8')) as { notOnKind?: unknown } | null)?.notOnKind === 'string';
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.image.yaml'))
    .sort()) {
    const name = file.replace(/\.image\.yaml$/, '');
    const def = parse(readFileSync(join(dir, file), 'utf8')) as {
      repository?: string;
      tags?: string[];
      digest?: string;
      notOnKind?: string;
    } | null;
    const context = join(dir, name);
    // An image that cannot be built offline (its scenario is not run on kind either) has no build.
    if (def?.notOnKind) continue;
    if (!def?.repository) problems.push(`${file}: missing repository`);
    else if (!existsSync(join(context, 'Dockerfile'))) {
      if (!simulatorOnly) problems.push(`${file}: no Dockerfile at images/${name}/Dockerfile`);
    } else {
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

/** Whether a Dockerfile copies `kubectl` from its context (a toolbox that acts inside the cluster). */
export function needsKubectl(context: string): boolean {
  const dockerfile = join(context, 'Dockerfile');
  return existsSync(dockerfile) && /^\s*COPY\s+(--\S+\s+)*kubectl\s/im.test(readFileSync(dockerfile, 'utf8'));
}

/** The kubectl a build context needs (verified, see findToolboxKubectl), or undefined when it copies none. */
export async function kubectlFor(context: string, find = () => findToolboxKubectl()): Promise<string | undefined> {
  if (!needsKubectl(context)) return undefined;
  const kubectl = await find();
  if (!kubectl.ok)
    throw new Error(`failed to build the image in ${context}: its Dockerfile copies kubectl: ${kubectl.reason}`);
  return kubectl.path;
}

/**
 * Copies the build context with fixed modes (a checkout's umask must not change
 * the image) and adds this machine's static busybox as `busybox` and, when the
 * Dockerfile copies it, the verified kubectl as `kubectl`.
 */
function prepareContext(source: string, busybox: string, kubectl?: string): { dir: string; files: string[] } {
  if (needsKubectl(source) && !kubectl) {
    throw new Error(
      `failed to prepare build context ${source}: its Dockerfile copies kubectl and no kubectl was given (see \`paranoid doctor\`, "toolbox kubectl")`,
    );
  }
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
  if (kubectl && needsKubectl(source)) {
    copyFileSync(kubectl, join(dir, 'kubectl'));
    chmodSync(join(dir, 'kubectl'), 0o755);
  }
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
  options: { busybox: string; kubectl?: string; noCache?: boolean },
): Promise<BuiltImage> {
  const { dir, files } = prepareContext(build.context, options.busybox, options.kubectl);
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

/** An upstream image a scenario runs as published, pinned by digest (`images/upstream.yaml`). */
export interface UpstreamImage {
  /** `repository:tag`, as the scenario's pods name it. */
  ref: string;
  /** The digest `docker pull repository@digest` fetches: the manifest list's, as registries show it. */
  digest: string;
}

/** The upstream images a scenario declares; every problem is reported at once. */
export function scenarioUpstreamImages(scenarioDir: string): UpstreamImage[] {
  const file = join(scenarioDir, 'images', 'upstream.yaml');
  if (!existsSync(file)) return [];
  const list = parse(readFileSync(file, 'utf8')) as unknown;
  const problems: string[] = [];
  const images: UpstreamImage[] = [];
  if (!Array.isArray(list)) problems.push('expected a list of {ref, digest}');
  for (const [i, item] of (Array.isArray(list) ? list : []).entries()) {
    const { ref, digest } = (item ?? {}) as { ref?: unknown; digest?: unknown };
    if (typeof ref !== 'string' || !/^[a-z0-9][a-z0-9._\-/:]*:[\w][\w.-]*$/.test(ref) || ref.endsWith(':latest'))
      problems.push(`[${i}].ref: expected repository:tag (not latest) but found ${JSON.stringify(ref)}`);
    else if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest))
      problems.push(`[${i}].digest: expected sha256: and 64 hex digits but found ${JSON.stringify(digest)}`);
    else images.push({ ref, digest });
  }
  if (problems.length > 0) throw new Error(`failed to read ${file}:\n- ${problems.join('\n- ')}`);
  return images;
}

/**
 * Makes an upstream image ready for `kind load image-archive`, once per host: pulled
 * by its pinned digest only when this engine lacks it (so a cluster never pulls, and a
 * workstation does not meet Docker Hub's rate limit once per session), then saved for
 * this machine's platform alone. A local image under the same name that is not the
 * pinned one is refused, never loaded.
 */
export async function upstreamImageArchive(docker: DockerEngine, image: UpstreamImage): Promise<string> {
  const repository = image.ref.slice(0, image.ref.lastIndexOf(':'));
  const pinned = `${repository}@${image.digest}`;
  const archivePath = join(ARCHIVE_DIR, `upstream-${image.digest.slice('sha256:'.length)}.tar`);
  const present = await docker.repoDigests(image.ref);
  if (present !== undefined && !present.includes(pinned)) {
    throw new Error(
      `failed to use image ${image.ref}: the local image is not ${image.digest} (it has ${present.join(', ') || 'no registry digest'}); remove it with \`docker rmi ${image.ref}\``,
    );
  }
  if (present === undefined) {
    if ((await docker.repoDigests(pinned)) === undefined) await docker.pull(pinned);
    await docker.tag(pinned, image.ref);
  }
  if (!existsSync(archivePath)) {
    mkdirSync(ARCHIVE_DIR, { recursive: true });
    // One platform only: on Docker's containerd store a whole multi-platform index names blobs
    // this engine never fetched, and importing that fails (kind#3795).
    writeFileSync(`${archivePath}.part`, await docker.saveImage(image.ref, { platform: `linux/${ociArchitecture()}` }));
    renameSync(`${archivePath}.part`, archivePath);
  }
  return archivePath;
}
