import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTIONS, type CreationContext, runActions } from '@paranoid/providers/kind/create-cluster.ts';
import { DockerEngine } from '@paranoid/providers/kind/docker-engine.ts';
import type { KindCli } from '@paranoid/providers/kind/kind-cli.ts';
import { KindProvider } from '@paranoid/providers/kind/kind-provider.ts';
import { KIND_CLUSTER_LABEL, LABELS, labelsFor } from '@paranoid/providers/kind/labels.ts';
import { reap } from '@paranoid/providers/kind/reaper.ts';
import { buildScenarioImage, scenarioImageBuilds } from '@paranoid/providers/kind/scenario-images.ts';
import { openToolboxShell, startToolbox } from '@paranoid/providers/kind/toolbox.ts';
import { ensureToolboxImage, findHostToolboxSources } from '@paranoid/providers/kind/toolbox-image.ts';
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
let toolboxImage = '';

class FakeKind implements KindCli {
  calls: string[] = [];
  failOn = new Set<string>();
  constructor(private readonly image: () => string) {}
  private step(call: string) {
    this.calls.push(call);
    if (this.failOn.has(call.split(' ')[0]!)) throw new Error(`kind ${call} failed (injected)`);
  }
  async version() {
    return 'kind v0.27.0 go1.23 linux/amd64';
  }
  async createCluster({ name }: { name: string }) {
    // kind makes its nodes before it can fail part-way: so does the fake.
    for (const role of ['control-plane', 'worker']) {
      await docker.create({
        name: `${name}-${role}`,
        Image: this.image(),
        Labels: { [KIND_CLUSTER_LABEL]: name },
        HostConfig: { NetworkMode: 'none' },
      });
    }
    this.step(`createCluster ${name}`);
  }
  async deleteCluster(name: string) {
    this.calls.push(`deleteCluster ${name}`);
    for (const n of await docker.listByLabels({ [KIND_CLUSTER_LABEL]: name })) await docker.remove(n.id);
  }
  async kubeconfig(name: string, options?: { internal?: boolean }) {
    this.step(`kubeconfig ${name}${options?.internal ? ' internal' : ''}`);
    return `apiVersion: v1\nkind: Config\nclusters:\n- name: kind-${name}\n  cluster:\n    server: https://${name}-control-plane:6443\n`;
  }
  async loadImage(name: string, image: string) {
    this.step(`loadImage ${name} ${image}`);
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
    labels: { session, cluster: `paranoid-${session}`, createdAt: now, expiresAt: now + 3_600_000 },
    kindConfig: 'kind: Cluster\n',
    toolboxImage,
    images: [{ ref: 'example/app:1', build: async () => {} }],
    network: 'none',
    waitSeconds: 1,
    state: {},
    ...overrides,
  };
}

describe.skipIf(!dockerUp)('kind provider on a real Docker engine', () => {
  beforeAll(async () => {
    const sources = findHostToolboxSources();
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
    const steps = ['createCluster', 'kubeconfig', 'loadImage'];
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
    kind.failOn.add('loadImage');
    const ctx = context(kind, `${run}-crash`);
    // retain = the process died before it could clean up.
    await expect(runActions(ctx, { retain: true })).rejects.toThrow();
    expect(await leftovers(ctx.labels.cluster)).not.toEqual([]);
    const result = await reap({ docker, kind, now: Date.now(), isActive: () => false });
    expect(result.clusters).toContain(ctx.labels.cluster);
    expect(await leftovers(ctx.labels.cluster)).toEqual([]);
  }, 60_000);

  it('reaps ended and expired sessions, and never touches a live session or a kind cluster it did not make', async () => {
    const kind = new FakeKind(() => toolboxImage);
    const make = async (session: string, expiresIn: number) => {
      const now = Date.now();
      const labels = { session, cluster: `paranoid-${session}`, createdAt: now, expiresAt: now + expiresIn };
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
    const foreign = await docker.create({
      name: `${run}-someone-elses-kind-control-plane`,
      Image: toolboxImage,
      Labels: { [KIND_CLUSTER_LABEL]: `${run}-someone-else` },
    });
    const active = new Set([`${run}-live`, `${run}-expired`]);
    await reap({ docker, kind, now: Date.now(), isActive: (s) => active.has(s) });
    expect(await leftovers(live)).toEqual([`paranoid-${run}-live-anchor`]);
    expect(await leftovers(ended)).toEqual([]);
    expect(await leftovers(expired)).toEqual([]);
    expect(kind.calls).not.toContain(`deleteCluster ${run}-someone-else`);
    expect((await docker.listByLabels({ [KIND_CLUSTER_LABEL]: `${run}-someone-else` })).map((c) => c.id)).toEqual([
      foreign,
    ]);
    await docker.remove(foreign);
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
    await reap({ docker, kind, now: Date.now(), isActive: (s) => provider.servesSession(s) });
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
      expect(build?.ref).toBe(`paranoid.test/${run}/app:1.0`);
      await buildScenarioImage(docker, build!);
      expect(await docker.imageExists(build!.ref)).toBe(true);
      await docker.docker.getImage(build!.ref).remove({ force: true });
      writeFileSync(join(dir, 'images/app/Dockerfile'), 'FROM scratch\nCOPY missing.txt /x\n');
      await expect(buildScenarioImage(docker, build!)).rejects.toThrow(/failed to build image .*missing\.txt/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
