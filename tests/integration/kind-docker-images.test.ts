import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { imagesBuild } from '@paranoid/providers/kind/build-images.ts';
import { DockerEngine } from '@paranoid/providers/kind/docker-engine.ts';
import { readTar, type TarEntry } from '@paranoid/providers/kind/oci-archive.ts';
import {
  type BuiltImage,
  buildScenarioImage,
  kubectlFor,
  type ScenarioImageBuild,
  scenarioImageBuilds,
} from '@paranoid/providers/kind/scenario-images.ts';
import { HOST_BUSYBOX_SHA256, hostBusybox } from '@paranoid/providers/kind/toolbox-image.ts';
import { type Image, parseImage } from '@paranoid/sim/runtime/index.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// Every scenario image, built from its Dockerfile on the real Docker engine and run as
// the scenario's pod runs it, must answer as the simulator's definition of it says:
// the same processes, ports, HTTP and redis answers, users, files and binaries. A
// difference is a failure here, so what a learner sees on the simulator is what kind runs.

const docker = new DockerEngine();
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);
if (!dockerUp && process.env.CI) throw new Error('CI must run the Docker suite: dockerd is not answering');

const root = resolve(import.meta.dirname, '../..');
const scenariosDir = join(root, 'scenarios');
const images = readdirSync(scenariosDir)
  .filter((id) => existsSync(join(scenariosDir, id, 'scenario.yaml')))
  .flatMap((id) => scenarioImageBuilds(join(scenariosDir, id)).map((build) => ({ id, build })));
const started: string[] = [];

interface PodContainer {
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  securityContext?: { runAsUser?: number; readOnlyRootFilesystem?: boolean };
}

/**
 * The first container of the scenario's setup (else its solution, else its variants, by name, else
 * the objects its probes create) that runs this image: an image only a variant deploys (a rollback
 * to an older release) still runs as that variant's pod runs it.
 */
function podRunning(id: string, build: ScenarioImageBuild): PodContainer | undefined {
  const found: PodContainer[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const n of node) visit(n);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
          for (const c of value as PodContainer[]) {
            const ref = String(c.image ?? '').split('@')[0] ?? '';
            if (build.refs.includes(ref) || build.refs.includes(`docker.io/${ref}`)) found.push(c);
          }
        }
        visit(value);
      }
    }
  };
  const variantsDir = join(scenariosDir, id, 'variants');
  const variants = existsSync(variantsDir)
    ? readdirSync(variantsDir)
        .sort()
        .map((v) => join('variants', v))
    : [];
  for (const folder of ['setup', 'solution', ...variants]) {
    const dir = join(scenariosDir, id, folder);
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) visit(doc.toJS());
    }
    if (found.length > 0) break;
  }
  // An image only the scenario's probes create (a dry run of an unsigned release) runs as the probe's pod would.
  if (found.length === 0)
    visit(parseAllDocuments(readFileSync(join(scenariosDir, id, 'scenario.yaml'), 'utf8'))[0]?.toJS());
  return found[0];
}

/** The file tree of the built image, from the archive that kind loads. */
function imageFiles(built: BuiltImage): Map<string, TarEntry> {
  const archive = readTar(readFileSync(built.archivePath));
  const manifest = JSON.parse(archive.find((e) => e.path === 'manifest.json')!.data.toString()) as Array<{
    Layers: string[];
  }>;
  const layer = archive.find((e) => e.path === manifest[0]!.Layers[0])!;
  return new Map(readTar(layer.data).map((e) => [`/${e.path}`, e]));
}

function simBinaries(image: Image): string[] {
  // busybox itself is left out on both sides (see realBinaries); a definition names it when a step copies it.
  return [...new Set(image.binaries)].filter((b) => b !== 'busybox').sort();
}

/** What a shell finds on the image's PATH: executables and symlinks in its PATH folders. */
function realBinaries(files: Map<string, TarEntry>, image: Image): string[] {
  const path = (image.config.env.find((e) => e.startsWith('PATH=')) ?? 'PATH=/bin').slice(5).split(':');
  const names = new Set<string>();
  for (const [p, e] of files) {
    const slash = p.lastIndexOf('/');
    if (!path.includes(p.slice(0, slash))) continue;
    const name = p.slice(slash + 1);
    // busybox itself is the multi-call binary behind every applet, not a command anyone types.
    if (name === 'busybox') continue;
    if (e.type === 'symlink' || (e.type === 'file' && e.mode & 0o111)) names.add(name);
  }
  return [...names].sort();
}

function httpGet(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(5_000) }).then(async (r) => ({
    status: r.status,
    body: r.status < 400 ? await r.text() : '',
  }));
}

/** One redis command over RESP, from outside the container as a client pod would send it. */
function redis(host: string, port: number, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect(port, host);
    let reply = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('redis timed out')));
    socket.on('data', (d) => {
      reply += d.toString();
    });
    socket.on('end', () => resolvePromise(reply.replace(/\+OK\r\n$/, '')));
    socket.on('error', reject);
    const encode = (a: string[]) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
    socket.write(encode(args) + encode(['QUIT']));
  });
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined as T);
    if ((v !== undefined && ok(v)) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!dockerUp)('scenario images on a real Docker engine answer as the simulator says', () => {
  afterAll(async () => {
    for (const id of started) await docker.remove(id);
  });

  it('are built from the busybox whose digests the scenario data pins', () => {
    // Every digest below depends on the busybox inside: another build of it gives other digests,
    // and a solution pinning one would not start on kind. See infra/ci/README.md.
    expect(hostBusybox()?.sha256, 'this machine needs Debian 12 busybox-static (apt-get install busybox-static)').toBe(
      HOST_BUSYBOX_SHA256,
    );
  });

  it.each(images.map((i) => [`${i.id}/${i.build.name}`, i] as const))('%s', async (_name, { id, build }) => {
    const def = parseImage(
      parseAllDocuments(readFileSync(join(scenariosDir, id, 'images', `${build.name}.image.yaml`), 'utf8'))[0]!.toJS(),
    );
    const kubectl = await kubectlFor(build.context);
    const built = await buildScenarioImage(docker, build, {
      busybox: hostBusybox()!.path,
      ...(kubectl ? { kubectl } : {}),
    });

    // The digest a solution pins is the digest of what was built and what kind loads.
    expect.soft(built.digest, `${build.name}.image.yaml must declare the digest of the built image`).toBe(def.digest);

    // Config: what the pod inherits from the image.
    const inspect = await docker.docker.getImage(build.refs[0]!).inspect();
    expect.soft(inspect.Config.User ?? '').toBe(def.config.user);
    expect.soft(inspect.Config.Entrypoint ?? []).toEqual(def.config.entrypoint);
    expect.soft(inspect.Config.Cmd ?? []).toEqual(def.config.cmd);
    expect.soft(Object.keys(inspect.Config.ExposedPorts ?? {}).sort()).toEqual([...def.config.exposedPorts].sort());
    expect.soft(inspect.Config.WorkingDir || '/').toBe(def.config.workingDir);
    expect.soft(inspect.Config.Labels ?? {}).toEqual(def.config.labels);
    for (const ref of build.refs) expect.soft(await docker.imageExists(ref)).toBe(true);

    // Binaries: every command the steps, attacks and probes can call, and no more.
    const files = imageFiles(built);
    expect.soft(realBinaries(files, def)).toEqual(simBinaries(def));

    // Files the steps rely on: type, mode, owner and content.
    for (const [path, f] of Object.entries(def.files)) {
      const real = files.get(path);
      expect.soft(real, `${path} is in the image`).toBeDefined();
      expect
        .soft({ path, dir: real!.type === 'dir', mode: real!.mode.toString(8), uid: real!.uid, gid: real!.gid })
        .toEqual({
          path,
          dir: f.directory,
          mode: f.mode.toString(8),
          uid: f.uid,
          gid: f.gid,
        });
      if (!f.directory) expect.soft(real!.data.toString(), `content of ${path}`).toBe(f.content);
    }

    // Run it as the scenario's pod does: its user, command, args, env and read-only root.
    const pod = podRunning(id, build);
    expect(pod, `a pod of ${id} runs ${build.refs[0]}`).toBeDefined();
    const user = pod?.securityContext?.runAsUser;
    const container = await docker.create({
      Image: build.refs[0],
      ...(user !== undefined ? { User: String(user) } : {}),
      ...(pod?.command ? { Entrypoint: pod.command } : {}),
      ...(pod?.args ? { Cmd: pod.args } : pod?.command ? { Cmd: [] } : {}),
      Env: (pod?.env ?? []).flatMap((e) => (e.value !== undefined ? [`${e.name}=${e.value}`] : [])),
      HostConfig: { ReadonlyRootfs: pod?.securityContext?.readOnlyRootFilesystem === true, NetworkMode: 'bridge' },
    });
    started.push(container);
    await docker.start(container);
    const handle = docker.docker.getContainer(container);
    const ip = (await handle.inspect()).NetworkSettings.IPAddress;

    // Users: who the processes run as.
    const uid = await docker.execCapture(container, ['id', '-u']);
    expect.soft(uid.stdout.trim()).toBe(String(user ?? (def.config.user || '0')));

    // Listening ports, as the kernel sees them (the image needs no netstat for this).
    const simPorts = def.processes.flatMap((p) => [...(p.listen ? [p.listen] : []), ...p.alsoListen]);
    const listening = await until(
      async () => {
        const tables = await docker.execCapture(container, ['cat', '/proc/net/tcp', '/proc/net/tcp6']);
        return [
          ...new Set(
            tables.stdout
              .split('\n')
              .map((l) => l.trim().split(/\s+/))
              .filter((f) => f[3] === '0A')
              .map((f) => Number.parseInt(f[1]!.split(':').at(-1)!, 16)),
          ),
        ].sort((a, b) => a - b);
      },
      (ports) => ports.length >= simPorts.length,
    );
    expect.soft(listening).toEqual(simPorts.map((l) => l.port).sort((a, b) => a - b));

    // Processes: the same names as the simulator's `ps` shows. A shell loop's `sleep` comes and goes.
    const top = await handle.top({ ps_args: '-o pid,comm' });
    const names = [...new Set(top.Processes.map((p: string[]) => p[1]!))].filter((n) => n !== 'sleep').sort();
    expect.soft(names).toEqual([...new Set(def.processes.map((p) => p.name))].sort());

    // What each port answers.
    for (const listen of simPorts) {
      if (listen.kind === 'http') {
        for (const route of listen.http?.routes ?? []) {
          // A fetch route asked without its query parameter answers 400 on the simulator, as the app does.
          const status = route.fetch ? 400 : route.status;
          expect.soft({ path: route.path, ...(await httpGet(ip, listen.port, route.path)) }).toEqual({
            path: route.path,
            status,
            body: status < 400 ? route.body : '',
          });
        }
        expect
          .soft((await httpGet(ip, listen.port, '/no-such-page')).status)
          .toBe(listen.http?.notFound?.status ?? 404);
      }
      if (listen.kind === 'kv') {
        const data: Record<string, string> = listen.kv?.data ?? {};
        for (const [key, value] of Object.entries(data)) {
          expect.soft(await redis(ip, listen.port, ['GET', key])).toBe(`$${Buffer.byteLength(value)}\r\n${value}\r\n`);
        }
        const keys = await redis(ip, listen.port, ['KEYS', '*']);
        const expected = Object.keys(data).sort();
        expect.soft(keys).toBe(`*${expected.length}\r\n${expected.map((k) => `$${k.length}\r\n${k}\r\n`).join('')}`);
        expect.soft(await redis(ip, listen.port, ['GET', 'no-such-key'])).toBe('$-1\r\n');
      }
    }

    // The first log line, times masked.
    const mask = (s: string) =>
      s.replace(/\d/g, '0').replace(/\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/, 'Mon');
    const firstSim = def.processes[0]?.logs[0];
    if (firstSim !== undefined) {
      const logs = await until(
        async () => (await handle.logs({ stdout: true, stderr: true, follow: false })).toString('latin1'),
        (l) => l.length > 0,
      );
      // The stream is multiplexed: 8 header bytes before each frame.
      const firstReal = logs.slice(8).split('\n')[0];
      expect.soft(mask(firstReal ?? '')).toBe(mask(firstSim));
    }
  });

  it('are built by `paranoid images build`, which says when a digest differs from what the data pins', async () => {
    const lines: string[] = [];
    const out = { stdout: (t: string) => lines.push(t), stderr: (t: string) => lines.push(t) };
    expect(await imagesBuild(['exposed-dashboard'], {}, out, docker)).toBe(0);
    expect(lines.join('')).toMatch(
      /^ok {4}exposed-dashboard {2}registry\.lab\.local\/telemetry\/fleet-telemetry:1\.8\.0 {2}sha256:[0-9a-f]{64} {2}[\d.]+s\n1 image built, 0 problems\n$/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'paranoid-images-'));
    try {
      mkdirSync(join(dir, 'demo/images/app'), { recursive: true });
      writeFileSync(
        join(dir, 'demo/images/app.image.yaml'),
        `repository: paranoid.test/images/app\ntags: ['1']\ndigest: sha256:${'0'.repeat(64)}\n`,
      );
      writeFileSync(join(dir, 'demo/images/app/Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\n');
      lines.length = 0;
      expect(await imagesBuild([], { scenarios: dir }, out, docker)).toBe(1);
      expect(lines.join('')).toMatch(
        /^DIFF {2}demo {2}paranoid\.test\/images\/app:1 .*\n {6}app\.image\.yaml pins sha256:0{64}\n/,
      );
      lines.length = 0;
      expect(await imagesBuild(['nope'], { scenarios: dir }, out, docker)).toBe(2);
      expect(lines.join('')).toMatch(/no scenario "nope"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await docker.removeImage('paranoid.test/images/app:1');
    }
  });
});
