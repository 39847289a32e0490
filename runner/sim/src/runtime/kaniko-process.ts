/**
 * A container process that is kaniko's executor (the image's process says `build: kaniko`): it
 * reads its flags as the executor does, the Dockerfile and the build context from its own file
 * system (a ConfigMap mounted at `/workspace`, as a build Job on kind mounts one), builds the
 * image (`images/build.ts`) and pushes it to the cluster's registry, the one the kubelet pulls
 * from. The registry's contents are what the runtime runs: a learner changes an image only by
 * building one.
 */
import { viewOf } from './container-setup.ts';
import { BUILD_LIMITS, buildImage } from './images/build.ts';
import type { ContainerInstance, RuntimeState } from './types.ts';
import { type FsView, joinPath } from './vfs.ts';

/** How long a build takes on the cluster's clock. */
export const BUILD_MS = 500;
/** Images builds may push to one cluster's registry, so that a loop of builds cannot grow a shared simulator without end. */
export const MAX_PUSHED_IMAGES = 100;

const ROOT = { uid: 0, gid: 0, groups: [], dacOverride: true };

/** Executor flags (a subset of kaniko's, the ones a build Job sets). */
interface KanikoFlags {
  dockerfile: string;
  context: string;
  destinations: string[];
  buildArgs: Record<string, string>;
  noPush: boolean;
  /** `--digest-file`: where the pushed image's digest is written, for the pipeline's next step. */
  digestFile?: string;
}

function parseFlags(argv: string[]): KanikoFlags | string {
  const out: KanikoFlags = {
    dockerfile: 'Dockerfile',
    context: '/workspace',
    destinations: [],
    buildArgs: {},
    noPush: false,
  };
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('-') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => inline ?? args[++i] ?? '';
    switch (flag.replace(/^--?/, '--')) {
      case '--dockerfile':
      case '--f':
        out.dockerfile = value();
        break;
      case '--context':
      case '--c':
        out.context = value();
        break;
      case '--destination':
      case '--d':
        out.destinations.push(value());
        break;
      case '--build-arg': {
        const v = value();
        const k = v.indexOf('=');
        if (k > 0) out.buildArgs[v.slice(0, k)] = v.slice(k + 1);
        break;
      }
      case '--digest-file':
        out.digestFile = value();
        break;
      case '--no-push':
        out.noPush = inline !== 'false';
        break;
      case '--cache':
      case '--snapshot-mode':
      case '--verbosity':
      case '--cleanup':
      case '--single-snapshot':
      case '--reproducible':
      case '--insecure':
      case '--skip-tls-verify':
        if (
          inline === undefined &&
          args[i + 1] !== undefined &&
          !args[i + 1]!.startsWith('-') &&
          !['--cleanup', '--single-snapshot', '--reproducible', '--insecure', '--skip-tls-verify'].includes(flag)
        )
          i++;
        break;
      default:
        return `Error: unknown flag: ${flag}`;
    }
  }
  if (!out.noPush && out.destinations.length === 0) {
    return 'Error: error checking push permissions -- make sure you entered the correct tag name, and that you are authenticated correctly, and try again: checking push permission for "": a destination is required, or --no-push';
  }
  return out;
}

/** The context's files, relative to its root; an error past the bounds. */
function readContext(view: FsView, root: string): Map<string, string> | string {
  const files = new Map<string, string>();
  let bytes = 0;
  const walk = (dir: string, rel: string): string | undefined => {
    for (const name of view.list(dir) ?? []) {
      // A ConfigMap volume's bookkeeping (`..data`, `..2025_...`) is not part of the context.
      if (name.startsWith('..')) continue;
      const path = joinPath(dir, name);
      const entry = view.stat(path);
      if (!entry) continue;
      const relPath = rel ? `${rel}/${name}` : name;
      if (entry.type === 'dir') {
        const err = walk(path, relPath);
        if (err) return err;
        continue;
      }
      const r = view.read(path, ROOT);
      if (!('content' in r)) continue;
      files.set(relPath, r.content);
      bytes += r.content.length;
      if (files.size > BUILD_LIMITS.contextFiles) {
        return `error building image: the build context has more than ${BUILD_LIMITS.contextFiles} files`;
      }
      if (bytes > BUILD_LIMITS.contextBytes) {
        return `error building image: the build context is more than ${BUILD_LIMITS.contextBytes} bytes`;
      }
    }
    return undefined;
  };
  const err = walk(root, '');
  return err ?? files;
}

/** Runs a build in `inst` with the executor's argv; logs as kaniko does and returns the exit code. */
export function runKaniko(state: RuntimeState, inst: ContainerInstance, argv: string[]): number {
  const clock = state.deps.clock;
  const log = (text: string, stream: 'stdout' | 'stderr' = 'stderr') => {
    const t = new Date(clock.now()).toISOString().slice(0, 19);
    inst.logs.push({ at: clock.now(), stream, text: text.startsWith('INFO ') ? `INFO[${t}] ${text.slice(5)}` : text });
  };
  const flags = parseFlags(argv);
  if (typeof flags === 'string') {
    log(flags);
    return 1;
  }
  const view = viewOf(inst.mounts);
  const root = flags.context.replace(/^dir:\/\//, '') || '/workspace';
  if (!view.stat(root) || view.stat(root)!.type !== 'dir') {
    log(`Error: error resolving dockerfile path: context ${flags.context}: no such directory`);
    return 1;
  }
  const dfPath = flags.dockerfile.startsWith('/') ? flags.dockerfile : joinPath(root, flags.dockerfile);
  const df = view.read(dfPath, ROOT);
  if (!('content' in df)) {
    log(
      `Error: error resolving dockerfile path: please provide a valid path to a Dockerfile within the build context with --dockerfile`,
    );
    return 1;
  }
  const context = readContext(view, root);
  if (typeof context === 'string') {
    log(context);
    return 1;
  }
  const pushed = state.builtImages ?? 0;
  if (!flags.noPush && pushed >= MAX_PUSHED_IMAGES) {
    log(`error pushing image: the lab registry holds at most ${MAX_PUSHED_IMAGES} built images per cluster`);
    return 1;
  }
  const registry = state.deps.registry;
  const results = (flags.noPush ? ['scratch.invalid/no-push:latest'] : flags.destinations).map((destination) =>
    buildImage({
      dockerfile: df.content,
      context,
      buildArgs: flags.buildArgs,
      destination,
      pull: (r) => registry.pull(r),
    }),
  );
  for (const r of results) {
    for (const line of r.log) log(line);
    if (!r.ok) {
      log(r.error);
      return 1;
    }
  }
  if (!flags.noPush) {
    for (const r of results) if (r.ok) registry.add([r.image]);
    state.builtImages = pushed + results.length;
    const first = results[0];
    if (flags.digestFile && first?.ok) {
      const failed = view.write(flags.digestFile, first.image.digest, ROOT);
      if (failed) {
        log(`error writing digest file ${flags.digestFile}: ${failed.error}`);
        return 1;
      }
    }
  } else log('INFO Skipping push to container registry due to --no-push flag');
  return 0;
}
