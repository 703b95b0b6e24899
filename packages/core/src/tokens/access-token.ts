import { sign, type KeyObject } from 'node:crypto';
import type { Store } from '../store/types.js';
import type { KeyEntry, KeySet } from './keys.js';
import { randomToken, sha256 } from './random.js';

/** What goes into one access token. */
export interface AccessTokenInput {
  issuer: string;
  subject: string;
  clientId: string;
  audience: readonly string[];
  scope: readonly string[];
  lifetime: number;
  authTime?: number | undefined;
  familyId?: string | undefined;
  /** App claims; registered claims always win over them. */
  claims: Record<string, unknown>;
}

/** An issued access token. */
export interface IssuedAccessToken {
  token: string;
  jti: string;
  issuedAt: number;
  expiresAt: number;
}

/** Signs (JWT) or stores (opaque) access tokens. */
export interface AccessTokenIssuer {
  issue(input: AccessTokenInput): Promise<IssuedAccessToken>;
}

const now = (): number => Math.floor(Date.now() / 1000);

/** Sign JWS compact serialisations with one key, the protected header serialised once. */
function compactSigner(entry: KeyEntry): (payload: Record<string, unknown>) => string {
  const header = Buffer.from(JSON.stringify({ alg: entry.alg, typ: 'at+jwt', kid: entry.kid })).toString('base64url');
  const key = entry.privateKey as KeyObject;
  // RFC 7518 §3.4: ES256 signatures are the raw R || S pair, not DER.
  const signature =
    entry.alg === 'EdDSA'
      ? (input: Buffer) => sign(null, input, key)
      : entry.alg === 'ES256'
        ? (input: Buffer) => sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' })
        : (input: Buffer) => sign('sha256', input, key);
  return (payload) => {
    const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${input}.${signature(Buffer.from(input)).toString('base64url')}`;
  };
}

/**
 * JWT access tokens in the RFC 9068 profile: header `typ: at+jwt` with `kid`; claims `iss`, `sub`, `aud`,
 * `client_id`, `scope`, `iat`, `exp`, `jti` (RFC 9068 §2.2), `auth_time` when the user signed in.
 * Signed with `node:crypto` and a header serialised once per key: the token endpoint's hot path.
 * Verification (here and in resource servers) uses jose.
 */
export function jwtAccessTokens(keys: KeySet): AccessTokenIssuer {
  let signer: { kid: string; sign: (payload: Record<string, unknown>) => string } | undefined;
  const current = (): (payload: Record<string, unknown>) => string => {
    const active = keys.active;
    if (signer?.kid !== active.kid) signer = { kid: active.kid, sign: compactSigner(active) };
    return signer.sign;
  };
  return {
    async issue(input) {
      const iat = now();
      const exp = iat + input.lifetime;
      const jti = randomToken(16);
      const payload: Record<string, unknown> = {
        ...input.claims,
        iss: input.issuer,
        sub: input.subject,
        aud: input.audience.length === 1 ? input.audience[0] : [...input.audience],
        client_id: input.clientId,
        iat,
        exp,
        jti,
      };
      if (input.scope.length > 0) payload.scope = input.scope.join(' ');
      else delete payload.scope;
      if (input.authTime !== undefined) payload.auth_time = input.authTime;
      else delete payload.auth_time;
      return { token: current()(payload), jti, issuedAt: iat, expiresAt: exp };
    },
  };
}

/** Opaque access tokens: 256 random bits, stored hashed with their claims; resolved through the store. */
export function opaqueAccessTokens(store: Store): AccessTokenIssuer {
  return {
    async issue(input) {
      const iat = now();
      const exp = iat + input.lifetime;
      const jti = randomToken(16);
      const token = randomToken(32);
      await store.saveAccessToken({
        hash: sha256(token),
        jti,
        familyId: input.familyId,
        clientId: input.clientId,
        subject: input.subject,
        scope: input.scope.join(' '),
        audience: [...input.audience],
        claims: input.claims,
        authTime: input.authTime,
        issuedAt: iat,
        expiresAt: exp,
      });
      return { token, jti, issuedAt: iat, expiresAt: exp };
    },
  };
}
