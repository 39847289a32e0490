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
 * The signature's formats. v2 covers the body. v1 is the previous release's, which does not:
 * a replica of this release signs v1 only for a replica of that one (which checks nothing
 * else) during a rolling update, and accepts a v1 signature only for a request that carries
 * no body (see {@link ReplicaAuth.verify}).
 */
export type SignatureFormat = 'v1' | 'v2';

/** What a request without a body signs as its body (GET, HEAD, a WebSocket upgrade). */
const EMPTY_BODY = createHash('sha256').update(new Uint8Array(0)).digest('base64url');

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

  /** The headers a forwarded request carries, in the format the receiving replica checks (v2 but for an older one). */
  sign(from: string, request: SignedRequest, format: SignatureFormat = 'v2'): Record<string, string> {
    const at = String(this.now());
    return {
      [REPLICA_HEADER]: `${format}.${from}.${at}.${this.mac(format, from, at, request)}`,
      [CLIENT_HEADER]: request.clientAddress,
    };
  }

  /**
   * The forwarding replica, the learner's address and the format when `header` is a valid
   * signature of this request, or why not.
   *
   * A v1 signature (an older replica's, during a rolling update) says nothing of the body, so
   * it is accepted only for GET and HEAD, whose body is signed as empty and never read (as v2
   * signs them): a captured v1 header then buys nothing a captured v2 one would not. A valid v1
   * signature on any other request is refused with `olderReplica` set, so the caller can tell
   * the learner to try again rather than call the request forged.
   */
  verify(
    header: string,
    request: Omit<SignedRequest, 'clientAddress'> & { clientAddress: string | undefined },
  ):
    | { ok: true; from: string; clientAddress: string; format: SignatureFormat }
    | { ok: false; reason: string; olderReplica?: string } {
    const [version, from, at, mac, ...rest] = header.split('.');
    if ((version !== 'v1' && version !== 'v2') || !from || !at || !mac || rest.length > 0) {
      return { ok: false, reason: 'malformed' };
    }
    const age = Math.abs(this.now() - Number(at));
    if (!Number.isFinite(age) || age > MAX_AGE_MS) return { ok: false, reason: 'expired' };
    if (request.clientAddress === undefined) return { ok: false, reason: 'no client address' };
    const expected = Buffer.from(this.mac(version, from, at, request as SignedRequest));
    const presented = Buffer.from(mac);
    if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
      return { ok: false, reason: 'bad signature' };
    }
    const bodiless = ['GET', 'HEAD'].includes(request.method.toUpperCase()) && request.bodyDigest === EMPTY_BODY;
    if (version === 'v1' && !bodiless) {
      return { ok: false, reason: 'a v1 signature does not cover the body', olderReplica: from };
    }
    return { ok: true, from, clientAddress: request.clientAddress, format: version };
  }

  private mac(format: SignatureFormat, from: string, at: string, r: SignedRequest): string {
    // v1 is exactly the previous release's: no body digest.
    const fields = [format, from, at, r.method.toUpperCase(), r.path, r.clientAddress];
    if (format === 'v2') fields.push(r.bodyDigest);
    return createHmac('sha256', this.secret).update(fields.join('\n')).digest('base64url');
  }
}
