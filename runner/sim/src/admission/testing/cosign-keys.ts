import { p256 } from '@noble/curves/nist.js';
import { preAuthEncoding } from '../cosign-verify.ts';

/** Test keys and signatures, made as cosign makes them, from a fixed seed so tests are repeatable. */

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const enc = (s: string) => new TextEncoder().encode(s);
const SPKI_PREFIX = [
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
  0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/** PKCS#8 PrivateKeyInfo (id-ecPublicKey, prime256v1) around an ECPrivateKey, before its secret; then the public key's tag. */
const PKCS8_PREFIX = Array.from(
  '308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420'.match(/../g) ?? [],
  (h) => Number.parseInt(h, 16),
);
const PKCS8_PUBLIC = [0xa1, 0x44, 0x03, 0x42, 0x00];

export interface TestKey {
  /** The public half, PEM SPKI, as `cosign generate-key-pair` writes cosign.pub. */
  pem: string;
  /** The private half, unencrypted PKCS#8 PEM, as a CI system holds it for `cosign sign --key`. */
  privatePem: string;
  sign(message: Uint8Array): string;
}

/** A P-256 key pair whose secret is `seed` repeated (1..255). */
export function testKey(seed: number): TestKey {
  const secret = new Uint8Array(32).fill(seed);
  const spki = new Uint8Array([...SPKI_PREFIX, ...p256.getPublicKey(secret, false)]);
  const pem = `-----BEGIN PUBLIC KEY-----\n${b64(spki).replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`;
  const pkcs8 = new Uint8Array([...PKCS8_PREFIX, ...secret, ...PKCS8_PUBLIC, ...p256.getPublicKey(secret, false)]);
  const privatePem = `-----BEGIN PRIVATE KEY-----\n${b64(pkcs8).replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { pem, privatePem, sign: (message) => b64(p256.sign(message, secret, { format: 'der' })) };
}

/** `cosign sign --key`: the simple-signing payload for `digest`, signed. */
export function testSignature(key: TestKey, repository: string, digest: string) {
  const payload = JSON.stringify({
    critical: {
      identity: { 'docker-reference': repository },
      image: { 'docker-manifest-digest': digest },
      type: 'cosign container image signature',
    },
    optional: null,
  });
  return { payload, signature: key.sign(enc(payload)) };
}

/** `cosign attest --key --type`: a DSSE envelope over an in-toto statement about `digest`. */
export function testAttestation(key: TestKey, predicateType: string, digest: string) {
  const statement = enc(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType,
      subject: [{ name: 'x', digest: { sha256: digest.slice('sha256:'.length) } }],
      predicate: {},
    }),
  );
  const payloadType = 'application/vnd.in-toto+json';
  return {
    payloadType,
    payload: b64(statement),
    signatures: [{ sig: key.sign(preAuthEncoding(payloadType, statement)) }],
  };
}
