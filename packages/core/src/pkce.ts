import { createHash, timingSafeEqual } from 'node:crypto';

// RFC 7636 §4.1: code-verifier = 43*128unreserved
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
// RFC 7636 §4.2: S256 challenge is BASE64URL(SHA256(verifier)), 43 characters without padding.
const CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

/** Whether `verifier` has the syntax RFC 7636 §4.1 requires. */
export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

/** Whether `challenge` can be an S256 challenge. */
export function isValidS256Challenge(challenge: string): boolean {
  return CHALLENGE.test(challenge);
}

/** RFC 7636 §4.6: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
export function verifyS256(verifier: string, challenge: string): boolean {
  if (!isValidVerifier(verifier) || !isValidS256Challenge(challenge)) return false;
  const actual = createHash('sha256').update(verifier, 'ascii').digest();
  const expected = Buffer.from(challenge, 'base64url');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

/** The S256 challenge for a verifier (for clients and tests). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
