/**
 * The claims of a verified access token: RFC 9068 §2.2 (JWT profile) or, for an opaque token, the same
 * shape built from its store record. App-defined claims are kept and typed `unknown`.
 */
export interface AccessTokenClaims {
  /** Issuer identifier; always equal to the verifier's `issuer`. */
  iss: string;
  /** Subject: the resource owner, or the client itself for machine grants. */
  sub: string;
  /** Audience; at least one value is one of the verifier's audiences. */
  aud: string | string[];
  /** The OAuth client the token was issued to (RFC 9068 §2.2, RFC 8693 §4.3). */
  client_id: string;
  /** Space-delimited scopes (RFC 9068 §2.2.3); absent when none were granted. */
  scope?: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Unique token id; the key of the revocation list. */
  jti: string;
  /** When the user signed in, seconds since the epoch (RFC 9068 §2.2.1). */
  auth_time?: number;
  /** Any other claim, as issued. */
  [claim: string]: unknown;
}

/**
 * The type of `req.auth` / `request.auth` in the adapters and of `auth` in a successful
 * {@link authenticate} result. It is empty on purpose so apps can merge their own claims into it:
 *
 * ```ts
 * declare module '@tollgate/core' {
 *   interface TollgateAuth {
 *     tenant_id: string;
 *   }
 * }
 * ```
 *
 * Augmenting only changes the type: Tollgate does not check app claims, so validate them (for example in a
 * `claims` rule) if their presence matters.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an empty interface is the augmentation point
export interface TollgateAuth extends AccessTokenClaims {}

/** Split an RFC 6749 §3.3 scope string into its scope tokens (empty strings dropped, duplicates kept once). */
export function parseScope(scope: string | undefined): string[] {
  if (typeof scope !== 'string' || scope.length === 0) return [];
  return [...new Set(scope.split(' ').filter((item) => item.length > 0))];
}
