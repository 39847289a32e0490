/**
 * cosign's key-based verification, as policy-controller runs it for an authority with a
 * `key`: a signature counts when it verifies under the policy's public key (ECDSA P-256,
 * SHA-256, ASN.1 DER, cosign's default) and its payload names the image's own digest. Pure:
 * the curve arithmetic is @noble/curves, synchronous, so admission stays synchronous.
 */

import { p256 } from '@noble/curves/nist.js';
import type { CosignAttestation, CosignSignature } from '@paranoid/schema/image-signatures.ts';

/** SubjectPublicKeyInfo up to the key bits for id-ecPublicKey on prime256v1 (RFC 5480). */
const P256_SPKI_PREFIX = '3059301306072a8648ce3d020106082a8648ce3d030107034200';

/** At most this many signatures or attestations are tried per image, as a registry listing is paged. */
export const MAX_SIGNATURES_TRIED = 16;

/**
 * A parsed public key as a curve point, or why it cannot verify (malformed, or a kind the simulator does not
 * model).
 */
export type PublicKeyResult =
  | { ok: true; point: Uint8Array }
  | { ok: false; reason: string /** a valid key of a kind the simulator does not model */; unsupported?: boolean };

function decodeBase64(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text.replace(/\s+/g, ''));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Reads a PEM `PUBLIC KEY` block (cryptoutils.UnmarshalPEMToPublicKey). Only ECDSA P-256 is
 * modelled: it is what `cosign generate-key-pair` makes; any other valid key is refused with
 * a reason that says so, rather than silently never verifying.
 */
export function parsePublicKeyPem(pem: string): PublicKeyResult {
  const match = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/.exec(pem);
  if (!match?.[1]) return { ok: false, reason: 'PEM decoding failed' };
  const der = decodeBase64(match[1]);
  if (!der) return { ok: false, reason: 'PEM decoding failed' };
  if (der.length !== 91 || hex(der.subarray(0, 26)) !== P256_SPKI_PREFIX) {
    return {
      ok: false,
      reason: 'the simulator verifies ECDSA P-256 keys only (what cosign generate-key-pair makes)',
      unsupported: true,
    };
  }
  const point = der.subarray(26);
  try {
    p256.Point.fromBytes(point).assertValidity();
  } catch {
    return { ok: false, reason: 'the key is not a point on P-256' };
  }
  return { ok: true, point };
}

function verifyDer(point: Uint8Array, message: Uint8Array, signatureBase64: string): boolean {
  const sig = decodeBase64(signatureBase64);
  if (!sig) return false;
  try {
    // prehash (the default) hashes the message with SHA-256, as cosign's ECDSA verifier does;
    // Go's ecdsa.VerifyASN1 accepts high-S signatures (OpenSSL makes them half the time), so must we.
    return p256.verify(sig, message, point, { format: 'der', lowS: false });
  } catch {
    return false;
  }
}

/** The outcome for one image under one key, with cosign's texts. */
export type VerifyOutcome = { ok: true; count: number } | { ok: false; error: string };

/**
 * cosign.VerifyImageSignatures with a key: "no signatures found" when the registry holds none;
 * "no matching signatures: ..." when none verifies or none names this digest.
 */
export function verifyImageSignatures(
  signatures: readonly CosignSignature[],
  digest: string,
  point: Uint8Array,
): VerifyOutcome {
  if (signatures.length === 0) return { ok: false, error: 'no signatures found' };
  const errors: string[] = [];
  let count = 0;
  for (const s of signatures.slice(0, MAX_SIGNATURES_TRIED)) {
    if (!verifyDer(point, new TextEncoder().encode(s.payload), s.signature)) {
      errors.push('invalid signature when validating ASN.1 encoded signature');
      continue;
    }
    const claimed = payloadDigest(s.payload);
    if (claimed !== digest) {
      errors.push(`invalid or missing digest in claim: ${claimed ?? ''}`);
      continue;
    }
    count++;
  }
  return count > 0 ? { ok: true, count } : { ok: false, error: `no matching signatures: ${errors.join('\n ')}` };
}

function payloadDigest(payload: string): string | undefined {
  try {
    const parsed = JSON.parse(payload) as { critical?: { image?: { 'docker-manifest-digest'?: unknown } } };
    const d = parsed.critical?.image?.['docker-manifest-digest'];
    return typeof d === 'string' ? d : undefined;
  } catch {
    return undefined;
  }
}

/** DSSE's pre-authentication encoding: what each envelope signature covers. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const enc = new TextEncoder();
  const type = enc.encode(payloadType);
  const head = enc.encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

/** An attestation that verified: its in-toto predicate type and statement. */
export interface VerifiedAttestation {
  predicateType: string;
  statement: Record<string, unknown>;
}

/**
 * cosign.VerifyImageAttestations with a key: the envelopes whose signature verifies under the
 * key and whose statement's subject names this digest. "no matching attestations" otherwise.
 */
export function verifyImageAttestations(
  attestations: readonly CosignAttestation[],
  digest: string,
  point: Uint8Array,
): { ok: true; verified: VerifiedAttestation[] } | { ok: false; error: string } {
  const verified: VerifiedAttestation[] = [];
  const errors: string[] = [];
  for (const a of attestations.slice(0, MAX_SIGNATURES_TRIED)) {
    const payload = decodeBase64(a.payload);
    if (!payload) continue;
    const pae = preAuthEncoding(a.payloadType, payload);
    if (!a.signatures.some((s) => verifyDer(point, pae, s.sig))) {
      errors.push('invalid signature when validating ASN.1 encoded signature');
      continue;
    }
    let statement: Record<string, unknown>;
    try {
      statement = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    } catch {
      errors.push('decoding the attestation payload failed');
      continue;
    }
    const subjects = Array.isArray(statement.subject) ? (statement.subject as { digest?: { sha256?: string } }[]) : [];
    if (!subjects.some((s) => `sha256:${s.digest?.sha256 ?? ''}` === digest)) {
      errors.push('no matching subject digest found');
      continue;
    }
    verified.push({ predicateType: String(statement.predicateType ?? ''), statement });
  }
  if (verified.length > 0) return { ok: true, verified };
  return {
    ok: false,
    error: errors.length > 0 ? `no matching attestations: ${errors.join('\n ')}` : 'no matching attestations',
  };
}
