import { z } from 'zod';

/**
 * What a registry holds beside an image for Sigstore's cosign: signatures (the
 * `sha256-<digest>.sig` tag) and attestations (the `.att` tag). They are facts of the
 * registry's data, written by whoever holds the signing key, never by a learner; an image
 * policy (policy-controller's ClusterImagePolicy) verifies them against the public key it
 * names. Only the bytes are data: nothing here says who signed, that is what verification
 * finds out.
 */

const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'base64 (standard alphabet, padded)');

/**
 * A cosign signature: the "simple signing" payload as it is stored, and the signature over
 * its bytes (ECDSA P-256 with SHA-256, ASN.1 DER, base64), as `cosign sign --key` makes it.
 * The payload names the image digest it signs; a signature copied to another image does not
 * verify there.
 */
export const cosignSignatureSchema = z
  .object({
    /** `{"critical":{"identity":{"docker-reference":"..."},"image":{"docker-manifest-digest":"sha256:..."},"type":"cosign container image signature"},"optional":null}` */
    payload: z.string().min(1).max(8192),
    /** The `dev.cosignproject.cosign/signature` annotation: base64 of the DER signature. */
    signature: base64.max(512),
  })
  .strict();

/**
 * A cosign attestation: a DSSE envelope (`cosign attest --key --type ...`) whose payload is an
 * in-toto statement about the image (`subject[].digest.sha256`) with a `predicateType`; each
 * signature covers the envelope's pre-authentication encoding (PAE).
 */
export const cosignAttestationSchema = z
  .object({
    payloadType: z.string().min(1).default('application/vnd.in-toto+json'),
    /** base64 of the in-toto statement (JSON). */
    payload: base64.max(262_144),
    signatures: z
      .array(z.object({ keyid: z.string().default(''), sig: base64.max(512) }).strict())
      .min(1)
      .max(16),
  })
  .strict();

/** A cosign signature of an image digest as parsed. */
export type CosignSignature = z.output<typeof cosignSignatureSchema>;
/** A cosign attestation as parsed: a signed in-toto envelope about an image. */
export type CosignAttestation = z.output<typeof cosignAttestationSchema>;
