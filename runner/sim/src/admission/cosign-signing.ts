/**
 * cosign's key-based signing, as `cosign sign --key` and `cosign attest --key` do it: the
 * simple-signing payload for a signature, a DSSE envelope over an in-toto statement for an
 * attestation, each signed with ECDSA P-256 over SHA-256 (ASN.1 DER). Pure, like the verifier
 * beside it, so what the simulated pipeline signs is exactly what admission verifies.
 */

import { p256 } from '@noble/curves/nist.js';
import type { CosignAttestation, CosignSignature } from '@paranoid/schema/image-signatures.ts';
import { preAuthEncoding } from './cosign-verify.ts';

/** PKCS#8 PrivateKeyInfo for id-ecPublicKey on prime256v1, up to the 32-byte secret (RFC 5208, RFC 5915). */
const PKCS8_P256_PREFIX = '308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420';
/** SEC 1 ECPrivateKey (`openssl ecparam -genkey`), up to the 32-byte secret. */
const SEC1_PREFIX = '30770201010420';
/** A P-256 secret key file is never bigger than this; anything larger is refused before decoding. */
const MAX_KEY_PEM = 4096;

/** A private key ready to sign, or why the text is not one the simulator can sign with. */
export type PrivateKeyResult = { ok: true; secret: Uint8Array } | { ok: false; reason: string };

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const b64 = (bytes: Uint8Array) => {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};

function pemBody(pem: string, label: string): Uint8Array | undefined {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match?.[1]) return undefined;
  try {
    const binary = atob(match[1].replace(/\s+/g, ''));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Reads an unencrypted ECDSA P-256 private key: PKCS#8 (`PRIVATE KEY`) or SEC 1 (`EC PRIVATE
 * KEY`). cosign's own `ENCRYPTED SIGSTORE PRIVATE KEY` (scrypt and secretbox under
 * COSIGN_PASSWORD) is not modelled, and is refused with a reason that says so.
 */
export function parsePrivateKeyPem(pem: string): PrivateKeyResult {
  if (pem.length > MAX_KEY_PEM) return { ok: false, reason: 'PEM decoding failed: the key file is too large' };
  if (pem.includes('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----') || pem.includes('ENCRYPTED COSIGN')) {
    return {
      ok: false,
      reason:
        'the simulator signs with unencrypted PEM keys only (PKCS#8 or EC PRIVATE KEY), not encrypted cosign keys',
    };
  }
  const pkcs8 = pemBody(pem, 'PRIVATE KEY');
  const sec1 = pkcs8 ? undefined : pemBody(pem, 'EC PRIVATE KEY');
  const der = pkcs8 ?? sec1;
  const prefix = pkcs8 ? PKCS8_P256_PREFIX : SEC1_PREFIX;
  if (!der) return { ok: false, reason: 'PEM decoding failed' };
  const head = prefix.length / 2;
  if (der.length < head + 32 || hex(der.subarray(0, head)) !== prefix) {
    return {
      ok: false,
      reason: 'the simulator signs with ECDSA P-256 keys only (what cosign generate-key-pair makes)',
    };
  }
  const secret = der.slice(head, head + 32);
  if (!p256.utils.isValidSecretKey(secret)) return { ok: false, reason: 'the key is not a valid P-256 secret' };
  return { ok: true, secret };
}

function signDer(secret: Uint8Array, message: Uint8Array): string {
  return b64(p256.sign(message, secret, { format: 'der' }));
}

/** `cosign sign --key`: the simple-signing payload naming `digest` under `repository`, signed. */
export function signImage(secret: Uint8Array, repository: string, digest: string): CosignSignature {
  const payload = JSON.stringify({
    critical: {
      identity: { 'docker-reference': repository },
      image: { 'docker-manifest-digest': digest },
      type: 'cosign container image signature',
    },
    optional: null,
  });
  return { payload, signature: signDer(secret, new TextEncoder().encode(payload)) };
}

/**
 * `cosign attest --key --type`: an in-toto statement that `predicate` holds of the image
 * (`subject` is the repository and its digest), in a DSSE envelope whose one signature covers
 * the envelope's pre-authentication encoding.
 */
export function attestImage(
  secret: Uint8Array,
  repository: string,
  digest: string,
  predicateType: string,
  predicate: unknown,
): CosignAttestation {
  const statement = new TextEncoder().encode(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType,
      subject: [{ name: repository, digest: { sha256: digest.replace(/^sha256:/, '') } }],
      predicate,
    }),
  );
  const payloadType = 'application/vnd.in-toto+json';
  return {
    payloadType,
    payload: b64(statement),
    signatures: [{ keyid: '', sig: signDer(secret, preAuthEncoding(payloadType, statement)) }],
  };
}
