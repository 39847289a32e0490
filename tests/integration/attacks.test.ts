/**
 * Every scenario's attack, derived from its data and played with the real kubectl against
 * a full simulated cluster (runner/sim/src/assemble.ts): the setup applied with
 * `kubectl apply -f`, each probe of `attack:` replayed as a learner would run it
 * (tests/support/attack-replay.ts) and seen to work; then the reference solution applied
 * the same way (its deletions with `kubectl delete`, its cloud changes with the terminal's `aws`)
 * and every probe seen to fail.
 * A scenario folder added under scenarios/ is covered with no change here.
 */
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type LoadedScenario, loadScenario, NOT_MANIFESTS } from '@paranoid/catalog/load.ts';
import type { CloudChange } from '@paranoid/schema/scenario.ts';
import { bashrc } from '@paranoid/server/sandbox.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../support/attack-replay.ts';
import { KUBECTL, type StartedSim, startSim } from '../support/sim.ts';

const SCENARIOS = resolve(import.meta.dirname, '../../scenarios');
/** Each attack runs a dozen kubectl processes; the machine is shared. */
const SLOW = 240_000;

const ids = readdirSync(SCENARIOS, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))
  .map((e) => e.name)
  .sort();

async function ok(sim: StartedSim, args: string[]): Promise<string> {
  const r = await sim.kubectl(args, { timeoutMs: 90_000 });
  expect(r.code, `kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

/** `kubectl apply -f` every manifest file of a folder, in name order (not `delete.yaml` nor `cloud.yaml`, the loader's lists). */
async function applyFolder(sim: StartedSim, folder: string): Promise<void> {
  for (const file of readdirSync(folder).sort()) {
    if (/\.ya?ml$/.test(file) && !NOT_MANIFESTS.includes(file)) await ok(sim, ['apply', '-f', join(folder, file)]);
  }
}

/**
 * Waits for every workload to roll out, as a learner would with `kubectl rollout status`; first for
 * every Job written on its own (a build a fix runs) to finish, as with `kubectl wait`, since what it
 * leaves (an image pushed, a Deployment pointed at it) is part of the fix. A CronJob's Jobs are not waited for.
 */
async function rolledOut(sim: StartedSim): Promise<void> {
  const jobs = await ok(sim, [
    'get',
    'jobs',
    '-A',
    '-o',
    'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}/{.metadata.ownerReferences[0].kind}{"\\n"}{end}',
  ]);
  for (const line of jobs.split('\n').filter(Boolean)) {
    const [ns, name, owner] = line.split('/');
    if (owner === 'CronJob') continue;
    await ok(sim, ['wait', '-n', ns!, `job/${name}`, '--for=jsonpath={.status.completionTime}', '--timeout=90s']);
  }
  for (const kind of ['deployments', 'daemonsets', 'statefulsets']) {
    const out = await ok(sim, [
      'get',
      kind,
      '-A',
      '-o',
      'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
    ]);
    for (const line of out.split('\n').filter(Boolean)) {
      const [ns, name] = line.split('/');
      await ok(sim, ['rollout', 'status', '-n', ns!, `${kind}/${name}`, '--timeout=90s']);
    }
  }
}

/** solution/delete.yaml replayed as `kubectl delete`, then solution/ applied with `kubectl apply -f`. */
async function solve(sim: StartedSim, loaded: LoadedScenario): Promise<void> {
  for (const d of loaded.solution.deletions) {
    const group = d.apiVersion.includes('/') ? `.${d.apiVersion.slice(0, d.apiVersion.indexOf('/'))}` : '';
    await ok(sim, [
      'delete',
      `${d.kind.toLowerCase()}${group}`,
      ...(d.name ? [d.name] : ['-l', d.labelSelector ?? '']),
      ...(d.namespace ? ['-n', d.namespace] : []),
      '--ignore-not-found',
    ]);
  }
  await applyCloud(sim, loaded.solution.cloud);
  await applyFolder(sim, join(loaded.dir, 'solution'));
}

/** solution/cloud.yaml replayed as the learner types it: the terminal's `aws ec2 modify-instance-metadata-options`. */
async function applyCloud(sim: StartedSim, changes: CloudChange[]): Promise<void> {
  if (changes.length === 0) return;
  const rc = join(sim.dir, 'bashrc');
  writeFileSync(rc, bashrc('attacks'));
  for (const c of changes) {
    const nodes = (await ok(sim, ['get', 'nodes', ...(c.nodeSelector ? ['-l', c.nodeSelector] : []), '-o', 'name']))
      .trim()
      .split('\n')
      .map((n) => n.replace(/^node\//, ''));
    const described = JSON.parse(await ok(sim, ['get', '--raw', '/paranoid/v1/cloud/instances'])) as {
      Reservations: Array<{ Instances: Array<{ InstanceId: string; Tags: Array<{ Key: string; Value: string }> }> }>;
    };
    for (const i of described.Reservations.flatMap((r) => r.Instances)) {
      if (!i.Tags.some((t) => t.Key === 'kubernetes.io/hostname' && nodes.includes(t.Value))) continue;
      const args = [
        `--instance-id ${i.InstanceId}`,
        c.httpTokens ? `--http-tokens ${c.httpTokens}` : '',
        c.httpPutResponseHopLimit ? `--http-put-response-hop-limit ${c.httpPutResponseHopLimit}` : '',
      ].join(' ');
      // Not spawnSync: the simulator answers kubectl from this very process.
      const r = await new Promise<{ code: number; out: string }>((done) => {
        execFile(
          'bash',
          ['-c', `source ${rc}; aws ec2 modify-instance-metadata-options ${args}`],
          {
            env: { PATH: `${dirname(KUBECTL)}:/usr/bin:/bin`, HOME: sim.dir, KUBECONFIG: sim.kubeconfigPath },
            timeout: 30_000,
          },
          (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
        );
      });
      expect(r.code, `aws ec2 modify-instance-metadata-options ${args}\n${r.out}`).toBe(0);
    }
  }
}

for (const id of ids) {
  describe(`${id}: the attack from the scenario's data`, () => {
    let sim: StartedSim;
    let loaded: LoadedScenario;

    beforeAll(async () => {
      const { scenario, problems } = loadScenario(join(SCENARIOS, id), SCENARIOS);
      if (!scenario) throw new Error(`failed to load scenario ${id}: ${JSON.stringify(problems)}`);
      loaded = scenario;
      sim = await startSim({
        full: { images: scenario.imageDefinitions, internet: scenario.scenario.internet ?? [] },
      });
      await applyFolder(sim, join(loaded.dir, 'setup'));
      await rolledOut(sim);
    }, SLOW);
    afterAll(async () => {
      await sim?.close();
    });

    it(
      'works on the setup, every probe of it, and fails after the reference solution',
      async () => {
        expect(loaded.scenario.attack.length).toBeGreaterThan(0);
        for (const attack of loaded.scenario.attack) {
          const before = await replay(sim, attack.probe);
          expect(before.worked, `${attack.id} on the setup:\n${before.evidence.join('\n')}`).toBe(true);
        }
        await solve(sim, loaded);
        await rolledOut(sim);
        for (const attack of loaded.scenario.attack) {
          const after = await replay(sim, attack.probe);
          expect(after.worked, `${attack.id} after the solution:\n${after.evidence.join('\n')}`).toBe(false);
        }
      },
      SLOW,
    );
  });
}
