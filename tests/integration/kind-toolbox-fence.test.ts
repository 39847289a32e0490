/**
 * The kind toolbox's network (#11): on its session's own Docker network the toolbox reaches its
 * own cluster's containers and nothing else: not the host (the bridge's gateway, the host's other
 * addresses), not another session's network. Real Docker engine, real iptables, the real
 * toolbox image; everything up to the `kind` call (a peer container stands in for a node).
 */
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DockerEngine } from '@paranoid/providers/kind/docker-engine.ts';
import { LABELS } from '@paranoid/providers/kind/labels.ts';
import { startToolbox } from '@paranoid/providers/kind/toolbox.ts';
import { fenceTag, fenceToolbox, hostIptables, unfenceToolbox } from '@paranoid/providers/kind/toolbox-fence.ts';
import { ensureToolboxImage, findHostToolboxSources } from '@paranoid/providers/kind/toolbox-image.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const docker = new DockerEngine();
const dockerUp = await docker.ping().then(
  () => true,
  () => false,
);
if (!dockerUp && process.env.CI) throw new Error('CI must run the Docker suite: dockerd is not answering');

const run = Date.now().toString(36);
const session = `fence${run}`;
const mine = `paranoid-fence-a-${run}`;
const theirs = `paranoid-fence-b-${run}`;
let image = '';
let toolbox = '';
let hostListener: Server;
let hostPort = 0;
let hostHits = 0;
const peers: string[] = [];

/** A container that answers `hello from NAME` on 8080, as a node's port would. */
async function peer(network: string, name: string): Promise<string> {
  const now = Date.now();
  const id = await docker.create({
    name: `paranoid-fence-${name}-${run}`,
    Image: image,
    Labels: { [LABELS.session]: session },
    Entrypoint: ['/bin/sh', '-c', `while true; do echo hello from ${name} | nc -l -p 8080; done`],
    HostConfig: { NetworkMode: network },
  });
  void now;
  await docker.start(id);
  peers.push(id);
  const address = await docker.addressOn(id, network);
  if (!address) throw new Error(`failed to find ${name}'s address`);
  return address;
}

/** What the toolbox's `nc` gets from host:port within 3 s, with its exit code. */
async function dial(host: string, port: number): Promise<string> {
  const r = await docker.execCapture(toolbox, [
    '/bin/sh',
    '-c',
    `timeout 3 nc ${host} ${port} </dev/null; echo " rc=$?"`,
  ]);
  return `${r.stdout}${r.stderr}`;
}

const hostAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal && !a.address.startsWith('172.'))?.address;

let gateway = '';
let myPeer = '';
let theirPeer = '';

describe.skipIf(!dockerUp)("the kind toolbox on its session's network", () => {
  beforeAll(async () => {
    const sources = await findHostToolboxSources();
    if (!sources) throw new Error('this machine needs busybox-static and kubectl for the toolbox image');
    image = await ensureToolboxImage(docker, sources);
    for (const name of [mine, theirs]) await docker.createNetwork(name, { [LABELS.session]: session });
    hostListener = createServer((socket) => {
      hostHits++;
      socket.end('host secret\n');
    });
    await new Promise<void>((resolve) => hostListener.listen(0, '0.0.0.0', resolve));
    hostPort = (hostListener.address() as { port: number }).port;
    const now = Date.now();
    toolbox = await startToolbox(docker, {
      image,
      labels: { session, cluster: `paranoid-${session}`, createdAt: now, expiresAt: now + 600_000 },
      kubeconfig: 'x',
      network: mine,
    });
    myPeer = await peer(mine, 'node');
    theirPeer = await peer(theirs, 'neighbour');
    gateway = (await docker.gatewayOf(mine)) ?? '';
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  }, 180_000);

  afterAll(async () => {
    if (toolbox) await unfenceToolbox(toolbox).catch(() => undefined);
    for (const c of await docker.listByLabels({ [LABELS.session]: session })) await docker.remove(c.id);
    for (const id of peers) await docker.remove(id).catch(() => undefined);
    for (const name of [mine, theirs]) await docker.removeNetwork(name).catch(() => undefined);
    hostListener?.close();
  });

  it('reaches the host through its gateway before it is fenced (what the fence is for)', async () => {
    expect(await dial(gateway, hostPort)).toContain('host secret');
  });

  it("once fenced, reaches its own session's containers and not the host, its gateway or another session", async () => {
    await fenceToolbox(docker, toolbox, mine);
    const rules = await hostIptables(['-S']);
    expect(rules.split('\n').filter((l) => l.includes(fenceTag(toolbox)))).toHaveLength(2);
    hostHits = 0;
    expect(await dial(myPeer, 8080)).toContain('hello from node');
    const toGateway = await dial(gateway, hostPort);
    expect(toGateway).not.toContain('host secret');
    expect(toGateway).not.toContain('rc=0');
    const address = hostAddress();
    if (address) expect(await dial(address, hostPort)).not.toContain('host secret');
    const toNeighbour = await dial(theirPeer, 8080);
    expect(toNeighbour).not.toContain('hello from neighbour');
    expect(await dial('169.254.169.254', 80)).not.toContain('rc=0');
    expect(hostHits).toBe(0);
  });

  it('leaves no rule behind when the toolbox goes', async () => {
    await unfenceToolbox(toolbox);
    expect((await hostIptables(['-S'])).includes(fenceTag(toolbox))).toBe(false);
    expect(await dial(gateway, hostPort)).toContain('host secret');
  });
});
