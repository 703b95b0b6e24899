/**
 * The state Tollgate shares between instances. Every operation is atomic on its own: two instances racing
 * on the same code or refresh token see exactly one winner. Secrets never reach a store: codes and refresh
 * tokens arrive as SHA-256 hashes (`hash`, base64url), access tokens only by `jti`.
 *
 * Times are seconds since the epoch (`expiresAt`) or seconds from now (`ttl`). A store removes entries once
 * they expire, so its size stays bounded by the live state.
 *
 * A store that cannot reach its backend throws {@link StoreUnavailableError}; endpoints then answer 503.
 *
 * `memoryStore()` is the reference implementation; `@tollgate/redis` and `@tollgate/postgres` implement the same
 * contract and pass the same test suite (`@tollgate/test-kit/store-contract`).
 */
export interface Store {
  /** Remember an authorization code until `record.expiresAt`. */
  saveCode(record: CodeRecord): Promise<void>;
  /**
   * Consume a code exactly once. The first call for a live code returns `{ status: 'ok' }`; every later call
   * returns `{ status: 'reused' }` with the same record (so the caller can revoke what the first redemption
   * issued, RFC 6749 §4.1.2) for as long as the code would have lived; unknown or expired codes are `missing`.
   */
  consumeCode(hash: string): Promise<ConsumeCodeResult>;

  /** Store a refresh token, the first of its family or one issued after a code redemption. */
  saveRefreshToken(record: RefreshTokenRecord): Promise<void>;
  /**
   * Rotate a refresh token atomically: if `oldHash` is live and its family not revoked, mark it spent, store
   * `next` and return `ok` with the old record. If it was already spent, revoke the whole family and return
   * `reused`, unless `graceSeconds > 0` and it was spent less than that long ago, in which case `next` is
   * stored and `ok` returned (a concurrent retry). Unknown, expired or revoked-family tokens are `invalid`.
   */
  rotateRefreshToken(familyId: string, oldHash: string, next: RefreshTokenRecord, options?: { graceSeconds?: number; now?: number }): Promise<RotateResult>;
  /** Look a refresh token up (for revocation and introspection); spent ones are returned with `spentAt` set. */
  findRefreshToken(familyId: string, hash: string): Promise<RefreshTokenRecord | undefined>;
  /** Record an access token issued within a family, so revoking the family revokes it too. */
  addFamilyAccessToken(familyId: string, jti: string, expiresAt: number): Promise<void>;
  /**
   * Revoke a family: its refresh tokens stop working and every access token recorded in it is put on the
   * revocation list until it expires. Idempotent; `expiresAt` bounds how long the revocation mark is kept.
   */
  revokeFamily(familyId: string, expiresAt: number): Promise<void>;
  /** Whether a family has been revoked. */
  isFamilyRevoked(familyId: string): Promise<boolean>;

  /** Put an access token's `jti` on the revocation list until `expiresAt`. */
  revokeAccessToken(jti: string, expiresAt: number): Promise<void>;
  /** Whether a `jti` is on the revocation list. */
  isAccessTokenRevoked(jti: string): Promise<boolean>;

  /** Store an opaque access token's record (hashed). */
  saveAccessToken(record: AccessTokenRecord): Promise<void>;
  /** Find an opaque access token's record by hash; expired ones are gone. */
  findAccessToken(hash: string): Promise<AccessTokenRecord | undefined>;

  /**
   * Add one hit to a counter that lives `windowSeconds` from its first hit and return the new count.
   * Used for rate limits and password lock-outs.
   */
  increment(key: string, windowSeconds: number): Promise<number>;
  /** Read a counter without changing it (0 when absent or expired). */
  getCounter(key: string): Promise<number>;
  /** Reset a counter. */
  resetCounter(key: string): Promise<void>;

  /** Release connections and timers. Optional. */
  close?(): Promise<void>;
}

/** An authorization code, as stored. */
export interface CodeRecord {
  /** SHA-256 of the code, base64url. */
  hash: string;
  /** Family the tokens issued from this code will belong to. */
  familyId: string;
  clientId: string;
  redirectUri: string;
  /**
   * Whether the authorization request named `redirect_uri` (RFC 6749 §4.1.3: then the token request must
   * repeat it). Absent: it may be omitted when the client has exactly one registered URI.
   */
  redirectUriGiven?: boolean | undefined;
  /** PKCE S256 challenge, when the authorization request had one. */
  codeChallenge?: string | undefined;
  codeChallengeMethod?: 'S256' | undefined;
  scope: string;
  subject: string;
  /** Time of the user's sign-in, seconds since the epoch. */
  authTime: number;
  /** Extra claims decided at authorization time (kept as JSON). */
  claims?: Record<string, unknown> | undefined;
  /** OpenID nonce, when present. */
  nonce?: string | undefined;
  issuedAt: number;
  expiresAt: number;
}

/** What {@link Store.consumeCode} answers. */
export type ConsumeCodeResult =
  | { status: 'ok'; record: CodeRecord }
  | { status: 'reused'; record: CodeRecord }
  | { status: 'missing' };

/** A refresh token, as stored. */
export interface RefreshTokenRecord {
  /** SHA-256 of the token, base64url. */
  hash: string;
  familyId: string;
  clientId: string;
  /** The resource owner, or the client for machine grants. */
  subject: string;
  /** Scope granted to the family; a refresh may narrow it for one access token. */
  scope: string;
  /** Extra access-token claims to carry across refreshes (kept as JSON). */
  claims?: Record<string, unknown> | undefined;
  authTime?: number | undefined;
  issuedAt: number;
  expiresAt: number;
  /** When the whole family must end, whatever the rotations. */
  familyExpiresAt: number;
  /** Set once the token has been rotated. */
  spentAt?: number | undefined;
}

/** What {@link Store.rotateRefreshToken} answers. */
export type RotateResult =
  | { status: 'ok'; previous: RefreshTokenRecord }
  | { status: 'reused'; previous: RefreshTokenRecord }
  | { status: 'invalid' };

/** An opaque access token, as stored. */
export interface AccessTokenRecord {
  /** SHA-256 of the token, base64url. */
  hash: string;
  jti: string;
  familyId?: string | undefined;
  clientId: string;
  subject: string;
  scope: string;
  audience: string[];
  claims?: Record<string, unknown> | undefined;
  authTime?: number | undefined;
  issuedAt: number;
  expiresAt: number;
}
