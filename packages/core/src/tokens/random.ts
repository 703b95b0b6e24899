import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A high-entropy random token: `bytes` random bytes (≥ 16, i.e. 128 bits) as base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(Math.max(16, bytes)).toString('base64url');
}

/** SHA-256, base64url: how codes, refresh tokens, opaque tokens and generated client secrets are stored. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Compare two strings in constant time with respect to their content (both are hashed first, so lengths leak nothing). */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/** Compare a presented secret with a stored `sha256:<base64url>` hash in constant time. */
export function matchesHash(presented: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'base64url');
  const actual = createHash('sha256').update(presented).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
