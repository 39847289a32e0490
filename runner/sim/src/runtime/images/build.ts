/**
 * An image built from a Dockerfile and a build context, as kaniko builds one: each stage starts
 * from its base (an image of the registry, an earlier stage or `scratch`), each `RUN`, `COPY` and
 * `ADD` adds a layer, and the last stage is the image. Pure: the context and the registry are
 * passed in, and the result is an image definition the registry can take.
 *
 * What a build changes is derived from the instructions, never written by the learner: the
 * config (`USER`, `ENV`, `ENTRYPOINT`, ...), the files and programs of every layer (an `rm` in a
 * later layer hides a file from the running container but leaves it in the layer that added
 * it), the packages `apt-get install` adds, and the build arguments `RUN` saw, which the history
 * records (`RUN |1 TOKEN=... /bin/sh -c ...`, as BuildKit writes it).
 *
 * `RUN` is not a shell here: its commands are read for what they change that a check can see
 * (package installs and removals, `rm`, adding users, `mkdir`); any other command succeeds with
 * no effect, provided the program exists in the stage.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type DockerfileInstruction, parseDockerfile } from '@paranoid/k8s/dockerfile.ts';
import type { Image, ImageDefinition, ImageProcess } from '@paranoid/schema/image.ts';
import { globToRegExp } from '../shell/glob.ts';

const globRe = (glob: string) => new RegExp(`^${globToRegExp(glob)}$`);

import { parseImageReference } from './reference.ts';
import type { PullResult } from './registry.ts';

/** Bounds on what one build reads and makes (Dockerfile bounds: `DOCKERFILE_LIMITS`). */
export const BUILD_LIMITS = {
  /** Files in the build context. */
  contextFiles: 500,
  /** Bytes in the build context, every file together. */
  contextBytes: 1024 * 1024,
  /** Layers of the image, the base's included: overlayfs stacks at most 128 lower directories, Docker allows 127. */
  layers: 127,
  /** Build stages (`FROM` lines). */
  stages: 16,
} as const;

/** A file as a layer holds it. */
export interface BuiltFile {
  content: string;
  mode: number;
  uid: number;
  gid: number;
  directory?: boolean;
}

/** One layer: what it added or changed and what it deleted (whiteouts), and the instruction that made it. */
export interface BuiltLayer {
  createdBy: string;
  files: Record<string, BuiltFile>;
  whiteouts: string[];
}

/** What a build needs from outside: the context's files and the registry's images. */
export interface BuildInput {
  dockerfile: string;
  /** Context files by path relative to the context root (`app/config.yaml`). */
  context: Map<string, string>;
  /** `--build-arg NAME=VALUE`. */
  buildArgs: Record<string, string>;
  /** The reference the image is pushed as (repository and tag). */
  destination: string;
  pull: (ref: string) => PullResult;
}

/** The built image, or why the build failed (as kaniko's last line says it), with the lines it logged. */
export type BuildResult =
  | { ok: true; image: ImageDefinition & { digest: string }; log: string[] }
  | { ok: false; error: string; log: string[] };

interface Stage {
  name: string;
  /** The path of each file, including the programs at `binDir/<name>`. */
  files: Map<string, BuiltFile>;
  /** Paths that are programs, and which program. */
  programs: Map<string, string>;
  /** What each program does when it is a container's first process (from the image that brought it). */
  behaviours: Map<string, ImageProcess>;
  binDir: string;
  userland: Image['userland'];
  user: string;
  env: Map<string, string>;
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
  exposedPorts: string[];
  labels: Record<string, string>;
  args: Map<string, string>;
  layers: BuiltLayer[];
  history: { createdBy: string; size?: string }[];
  packages: Image['packages'];
  /** The base's processes, kept while the entrypoint and command are the base's. */
  baseProcesses: ImageProcess[];
  baseArgv: string;
  base: string;
  baseDigest: string;
}

/** The programs a Debian package installs (the rest: one program named as the package, if any). */
const PACKAGE_PROGRAMS: Record<string, string[]> = {
  'ca-certificates': [],
  curl: ['curl'],
  wget: ['wget'],
  git: ['git'],
  'openssh-client': ['ssh', 'scp', 'ssh-keygen'],
  'netcat-openbsd': ['nc'],
  'netcat-traditional': ['nc'],
  procps: ['ps', 'top', 'kill'],
  python3: ['python3'],
  jq: ['jq'],
  vim: ['vim'],
  'vim-tiny': ['vi'],
  nano: ['nano'],
  'iputils-ping': ['ping'],
  dnsutils: ['nslookup', 'dig'],
  tzdata: [],
  libc6: [],
};

/** The programs of a package manager (Debian's apt and dpkg, Alpine's apk). */
export const PACKAGE_MANAGERS = [
  'apt',
  'apt-get',
  'apt-cache',
  'apt-config',
  'apt-key',
  'apt-mark',
  'dpkg',
  'dpkg-query',
  'dpkg-deb',
  'apk',
];

const hash = (text: string) => `sha256:${bytesToHex(sha256(new TextEncoder().encode(text)))}`;

const normalize = (path: string): string => {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
};

function stageFromImage(name: string, image: Image, ref: string, imageRef: string): Stage {
  const binDir = image.binDir ?? (image.userland === 'gnu' ? '/usr/bin' : '/bin');
  const files = new Map<string, BuiltFile>();
  const programs = new Map<string, string>();
  for (const [path, f] of Object.entries(image.files)) files.set(path, { ...f });
  for (const b of image.binaries) {
    files.set(`${binDir}/${b}`, { content: '', mode: 0o755, uid: 0, gid: 0 });
    programs.set(`${binDir}/${b}`, b);
  }
  const behaviours = new Map<string, ImageProcess>();
  for (const p of image.processes) {
    const exe = p.argv?.[0] ?? image.config.entrypoint[0] ?? image.config.cmd[0];
    if (exe?.startsWith('/')) {
      behaviours.set(exe, p);
      if (!files.has(exe)) files.set(exe, { content: '', mode: 0o755, uid: 0, gid: 0 });
      programs.set(exe, p.name);
    }
  }
  const env = new Map<string, string>();
  for (const e of image.config.env) {
    const i = e.indexOf('=');
    env.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  const layers: BuiltLayer[] = image.layers?.length
    ? image.layers.map((l) => ({ createdBy: l.createdBy, files: { ...l.files }, whiteouts: [...l.whiteouts] }))
    : [{ createdBy: `FROM ${ref}`, files: Object.fromEntries(files), whiteouts: [] }];
  return {
    name,
    files,
    programs,
    behaviours,
    binDir,
    userland: image.userland,
    user: image.config.user,
    env,
    entrypoint: [...image.config.entrypoint],
    cmd: [...image.config.cmd],
    workingDir: image.config.workingDir,
    exposedPorts: [...image.config.exposedPorts],
    labels: { ...image.config.labels },
    args: new Map(),
    layers,
    history: [...image.history].reverse(),
    packages: [...image.packages],
    baseProcesses: image.processes,
    baseArgv: JSON.stringify([...image.config.entrypoint, ...image.config.cmd]),
    base: parseImageReference(ref)?.full ?? ref,
    baseDigest: imageRef.split('@')[1] ?? image.digest,
  };
}

function scratch(name: string): Stage {
  return {
    name,
    files: new Map(),
    programs: new Map(),
    behaviours: new Map(),
    binDir: '/bin',
    userland: 'none',
    user: '',
    env: new Map([['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']]),
    entrypoint: [],
    cmd: [],
    workingDir: '/',
    exposedPorts: [],
    labels: {},
    args: new Map(),
    layers: [],
    history: [],
    packages: [],
    baseProcesses: [],
    baseArgv: '[]',
    base: 'scratch',
    baseDigest: '',
  };
}

function copyStage(name: string, from: Stage): Stage {
  return {
    ...from,
    name,
    files: new Map(from.files),
    programs: new Map(from.programs),
    behaviours: new Map(from.behaviours),
    env: new Map(from.env),
    entrypoint: [...from.entrypoint],
    cmd: [...from.cmd],
    exposedPorts: [...from.exposedPorts],
    labels: { ...from.labels },
    args: new Map(),
    layers: [...from.layers],
    history: [...from.history],
    packages: [...from.packages],
  };
}

class BuildError extends Error {}

/** Words of a shell command line, quotes removed (no expansion beyond `$VAR` from the stage's args and env). */
function shellWords(text: string, vars: Map<string, string>): string[] {
  const words: string[] = [];
  for (const m of text.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    const w = m[1] ?? (m[2] ?? m[3] ?? '').replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, v) => vars.get(v) ?? '');
    words.push(w);
  }
  return words;
}

/** Splits a shell form into simple commands at `&&`, `||`, `;`, `|` and line ends (continuations already joined). */
function simpleCommands(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split(/&&|\|\||;|\||\n/)
    .map((s) => s.replace(/\s[0-9]?>>?\s*\S+/g, ' ').trim())
    .filter((s) => s !== '');
}

const uidOf = (stage: Stage, user: string): number => {
  const name = user.split(':')[0] ?? '';
  if (name === '') return 0;
  if (/^\d+$/.test(name)) return Number(name);
  const passwd = stage.files.get('/etc/passwd')?.content ?? '';
  const line = passwd.split('\n').find((l) => l.split(':')[0] === name);
  return line ? Number(line.split(':')[2]) : -1;
};

/** Runs one RUN instruction's commands against the stage; returns the layer's changes. */
function run(stage: Stage, inst: DockerfileInstruction, layer: BuiltLayer): void {
  const vars = new Map([...stage.env, ...stage.args]);
  const exec = inst.text.startsWith('[') ? inst.args : undefined;
  if (!exec && !stage.programs.has('/bin/sh') && ![...stage.programs.values()].includes('sh')) {
    throw new BuildError(
      'error building image: error building stage: failed to execute command: starting command: fork/exec /bin/sh: no such file or directory',
    );
  }
  const commands = exec ? [exec] : simpleCommands(inst.text).map((c) => shellWords(c, vars));
  const root = uidOf(stage, stage.user) === 0;
  const put = (path: string, file: BuiltFile) => {
    stage.files.set(path, file);
    layer.files[path] = file;
  };
  const remove = (path: string) => {
    stage.files.delete(path);
    stage.programs.delete(path);
    delete layer.files[path];
    layer.whiteouts.push(path);
  };
  for (let words of commands) {
    while (words[0] && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) words = words.slice(1);
    if (words[0] === 'sudo') words = words.slice(1);
    const program = words[0];
    if (!program) continue;
    const base = program.split('/').pop()!;
    const exists =
      ['cd', 'export', 'set', 'true', 'false', 'echo', 'exit', 'test', '['].includes(program) ||
      (program.startsWith('/') ? stage.programs.has(program) : [...stage.programs.values()].includes(base));
    if (!exists) {
      throw new BuildError(
        `error building image: error building stage: failed to execute command: waiting for process to exit: exit status 127 (/bin/sh: 1: ${program}: not found)`,
      );
    }
    const rest = words.slice(1);
    const verbs = ['install', 'remove', 'purge', 'autoremove', 'add', 'del'];
    const packageManager = base === 'apt-get' || base === 'apt' || base === 'apk';
    if (packageManager && rest.some((w) => verbs.includes(w))) {
      if (!root) {
        throw new BuildError(
          'error building image: error building stage: failed to execute command: waiting for process to exit: exit status 100 (E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied))',
        );
      }
      const verb = rest.find((w) => verbs.includes(w))!;
      const names = rest.slice(rest.indexOf(verb) + 1).filter((w) => !w.startsWith('-'));
      for (const spec of names) {
        const [name, version] = spec.split('=');
        if (!name) continue;
        const progs = PACKAGE_PROGRAMS[name] ?? [name];
        if (verb === 'install' || verb === 'add') {
          const type = base === 'apk' ? 'apk' : 'deb';
          stage.packages = [
            ...stage.packages.filter((p) => p.name !== name),
            { name, version: version ?? 'latest', type, vulnerabilities: [] },
          ];
          for (const p of progs) {
            put(`/usr/bin/${p}`, { content: '', mode: 0o755, uid: 0, gid: 0 });
            stage.programs.set(`/usr/bin/${p}`, p);
          }
        } else {
          stage.packages = stage.packages.filter((p) => p.name !== name);
          for (const p of progs) if (stage.files.has(`/usr/bin/${p}`)) remove(`/usr/bin/${p}`);
        }
      }
    } else if (base === 'rm') {
      for (const pattern of rest.filter((w) => !w.startsWith('-'))) {
        const abs = pattern.startsWith('/') ? pattern : normalize(`${stage.workingDir}/${pattern}`);
        const re = globRe(abs);
        for (const path of [...stage.files.keys()]) {
          if (re.test(path) || path.startsWith(`${abs.replace(/\/$/, '')}/`)) {
            if (!root && stage.files.get(path)!.uid !== uidOf(stage, stage.user)) {
              throw new BuildError(
                `error building image: error building stage: failed to execute command: waiting for process to exit: exit status 1 (rm: cannot remove '${path}': Permission denied)`,
              );
            }
            remove(path);
          }
        }
      }
    } else if (['useradd', 'adduser', 'groupadd', 'addgroup'].includes(base)) {
      if (base === 'groupadd' || base === 'addgroup') continue;
      const name =
        rest.filter((w, i) => !w.startsWith('-') && !/^-/.test(rest[i - 1] ?? '')).pop() ?? rest[rest.length - 1];
      const u =
        rest.indexOf('-u') >= 0 ? rest[rest.indexOf('-u') + 1] : rest.find((w) => w.startsWith('--uid='))?.slice(6);
      if (!name) continue;
      const passwd = stage.files.get('/etc/passwd')?.content ?? 'root:x:0:0:root:/root:/bin/sh\n';
      const used = passwd
        .split('\n')
        .map((l) => Number(l.split(':')[2]))
        .filter((n) => !Number.isNaN(n));
      const uid = u !== undefined && /^\d+$/.test(u) ? Number(u) : Math.max(999, ...used) + 1;
      put('/etc/passwd', {
        content: `${passwd}${passwd.endsWith('\n') ? '' : '\n'}${name}:x:${uid}:${uid}::/home/${name}:/bin/sh\n`,
        mode: 0o644,
        uid: 0,
        gid: 0,
      });
    } else if (base === 'mkdir') {
      for (const d of rest.filter((w) => !w.startsWith('-'))) {
        put(d.startsWith('/') ? normalize(d) : normalize(`${stage.workingDir}/${d}`), {
          content: '',
          mode: 0o755,
          uid: 0,
          gid: 0,
          directory: true,
        });
      }
    }
  }
}

/** Context paths a COPY source names: a file, a directory's files, or a glob. */
function contextSources(context: Map<string, string>, src: string): [string, string][] {
  const clean = normalize(src).slice(1);
  if (clean === '') return [...context.entries()].map(([p, c]) => [p, c]);
  if (context.has(clean)) return [[clean, context.get(clean)!]];
  const dir = [...context.entries()].filter(([p]) => p.startsWith(`${clean}/`));
  if (dir.length) return dir;
  const re = globRe(clean);
  return [...context.entries()].filter(([p]) => re.test(p));
}

function chownOf(stage: Stage, flag: string | undefined): { uid: number; gid: number } {
  if (!flag) return { uid: 0, gid: 0 };
  const [u, g] = flag.split(':');
  const uid = uidOf(stage, u ?? '');
  const gid = g === undefined ? uid : /^\d+$/.test(g) ? Number(g) : uid;
  return { uid: Math.max(uid, 0), gid: Math.max(gid, 0) };
}

function copy(stage: Stage, inst: DockerfileInstruction, layer: BuiltLayer, input: BuildInput, stages: Stage[]): void {
  if (inst.args.length < 2)
    throw new BuildError(`error building image: parsing dockerfile: ${inst.keyword} requires at least two arguments`);
  const dest = inst.args[inst.args.length - 1]!;
  const srcs = inst.args.slice(0, -1);
  const owner = chownOf(stage, inst.flags.chown);
  const mode =
    inst.flags.chmod && /^[0-7]{3,4}$/.test(inst.flags.chmod) ? Number.parseInt(inst.flags.chmod, 8) : undefined;
  const destAbs = dest.startsWith('/') ? dest : `${stage.workingDir}/${dest}`;
  const intoDir = dest.endsWith('/') || srcs.length > 1;
  const put = (path: string, file: BuiltFile, program?: string, behaviour?: ImageProcess) => {
    stage.files.set(path, file);
    layer.files[path] = file;
    if (program) stage.programs.set(path, program);
    else stage.programs.delete(path);
    if (behaviour) stage.behaviours.set(path, behaviour);
  };
  if (inst.keyword === 'ADD' && srcs.some((s) => /^(https?|git):\/\//.test(s) || s.startsWith('git@'))) {
    throw new BuildError(
      'error building image: error building stage: ADD from a URL: the lab network reaches no server outside the cluster; put the file in the build context',
    );
  }
  const from = inst.flags.from;
  if (from !== undefined) {
    const source =
      stages.find((s) => s.name === from) ??
      (/^\d+$/.test(from) ? stages[Number(from)] : undefined) ??
      (() => {
        const pulled = input.pull(from);
        if (!pulled.ok)
          throw new BuildError(
            `error building image: error building stage: failed to get image ${from}: ${pulled.message}`,
          );
        return stageFromImage(from, pulled.image, from, pulled.imageRef);
      })();
    for (const src of srcs) {
      const abs = normalize(src);
      const matched = [...source.files.entries()].filter(([p]) => p === abs || p.startsWith(`${abs}/`));
      if (!matched.length)
        throw new BuildError(
          `error building image: error building stage: failed to copy: stat ${abs}: no such file or directory`,
        );
      for (const [p, f] of matched) {
        const rel = p === abs ? p.split('/').pop()! : p.slice(abs.length + 1);
        const target = normalize(intoDir || p !== abs ? `${destAbs}/${rel}` : destAbs);
        put(
          target,
          { ...f, ...(inst.flags.chown ? owner : {}), ...(mode !== undefined ? { mode } : {}) },
          source.programs.get(p),
          source.behaviours.get(p),
        );
      }
    }
    return;
  }
  for (const src of srcs) {
    const matched = contextSources(input.context, src);
    if (!matched.length) {
      throw new BuildError(
        `error building image: error building stage: failed to get files used from context: failed to get fileinfo for /workspace/${normalize(src).slice(1)}: lstat /workspace/${normalize(src).slice(1)}: no such file or directory`,
      );
    }
    const root = normalize(src).slice(1);
    for (const [p, content] of matched) {
      const rel = p === root ? p.split('/').pop()! : root === '' ? p : p.slice(root.length + 1) || p.split('/').pop()!;
      const target = normalize(intoDir || p !== root ? `${destAbs}/${rel}` : destAbs);
      put(target, { content, mode: mode ?? 0o644, ...owner });
    }
  }
}

/** Key=value pairs of ENV, LABEL and ARG, in both the `K=V K2=V2` and legacy `K V` forms. */
function pairs(inst: DockerfileInstruction): [string, string][] {
  if (inst.args.length >= 1 && !inst.args[0]!.includes('=') && inst.keyword !== 'ARG') {
    return [[inst.args[0]!, inst.args.slice(1).join(' ')]];
  }
  return inst.args.map((a) => {
    const i = a.indexOf('=');
    return i < 0 ? [a, ''] : [a.slice(0, i), a.slice(i + 1).replace(/^"(.*)"$/, '$1')];
  });
}

/** Builds the image a Dockerfile describes. Never throws: a failure is `{ok: false}` with kaniko's error text. */
export function buildImage(input: BuildInput): BuildResult {
  const log: string[] = [];
  try {
    return { ok: true, image: build(input, log), log };
  } catch (e) {
    if (e instanceof BuildError) return { ok: false, error: e.message, log };
    throw e;
  }
}

function build(input: BuildInput, log: string[]): ImageDefinition & { digest: string } {
  let files = 0;
  let bytes = 0;
  for (const content of input.context.values()) {
    files++;
    bytes += new TextEncoder().encode(content).length;
  }
  if (files > BUILD_LIMITS.contextFiles)
    throw new BuildError(
      `error building image: the build context has ${files} files, more than the ${BUILD_LIMITS.contextFiles} allowed`,
    );
  if (bytes > BUILD_LIMITS.contextBytes)
    throw new BuildError(
      `error building image: the build context is ${bytes} bytes, more than the ${BUILD_LIMITS.contextBytes} allowed`,
    );
  const parsed = parseDockerfile(input.dockerfile);
  if (!parsed.ok) throw new BuildError(`error building image: parsing dockerfile: ${parsed.error}`);
  const destination = parseImageReference(input.destination);
  if (!destination || destination.digest) {
    throw new BuildError(
      `error building image: invalid destination "${input.destination}": a destination is a repository and a tag`,
    );
  }
  const stages: Stage[] = [];
  const globalArgs = new Map<string, string>();
  let stage: Stage | undefined;
  for (const inst of parsed.instructions) {
    const instructionText = `${inst.keyword} ${Object.entries(inst.flags)
      .map(([k, v]) => `--${k}=${v} `)
      .join('')}${inst.text}`;
    if (inst.keyword === 'FROM') {
      if (stages.length >= BUILD_LIMITS.stages)
        throw new BuildError(`error building image: the Dockerfile has more than ${BUILD_LIMITS.stages} stages`);
      const ref = inst.args[0] ?? '';
      const name = inst.as || String(stages.length);
      const earlier = stages.find((s) => s.name === ref);
      log.push(`INFO Retrieving image manifest ${ref}`);
      if (earlier) stage = copyStage(name, earlier);
      else if (ref === 'scratch') stage = scratch(name);
      else {
        const pulled = input.pull(ref);
        if (!pulled.ok)
          throw new BuildError(
            `error building image: error building stage: failed to get filesystem from image: ${pulled.message}`,
          );
        stage = stageFromImage(name, pulled.image, ref, pulled.imageRef);
      }
      for (const [k, v] of globalArgs)
        if (input.buildArgs[k] !== undefined || v !== '') stage.args.set(k, input.buildArgs[k] ?? v);
      stages.push(stage);
      log.push(`INFO Building stage '${ref}' [idx: '${stages.length - 1}', base-idx: '-1']`);
      continue;
    }
    if (!stage) {
      if (inst.keyword === 'ARG') {
        for (const [k, v] of pairs(inst)) globalArgs.set(k, v);
        continue;
      }
      throw new BuildError(
        `error building image: parsing dockerfile: Please provide a source image with \`from\` prior to commit`,
      );
    }
    log.push(`INFO ${instructionText}`);
    const s = stage;
    switch (inst.keyword) {
      case 'ARG':
        for (const [k, v] of pairs(inst)) s.args.set(k, input.buildArgs[k] ?? (v || globalArgs.get(k) || ''));
        s.history.push({ createdBy: `ARG ${inst.text}`, size: '0B' });
        break;
      case 'ENV':
        for (const [k, v] of pairs(inst)) s.env.set(k, v);
        s.history.push({ createdBy: `ENV ${inst.text}`, size: '0B' });
        break;
      case 'LABEL':
        for (const [k, v] of pairs(inst)) s.labels[k] = v;
        s.history.push({ createdBy: `LABEL ${inst.text}`, size: '0B' });
        break;
      case 'USER':
        s.user = inst.args[0] ?? '';
        s.history.push({ createdBy: `USER ${s.user}`, size: '0B' });
        break;
      case 'WORKDIR':
        s.workingDir = normalize(
          (inst.args[0] ?? '/').startsWith('/') ? inst.args[0]! : `${s.workingDir}/${inst.args[0]}`,
        );
        s.history.push({ createdBy: `WORKDIR ${s.workingDir}`, size: '0B' });
        break;
      case 'EXPOSE':
        for (const p of inst.args) s.exposedPorts.push(p.includes('/') ? p : `${p}/tcp`);
        s.history.push({ createdBy: `EXPOSE map[${inst.args.join(' ')}]`, size: '0B' });
        break;
      case 'ENTRYPOINT':
      case 'CMD': {
        const argv = inst.text.startsWith('[') ? inst.args : ['/bin/sh', '-c', inst.text];
        if (inst.keyword === 'ENTRYPOINT') {
          s.entrypoint = argv;
          s.cmd = [];
        } else s.cmd = argv;
        s.history.push({ createdBy: `${inst.keyword} ${JSON.stringify(argv)}`, size: '0B' });
        break;
      }
      case 'RUN':
      case 'COPY':
      case 'ADD': {
        const layer: BuiltLayer = { createdBy: '', files: {}, whiteouts: [] };
        if (inst.keyword === 'RUN') {
          run(s, inst, layer);
          const args = [...s.args].map(([k, v]) => `${k}=${v}`);
          layer.createdBy = `RUN ${args.length ? `|${args.length} ${args.join(' ')} ` : ''}/bin/sh -c ${inst.text} # buildkit`;
        } else {
          copy(s, inst, layer, input, stages);
          layer.createdBy = `${instructionText} # buildkit`;
        }
        s.layers.push(layer);
        if (s.layers.length > BUILD_LIMITS.layers) {
          throw new BuildError(`error building image: the image has more than ${BUILD_LIMITS.layers} layers`);
        }
        const size = Object.values(layer.files).reduce((n, f) => n + f.content.length, 0);
        s.history.push({ createdBy: layer.createdBy, size: `${size}B` });
        break;
      }
      default:
        s.history.push({ createdBy: `${inst.keyword} ${inst.text}`, size: '0B' });
    }
  }
  if (!stage) throw new BuildError('error building image: parsing dockerfile: file with no instructions');
  return imageOf(stage, destination.repository, destination.tag ?? 'latest', log);
}

function imageOf(s: Stage, repository: string, tag: string, log: string[]): ImageDefinition & { digest: string } {
  const argv = [...s.entrypoint, ...s.cmd];
  const exe = argv[0] ?? '';
  const path = exe.startsWith('/')
    ? exe
    : ([...s.programs.entries()].find(([, name]) => name === exe)?.[0] ?? `${s.binDir}/${exe}`);
  const behaviour = s.behaviours.get(path);
  const processes =
    JSON.stringify(argv) === s.baseArgv
      ? s.baseProcesses
      : behaviour && s.files.has(path)
        ? [{ ...behaviour, argv: undefined }]
        : [];
  const binaries: string[] = [];
  const files: Record<string, { content: string; mode: number; owner: string; directory?: boolean }> = {};
  for (const [p, f] of s.files) {
    const program = s.programs.get(p);
    if (program && p === `${s.binDir}/${p.split('/').pop()}` && program === p.split('/').pop()) {
      binaries.push(program);
      continue;
    }
    files[p] = {
      content: f.content,
      mode: f.mode,
      owner: `${f.uid}:${f.gid}`,
      ...(f.directory ? { directory: true } : {}),
    };
  }
  const layers = s.layers.map((l) => ({
    createdBy: l.createdBy,
    whiteouts: l.whiteouts,
    files: Object.fromEntries(
      Object.entries(l.files).map(([p, f]) => [
        p,
        { content: f.content, mode: f.mode, owner: `${f.uid}:${f.gid}`, ...(f.directory ? { directory: true } : {}) },
      ]),
    ),
    digest: hash(JSON.stringify(l)),
  }));
  const body = {
    apiVersion: 'paranoid.dev/v1' as const,
    kind: 'Image' as const,
    repository,
    tags: [tag],
    config: {
      user: s.user,
      entrypoint: s.entrypoint,
      cmd: s.cmd,
      env: [...s.env].map(([k, v]) => `${k}=${v}`),
      workingDir: s.workingDir,
      exposedPorts: s.exposedPorts,
      labels: s.labels,
    },
    binaries,
    binDir: s.binDir,
    userland: s.userland,
    files,
    processes: processes.map((p) => ({ ...p, argv: p.argv })),
    history: [...s.history].reverse(),
    packages: s.packages,
    layers,
    build: { base: s.base, baseDigest: s.baseDigest, builder: 'kaniko' },
  };
  const digest = hash(JSON.stringify(body));
  log.push(`INFO Pushing image to ${repository}:${tag}`);
  log.push(`INFO Pushed ${repository}@${digest}`);
  return { ...body, digest };
}
