/**
 * Session creation under attack, against the real runner: 200 anonymous POSTs at once
 * from 200 addresses against the lab's cap of 64, and one address dropping its cookie
 * to get past the per-learner limit. Each must fail, and the runner must still serve a
 * bystander's session.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LearnerSession, type StartedLab, startLab, startSession, stillServes } from './runner-lab.ts';

let started: StartedLab;
let base: string;
let bystander: LearnerSession;

beforeAll(async () => {
  started = await startLab();
  base = started.base;
  bystander = await startSession(base, 'bystander000000000002');
}, 120_000);

afterAll(async () => {
  await started?.close();
}, 120_000);

/** POST /api/sessions without a cookie, from a chosen loopback address (all of 127/8 is this machine). */
function anonymousStart(from: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  const url = new URL(`${base}/api/sessions`);
  const payload = JSON.stringify({ scenarioId: 'missing-networkpolicy' });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('session creation', () => {
  it('holds one address to its cap when it drops its cookie every time', async () => {
    const answers = [];
    // Until the address is refused three times running (a start may also fail for load: 503 ClusterUnavailable).
    for (let refusedInARow = 0; refusedInARow < 3 && answers.length < 40; ) {
      const answer = await anonymousStart('127.0.0.250');
      answers.push(answer);
      refusedInARow = answer.status === 429 ? refusedInARow + 1 : 0;
    }
    const made = answers.filter((a) => a.status === 201).length;
    expect(made).toBe(16);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(answers.every((a) => a.status === 201 || a.status === 429 || a.body.includes('ClusterUnavailable'))).toBe(
      true,
    );
    expect(Number(refused[0]!.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(refused[0]!.body).error.code).toBe('TooManyRequests');
    await stillServes(base, bystander);
  }, 180_000);

  it('makes no more sessions than the cap from 200 anonymous POSTs at once, and says when to come back', async () => {
    const before = started.lab.sessions.size;
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => anonymousStart(`127.0.${1 + Math.floor(i / 200)}.${1 + (i % 200)}`)),
    );
    const made = answers.filter((a) => a.status === 201).length;
    const full = answers.filter((a) => a.status === 503 && JSON.parse(a.body).error.code === 'TooManySessions');
    // Only the free slots were granted (a start that failed for load gave its slot back);
    // every other request was told the lab is full.
    const failed = answers.filter((a) => a.body.includes('ClusterUnavailable')).length;
    expect(made + failed + full.length).toBe(200);
    expect(full.length).toBeGreaterThanOrEqual(200 - (64 - before) - failed);
    expect(made).toBeLessThanOrEqual(64 - before);
    expect(started.lab.sessions.size).toBeLessThanOrEqual(64);
    expect(Number(full[0]!.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(full[0]!.body).error.message).toMatch(/the lab is full right now \(64 sessions\): try again in/);
    await stillServes(base, bystander);
  }, 300_000);
});
