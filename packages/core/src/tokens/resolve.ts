import { compactVerify, errors as joseErrors } from 'jose';
import { refreshTokenFamily } from '../grants/refresh-token.js';
import type { Store } from '../store/types.js';
import type { KeySet } from './keys.js';
import { sha256 } from './random.js';
import { isCanonicalBase64url } from './base64url.js';

/** A token this server issued and still knows, whatever its kind. */
export type ResolvedToken =
  | { kind: 'access_token'; jti: string; clientId: string; subject: string; scope: string; audience: string[]; issuedAt: number; expiresAt: number; familyId: string | undefined; claims: Record<string, unknown> }
  | { kind: 'refresh_token'; familyId: string; clientId: string; subject: string; scope: string; issuedAt: number; expiresAt: number; spent: boolean };

/** What resolving needs from the server. */
export interface TokenSources {
  issuer: string;
  keys: KeySet;
  store: Store;
}

const now = (): number => Math.floor(Date.now() / 1000);

/**
 * Verify a JWT access token issued by this server, in-process: our keys only (by `kid`), our algorithms,
 * `typ: at+jwt`, our `iss`, not expired. Returns `undefined` for anything else; never throws on bad input.
 */
async function ownJwt(token: string, sources: TokenSources): Promise<ResolvedToken | undefined> {
  if (!token.split('.').every(isCanonicalBase64url)) return undefined;
  try {
    const { payload, protectedHeader } = await compactVerify(token, (header) => {
      const key = typeof header.kid === 'string' ? sources.keys.get(header.kid) : undefined;
      if (!key || header.alg !== key.alg) throw new joseErrors.JWSSignatureVerificationFailed();
      return key.publicKey;
    }, { algorithms: ['EdDSA', 'ES256', 'RS256'] });
    if (typeof protectedHeader.typ !== 'string' || protectedHeader.typ.toLowerCase().replace(/^application\//, '') !== 'at+jwt') return undefined;
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    const { iss, sub, client_id: clientId, jti, exp, iat, aud, scope } = claims;
    if (iss !== sources.issuer || typeof sub !== 'string' || typeof clientId !== 'string' || typeof jti !== 'string' || typeof exp !== 'number' || typeof iat !== 'number') return undefined;
    if (exp <= now()) return undefined;
    return {
      kind: 'access_token',
      jti,
      clientId,
      subject: sub,
      scope: typeof scope === 'string' ? scope : '',
      audience: typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((item): item is string => typeof item === 'string') : [],
      issuedAt: iat,
      expiresAt: exp,
      familyId: undefined,
      claims,
    };
  } catch {
    return undefined;
  }
}

async function opaque(token: string, sources: TokenSources): Promise<ResolvedToken | undefined> {
  if (token.length > 512) return undefined;
  const record = await sources.store.findAccessToken(sha256(token));
  if (!record) return undefined;
  return {
    kind: 'access_token',
    jti: record.jti,
    clientId: record.clientId,
    subject: record.subject,
    scope: record.scope,
    audience: record.audience,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    familyId: record.familyId,
    claims: { ...record.claims },
  };
}

async function refresh(token: string, sources: TokenSources): Promise<ResolvedToken | undefined> {
  const familyId = refreshTokenFamily(token);
  if (familyId === undefined) return undefined;
  const record = await sources.store.findRefreshToken(familyId, sha256(token));
  if (!record) return undefined;
  return {
    kind: 'refresh_token',
    familyId,
    clientId: record.clientId,
    subject: record.subject,
    scope: record.scope,
    issuedAt: record.issuedAt,
    expiresAt: Math.min(record.expiresAt, record.familyExpiresAt),
    spent: record.spentAt !== undefined,
  };
}

/**
 * Find what a presented token is. `hint` (RFC 7009 §2.1, RFC 7662 §2.1) only chooses the order of the
 * look-ups: it is honoured, never trusted. Revoked access tokens are reported as such via `revoked`.
 */
export async function resolveToken(token: string, hint: string | undefined, sources: TokenSources): Promise<(ResolvedToken & { revoked: boolean }) | undefined> {
  const access = async (): Promise<ResolvedToken | undefined> => (token.split('.').length === 3 ? ownJwt(token, sources) : opaque(token, sources));
  const order = hint === 'refresh_token' ? [refresh, access] : [access, refresh];
  for (const lookup of order) {
    const found = await lookup(token, sources);
    if (!found) continue;
    const revoked = found.kind === 'access_token' ? await sources.store.isAccessTokenRevoked(found.jti) : false;
    return { ...found, revoked };
  }
  return undefined;
}
