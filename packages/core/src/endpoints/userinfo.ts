import { OAuthError } from '../errors.js';
import { json, methodNotAllowed, NO_STORE } from '../http/response.js';
import type { TollgateRequest, TollgateResponse } from '../http/types.js';
import { challengeResponse } from '../verify/challenge.js';
import type { TollgateAuth } from '../verify/claims.js';
import type { Protector } from '../verify/protect.js';
import type { ServerContext } from './context.js';

/** What the app's `userinfo` hook receives. */
export interface UserinfoContext {
  /** The user: the token's `sub`. */
  subject: string;
  /** The verified access-token claims. */
  claims: TollgateAuth;
  /** The token's scopes. */
  scopes: readonly string[];
  request: TollgateRequest;
}

/** The app's userinfo hook: the claims to answer, or `undefined` when the user no longer exists. */
export type UserinfoHook = (context: UserinfoContext) => Promise<Record<string, unknown> | undefined | null> | Record<string, unknown> | undefined | null;

/**
 * The userinfo endpoint (OpenID Connect Core §5.3): GET or POST with a bearer token (RFC 6750). Answers the
 * app's claims for the token's user; machine tokens (no user) and unknown users get `invalid_token`.
 */
export function userinfoEndpoint(hook: UserinfoHook, protector: Protector) {
  const check = protector.guard();
  return async (request: TollgateRequest, _context: ServerContext): Promise<TollgateResponse> => {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'POST') throw methodNotAllowed(['GET', 'POST']);
    const result = await check(request);
    if (!result.ok) return result.response;
    const { auth } = result;
    const realm = { realm: protector.verifier.issuer };
    // RFC 9068 §2.2: for machine grants `sub` is the client; such a token has no user to describe.
    if (auth.sub === auth.client_id) return challengeResponse(new OAuthError('invalid_token', 'the access token does not belong to a user'), realm);
    const claims = await hook({ subject: auth.sub, claims: auth, scopes: result.scopes, request });
    if (!claims) return challengeResponse(new OAuthError('invalid_token', 'the user of this access token is unknown'), realm);
    return json(200, claims, { ...NO_STORE });
  };
}
