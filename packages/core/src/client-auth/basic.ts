import { OAuthError } from '../errors.js';

/** Credentials read from an `Authorization: Basic` header. */
export interface BasicCredentials {
  clientId: string;
  clientSecret: string;
}

function formDecode(value: string): string {
  // RFC 6749 §2.3.1: id and secret are application/x-www-form-urlencoded before Base64.
  return decodeURIComponent(value.replace(/\+/g, '%20'));
}

/**
 * Parse `Authorization: Basic …` (RFC 7617, RFC 6749 §2.3.1). Returns `undefined` when the header is absent
 * or uses another scheme; throws `invalid_client` (with a Basic challenge) when it is Basic but malformed.
 */
export function parseBasic(header: string | undefined, realm: string): BasicCredentials | undefined {
  if (header === undefined) return undefined;
  // [\s\S]: a Basic header with line breaks in it is malformed Basic, not some other scheme.
  const match = /^basic(?: +([\s\S]*))?$/i.exec(header.trim());
  if (!match) return undefined;
  const fail = (): OAuthError => new OAuthError('invalid_client', 'client authentication failed', { headers: { 'WWW-Authenticate': basicChallenge(realm) } });
  const encoded = match[1]?.trim() ?? '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length > 4096) throw fail();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw fail();
  try {
    const clientId = formDecode(decoded.slice(0, colon));
    const clientSecret = formDecode(decoded.slice(colon + 1));
    if (clientId.length === 0) throw fail();
    return { clientId, clientSecret };
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw fail();
  }
}

/** The `WWW-Authenticate` value for a failed Basic authentication (RFC 6749 §5.2). */
export function basicChallenge(realm: string): string {
  return `Basic realm="${realm.replace(/["\\]/g, '\\$&')}", charset="UTF-8"`;
}
