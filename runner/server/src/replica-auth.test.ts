import { describe, expect, it } from 'vitest';
import { bodyDigest, CLIENT_HEADER, REPLICA_HEADER, ReplicaAuth } from './replica-auth.ts';

const SECRET = 'k'.repeat(43);
const request = { method: 'GET', path: '/api/sessions/abc', clientAddress: '10.1.2.3', bodyDigest: bodyDigest() };

describe('the signature replicas put on what they forward', () => {
  it('is accepted with the same secret and gives the learner address it carried', () => {
    const now = 5_000_000;
    const headers = new ReplicaAuth(SECRET, () => now).sign('replica-a-1', request);
    expect(
      new ReplicaAuth(SECRET, () => now + 1000).verify(headers[REPLICA_HEADER]!, {
        ...request,
        clientAddress: headers[CLIENT_HEADER],
      }),
    ).toEqual({ ok: true, from: 'replica-a-1', clientAddress: '10.1.2.3', format: 'v2' });
  });

  it('is refused under another secret, for another path or address, and when old', () => {
    const now = 5_000_000;
    const header = new ReplicaAuth(SECRET, () => now).sign('replica-a-1', request)[REPLICA_HEADER]!;
    const verify = (auth: ReplicaAuth, r = request) => auth.verify(header, r);
    expect(verify(new ReplicaAuth('x'.repeat(43), () => now))).toEqual({ ok: false, reason: 'bad signature' });
    expect(verify(new ReplicaAuth(SECRET, () => now), { ...request, path: '/api/sessions/abd' })).toMatchObject({
      ok: false,
    });
    expect(verify(new ReplicaAuth(SECRET, () => now), { ...request, clientAddress: '10.9.9.9' })).toMatchObject({
      ok: false,
    });
    expect(verify(new ReplicaAuth(SECRET, () => now + 61_000))).toEqual({ ok: false, reason: 'expired' });
    expect(new ReplicaAuth(SECRET).verify('v1.a.b', request)).toEqual({ ok: false, reason: 'malformed' });
    expect(new ReplicaAuth(SECRET).verify('v3.a.1.b', request)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('is refused when the body is not the one signed', () => {
    const now = 5_000_000;
    const auth = new ReplicaAuth(SECRET, () => now);
    const apply = {
      method: 'POST',
      path: '/api/sessions/abc/apply',
      clientAddress: '10.1.2.3',
      bodyDigest: bodyDigest(Buffer.from('{"yaml":"kind: ConfigMap"}')),
    };
    const header = auth.sign('replica-a-1', apply)[REPLICA_HEADER]!;
    expect(auth.verify(header, apply)).toMatchObject({ ok: true });
    const tampered = { ...apply, bodyDigest: bodyDigest(Buffer.from('{"yaml":"kind: ClusterRoleBinding"}')) };
    expect(auth.verify(header, tampered)).toEqual({ ok: false, reason: 'bad signature' });
    // Relabelled as the older format, which did not cover the body, it is not a v1 signature either.
    expect(auth.verify(header.replace(/^v2\./, 'v1.'), apply)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('signs v1 for a replica of the previous release byte for byte as that release did', () => {
    // What the previous release's ReplicaAuth (commit 997b2f0) printed for these inputs.
    const auth = new ReplicaAuth('s'.repeat(43), () => 1_765_000_000_000);
    const signed = (method: string, path: string) =>
      auth.sign('replica-a-0a1b2c3d', { method, path, clientAddress: '10.1.2.3', bodyDigest: bodyDigest() }, 'v1');
    expect(signed('GET', '/api/sessions/abc123/terminal?cols=80&rows=24')).toEqual({
      [REPLICA_HEADER]: 'v1.replica-a-0a1b2c3d.1765000000000.3l5ha6Ps50TEKSuJVWun4Ze5l43Wt_jMgOY1yxtHmss',
      [CLIENT_HEADER]: '10.1.2.3',
    });
    expect(signed('POST', '/api/sessions/abc123/apply')[REPLICA_HEADER]).toBe(
      'v1.replica-a-0a1b2c3d.1765000000000.-4R6eoKxUyrNpU5eCzPafh9KKk3QLs_zqEGxCAyJ7ik',
    );
  });

  it("accepts an older replica's v1 signature only for a request without a body", () => {
    const now = 1_765_000_000_000;
    const auth = new ReplicaAuth('s'.repeat(43), () => now);
    const get = {
      method: 'GET',
      path: '/api/sessions/abc123/terminal?cols=80&rows=24',
      clientAddress: '10.1.2.3',
      bodyDigest: bodyDigest(),
    };
    const fromOlder = 'v1.replica-a-0a1b2c3d.1765000000000.3l5ha6Ps50TEKSuJVWun4Ze5l43Wt_jMgOY1yxtHmss';
    expect(auth.verify(fromOlder, get)).toEqual({
      ok: true,
      from: 'replica-a-0a1b2c3d',
      clientAddress: '10.1.2.3',
      format: 'v1',
    });
    // A POST signed v1: its body is vouched for by nothing, so it is refused, as an older replica's.
    const post = { ...get, method: 'POST', path: '/api/sessions/abc123/apply' };
    const postFromOlder = 'v1.replica-a-0a1b2c3d.1765000000000.-4R6eoKxUyrNpU5eCzPafh9KKk3QLs_zqEGxCAyJ7ik';
    expect(auth.verify(postFromOlder, post)).toEqual({
      ok: false,
      reason: 'a v1 signature does not cover the body',
      olderReplica: 'replica-a-0a1b2c3d',
    });
    expect(auth.verify(postFromOlder, { ...post, bodyDigest: bodyDigest(Buffer.from('{}')) })).toMatchObject({
      ok: false,
      olderReplica: 'replica-a-0a1b2c3d',
    });
    // A GET whose body is not empty is no bodiless request.
    expect(auth.verify(fromOlder, { ...get, bodyDigest: bodyDigest(Buffer.from('x')) })).toMatchObject({ ok: false });
    // Under another secret, or moved to another path, a v1 header is as forged as a v2 one.
    expect(new ReplicaAuth('x'.repeat(43), () => now).verify(fromOlder, get)).toEqual({
      ok: false,
      reason: 'bad signature',
    });
    expect(auth.verify(fromOlder, { ...get, path: '/api/sessions/other/terminal' })).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });

  it('needs a secret of at least 32 characters', () => {
    expect(() => new ReplicaAuth('short')).toThrow(
      'failed to use the replica secret: it has 5 characters, at least 32 are needed (openssl rand -base64 32)',
    );
  });
});
