import { OAuthError } from '../errors.js';
import { isValidVerifier, verifyS256 } from '../pkce.js';
import { splitScope } from '../scopes.js';
import { sha256 } from '../tokens/random.js';
import type { GrantHandler } from './types.js';

/** Hooks the authorization code grant reports through. */
export interface AuthorizationCodeHooks {
  onCodeReused(details: { clientId: string; familyId: string }): void;
}

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6): the code is single use, bound to its client and redirect URI,
 * and a second redemption revokes every token issued from the first (RFC 6749 §4.1.2).
 */
export function authorizationCodeGrant(hooks: AuthorizationCodeHooks): GrantHandler {
  return async (context) => {
    const { params, client, store } = context;
    const code = params.get('code');
    if (code === undefined) throw new OAuthError('invalid_request', 'code is required');
    const verifier = params.get('code_verifier');
    if (verifier !== undefined && !isValidVerifier(verifier)) throw new OAuthError('invalid_request', 'code_verifier is malformed (RFC 7636 §4.1)');
    const redirectUri = params.get('redirect_uri');

    const result = await store.consumeCode(sha256(code));
    if (result.status === 'missing') throw new OAuthError('invalid_grant', 'code is invalid or expired');
    const record = result.record;
    if (result.status === 'reused') {
      // RFC 6749 §4.1.2: revoke (when possible) all tokens previously issued based on that code.
      await store.revokeFamily(record.familyId, record.issuedAt + 366 * 86400);
      hooks.onCodeReused({ clientId: record.clientId, familyId: record.familyId });
      throw new OAuthError('invalid_grant', 'code is invalid or expired', { detail: 'code reused; family revoked' });
    }
    if (record.clientId !== client.id) throw new OAuthError('invalid_grant', 'code is invalid or expired', { detail: 'code issued to another client' });
    // RFC 6749 §4.1.3: identical to the redirect_uri of the authorization request, and required if it had one.
    const mayOmit = record.redirectUriGiven !== true && client.redirectUris.length === 1;
    const expectedRedirect = redirectUri ?? (mayOmit ? client.redirectUris[0] : undefined);
    if (expectedRedirect !== record.redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
    if (record.codeChallenge !== undefined) {
      if (verifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is required');
      if (!verifyS256(verifier, record.codeChallenge)) throw new OAuthError('invalid_grant', 'code_verifier does not match the code challenge');
    } else if (verifier !== undefined) {
      // RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a PKCE downgrade attempt.
      throw new OAuthError('invalid_grant', 'code was issued without a code challenge');
    }
    const scope = record.scope === '' ? [] : splitScope(record.scope);
    const granted = context.checkScope(scope.length === 0 ? undefined : scope.join(' '));
    return {
      subject: record.subject,
      scope: scope.length === 0 ? { tokens: [], claims: {} } : granted,
      ...(record.claims === undefined ? {} : { claims: record.claims }),
      authTime: record.authTime,
      issueRefreshToken: true,
      familyId: record.familyId,
    };
  };
}
