/**
 * Two real `paranoid serve --terminals pod` replicas sharing one real PostgreSQL, with a
 * simulated cluster in this process as the cluster they run in (its kubeconfig given to both,
 * as the chart gives each pod its ServiceAccount). Each runner has a host name of its own, as
 * each pod has, so a runner cannot tell from a process id whether the other is alive: only the
 * replica map says so. A learner's live terminal pod on replica A must go at B's next sweep
 * once A is killed, not at the pod's four-hour deadline; the learner hears "the lab restarted",
 * never "the shell exited"; B's own learners and their pods are untouched.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TERMINAL_REAP_INTERVAL_MS } from '@paranoid/cli/pod-terminal-setup.ts';
import { type ReplicaSet, startReplicaSet } from '@paranoid/cli/testing/replica-set.ts';
import type { KubeObject } from '@paranoid/k8s/object.ts';
import { parseManifests } from '@paranoid/kube/manifests.ts';
import { REPLICA_LABEL } from '@paranoid/providers/pod-terminals/pod-terminals.ts';
import {
  CHART_NAMESPACES,
  type SimHostCluster,
  startSimHostCluster,
} from '@paranoid/providers/testing/sim-host-cluster.ts';
import { LEASE_MS } from '@paranoid/server/replica-registry.ts';
import { PostgresDriver } from '@paranoid/server/store-postgres.ts';
import { CLOSE } from '@paranoid/server/terminal-socket.ts';
import { startTestPostgres, type TestPostgres } from '@paranoid/server/testing/postgres-server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTerminal } from '../support/lab-terminal.ts';

const SCENARIO = 'missing-networkpolicy';
const TERMINALS = '/api/v1/namespaces/paranoid-terminals';
const RESTARTED = 'the lab restarted, so this session and its cluster are gone; your progress is safe';

let postgres: TestPostgres;
let db: PostgresDriver;
let host: SimHostCluster;
let dir: string;
let set: ReplicaSet;

beforeAll(async () => {
  postgres = await startTestPostgres();
  const url = await postgres.createDatabase('replicas_pod_terminals');
  db = new PostgresDriver(url, { max: 2 });
  host = await startSimHostCluster();
  for (const o of parseManifests(CHART_NAMESPACES) as unknown as KubeObject[]) {
    await host.admin.send('POST', '/api/v1/namespaces', o);
  }
  dir = mkdtempSync(join(tmpdir(), 'paranoid-replicas-pods-'));
  const hostKubeconfig = join(dir, 'host-kubeconfig');
  writeFileSync(hostKubeconfig, host.kubeconfig, { mode: 0o600 });
  set = await startReplicaSet({
    count: 2,
    database: url,
    ownHostNames: true,
    // biome-ignore format: one flag per line
    args: [
      '--session-ttl=10',
      '--terminals', 'pod',
      '--host-kubeconfig', hostKubeconfig,
      '--terminal-image', 'nicolaka/netshoot:v0.13',
      // The pods' shells run on the simulated host and never dial the gateway here.
      '--gateway-url', 'https://gateway.invalid:7443',
      '--gateway-port', '0',
      '--runner-namespace', 'paranoid',
      '--runner-selector', 'app.kubernetes.io/name=paranoid,app.kubernetes.io/instance=lab',
    ],
    env: { PARANOID_SIM_WORKERS: '1' },
  });
}, 240_000);

afterAll(async () => {
  await set?.stop();
  await host?.close();
  await db?.close();
  postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function startSession(base: string, learner: string): Promise<{ id: string; token: string }> {
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `paranoid_learner=${learner}` },
    body: JSON.stringify({ scenarioId: SCENARIO }),
  });
  const body = (await res.json()) as { session: { id: string }; token: string };
  if (res.status !== 201) throw new Error(`failed to start a session: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.session.id, token: body.token };
}

async function replicaOf(sessionId: string): Promise<string> {
  const [row] = await db.all<{ replica_id: string }>('SELECT replica_id FROM live_sessions WHERE id = ?', [sessionId]);
  return row?.replica_id ?? '';
}

/** The names of terminal pods (or Secrets) on the host labelled with `replica`. */
async function labelled(kind: 'pods' | 'secrets', replica: string): Promise<string[]> {
  const selector = encodeURIComponent(`${REPLICA_LABEL}=${replica}`);
  const list = (await host.admin.send('GET', `${TERMINALS}/${kind}?labelSelector=${selector}`)) as {
    items: KubeObject[];
  };
  return list.items.map((o) => o.metadata.name ?? '');
}

describe('pod terminals of a replica killed with SIGKILL', () => {
  it("are reaped by the live replica within its sweep, and the learner is told the lab restarted, while the other replica's learners carry on", async () => {
    const [a, b] = set.runners as [ReplicaSet['runners'][0], ReplicaSet['runners'][0]];
    const onA = await startSession(a.url, 'learnerpodkill01');
    const onB = await startSession(b.url, 'learnerpodkill02');
    const idA = await replicaOf(onA.id);
    const idB = await replicaOf(onB.id);
    expect(idA).toMatch(/^replica-a-[0-9a-f]{8}$/);
    expect(idB).toMatch(/^replica-b-[0-9a-f]{8}$/);
    // Each session's shell is a pod on the host, labelled with its replica.
    expect(await labelled('pods', idA)).toEqual([`term-${onA.id}`]);
    expect(await labelled('secrets', idA)).toEqual([`term-${onA.id}`]);
    expect(await labelled('pods', idB)).toEqual([`term-${onB.id}`]);

    // The learner's terminal is live through B (forwarded to A, which holds the session).
    const live = connectTerminal(b.url, onA.id, onA.token);
    await live.opened;
    live.type('echo "live $((40 + 2))"\r');
    await live.waitFor(/live 42/);
    const closed = new Promise<number>((resolve) => live.ws.once('close', (code) => resolve(code)));

    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await a.exited).toBeNull();
    // The socket drops as a broken connection, not as "the shell exited" (which the page would show as such).
    const code = await closed;
    expect(code).not.toBe(CLOSE.shellExited);
    expect(code).toBe(1006);

    // The page reconnects and is refused; it then asks the API, which says why in words.
    const again = connectTerminal(b.url, onA.id, onA.token);
    await expect(again.opened).rejects.toThrow(/404/);
    const lost = await fetch(`${b.url}/api/sessions/${onA.id}`, { headers: { authorization: `Bearer ${onA.token}` } });
    expect(lost.status).toBe(404);
    expect(((await lost.json()) as { error: { message: string } }).error.message).toContain(RESTARTED);

    // A's terminal pod and its Secret go once A's lease runs out, at B's next sweep: not at their deadline (4 h).
    const deadline = killedAt + LEASE_MS + TERMINAL_REAP_INTERVAL_MS + 10_000;
    while ((await labelled('pods', idA)).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await labelled('pods', idA)).toEqual([]);
    expect(await labelled('secrets', idA)).toEqual([]);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LEASE_MS - 1_000);

    // No live replica holds A's session any more; its row stays (until it would have expired) so the learner is told why.
    const held = await db.all<{ id: string }>(
      `SELECT s.id FROM live_sessions s JOIN runner_replicas r ON r.id = s.replica_id
        WHERE s.id = ? AND r.heartbeat_at >= ?`,
      [onA.id, Date.now() - LEASE_MS],
    );
    expect(held).toEqual([]);
    const stillLost = await fetch(`${b.url}/api/sessions/${onA.id}`, {
      headers: { authorization: `Bearer ${onA.token}` },
    });
    expect(((await stillLost.json()) as { error: { message: string } }).error.message).toContain(RESTARTED);

    // B's learner is untouched: the pod, the Secret, the map's row and a working shell.
    expect(await labelled('pods', idB)).toEqual([`term-${onB.id}`]);
    expect(await labelled('secrets', idB)).toEqual([`term-${onB.id}`]);
    expect(await replicaOf(onB.id)).toBe(idB);
    const mine = connectTerminal(b.url, onB.id, onB.token);
    await mine.opened;
    mine.type('echo "still $((6 * 7))"\r');
    await mine.waitFor(/still 42/);
    mine.ws.close();
    const ended = await fetch(`${b.url}/api/sessions/${onB.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${onB.token}` },
    });
    expect(ended.status).toBe(204);
    expect(await labelled('pods', idB)).toEqual([]);
  }, 180_000);
});
