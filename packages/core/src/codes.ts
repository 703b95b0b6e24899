import type { CodeRecord, Store } from './store/types.js';
import { randomToken, sha256 } from './tokens/random.js';

/** Default authorization code lifetime: 60 s. RFC 6749 §4.1.2 recommends at most 10 minutes. */
export const DEFAULT_CODE_LIFETIME = 60;
/** Upper bound for the code lifetime (RFC 6749 §4.1.2). */
export const MAX_CODE_LIFETIME = 600;

/** What an authorization code is bound to. */
export interface AuthorizationCodeInput {
  clientId: string;
  redirectUri: string;
  /** Whether the authorization request included `redirect_uri` (then the token request must repeat it). */
  redirectUriGiven?: boolean;
  subject: string;
  scope: readonly string[];
  /** S256 challenge; absent only for confidential clients that opted out of PKCE. */
  codeChallenge?: string | undefined;
  authTime: number;
  claims?: Record<string, unknown> | undefined;
  nonce?: string | undefined;
  /** Seconds; default 60, at most 600. */
  lifetime?: number;
}

/** Create an authorization code and store its hash. Returns the code (shown once, never stored). */
export async function storeAuthorizationCode(store: Store, input: AuthorizationCodeInput): Promise<string> {
  const code = randomToken(32);
  const issuedAt = Math.floor(Date.now() / 1000);
  const lifetime = Math.min(input.lifetime ?? DEFAULT_CODE_LIFETIME, MAX_CODE_LIFETIME);
  const record: CodeRecord = {
    hash: sha256(code),
    familyId: randomToken(16),
    clientId: input.clientId,
    redirectUri: input.redirectUri,
    redirectUriGiven: input.redirectUriGiven,
    codeChallenge: input.codeChallenge,
    codeChallengeMethod: input.codeChallenge === undefined ? undefined : 'S256',
    scope: input.scope.join(' '),
    subject: input.subject,
    authTime: input.authTime,
    claims: input.claims,
    nonce: input.nonce,
    issuedAt,
    expiresAt: issuedAt + lifetime,
  };
  await store.saveCode(record);
  return code;
}
