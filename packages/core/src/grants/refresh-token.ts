import { OAuthError } from '../errors.js';
import { splitScope } from '../scopes.js';
import { randomToken, sha256 } from '../tokens/random.js';
import type { GrantHandler } from './types.js';

/** Refresh token settings. */
export interface RefreshTokenOptions {
  /** Idle lifetime of each refresh token in seconds. Default 14 days. */
  lifetime?: number;
  /** Absolute lifetime of a family (from the original grant) in seconds. Default 90 days. */
  absoluteLifetime?: number;
  /** Seconds during which a just-rotated token may be presented again (concurrent retries). Default 0: off. */
  reuseGraceSeconds?: number;
}

/** Hooks the refresh grant reports through. */
export interface RefreshGrantHooks {
  onReuse(details: { clientId: string; familyId: string }): void;
}

const FAMILY = /^[A-Za-z0-9_-]{22}$/;

/** Refresh tokens are `<familyId>.<secret>`: the family id lets a store keep a family's keys together. */
export function newRefreshToken(familyId: string): string {
  return `${familyId}.${randomToken(32)}`;
}

/** Split a presented refresh token into its family id, or `undefined` when it cannot be one of ours. */
export function refreshTokenFamily(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot !== 22 || token.length > 200) return undefined;
  const family = token.slice(0, dot);
  return FAMILY.test(family) ? family : undefined;
}

const INVALID = 'refresh token is invalid, expired or revoked';

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): each use returns a new refresh token and spends the old one;
 * presenting a spent one revokes the whole family. A refresh may narrow the scope, never widen it.
 */
export function refreshTokenGrant(options: Required<RefreshTokenOptions>, hooks: RefreshGrantHooks): GrantHandler {
  return async (context) => {
    const { params, client, store } = context;
    const token = params.get('refresh_token');
    if (token === undefined) throw new OAuthError('invalid_request', 'refresh_token is required');
    const familyId = refreshTokenFamily(token);
    if (familyId === undefined) throw new OAuthError('invalid_grant', INVALID);
    const hash = sha256(token);
    const current = await store.findRefreshToken(familyId, hash);
    if (!current) throw new OAuthError('invalid_grant', INVALID);
    if (current.clientId !== client.id) throw new OAuthError('invalid_grant', INVALID, { detail: 'refresh token of another client' });

    const familyScope = current.scope === '' ? [] : splitScope(current.scope);
    const requested = params.get('scope');
    let accessScope = familyScope;
    if (requested !== undefined) {
      accessScope = splitScope(requested);
      // RFC 6749 §6: the requested scope MUST NOT include any scope not originally granted.
      const granted = new Set(familyScope);
      if (accessScope.some((scope) => !granted.has(scope))) throw new OAuthError('invalid_scope', 'a refresh may narrow the scope, never widen it');
    }
    const scope = accessScope.length === 0 ? { tokens: [], claims: {} } : context.checkScope(accessScope.join(' '));

    const now = context.now();
    const next = newRefreshToken(familyId);
    const result = await store.rotateRefreshToken(
      familyId,
      hash,
      {
        ...current,
        hash: sha256(next),
        issuedAt: now,
        expiresAt: Math.min(now + (client.refreshTokenLifetime ?? options.lifetime), current.familyExpiresAt),
        spentAt: undefined,
      },
      { graceSeconds: options.reuseGraceSeconds, now },
    );
    if (result.status === 'reused') {
      hooks.onReuse({ clientId: client.id, familyId });
      throw new OAuthError('invalid_grant', INVALID, { detail: 'refresh token reused; family revoked' });
    }
    if (result.status !== 'ok') throw new OAuthError('invalid_grant', INVALID);
    return {
      subject: current.subject,
      scope,
      ...(current.claims === undefined ? {} : { claims: current.claims }),
      ...(current.authTime === undefined ? {} : { authTime: current.authTime }),
      familyId,
      refreshToken: next,
      familyScope,
    };
  };
}
