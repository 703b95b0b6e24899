import { SignJWT } from 'jose';
import type { Store } from '../store/types.js';
import type { KeySet } from './keys.js';
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

/**
 * JWT access tokens in the RFC 9068 profile: header `typ: at+jwt` with `kid`; claims `iss`, `sub`, `aud`,
 * `client_id`, `scope`, `iat`, `exp`, `jti` (RFC 9068 §2.2), `auth_time` when the user signed in.
 */
export function jwtAccessTokens(keys: KeySet): AccessTokenIssuer {
  return {
    async issue(input) {
      const signer = keys.active;
      const iat = now();
      const exp = iat + input.lifetime;
      const jti = randomToken(16);
      const payload: Record<string, unknown> = { ...input.claims };
      if (input.authTime !== undefined) payload.auth_time = input.authTime;
      payload.client_id = input.clientId;
      if (input.scope.length > 0) payload.scope = input.scope.join(' ');
      else delete payload.scope;
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid })
        .setIssuer(input.issuer)
        .setSubject(input.subject)
        .setAudience(input.audience.length === 1 ? (input.audience[0] as string) : [...input.audience])
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(jti)
        .sign(signer.privateKey as NonNullable<typeof signer.privateKey>);
      return { token, jti, issuedAt: iat, expiresAt: exp };
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
