import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ACTIONS, type CreationContext, runActions } from '@paranoid/providers/kind/create-cluster.ts';
import { DockerEngine } from '@paranoid/providers/kind/docker-engine.ts';
import type { KindCli } from '@paranoid/providers/kind/kind-cli.ts';
import { KindProvider } from '@paranoid/providers/kind/kind-provider.ts';
import { KIND_CLUSTER_LABEL, LABELS, labelsFor } from '@paranoid/providers/kind/labels.ts';
import { readTar } from '@paranoid/providers/kind/oci-archive.ts';
import { reap } from '@paranoid/providers/kind/reaper.ts';
import {
  buildScenarioImage,
  scenarioImageBuilds,
  upstreamImageArchive,
} from '@paranoid/providers/kind/scenario-images.ts';
import { openToolboxShell, startToolbox } from '@paranoid/providers/kind/toolbox.ts';
import { ensureToolboxImage, findHostToolboxSources, hostBusybox } from '@paranoid/providers/kind/toolbox-image.ts';
import { ToolboxTerminal } from '@paranoid/server/toolbox-terminal.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The kind provider against a real Docker engine. The kind CLI itself cannot run
// here (no Kubernetes node image can be had), so a fake kind stands in for it and
// makes what kind makes: node containers labelled io.x-k8s.kind.cluster.

const docker = new DockerEngine();
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);
if (!dockerUp && process.env.CI) throw new Error('CI must run the Docker suite: dockerd is not answering');

const run = `t${Date.now().toString(36)}`;
/** This test process as a runner instance; other owners below are other runners. */
const OWNER = `test.${process.pid}.${run}`;
const others = { alive: 'elsewhere.1.aaaaaa', dead: 'elsewhere.2.bbbbbb' };
const ownerMayBeAlive = (owner: string) => owner !== others.dead;
let toolboxImage = '';

class FakeKind implements KindCli {
  calls: string[] = [];
  failOn = new Set<string>();
  /** false: the network kind is told to use never appears (so the terminal cannot join it). */
  makesNetworks = true;
  constructor(private readonly image: () => string) {}
  private step(call: string) {
    this.calls.push(call);
    if (this.failOn.has(call.split(' ')[0]!)) throw new Error(`kind ${call} failed (injected)`);
  }
  async version() {
    return 'kind v0.27.0 go1.23 linux/amd64';
  }
  async createCluster({ name, network }: { name: string; network?: string }) {
    // kind makes the network it is told to use (KIND_EXPERIMENTAL_DOCKER_NETWORK) when missing.
    if (network && this.makesNetworks && !(await docker.networkExists(network)))
      await docker.docker.createNetwork({ Name: network });
    // kind makes its nodes before it can fail part-way: so does the fake.
    for (const role of ['control-plane', 'worker']) {
      await docker.create({
        name: `${name}-${role}`,
        Image: this.image(),
        Labels: { [KIND_CLUSTER_LABEL]: name },
        HostConfig: { NetworkMode: network && this.makesNetworks ? network : 'none' },
      });
    }
    this.step(`createCluster ${name}${network ? ` on ${network}` : ''}`);
  }
  async deleteCluster(name: string) {
    this.calls.push(`deleteCluster ${name}`);
    for (const n of await docker.listByLabels({ [KIND_CLUSTER_LABEL]: name })) await docker.remove(n.id);
  }
  async kubeconfig(name: string, options?: { internal?: boolean }) {
    this.step(`kubeconfig ${name}${options?.internal ? ' internal' : ''}`);
    return `apiVersion: v1\nkind: Config\nclusters:\n- name: kind-${name}\n  cluster:\n    server: https://${name}-control-plane:6443\n`;
  }
  loaded: string[] = [];
  async loadImageArchive(name: string, archive: string) {
    this.step(`loadImageArchive ${name} ${archive}`);
    this.loaded.push(archive);
  }
  async listClusters() {
    return [];
  }
}

async function leftovers(cluster: string) {
  const ours = await docker.listByLabels({ [LABELS.cluster]: cluster });
  const nodes = await docker.listByLabels({ [KIND_CLUSTER_LABEL]: cluster });
  return [...ours, ...nodes].map((c) => c.name).sort();
}

function context(kind: KindCli, session: string, overrides: Partial<CreationContext> = {}): CreationContext {
  const now = Date.now();
  return {
    docker,
    kind,
    labels: { session, cluster: `paranoid-${session}`, createdAt: now, expiresAt: now + 3_600_000, owner: OWNER },
    kindConfig: 'kind: Cluster\n',
    toolboxImage,
    images: [{ name: 'example/app:1', archive: async () => '/tmp/example-app.tar' }],
    network: 'none',
    waitSeconds: 1,
    state: {},
    ...overrides,
  };
}

describe.skipIf(!dockerUp)('kind provider on a real Docker engine', () => {
  beforeAll(async () => {
    const sources = await findHostToolboxSources();
    if (!sources) throw new Error('this machine needs busybox-static and kubectl for the toolbox image');
    toolboxImage = await ensureToolboxImage(docker, sources);
  }, 180_000);

  afterAll(async () => {
    for (const c of await docker.listByLabels({ [LABELS.managed]: 'paranoid-kind' })) {
      const session = c.labels[LABELS.session] ?? '';
      if (session.startsWith(run) || session.startsWith('pool-')) await docker.remove(c.id);
    }
    for (const c of await docker.listByLabels({ [KIND_CLUSTER_LABEL]: '' })) {
      const cluster = c.labels[KIND_CLUSTER_LABEL] ?? '';
      if (cluster.startsWith(`paranoid-${run}`) || cluster.startsWith('paranoid-pool-')) await docker.remove(c.id);
    }
  });

  it("builds the terminal image from this machine's busybox and kubectl without pulling anything", async () => {
    expect(toolboxImage).toMatch(/^paranoid\.local\/toolbox:[0-9a-f]{16}$/);
    const session = `${run}-img`;
    const id = await startToolbox(docker, {
      image: toolboxImage,
      labels: context(new FakeKind(() => toolboxImage), session).labels,
      kubeconfig: 'x',
      network: 'none',
    });
    const version = await docker.execCapture(id, ['kubectl', 'version', '--client']);
    expect(version.stdout).toMatch(/Client Version: v1\.\d+\.\d+/);
    // The dashboard steps curl a NodePort: curl runs, with every library it loads.
    const curl = await docker.execCapture(id, ['curl', '--version']);
    expect(curl.stdout).toMatch(/^curl \d+\.\d+/);
    expect((await docker.execCapture(id, ['curl', '-s', 'file:///etc/passwd'])).stdout).toMatch(/^learner:x:1000/m);
    await docker.remove(id);
  });

  it('starts a toolbox that holds only its session kubeconfig, unprivileged, on a read-only root', async () => {
    const session = `${run}-tb`;
    const labels = context(new FakeKind(() => toolboxImage), session).labels;
    const id = await startToolbox(docker, {
      image: toolboxImage,
      labels,
      kubeconfig: 'secret-of-this-session\n',
      network: 'none',
    });
    const sh = (cmd: string) => docker.execCapture(id, ['/bin/sh', '-c', cmd]);
    expect((await sh('id -u')).stdout.trim()).toBe('1000');
    expect((await sh('cat $HOME/.kube/config')).stdout).toBe('secret-of-this-session\n');
    expect((await sh('stat -c %a $HOME/.kube/config 2>/dev/null || ls -l $HOME/.kube/config')).stdout).toMatch(
      /600|-rw-------/,
    );
    const write = await sh('touch /etc/owned');
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
    expect((await sh('grep CapEff /proc/self/status')).stdout).toMatch(/CapEff:\s+0000000000000000/);
    const [listed] = await docker.listByLabels({ [LABELS.session]: session, [LABELS.component]: 'toolbox' });
    expect(listed?.labels[LABELS.cluster]).toBe(labels.cluster);
    await docker.remove(id);
  });

  it('streams an interactive shell and follows terminal resizes', async () => {
    const session = `${run}-sh`;
    const labels = context(new FakeKind(() => toolboxImage), session).labels;
    const id = await startToolbox(docker, { image: toolboxImage, labels, kubeconfig: 'x', network: 'none' });
    const shell = await openToolboxShell(docker, id, { cols: 80, rows: 24 });
    let screen = '';
    shell.stream.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
    });
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 100 && !pattern.test(screen); i++) await new Promise((r) => setTimeout(r, 50));
      return screen;
    };
    shell.stream.write("echo hel''lo-from-$(id -un)\n");
    expect(await waitFor(/hello-from-learner/)).toMatch(/hello-from-learner/);
    await shell.resize(132, 43);
    shell.stream.write('stty size\n');
    expect(await waitFor(/43 132/)).toMatch(/43 132/);
    shell.stream.write('exit 7\n');
    await new Promise((r) => shell.stream.once('end', r));
    expect(await shell.exitCode()).toBe(7);
    await docker.remove(id);
  });

  it("gives the site's terminal a live shell in the toolbox, with scrollback after a reconnect", async () => {
    const session = `${run}-site`;
    const labels = context(new FakeKind(() => toolboxImage), session).labels;
    const id = await startToolbox(docker, { image: toolboxImage, labels, kubeconfig: 'x', network: 'none' });
    const terminal = new ToolboxTerminal((size) => openToolboxShell(docker, id, size), { cols: 90, rows: 30 });
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 100 && !pattern.test(terminal.scrollback()); i++) await new Promise((r) => setTimeout(r, 50));
      return terminal.scrollback();
    };
    terminal.write('echo $((6*7)) $KUBECONFIG\n');
    expect(await waitFor(/42 \/home\/learner\/\.kube\/config/)).toMatch(/42/);
    // A second client (a reconnect) first gets the screen as it was.
    expect(terminal.scrollback()).toMatch(/learner@paranoid:/);
    terminal.kill();
    expect(terminal.alive).toBe(false);
    await docker.remove(id);
  });

  it('rolls back everything made so far, whichever creation step fails', async () => {
    const steps = ['createCluster', 'kubeconfig', 'loadImageArchive'];
    for (const step of steps) {
      const kind = new FakeKind(() => toolboxImage);
      kind.failOn.add(step);
      const ctx = context(kind, `${run}-f${steps.indexOf(step)}`);
      await expect(runActions(ctx)).rejects.toThrow(/failed to create cluster .* at "/);
      expect(await leftovers(ctx.labels.cluster)).toEqual([]);
      expect(kind.calls).toContain(`deleteCluster ${ctx.labels.cluster}`);
    }
    // The terminal cannot start (no such network): the nodes and the anchor go too.
    const kind = new FakeKind(() => toolboxImage);
    kind.makesNetworks = false;
    const ctx = context(kind, `${run}-fnet`, { network: `paranoid-no-such-network-${run}` });
    await expect(runActions(ctx)).rejects.toThrow(/at "starting terminal"/);
    expect(await leftovers(ctx.labels.cluster)).toEqual([]);
    // The session cannot even be recorded (no such image): nothing was made.
    const early = context(new FakeKind(() => toolboxImage), `${run}-fimg`, { toolboxImage: 'paranoid.local/none:0' });
    await expect(runActions(early)).rejects.toThrow(/at "recording session"/);
    expect(await leftovers(early.labels.cluster)).toEqual([]);
  }, 120_000);

  it('leaves nothing behind a creation killed half-way once the reaper has run', async () => {
    const kind = new FakeKind(() => toolboxImage);
    kind.failOn.add('loadImageArchive');
    const ctx = context(kind, `${run}-crash`);
    // retain = the process died before it could clean up.
    await expect(runActions(ctx, { retain: true })).rejects.toThrow();
    expect(await leftovers(ctx.labels.cluster)).not.toEqual([]);
    const result = await reap({ docker, kind, now: Date.now(), isActive: () => false, owner: OWNER, ownerMayBeAlive });
    expect(result.clusters).toContain(ctx.labels.cluster);
    expect(await leftovers(ctx.labels.cluster)).toEqual([]);
  }, 60_000);

  it('reaps ended and expired sessions, and never touches a live session or a kind cluster it did not make', async () => {
    const kind = new FakeKind(() => toolboxImage);
    const make = async (session: string, expiresIn: number, owner = OWNER) => {
      const now = Date.now();
      const labels = { session, cluster: `paranoid-${session}`, createdAt: now, expiresAt: now + expiresIn, owner };
      await docker.create({
        name: `paranoid-${session}-anchor`,
        Image: toolboxImage,
        Labels: labelsFor('anchor', labels),
      });
      return labels.cluster;
    };
    const live = await make(`${run}-live`, 3_600_000);
    const ended = await make(`${run}-ended`, 3_600_000);
    const expired = await make(`${run}-expired`, -1);
    // Another runner on this host (a validate beside a serve) still runs: its clusters are its own business.
    const othersExpired = await make(`${run}-other`, -1, others.alive);
    // A runner that died left its clusters: they go, expired or not.
    const orphaned = await make(`${run}-orphan`, 3_600_000, others.dead);
    const foreign = await docker.create({
      name: `${run}-someone-elses-kind-control-plane`,
      Image: toolboxImage,
      Labels: { [KIND_CLUSTER_LABEL]: `${run}-someone-else` },
    });
    const active = new Set([`${run}-live`, `${run}-expired`]);
    await reap({ docker, kind, now: Date.now(), isActive: (s) => active.has(s), owner: OWNER, ownerMayBeAlive });
    expect(await leftovers(live)).toEqual([`paranoid-${run}-live-anchor`]);
    expect(await leftovers(ended)).toEqual([]);
    expect(await leftovers(expired)).toEqual([]);
    expect(await leftovers(othersExpired)).toEqual([`paranoid-${run}-other-anchor`]);
    expect(await leftovers(orphaned)).toEqual([]);
    expect(kind.calls).not.toContain(`deleteCluster ${othersExpired}`);
    expect(kind.calls).not.toContain(`deleteCluster ${run}-someone-else`);
    expect((await docker.listByLabels({ [KIND_CLUSTER_LABEL]: `${run}-someone-else` })).map((c) => c.id)).toEqual([
      foreign,
    ]);
    await docker.remove(foreign);
    for (const c of await docker.listByLabels({ [LABELS.cluster]: othersExpired })) await docker.remove(c.id);
  }, 60_000);

  it('creates a session cluster with progress, lists it by label, and deletes all of it', async () => {
    const kind = new FakeKind(() => toolboxImage);
    const provider = new KindProvider({
      docker,
      kind,
      baseConfig: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n',
      scenarioNeeds: () => ({ nodePorts: [31337], images: [] }),
      ttlMs: 3_600_000,
      network: 'none',
      freePort: async () => 45999,
    });
    const steps: string[] = [];
    const handle = await provider.create({
      sessionId: `${run}-prov`,
      scenarioId: 'exposed-dashboard',
      onProgress: (u) => steps.push(u.step),
    });
    expect(steps).toEqual(['preparing terminal image', ...ACTIONS.map((a) => a.name), 'ready']);
    expect(handle.id).toBe(`paranoid-${run}-prov`);
    expect(handle.kubeconfig).toContain(`kind-paranoid-${run}-prov`);
    expect(await provider.list()).toContainEqual(
      expect.objectContaining({ id: handle.id, sessionId: `${run}-prov`, scenarioId: 'exposed-dashboard' }),
    );
    const unexposed = await handle.requestFromInternet({ host: '203.0.113.1', port: 30001, path: '/' });
    expect(unexposed).toMatchObject({ ok: false });
    await provider.delete(handle.id);
    expect(await leftovers(handle.id)).toEqual([]);
    expect(provider.info().warnings.join(' ')).toMatch(/privileged/);
  }, 60_000);

  it('serves sessions from a warm pool, never reuses a cluster, and refuses past the limit', async () => {
    const kind = new FakeKind(() => toolboxImage);
    const provider = new KindProvider({
      docker,
      kind,
      baseConfig: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n',
      scenarioNeeds: () => ({ nodePorts: [31337], images: [] }),
      allNodePorts: [31337],
      ttlMs: 3_600_000,
      network: 'none',
      warmPool: 1,
      maxClusters: 2,
      freePort: async () => 45998,
    });
    const ready = async () => {
      for (let i = 0; i < 200 && provider.poolStats().ready < 1; i++) await new Promise((r) => setTimeout(r, 25));
      expect(provider.poolStats().ready).toBe(1);
    };
    provider.warm();
    await ready();
    // A reaper running now spares the runner's own warm cluster.
    await reap({
      docker,
      kind,
      now: Date.now(),
      isActive: (s) => provider.servesSession(s),
      owner: provider.owner,
      ownerMayBeAlive,
    });
    expect(provider.poolStats().ready).toBe(1);

    const steps: string[] = [];
    const a = await provider.create({
      sessionId: `${run}-pa`,
      scenarioId: 'exposed-dashboard',
      onProgress: (u) => steps.push(u.step),
    });
    expect(steps).toEqual(['recording session', 'ready']);
    const anchors = await docker.listByLabels({ [LABELS.cluster]: a.id, [LABELS.component]: 'anchor' });
    expect(anchors.map((c) => c.labels[LABELS.session])).toEqual([`${run}-pa`]);
    expect(anchors[0]?.labels[LABELS.scenario]).toBe('exposed-dashboard');

    await ready();
    const b = await provider.create({ sessionId: `${run}-pb` });
    expect(b.id).not.toBe(a.id);
    await expect(provider.create({ sessionId: `${run}-pc` })).rejects.toThrow(/limit of 2 concurrent clusters/);

    await provider.delete(a.id);
    expect(await leftovers(a.id)).toEqual([]);
    await ready();
    const c = await provider.create({ sessionId: `${run}-pc` });
    expect([a.id, b.id]).not.toContain(c.id);
    for (const id of [b.id, c.id]) await provider.delete(id);
    await provider.close();
    for (const id of [a.id, b.id, c.id]) expect(await leftovers(id)).toEqual([]);
  }, 120_000);

  it("builds a scenario's image from its Dockerfile under the name its pods use", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paranoid-scenario-'));
    try {
      mkdirSync(join(dir, 'images/app'), { recursive: true });
      writeFileSync(join(dir, 'images/app.image.yaml'), `repository: paranoid.test/${run}/app\ntags: ['1.0']\n`);
      writeFileSync(join(dir, 'images/app/hello.txt'), 'hello\n');
      writeFileSync(join(dir, 'images/app/Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
      const [build] = scenarioImageBuilds(dir);
      expect(build?.refs).toEqual([`paranoid.test/${run}/app:1.0`]);
      const busybox = { busybox: hostBusybox()!.path };
      const built = await buildScenarioImage(docker, build!, busybox);
      expect(await docker.imageExists(build!.refs[0]!)).toBe(true);
      // Built again from nothing, it has the same digest: what scenario data pins is what runs.
      await docker.docker.getImage(build!.refs[0]!).remove({ force: true });
      expect((await buildScenarioImage(docker, build!, { ...busybox, noCache: true })).digest).toBe(built.digest);
      await docker.docker.getImage(build!.refs[0]!).remove({ force: true });
      writeFileSync(join(dir, 'images/app/Dockerfile'), 'FROM scratch\nCOPY missing.txt /x\n');
      await expect(buildScenarioImage(docker, build!, busybox)).rejects.toThrow(/failed to build image .*missing\.txt/);
      // A base image it would have to pull is refused, not fetched: builds never reach a registry.
      writeFileSync(join(dir, 'images/app/Dockerfile'), `FROM paranoid.test/${run}/nowhere:1\n`);
      await expect(buildScenarioImage(docker, build!, busybox)).rejects.toThrow(/failed to build image/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("puts each session's nodes and toolbox on a network of their own, and removes it with them", async () => {
    const kind = new FakeKind(() => toolboxImage);
    const provider = new KindProvider({
      docker,
      kind,
      baseConfig: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n',
      scenarioNeeds: () => ({ nodePorts: [], images: [] }),
      ttlMs: 3_600_000,
      owner: OWNER,
    });
    const a = await provider.create({ sessionId: `${run}-na` });
    const b = await provider.create({ sessionId: `${run}-nb` });
    expect(kind.calls).toContain(`createCluster ${a.id} on ${a.id}`);
    // The toolbox is on its session's network and on no other: not `kind`, not the default bridge.
    expect(await docker.networksOf(provider.toolboxOf(a.id)!)).toEqual([a.id]);
    expect(await docker.networksOf(provider.toolboxOf(b.id)!)).toEqual([b.id]);
    const onA = await docker.docker.getNetwork(a.id).inspect();
    const running = Object.values(onA.Containers as Record<string, { Name: string }>).map((c) => c.Name);
    expect(running).toEqual([`${a.id}-toolbox`]);
    for (const node of await docker.listByLabels({ [KIND_CLUSTER_LABEL]: a.id })) {
      expect((await docker.docker.getContainer(node.id).inspect()).HostConfig.NetworkMode).toBe(a.id);
    }
    await provider.delete(a.id);
    await provider.delete(b.id);
    expect(await docker.networkExists(a.id)).toBe(false);
    expect(await docker.networkExists(b.id)).toBe(false);
  }, 60_000);

  it('never expires a pooled cluster while it waits, and starts the TTL when a session adopts it', async () => {
    const kind = new FakeKind(() => toolboxImage);
    let clock = Date.now();
    const provider = new KindProvider({
      docker,
      kind,
      baseConfig: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n',
      scenarioNeeds: () => ({ nodePorts: [], images: [] }),
      ttlMs: 60_000,
      network: 'none',
      warmPool: 1,
      maxClusters: 1,
      owner: OWNER,
      now: () => clock,
    });
    provider.warm();
    for (let i = 0; i < 200 && provider.poolStats().ready < 1; i++) await new Promise((r) => setTimeout(r, 25));
    const reapAt = (now: number) =>
      reap({ docker, kind, now, isActive: (s) => provider.servesSession(s), owner: OWNER, ownerMayBeAlive });
    const [pooled] = await docker.listByLabels({ [LABELS.owner]: OWNER, [LABELS.pooled]: 'true' });
    const pooledCluster = pooled?.labels[LABELS.cluster] ?? '';
    // An idle night later, the pooled cluster is still there.
    expect((await reapAt(clock + 12 * 3_600_000)).clusters).not.toContain(pooledCluster);
    expect(provider.poolStats().ready).toBe(1);
    clock += 12 * 3_600_000;
    const handle = await provider.create({ sessionId: `${run}-adopt` });
    const [anchor] = await docker.listByLabels({ [LABELS.cluster]: handle.id, [LABELS.component]: 'anchor' });
    expect(anchor?.labels[LABELS.expiresAt]).toBe(String(clock + 60_000));
    expect(anchor?.labels[LABELS.pooled]).toBeUndefined();
    expect(anchor?.labels[LABELS.owner]).toBe(OWNER);
    expect(handle.id).toBe(pooledCluster);
    expect((await reapAt(clock + 30_000)).clusters).not.toContain(handle.id);
    expect((await reapAt(clock + 61_000)).clusters).toContain(handle.id);
    await provider.delete(handle.id);
    await provider.close();
  }, 60_000);

  it("loads a scenario's images into its cluster as archives whose digest the scenario data pins", async () => {
    const kind = new FakeKind(() => toolboxImage);
    const scenarioDir = resolve(import.meta.dirname, '../../scenarios/missing-networkpolicy');
    const images = scenarioImageBuilds(scenarioDir);
    const provider = new KindProvider({
      docker,
      kind,
      baseConfig: 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n',
      scenarioNeeds: () => ({ nodePorts: [], images }),
      ttlMs: 3_600_000,
      network: 'none',
      owner: OWNER,
    });
    const a = await provider.create({ sessionId: `${run}-ia`, scenarioId: 'missing-networkpolicy' });
    const b = await provider.create({ sessionId: `${run}-ib`, scenarioId: 'missing-networkpolicy' });
    expect(kind.loaded).toHaveLength(images.length * 2);
    // Built once, loaded into both clusters.
    expect(kind.loaded.slice(images.length)).toEqual(kind.loaded.slice(0, images.length));
    for (const [i, archive] of kind.loaded.slice(0, images.length).entries()) {
      const entries = new Map(readTar(readFileSync(archive)).map((e) => [e.path, e]));
      const index = JSON.parse(entries.get('index.json')!.data.toString());
      expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual(
        images[i]!.refs.map(() => images[i]!.digest),
      );
      expect(
        index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations['io.containerd.image.name']),
      ).toEqual(images[i]!.refs);
    }
    for (const h of [a, b]) await provider.delete(h.id);
  }, 120_000);

  it('never loads an upstream image that is not the pinned digest, and says when it cannot be pulled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paranoid-upstream-'));
    const ref = `paranoid.test/${run}/upstream:1`;
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY Dockerfile /x\n');
      await docker.build(dir, ['Dockerfile'], ref, {});
      // A local image under the upstream name, not pulled by its digest: a look-alike, refused.
      await expect(upstreamImageArchive(docker, { ref, digest: `sha256:${'1'.repeat(64)}` })).rejects.toThrow(
        /failed to use image .*: the local image is not sha256:1{64} \(it has no registry digest\)/,
      );
      // Missing here and unreachable: a clear error, not a cluster that pulls on its own.
      await expect(
        upstreamImageArchive(docker, { ref: `paranoid.invalid/${run}/x:1`, digest: `sha256:${'2'.repeat(64)}` }),
      ).rejects.toThrow(/failed to pull image paranoid\.invalid\/.*@sha256:2{64}/);
    } finally {
      await docker.removeImage(ref);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
