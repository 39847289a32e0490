import { z } from 'zod';

/**
 * Facts about an image that no process shows but tools read: what a scanner finds in it
 * (packages and their known vulnerabilities, as Trivy reports them) and how it was built
 * (what a provenance attestation states). Data only; `trivy` in the simulator's shell and
 * the grader read them.
 */

export const severitySchema = z.enum(['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

/** Validates one vulnerability of a package: a CVE or GHSA id, its severity and the version that fixes it. */
export const vulnerabilitySchema = z
  .object({
    /** `CVE-2014-6271` */
    id: z.string().regex(/^[A-Z][A-Z0-9]*-\d{4}-\d+$|^GHSA-[a-z0-9-]+$/, 'an id such as CVE-2014-6271 or GHSA-...'),
    severity: severitySchema,
    /** The first version without it; omitted when no fix exists (Trivy's `affected`). */
    fixedVersion: z.string().optional(),
    title: z.string().default(''),
  })
  .strict();

/** Validates a package of an image's scan facts: name, version and the vulnerabilities it carries. */
export const packageSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1),
    /** `apk`, `deb`, `rpm` (the OS's), or a language's: `npm`, `pip`, `gomod`, `jar`. */
    type: z.enum(['apk', 'deb', 'rpm', 'npm', 'pip', 'gomod', 'jar', 'gem', 'binary']).default('apk'),
    vulnerabilities: z.array(vulnerabilitySchema).max(200).default([]),
  })
  .strict();

/** How the image was built: what a provenance attestation (SLSA) states about it. */
export const buildSchema = z
  .object({
    /** The Dockerfile, relative to the image's folder (`Dockerfile`). */
    dockerfile: z.string().optional(),
    /** The base image as the build resolved it, ideally pinned: `docker.io/library/alpine:3.20@sha256:...`. */
    base: z.string().optional(),
    /**
     * Added: the digest the base resolved to when it was built (OCI's
     * `org.opencontainers.image.base.digest`); `base` is then the reference as the Dockerfile wrote it.
     */
    baseDigest: z.string().optional(),
    /** `kaniko`, `buildkit`, ... */
    builder: z.string().optional(),
    /** Attestations attached to the image in the registry (a scan result, a provenance), each signed by a key. */
    attestations: z
      .array(
        z
          .object({
            /** `https://cosign.sigstore.dev/attestation/vuln/v1`, `https://slsa.dev/provenance/v1` */
            predicateType: z.string().min(1),
            /** The key id that signed it (as `signature.keyId`). */
            keyId: z.string().min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** A known vulnerability of a package, as a scanner reports it. */
export type Vulnerability = z.output<typeof vulnerabilitySchema>;
/** A package a scanner finds in an image, with its known vulnerabilities. */
export type ImagePackage = z.output<typeof packageSchema>;
/** What a provenance attestation says about how an image was built. */
export type ImageBuild = z.output<typeof buildSchema>;
/** How bad a vulnerability is, on Trivy's scale. */
export type Severity = z.output<typeof severitySchema>;
