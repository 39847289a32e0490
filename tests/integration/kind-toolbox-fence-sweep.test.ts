/**
 * The kind toolbox's fence after a crash (#12, recovery): a runner killed with SIGKILL never takes
 * its toolboxes' iptables rules back, and the next runner's reaper, at its start, removes every
 * tagged rule whose toolbox no longer runs, keeps a running toolbox's and never touches a rule
 * without the tag. Real Docker engine, the host's real iptables (as root), the real toolbox image,
 * the provider's own creation actions and reaper; a stand-in for `kind` makes the session's network
 * and no nodes (no node image can be had here).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { DockerEngine, type LabelledContainer } from '@paranoid/providers/kind/docker-engine.ts';
import { KindProvider } from '@paranoid/providers/kind/kind-provider.ts';
import { LABELS, runnerInstanceId } from '@paranoid/providers/kind/labels.ts';
import { clusterName } from '@paranoid/providers/kind/names.ts';
import { type ReapResult, startReaper } from '@paranoid/providers/kind/reaper.ts';
import {
  FENCE_CHAINS,
  fenceRulesIn,
  fenceTag,
  hostIptables,
  unfenceToolbox,
} from '@paranoid/providers/kind/toolbox-fence.ts';
import { ensureToolboxImage, findHostToolboxSources } from '@paranoid/providers/kind/toolbox-image.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFencedSession } from './fixtures/fence-sweep/fenced-session.ts';
import { NetworkOnlyKind } from './fixtures/fence-sweep/network-only-kind.ts';

const docker = new DockerEngine();
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);
if (!dockerUp && process.env.CI) throw new Error('CI must run the Docker suite: dockerd is not answering');

const run = `sw${Date.now().toString(36)}`;
const session = {
  /** The crashed runner's; its toolbox is then removed by hand. */
  removed: `${run}-removed`,
  /** The crashed runner's, left whole for the next runner's reaper. */
  left: `${run}-left`,
  /** A live runner's (this process), running. */
  live: `${run}-live`,
  /** A live runner's whose toolbox has stopped (killed, out of memory): its address is free. */
  stopped: `${run}-stopped`,
};
/** This test process as a live runner on this host. */
const LIVE_OWNER = runnerInstanceId(hostname(), process.pid, 'a11ce0');
/** Rules of the admin's that mention a tag without being one: a sweep must leave them. */
const decoys = (tag: string) => [
  ['DOCKER-USER', '-s', '192.0.2.71/32', '-m', 'comment', '--comment', `admin: not ${tag}`, '-j', 'RETURN'],
  ['DOCKER-USER', '-s', '192.0.2.72/32', '-m', 'comment', '--comment', `${tag}-admin`, '-j', 'RETURN'],
];

/**
 * The reaper of the runner under test sees only this file's sessions, so test files running beside
 * it keep their own; the fence sweep still judges every running container on the engine.
 */
class ThisTestsEngine extends DockerEngine {
  override async listByLabels(labels: Record<string, string>): Promise<LabelledContainer[]> {
    return (await super.listByLabels(labels)).filter((c) => (c.labels[LABELS.session] ?? '').startsWith(run));
  }
}

let image = '';
let crashed: ChildProcess | undefined;
const toolboxes = new Map<string, string>();
let decoyRules: string[][] = [];
const stops: Array<() => void> = [];

/** The tagged rules on the host now, by tag: `CHAIN` for each. */
async function fenceRulesNow(): Promise<Map<string, string[]>> {
  const byTag = new Map<string, string[]>();
  for (const chain of FENCE_CHAINS) {
    for (const rule of fenceRulesIn(await hostIptables(['-S', chain])))
      byTag.set(rule.tag, [...(byTag.get(rule.tag) ?? []), rule.chain]);
  }
  return byTag;
}

const chainsOf = async (s: string) => (await fenceRulesNow()).get(fenceTag(toolboxes.get(s)!)) ?? [];

/** Runs the crashing runner until it has fenced its sessions' toolboxes; returns their ids by session. */
async function startCrashingRunner(sessions: string[]): Promise<void> {
  const fixture = resolve(import.meta.dirname, 'fixtures/fence-sweep/crashing-runner.ts');
  crashed = spawn(process.execPath, ['--import', 'tsx', fixture, image, ...sessions], {
    cwd: resolve(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the crashing runner did not get ready: ${err}`)), 120_000);
    crashed!.stderr!.on('data', (d) => {
      err += String(d);
    });
    crashed!.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('ready\n')) {
        clearTimeout(timer);
        done();
      }
    });
    crashed!.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the crashing runner exited (${code}) before it was ready: ${err}`));
    });
  });
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    const made = JSON.parse(line) as { session: string; toolbox: string };
    toolboxes.set(made.session, made.toolbox);
  }
}

/** A live runner's session, made by the provider's own actions in this (live) process. */
async function liveSession(s: string): Promise<void> {
  toolboxes.set(s, (await startFencedSession(docker, image, s, LIVE_OWNER)).toolbox);
}

/**
 * Starts a fresh kind provider's reaper, as `paranoid serve --provider kind` does, and waits for its
 * first `passes` passes (every 200 ms after the first); `result` is the first pass's.
 */
async function freshProviderReaps(passes = 1): Promise<{ result?: ReapResult; errors: string[] }> {
  const provider = new KindProvider({
    docker: new ThisTestsEngine(),
    kind: new NetworkOnlyKind(docker),
    baseConfig: 'kind: Cluster\n',
    scenarioNeeds: () => ({ nodePorts: [], images: [] }),
    ttlMs: 3_600_000,
  });
  const errors: string[] = [];
  const results: ReapResult[] = [];
  const { docker: engine, kind, owner } = provider.engines;
  return new Promise((done) => {
    // Stopped once it has been watched: a reaper left running would sweep during the next test.
    let stop = () => {};
    const finish = (reaped: { result?: ReapResult; errors: string[] }) => {
      stop();
      done(reaped);
    };
    stop = startReaper({
      docker: engine,
      kind,
      owner,
      intervalMs: passes > 1 ? 200 : 3_600_000,
      isActive: (s) => provider.servesSession(s),
      onError: (error) => {
        errors.push(error instanceof Error ? error.message : String(error));
        // A pass that threw calls no onReap: report it rather than wait.
        if (!/fence/.test(errors.at(-1)!)) finish({ errors });
      },
      onReap: (result) => {
        results.push(result);
        if (results.length === passes) finish({ result: results[0], errors });
      },
    });
    stops.push(stop);
  });
}

describe.skipIf(!dockerUp)("the kind toolbox's fence after a crash", () => {
  beforeAll(async () => {
    const sources = await findHostToolboxSources();
    if (!sources) throw new Error('this machine needs busybox-static and kubectl for the toolbox image');
    image = await ensureToolboxImage(docker, sources);
  }, 180_000);

  afterAll(async () => {
    for (const stop of stops) stop();
    if (crashed && crashed.exitCode === null && crashed.signalCode === null) crashed.kill('SIGKILL');
    for (const id of toolboxes.values()) await unfenceToolbox(id).catch(() => undefined);
    for (const rule of decoyRules) await hostIptables(['-D', ...rule]).catch(() => undefined);
    for (const c of await new ThisTestsEngine().listByLabels({ [LABELS.managed]: 'paranoid-kind' })) {
      // A toolbox the crashing runner made before a failure kept it from saying so is unfenced too.
      if (c.labels[LABELS.component] === 'toolbox') await unfenceToolbox(c.id).catch(() => undefined);
      await docker.remove(c.id).catch(() => undefined);
    }
    for (const s of Object.values(session)) await docker.removeNetwork(clusterName(s)).catch(() => undefined);
  }, 120_000);

  it('leaves its toolboxes fenced when the runner is killed, even once a toolbox is removed', async () => {
    await startCrashingRunner([session.removed, session.left]);
    crashed!.kill('SIGKILL');
    await new Promise((done) => crashed!.once('exit', done));
    expect(crashed!.signalCode).toBe('SIGKILL');
    await liveSession(session.live);
    await liveSession(session.stopped);
    await docker.docker.getContainer(toolboxes.get(session.stopped)!).kill();
    await docker.remove(toolboxes.get(session.removed)!);
    decoyRules = decoys(fenceTag(toolboxes.get(session.removed)!));
    for (const rule of decoyRules) await hostIptables(['-A', ...rule]);

    for (const s of Object.values(session)) expect(await chainsOf(s), s).toEqual(['INPUT', 'DOCKER-USER']);
  }, 180_000);

  it("reaps the dead runner's clusters on a host without iptables, and says once why it could not sweep", async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    let reaped: Awaited<ReturnType<typeof freshProviderReaps>>;
    try {
      reaped = await freshProviderReaps(3);
    } finally {
      process.env.PATH = path;
    }
    // Said once in three passes: a host without iptables is not told so every minute.
    expect(reaped.errors).toEqual([
      'failed to sweep stale toolbox fence rules: cannot list INPUT: iptables is not installed',
    ]);
    expect(reaped.result?.clusters.sort()).toEqual([clusterName(session.left), clusterName(session.removed)].sort());
    expect(reaped.result?.fenceRules).toBe(0);
    expect(await docker.listByLabels({ [LABELS.session]: session.left })).toEqual([]);
    expect(await chainsOf(session.left)).toEqual(['INPUT', 'DOCKER-USER']);
  }, 60_000);

  it("sweeps every stale rule at a fresh provider's start and keeps a running toolbox's and the admin's", async () => {
    const before = await hostIptables(['-S', 'DOCKER-USER']);
    const reaped = await freshProviderReaps();
    expect(reaped.errors).toEqual([]);
    expect(reaped.result?.clusters).toEqual([]);
    // Stale rules of other runs on this host go too; these six at least.
    expect(reaped.result?.fenceRules).toBeGreaterThanOrEqual(6);
    expect(await chainsOf(session.removed)).toEqual([]);
    expect(await chainsOf(session.left)).toEqual([]);
    expect(await chainsOf(session.stopped)).toEqual([]);
    expect(await chainsOf(session.live)).toEqual(['INPUT', 'DOCKER-USER']);
    const after = await hostIptables(['-S', 'DOCKER-USER']);
    for (const line of before.split('\n').filter((l) => l.includes('192.0.2.7'))) expect(after).toContain(line);
    expect(after.split('\n').filter((l) => l.includes('192.0.2.7'))).toHaveLength(2);
    // The stopped toolbox's container is the live runner's to remove, not the reaper's.
    expect((await docker.listByLabels({ [LABELS.session]: session.stopped })).map((c) => c.state).sort()).toEqual([
      'created',
      'exited',
    ]);
  }, 60_000);
});
