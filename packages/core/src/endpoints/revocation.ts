import { OAuthError } from '../errors.js';
import { NO_STORE } from '../http/response.js';
import type { TollgateRequest, TollgateResponse } from '../http/types.js';
import { resolveToken } from '../tokens/resolve.js';
import type { ServerContext } from './context.js';
import { authenticate, readTokenRequest } from './token.js';

/**
 * RFC 7009 token revocation. The client must authenticate; it may revoke only its own tokens. Unknown,
 * expired, already revoked or foreign tokens all get the same 200 (§2.2), so the endpoint is no token oracle.
 */
export async function revocationEndpoint(request: TollgateRequest, context: ServerContext): Promise<TollgateResponse> {
  const { params } = readTokenRequest(request, context);
  const { client } = await authenticate(request, params, context);
  const token = params.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
  const found = await resolveToken(token, params.get('token_type_hint'), context);
  if (found && found.clientId === client.id) {
    if (found.kind === 'refresh_token') {
      // RFC 7009 §2.1: revoking a refresh token should also invalidate the access tokens of the same grant.
      await context.store.revokeFamily(found.familyId, Math.max(found.expiresAt, context.now() + context.refresh.absoluteLifetime));
    } else if (!found.revoked) {
      await context.store.revokeAccessToken(found.jti, found.expiresAt);
    }
    context.emit('token.revoked', { clientId: client.id, tokenType: found.kind });
  }
  return { status: 200, headers: { ...NO_STORE }, body: '' };
}
