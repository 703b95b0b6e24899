import { createHmac, timingSafeEqual } from 'node:crypto';
import { isCanonicalBase64url } from '../tokens/base64url.js';

/**
 * Sign and open small JSON values (cookies, hidden form fields) with HMAC-SHA256.
 * Each value is bound to a `purpose`, so a session cookie cannot be replayed as a form field.
 */
export interface Signer {
  seal(purpose: string, value: unknown, lifetimeSeconds: number): string;
  /** Open a sealed value; anything longer than `maxLength` (default 8192) is refused unread. */
  open<T>(purpose: string, sealed: string | undefined, maxLength?: number): T | undefined;
}

/** Create a signer from one or more secrets; the first signs, all verify (rotation). */
export function createSigner(secrets: readonly (string | Uint8Array)[]): Signer {
  const keys = secrets.map((secret) => (typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret)));
  const mac = (key: Buffer, purpose: string, body: string): Buffer => createHmac('sha256', key).update(purpose).update('\0').update(body).digest();
  return {
    seal(purpose, value, lifetimeSeconds) {
      const body = Buffer.from(JSON.stringify({ v: value, e: Math.floor(Date.now() / 1000) + lifetimeSeconds }), 'utf8').toString('base64url');
      return `${body}.${mac(keys[0] as Buffer, purpose, body).toString('base64url')}`;
    },
    open<T>(purpose: string, sealed: string | undefined, maxLength = 8192): T | undefined {
      if (typeof sealed !== 'string' || sealed.length > maxLength) return undefined;
      const dot = sealed.indexOf('.');
      if (dot <= 0) return undefined;
      const body = sealed.slice(0, dot);
      // Compare the signature as text: lenient base64url decoding would accept other spellings of it.
      const signature = Buffer.from(sealed.slice(dot + 1), 'utf8');
      const valid = keys.some((key) => {
        const expected = Buffer.from(mac(key, purpose, body).toString('base64url'), 'utf8');
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      });
      if (!valid) return undefined;
      if (!isCanonicalBase64url(body)) return undefined;
      try {
        const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { v: T; e: number };
        if (typeof parsed.e !== 'number' || parsed.e <= Math.floor(Date.now() / 1000)) return undefined;
        return parsed.v;
      } catch {
        return undefined;
      }
    },
  };
}
