/**
 * The attacks of the seed scenarios, played with the real kubectl against a
 * full simulated cluster (runner/sim/src/assemble.ts): apply the scenario's
 * setup/ with `kubectl apply -f`, run the attack from its steps and see it
 * work; apply solution/ and see the same attack fail.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '@paranoid/catalog/load.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubectlResult, type StartedSim, startSim } from '../support/sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
/** Each attack runs a dozen kubectl processes; the machine is shared. */
const SLOW = 180_000;

/** One scenario on its own fresh cluster, with its images and internet. */
interface ScenarioSim {
  sim: StartedSim;
  dir: string;
  /** Applies solution/ as a learner would: its deletions with `kubectl delete`, then `kubectl apply -f` each file. */
  solve(): Promise<string>;
}

async function scenarioSim(id: string): Promise<ScenarioSim> {
  const dir = join(SCENARIOS, id);
  const { scenario, problems } = loadScenario(dir, SCENARIOS);
  if (!scenario) throw new Error(`failed to load scenario ${id}: ${JSON.stringify(problems)}`);
  const sim = await startSim({
    full: { images: scenario.imageDefinitions, internet: scenario.scenario.internet ?? [] },
  });
  // solution/delete.yaml is the loader's list of deletions, replayed here as `kubectl delete`.
  const deletions = scenario.solution.deletions.map((d): string[] => {
    const group = d.apiVersion.includes('/') ? `.${d.apiVersion.slice(0, d.apiVersion.indexOf('/'))}` : '';
    return [
      'delete',
      `${d.kind.toLowerCase()}${group}`,
      ...(d.name ? [d.name] : ['-l', d.labelSelector ?? '']),
      ...(d.namespace ? ['-n', d.namespace] : []),
      '--ignore-not-found',
      // Not waiting for the objects to go: a Job's pod deleted after its Job keeps the
      // job-tracking finalizer in the simulator (controllers/job.ts does not release orphans)
      // and would hang `kubectl delete` whenever the CronJob has fired during the test.
      '--wait=false',
    ];
  });
  const solve = async () => {
    for (const args of deletions) await ok(sim, args);
    return applyFolder(sim, join(dir, 'solution'));
  };
  return { sim, dir, solve };
}

function kubectl(sim: StartedSim, args: string[], timeoutMs = 30_000): Promise<KubectlResult> {
  return sim.kubectl(args, { timeoutMs });
}

async function ok(sim: StartedSim, args: string[]): Promise<string> {
  const r = await kubectl(sim, args, 90_000);
  expect(r.code, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

/** `kubectl apply -f` every manifest file of a folder, in name order (not `delete.yaml`, the loader's deletion list). */
async function applyFolder(sim: StartedSim, folder: string, skip: string[] = []): Promise<string> {
  let out = '';
  for (const file of readdirSync(folder).sort()) {
    if (!file.endsWith('.yaml') || file === 'delete.yaml' || skip.includes(file)) continue;
    out += await ok(sim, ['apply', '-f', join(folder, file)]);
  }
  return out;
}

/** Waits for every Deployment of the namespaces to be rolled out. */
async function rolledOut(sim: StartedSim, ...namespaces: string[]): Promise<void> {
  for (const ns of namespaces) {
    const names = (await ok(sim, ['get', 'deployments', '-n', ns, '-o', 'name'])).trim().split('\n').filter(Boolean);
    for (const name of names) await ok(sim, ['rollout', 'status', '-n', ns, name, '--timeout=60s']);
  }
}

describe('missing-networkpolicy: a flat network', () => {
  let sim: StartedSim;
  let dir: string;
  let solve: ScenarioSim['solve'];
  beforeAll(async () => {
    ({ sim, dir, solve } = await scenarioSim('missing-networkpolicy'));
    await applyFolder(sim, join(dir, 'setup'));
    await rolledOut(sim, 'shop');
    await ok(sim, ['wait', '-n', 'sandbox', '--for=condition=Ready', 'pod/intruder', '--timeout=60s']);
  }, SLOW);
  afterAll(async () => {
    await sim?.close();
  });

  it(
    'lets the intruder read the flag from the shop database, and the solution stops it',
    async () => {
      const attack = [
        'exec',
        '-n',
        'sandbox',
        'intruder',
        '--',
        'redis-cli',
        '-h',
        'db.shop.svc.cluster.local',
        'GET',
        'flag',
      ];
      const before = await kubectl(sim, attack);
      expect(before.code, before.stderr).toBe(0);
      expect(before.stdout).toBe('PARANOID{flat-networks-let-everyone-in}\n');
      const admin = await kubectl(sim, [
        'exec',
        '-n',
        'sandbox',
        'intruder',
        '--',
        'curl',
        '-s',
        'http://api.shop.svc.cluster.local/admin',
      ]);
      expect(admin.code, admin.stderr).toBe(0);
      const egress = await kubectl(sim, [
        'exec',
        '-n',
        'shop',
        'deploy/db',
        '--',
        'nc',
        '-z',
        '-w',
        '2',
        'example.com',
        '443',
      ]);
      expect(egress.code, egress.stderr).toBe(0);
      const frontendToDbBefore = await kubectl(sim, [
        'exec',
        '-n',
        'shop',
        'deploy/frontend',
        '--',
        'nc',
        '-z',
        '-w',
        '2',
        'db',
        '6379',
      ]);
      expect(frontendToDbBefore.code, frontendToDbBefore.stderr).toBe(0);

      expect(await solve()).toContain('networkpolicy.networking.k8s.io/');

      // NetworkPolicy drops the SYN: the client waits, then gives up.
      const after = await kubectl(sim, attack, 60_000);
      expect(after.code).toBe(1);
      expect(after.stdout).not.toContain('PARANOID{');
      expect(after.stdout + after.stderr).toContain(
        'Could not connect to Redis at db.shop.svc.cluster.local:6379: Connection timed out',
      );
      const frontendToDb = await kubectl(sim, [
        'exec',
        '-n',
        'shop',
        'deploy/frontend',
        '--',
        'nc',
        '-z',
        '-w',
        '2',
        'db',
        '6379',
      ]);
      expect(frontendToDb.code).not.toBe(0);
      const dbOut = await kubectl(sim, [
        'exec',
        '-n',
        'shop',
        'deploy/db',
        '--',
        'nc',
        '-z',
        '-w',
        '2',
        'example.com',
        '443',
      ]);
      expect(dbOut.code).not.toBe(0);
      // What must keep working.
      const frontendToApi = await kubectl(sim, [
        'exec',
        '-n',
        'shop',
        'deploy/frontend',
        '--',
        'wget',
        '-qO-',
        '-T',
        '2',
        'http://api',
      ]);
      expect(frontendToApi.code, frontendToApi.stderr).toBe(0);
      const apiToDb = await kubectl(sim, [
        'exec',
        '-n',
        'shop',
        'deploy/api',
        '--',
        'nc',
        '-z',
        '-w',
        '2',
        'db',
        '6379',
      ]);
      expect(apiToDb.code, apiToDb.stderr).toBe(0);
      const intruderToFrontend = await kubectl(sim, [
        'exec',
        '-n',
        'sandbox',
        'intruder',
        '--',
        'curl',
        '-s',
        '-m',
        '2',
        'http://frontend.shop',
      ]);
      expect(intruderToFrontend.code, intruderToFrontend.stderr).toBe(0);
    },
    SLOW,
  );
});

describe('root-container-escape: a privileged node monitor', () => {
  let sim: StartedSim;
  let dir: string;
  let solve: ScenarioSim['solve'];
  beforeAll(async () => {
    ({ sim, dir, solve } = await scenarioSim('root-container-escape'));
    await applyFolder(sim, join(dir, 'setup'));
    await rolledOut(sim, 'monitoring');
  }, SLOW);
  afterAll(async () => {
    await sim?.close();
  });

  it(
    'reads the node through the container, and restricted Pod Security stops it',
    async () => {
      const ls = await kubectl(sim, [
        'exec',
        '-n',
        'monitoring',
        'deploy/node-monitor',
        '--',
        'ls',
        '/host/etc/kubernetes/pki',
      ]);
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout).toContain('ca.crt');
      const key = await kubectl(sim, [
        '-n',
        'monitoring',
        'exec',
        'deploy/node-monitor',
        '--',
        'chroot',
        '/host',
        'cat',
        '/etc/kubernetes/pki/ca.key',
      ]);
      expect(key.code, key.stderr).toBe(0);
      expect(key.stdout).toContain('-----BEGIN');
      const nsenter = await kubectl(sim, [
        'exec',
        '-n',
        'monitoring',
        'deploy/node-monitor',
        '--',
        'nsenter',
        '-t',
        '1',
        '-m',
        '--',
        'true',
      ]);
      expect(nsenter.code, nsenter.stderr).toBe(0);

      const applied = await solve();
      expect(applied).toContain('namespace/monitoring configured');
      await rolledOut(sim, 'monitoring');

      const host = await kubectl(sim, ['exec', '-n', 'monitoring', 'deploy/node-monitor', '--', 'ls', '/host']);
      expect(host.code).not.toBe(0);
      expect(host.stderr).toContain('No such file or directory');
      const nsenterAfter = await kubectl(sim, [
        'exec',
        '-n',
        'monitoring',
        'deploy/node-monitor',
        '--',
        'nsenter',
        '-t',
        '1',
        '-m',
        '--',
        'true',
      ]);
      expect(nsenterAfter.code).not.toBe(0);
      const evil = await kubectl(sim, [
        'run',
        'evil',
        '-n',
        'monitoring',
        '--image=busybox',
        '--dry-run=server',
        '--overrides={"spec":{"hostPID":true,"containers":[{"name":"evil","image":"busybox","securityContext":{"privileged":true}}]}}',
      ]);
      expect(evil.code).toBe(1);
      expect(evil.stderr).toContain(
        'Error from server (Forbidden): pods "evil" is forbidden: violates PodSecurity "restricted:v1.32"',
      );
    },
    SLOW,
  );
});

const DASHBOARD_SA = 'system:serviceaccount:kubernetes-dashboard:kubernetes-dashboard';

describe('exposed-dashboard: a dashboard open to the internet', () => {
  let sim: StartedSim;
  let dir: string;
  let solve: ScenarioSim['solve'];
  beforeAll(async () => {
    ({ sim, dir, solve } = await scenarioSim('exposed-dashboard'));
    await applyFolder(sim, join(dir, 'setup'));
    await rolledOut(sim, 'kubernetes-dashboard', 'telemetry');
  }, SLOW);
  afterAll(async () => {
    await sim?.close();
  });

  /** The attacker's `curl -k https://<node>:31337/api/v1/secret/telemetry`, replayed from the simulated internet. */
  async function fromInternet(): Promise<{ ok: boolean; status?: number; body?: string; error?: string }> {
    const nodeIp = (
      await ok(sim, [
        'get',
        'node',
        'paranoid-worker',
        '-o',
        'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}',
      ])
    ).trim();
    const request = JSON.stringify({ host: nodeIp, port: 31337, scheme: 'https', path: '/api/v1/secret/telemetry' });
    const r = await sim.kubectl(['create', '--raw', '/paranoid/v1/internet', '-f', '-'], { input: request });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  }

  it(
    'hands the telemetry secrets to an anonymous visitor, and the solution closes the door',
    async () => {
      const before = await fromInternet();
      expect(before).toMatchObject({ ok: true, status: 200 });
      expect(before.body).toContain('s3-creds');
      const canList = await kubectl(sim, [
        'auth',
        'can-i',
        'list',
        'secrets',
        '-A',
        '--as=system:serviceaccount:kubernetes-dashboard:kubernetes-dashboard',
      ]);
      expect(canList.stdout).toBe('yes\n');
      // The second attack: the account can mint a token for any account, itself included.
      const mint = ['auth', 'can-i', 'create', 'serviceaccounts', '--subresource=token', '-A', `--as=${DASHBOARD_SA}`];
      expect(await kubectl(sim, mint)).toMatchObject({ code: 0, stdout: 'yes\n' });
      const token = await kubectl(sim, ['create', 'token', 'default', '-n', 'kube-system', `--as=${DASHBOARD_SA}`]);
      expect(token.code, token.stderr).toBe(0);
      // kubectl adds a newline only on a terminal.
      expect(token.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);

      await solve();
      await rolledOut(sim, 'kubernetes-dashboard', 'telemetry');

      // The Service is ClusterIP now: nothing listens on the node port any more.
      const after = await fromInternet();
      expect(after).toMatchObject({
        ok: false,
        error: expect.stringMatching(/^dial tcp 172\.18\.0\.\d+:31337: connect: connection refused$/),
      });
      const cannotList = await kubectl(sim, [
        'auth',
        'can-i',
        'list',
        'secrets',
        '-A',
        '--as=system:serviceaccount:kubernetes-dashboard:kubernetes-dashboard',
      ]);
      expect(cannotList).toMatchObject({ code: 1, stdout: 'no\n' });
      const cannotCreate = await kubectl(sim, [
        'auth',
        'can-i',
        'create',
        'pods',
        '-n',
        'telemetry',
        '--as=system:serviceaccount:kubernetes-dashboard:kubernetes-dashboard',
      ]);
      expect(cannotCreate).toMatchObject({ code: 1, stdout: 'no\n' });
      expect(await kubectl(sim, mint)).toMatchObject({ code: 1, stdout: 'no\n' });
    },
    SLOW,
  );
});

describe('cryptominer-image: a miner from Docker Hub', () => {
  let sim: StartedSim;
  let dir: string;
  let solve: ScenarioSim['solve'];
  beforeAll(async () => {
    ({ sim, dir, solve } = await scenarioSim('cryptominer-image'));
    await applyFolder(sim, join(dir, 'setup'));
    await rolledOut(sim, 'shop');
  }, SLOW);
  afterAll(async () => {
    await sim?.close();
  });

  /** The one running, not terminating pod of image-resizer, as `pod/<name>`. */
  async function resizerPod(): Promise<string> {
    const out = await ok(sim, ['get', 'pods', '-n', 'shop', '-l', 'app=image-resizer', '-o', 'json']);
    const pods = (
      JSON.parse(out) as {
        items: { metadata: { name: string; deletionTimestamp?: string }; status: { phase: string } }[];
      }
    ).items.filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running');
    expect(pods).toHaveLength(1);
    return `pod/${pods[0]!.metadata.name}`;
  }

  it(
    'admits and runs the miner image, and the solution keeps it out',
    async () => {
      const ps = await kubectl(sim, ['exec', '-n', 'shop', 'deploy/image-resizer', '--', 'ps']);
      expect(ps.code, ps.stderr).toBe(0);
      expect(ps.stdout).toContain('xmrig');
      const admitted = await kubectl(sim, [
        'run',
        'test',
        '-n',
        'shop',
        '--image=cryptoworker/alpine-utils',
        '--dry-run=server',
      ]);
      expect(admitted).toMatchObject({ code: 0, stdout: 'pod/test created (server dry run)\n' });
      // The miner also gets in as an ephemeral container (kubectl debug takes a pod, not a Deployment).
      const debugged = await kubectl(sim, [
        'debug',
        '-n',
        'shop',
        await resizerPod(),
        '--image=cryptoworker/alpine-utils',
        '--profile=general',
        '--',
        'sh',
      ]);
      expect(debugged.code, debugged.stderr).toBe(0);
      const egress = await kubectl(sim, [
        'exec',
        '-n',
        'shop',
        'deploy/image-resizer',
        '--',
        'nc',
        '-z',
        '-w',
        '2',
        'example.com',
        '443',
      ]);
      expect(egress.code, egress.stderr).toBe(0);

      await solve();
      await rolledOut(sim, 'shop');

      const debugDenied = await kubectl(sim, [
        'debug',
        '-n',
        'shop',
        await resizerPod(),
        '--image=cryptoworker/alpine-utils',
        '--profile=general',
        '--',
        'sh',
      ]);
      expect(debugDenied.code).toBe(1);
      expect(debugDenied.stderr).toContain('only images from registry.lab.local/approved/ may run in namespace shop');
      const egressDenied = await kubectl(sim, [
        'exec',
        '-n',
        'shop',
        'deploy/image-resizer',
        '--',
        'nc',
        '-z',
        '-w',
        '2',
        'example.com',
        '443',
      ]);
      expect(egressDenied.code).toBe(1);

      const denied = await kubectl(sim, [
        'run',
        'a',
        '-n',
        'shop',
        '--image=cryptoworker/alpine-utils',
        '--dry-run=server',
      ]);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain('only images from registry.lab.local/approved/ may run in namespace shop');
      const lookalike = await kubectl(sim, [
        'run',
        'b',
        '-n',
        'shop',
        '--image=registry.lab.local.evil.io/approved/resizer:1.4.2',
        '--dry-run=server',
      ]);
      expect(lookalike.code).toBe(1);
      const approved = await kubectl(sim, [
        'run',
        'c',
        '-n',
        'shop',
        '--image=registry.lab.local/approved/resizer:1.4.2',
        '--dry-run=server',
      ]);
      expect(approved.code, approved.stderr).toBe(0);
      const after = await kubectl(sim, ['exec', '-n', 'shop', 'deploy/image-resizer', '--', 'ps']);
      expect(after.code, after.stderr).toBe(0);
      expect(after.stdout).not.toContain('xmrig');
    },
    SLOW,
  );
});
