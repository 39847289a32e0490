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
    ).toEqual({ ok: true, from: 'replica-a-1', clientAddress: '10.1.2.3' });
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
    // A header of the older format, which did not cover the body, is not trusted either.
    expect(auth.verify(header.replace(/^v2\./, 'v1.'), apply)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('needs a secret of at least 32 characters', () => {
    expect(() => new ReplicaAuth('short')).toThrow(
      'failed to use the replica secret: it has 5 characters, at least 32 are needed (openssl rand -base64 32)',
    );
  });
});
