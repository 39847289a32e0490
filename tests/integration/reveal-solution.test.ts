/**
 * "Reveal the solution", then each revealed file pasted into the editor and applied, through the
 * runner's HTTP API as the site calls it (`/solution`, `/apply`, `/check`) on a real simulated
 * session. metadata-ssrf's fix is half in the cloud: its `cloud.yaml` is shown as it is written
 * (a list of metadata options), and applying it in the editor must change every node's instance
 * as the fix step's `aws` loop does, or the revealed solution cannot solve the scenario.
 */

import { waitForSettled } from '@paranoid/catalog/apply.ts';
import { KubeClient } from '@paranoid/kube/client.ts';
import type { LabServer } from '@paranoid/server/lab-server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab } from '../support/sandbox-terminal.ts';

const SLOW = 180_000;

interface Session {
  id: string;
  token: string;
}
interface ApplyAnswer {
  results?: Array<{ ok: boolean; kind: string; name: string; action?: string; message?: string }>;
  error?: { code: string; message: string; position?: { line: number; column: number } };
}

let lab: LabServer;
let base: string;

async function api<T>(session: Session | null, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(session ? { authorization: `Bearer ${session.token}` } : {}),
    },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function start(scenarioId: string): Promise<Session> {
  const r = await api<{ session?: { id: string }; token?: string }>(null, '/api/sessions', { scenarioId });
  if (!r.body.session || !r.body.token) throw new Error(`failed to start a session: ${JSON.stringify(r.body)}`);
  const session = { id: r.body.session.id, token: r.body.token };
  await settle(session);
  return session;
}

/** The session's cluster at rest, seen from the runner's side. */
async function settle(session: Session): Promise<void> {
  const kube = new KubeClient(lab.sessions.authorize(session.id, session.token).cluster.kubeconfig);
  try {
    expect(await waitForSettled(kube, 60_000)).toEqual([]);
  } finally {
    kube.close();
  }
}

/** Every instance's metadata options, as the cloud answers `aws ec2 describe-instances`. */
async function metadataOptions(
  session: Session,
): Promise<Array<{ HttpTokens?: string; HttpPutResponseHopLimit?: number }>> {
  const kube = new KubeClient(lab.sessions.authorize(session.id, session.token).cluster.kubeconfig);
  try {
    const body = (await kube.send('GET', '/paranoid/v1/cloud/instances')) as {
      Reservations?: Array<{
        Instances?: Array<{ MetadataOptions?: { HttpTokens?: string; HttpPutResponseHopLimit?: number } }>;
      }>;
    };
    return (body.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.MetadataOptions ?? {});
  } finally {
    kube.close();
  }
}

beforeAll(async () => {
  ({ lab, base } = await startLab());
}, SLOW);
afterAll(() => lab?.close());

describe('metadata-ssrf: the revealed solution, applied file by file in the editor', () => {
  it(
    'changes every instance from the cloud.yaml, applies the policy, and every check passes',
    async () => {
      const session = await start('metadata-ssrf');
      const before = await api<{ passed: boolean }>(session, `/api/sessions/${session.id}/check`);
      expect(before.body.passed).toBe(false);

      const revealed = await api<{ files: Array<{ path: string; content: string }> }>(
        session,
        `/api/sessions/${session.id}/solution`,
        { confirm: true },
      );
      expect(revealed.status).toBe(200);
      expect(revealed.body.files.map((f) => f.path)).toEqual([
        'solution/cloud.yaml',
        'solution/image-proxy-egress.yaml',
      ]);

      for (const file of revealed.body.files) {
        const applied = await api<ApplyAnswer>(session, `/api/sessions/${session.id}/apply`, { yaml: file.content });
        expect(applied.status, `${file.path}: ${JSON.stringify(applied.body)}`).toBe(200);
        expect(
          applied.body.results?.every((r) => r.ok),
          JSON.stringify(applied.body.results),
        ).toBe(true);
        if (file.path === 'solution/cloud.yaml') {
          // One result per node's instance: the control plane's and both workers'.
          expect(applied.body.results?.map((r) => [r.kind, r.action])).toEqual([
            ['Instance', 'configured'],
            ['Instance', 'configured'],
            ['Instance', 'configured'],
          ]);
          expect(applied.body.results?.every((r) => /^i-0[0-9a-f]{16}$/.test(r.name))).toBe(true);
        }
      }
      expect(await metadataOptions(session)).toEqual([
        expect.objectContaining({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 }),
        expect.objectContaining({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 }),
        expect.objectContaining({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 }),
      ]);
      await settle(session);
      const after = await api<{ passed: boolean; checks: Array<{ id: string; passed: boolean; message: string }> }>(
        session,
        `/api/sessions/${session.id}/check`,
      );
      expect(
        after.body.checks.filter((c) => !c.passed),
        'every check passes after the revealed solution',
      ).toEqual([]);
      expect(after.body.passed).toBe(true);
    },
    SLOW,
  );

  it(
    'refuses a cloud change the cloud does not have, with where it is, and changes nothing',
    async () => {
      const session = await start('metadata-ssrf');
      const wrong = await api<ApplyAnswer>(session, `/api/sessions/${session.id}/apply`, {
        yaml: '- httpTokens: required\n  httpPutResponseHopLimit: 1\n- httpTokens: sometimes\n',
      });
      expect(wrong.status).toBe(422);
      expect(wrong.body.error?.code).toBe('InvalidYaml');
      expect(wrong.body.error?.message).toContain('its item 2 is not one (httpTokens)');
      expect(wrong.body.error?.position).toEqual({ line: 1, column: 1 });
      const many = await api<ApplyAnswer>(session, `/api/sessions/${session.id}/apply`, {
        yaml: '- httpTokens: required\n'.repeat(17),
      });
      expect(many.status).toBe(422);
      expect(many.body.error?.message).toBe('at most 16 cloud changes can be applied at once');
      for (const options of await metadataOptions(session)) {
        expect(options).toMatchObject({ HttpTokens: 'optional', HttpPutResponseHopLimit: 2 });
      }
    },
    SLOW,
  );
});
