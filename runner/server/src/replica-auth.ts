import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Carries the forwarding replica's signature; a learner who sends one without the secret gets 403. */
export const REPLICA_HEADER = 'x-paranoid-replica';
/** The learner's own address as the first replica saw it on its socket; believed only under a valid signature. */
export const CLIENT_HEADER = 'x-paranoid-client';
/** Shortest secret accepted: 32 bytes of base64 or hex, as `openssl rand -base64 32` prints. */
export const MIN_SECRET_LENGTH = 32;
/** How old a signature may be: covers clock skew between nodes, not replay by someone who can read the traffic. */
const MAX_AGE_MS = 60_000;
/**
 * The signature's format. v2 covers the body; a v1 header (an older replica during a rolling
 * update) is refused as malformed rather than trusted without its body.
 */
const VERSION = 'v2';

/** sha256 of a request body, base64url: what the signature covers of it (an empty body for GET and upgrades). */
export function bodyDigest(body: Uint8Array = new Uint8Array(0)): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** The parts of a forwarded request a replica signs, so the next replica can trust where it came from. */
export interface SignedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  clientAddress: string;
  /** {@link bodyDigest} of the bytes sent; the receiver computes it again from the bytes it read. */
  bodyDigest: string;
}

/**
 * Signs and checks requests one replica forwards to another, with a secret they share
 * (`PARANOID_REPLICA_SECRET`). The signature covers who forwards, when, the method, the
 * path and the learner's address, so a learner can neither forge a forwarded request
 * (to pass as another address, or to reach a replica's internal address directly and be
 * believed) nor move a captured one to another path, nor change its body: the receiver
 * reads the whole body (bounded) and checks its digest before anything acts on it.
 */
export class ReplicaAuth {
  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new Error(
        `failed to use the replica secret: it has ${secret.length} characters, at least ${MIN_SECRET_LENGTH} are needed (openssl rand -base64 32)`,
      );
    }
  }

  /** The headers a forwarded request carries. */
  sign(from: string, request: SignedRequest): Record<string, string> {
    const at = String(this.now());
    return {
      [REPLICA_HEADER]: `${VERSION}.${from}.${at}.${this.mac(from, at, request)}`,
      [CLIENT_HEADER]: request.clientAddress,
    };
  }

  /**
   * The forwarding replica and the learner's address when `header` is a valid signature of
   * this request, or why not.
   */
  verify(
    header: string,
    request: Omit<SignedRequest, 'clientAddress'> & { clientAddress: string | undefined },
  ): { ok: true; from: string; clientAddress: string } | { ok: false; reason: string } {
    const [version, from, at, mac, ...rest] = header.split('.');
    if (version !== VERSION || !from || !at || !mac || rest.length > 0) return { ok: false, reason: 'malformed' };
    const age = Math.abs(this.now() - Number(at));
    if (!Number.isFinite(age) || age > MAX_AGE_MS) return { ok: false, reason: 'expired' };
    if (request.clientAddress === undefined) return { ok: false, reason: 'no client address' };
    const expected = Buffer.from(this.mac(from, at, request as SignedRequest));
    const presented = Buffer.from(mac);
    if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
      return { ok: false, reason: 'bad signature' };
    }
    return { ok: true, from, clientAddress: request.clientAddress };
  }

  private mac(from: string, at: string, r: SignedRequest): string {
    return createHmac('sha256', this.secret)
      .update([VERSION, from, at, r.method.toUpperCase(), r.path, r.clientAddress, r.bodyDigest].join('\n'))
      .digest('base64url');
  }
}
