import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh unguessable secret: 256 bits, base64url (safe in headers, cookies and WebSocket subprotocols). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A short random id for sessions and learners; not a secret. */
export function randomId(): string {
  return randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').toLowerCase();
}

/**
 * Compares a presented token with the expected one in constant time. Both are
 * hashed first so that neither the length nor a common prefix leaks through timing.
 */
export function sameToken(presented: string | undefined | null, expected: string): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
