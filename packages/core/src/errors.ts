/**
 * Error codes a Tollgate endpoint can answer with.
 *
 * RFC 6749 §5.2 (token endpoint), §4.1.2.1 (authorization endpoint), RFC 6750 §3.1 (resource access),
 * RFC 7009 §2.2.1 (revocation), plus `temporarily_unavailable` for a store that cannot be reached.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'unsupported_token_type'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required';

const DEFAULT_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  unsupported_response_type: 400,
  server_error: 500,
  temporarily_unavailable: 503,
  unsupported_token_type: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  login_required: 400,
  consent_required: 400,
  interaction_required: 400,
};

/** Options for {@link OAuthError}. */
export interface OAuthErrorOptions {
  /** HTTP status; defaults to the status RFC 6749/6750 give the code. */
  status?: number;
  /** Extra response headers, e.g. `WWW-Authenticate` or `Allow`. */
  headers?: Record<string, string>;
  /** Internal detail for logs only; never sent to the client. */
  detail?: string;
  /** Underlying error, for logs only. */
  cause?: unknown;
}

/**
 * A protocol error: carries the RFC error code, a description that is safe to show to the client,
 * the HTTP status and headers. `detail` and `cause` are for logs and never reach the wire.
 */
export class OAuthError extends Error {
  /** Stable RFC error code, e.g. `invalid_grant`. */
  readonly code: OAuthErrorCode;
  /** Public, human-readable `error_description`. */
  readonly description: string | undefined;
  /** HTTP status code. */
  readonly status: number;
  /** Extra response headers. */
  readonly headers: Record<string, string>;
  /** Internal detail for logs; never part of a response. */
  readonly detail: string | undefined;

  constructor(code: OAuthErrorCode, description?: string, options: OAuthErrorOptions = {}) {
    // RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
    const safe = description?.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
    super(safe ? `${code}: ${safe}` : code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OAuthError';
    this.code = code;
    this.description = safe;
    this.status = options.status ?? DEFAULT_STATUS[code];
    this.headers = { ...options.headers };
    this.detail = options.detail;
  }

  /** The RFC 6749 §5.2 JSON body. */
  toJSON(): { error: OAuthErrorCode; error_description?: string } {
    return this.description === undefined ? { error: this.code } : { error: this.code, error_description: this.description };
  }
}

/** True for an {@link OAuthError}, also across package copies. */
export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError || (value instanceof Error && value.name === 'OAuthError' && typeof (value as OAuthError).code === 'string' && typeof (value as OAuthError).status === 'number');
}

/**
 * Raised by a {@link Store} when its backing service cannot be reached or timed out.
 * Endpoints answer it with 503 `temporarily_unavailable` and never issue a token they could not record.
 */
export class StoreUnavailableError extends Error {
  constructor(message = 'store unavailable', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
