import { getHeader, type HeadersLike } from '../http/types.js';

/** Read one cookie from the `Cookie` header; malformed pairs and encodings are ignored, never thrown. */
export function readCookie(headers: HeadersLike, name: string): string | undefined {
  const header = getHeader(headers, 'cookie');
  if (!header || header.length > 16384) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Cookie attributes Tollgate uses for its own cookies. */
export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. Absent: a session cookie. */
  maxAge?: number;
  secure: boolean;
  path?: string;
}

/** Serialise a `Set-Cookie` value: always `HttpOnly; SameSite=Lax`, `Secure` on https. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  let cookie = `${name}=${encodeURIComponent(value)}; Path=${options.path ?? '/'}; HttpOnly; SameSite=Lax`;
  if (options.maxAge !== undefined) cookie += `; Max-Age=${options.maxAge}`;
  if (options.secure) cookie += '; Secure';
  return cookie;
}
