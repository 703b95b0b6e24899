import type { OAuthError } from '../errors.js';
import { NO_STORE } from '../http/response.js';
import type { TollgateResponse } from '../http/types.js';

/** The error codes of RFC 6750 §3.1. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** The attributes of one `WWW-Authenticate: Bearer` challenge (RFC 6750 §3, RFC 9728 §5.1). */
export interface BearerChallenge {
  realm?: string | undefined;
  error?: BearerErrorCode | undefined;
  errorDescription?: string | undefined;
  /** Scope tokens the resource needs (`insufficient_scope`). */
  scope?: readonly string[] | undefined;
  /** RFC 9728 §5.1: URL of the protected resource metadata document. */
  resourceMetadata?: string | undefined;
}

/**
 * RFC 6750 §3: `error_description` and `scope` values MUST NOT include characters outside
 * %x20-21 / %x23-5B / %x5D-7E (so no `"` and no `\`); such characters are dropped.
 */
export function restrictedValue(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}

/** RFC 9110 §5.6.4 quoted-string: escape `\` and `"`, drop what a header cannot carry (controls, non-ASCII). */
export function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** Format a `WWW-Authenticate: Bearer …` header value. */
export function bearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.realm !== undefined) params.push(`realm=${quoted(challenge.realm)}`);
  if (challenge.error !== undefined) params.push(`error=${quoted(challenge.error)}`);
  if (challenge.errorDescription !== undefined) params.push(`error_description=${quoted(restrictedValue(challenge.errorDescription))}`);
  if (challenge.scope !== undefined && challenge.scope.length > 0) {
    // RFC 6750 §3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), space-delimited.
    const tokens = challenge.scope.map((token) => restrictedValue(token).replace(/ /g, '')).filter((token) => token.length > 0);
    if (tokens.length > 0) params.push(`scope=${quoted(tokens.join(' '))}`);
  }
  if (challenge.resourceMetadata !== undefined) params.push(`resource_metadata=${quoted(challenge.resourceMetadata)}`);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

/** Where the challenge comes from: realm and RFC 9728 metadata URL. */
export interface ChallengeOptions {
  realm?: string | undefined;
  resourceMetadata?: string | undefined;
}

/**
 * The RFC 6750 §3 response for a request without any bearer credentials: 401 with a challenge that carries
 * no error code (§3.1: "SHOULD NOT include an error code or other error information") and an empty body.
 */
export function missingTokenResponse(options: ChallengeOptions = {}): TollgateResponse {
  return {
    status: 401,
    headers: { ...NO_STORE, 'WWW-Authenticate': bearerChallenge({ realm: options.realm, resourceMetadata: options.resourceMetadata }) },
    body: '',
  };
}

/**
 * The response for a refused request. `invalid_request` (400), `invalid_token` (401) and
 * `insufficient_scope` (403) carry an RFC 6750 §3 challenge; other errors (a 503 store outage, a 500)
 * answer with their status and the RFC 6749 §5.2-style JSON body only. Bodies are JSON
 * `{ error, error_description }`, never cached.
 */
export function challengeResponse(error: OAuthError, options: ChallengeOptions & { scope?: readonly string[] | undefined } = {}): TollgateResponse {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...NO_STORE };
  for (const [name, value] of Object.entries(error.headers)) {
    if (name.toLowerCase() !== 'www-authenticate') headers[name] = value;
  }
  if (error.code === 'invalid_request' || error.code === 'invalid_token' || error.code === 'insufficient_scope') {
    headers['WWW-Authenticate'] = bearerChallenge({
      realm: options.realm,
      error: error.code,
      errorDescription: error.description,
      scope: error.code === 'insufficient_scope' ? options.scope : undefined,
      resourceMetadata: options.resourceMetadata,
    });
  }
  return { status: error.status, headers, body: JSON.stringify(error.toJSON()) };
}
