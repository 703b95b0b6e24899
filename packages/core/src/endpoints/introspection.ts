import { OAuthError } from '../errors.js';
import { json, NO_STORE } from '../http/response.js';
import type { TollgateRequest, TollgateResponse } from '../http/types.js';
import { resolveToken } from '../tokens/resolve.js';
import type { ServerContext } from './context.js';
import { authenticate, readTokenRequest } from './token.js';
import { basicChallenge } from '../client-auth/basic.js';

const INACTIVE = { active: false } as const;

/**
 * RFC 7662 token introspection. The client must authenticate. It sees its own tokens; a client registered
 * as a resource server also sees access tokens whose audience is its own. Anything else, and anything not
 * currently valid, is `{ "active": false }` and nothing more (§2.2).
 */
export async function introspectionEndpoint(request: TollgateRequest, context: ServerContext): Promise<TollgateResponse> {
  const { params } = readTokenRequest(request, context);
  const { client, method } = await authenticate(request, params, context);
  // RFC 7662 §2.1/§4: introspection is for authenticated callers; a bare client_id proves nothing.
  if (method === 'none') throw new OAuthError('invalid_client', 'introspection requires client authentication', { headers: { 'WWW-Authenticate': basicChallenge(context.issuer) } });
  const token = params.get('token');
  if (token === undefined) throw new OAuthError('invalid_request', 'token is required');
  const found = await resolveToken(token, params.get('token_type_hint'), context);
  const headers = { ...NO_STORE };
  if (!found || found.revoked || found.expiresAt <= context.now()) return json(200, INACTIVE, headers);
  if (found.kind === 'refresh_token') {
    if (found.spent || found.clientId !== client.id) return json(200, INACTIVE, headers);
    return json(200, { active: true, scope: found.scope || undefined, client_id: found.clientId, sub: found.subject, exp: found.expiresAt, iat: found.issuedAt, iss: context.issuer, token_type: 'refresh_token' }, headers);
  }
  const forAudience = client.resourceAudience?.some((aud) => found.audience.includes(aud)) === true;
  if (found.clientId !== client.id && !forAudience) return json(200, INACTIVE, headers);
  const body: Record<string, unknown> = {
    active: true,
    scope: found.scope || undefined,
    client_id: found.clientId,
    sub: found.subject,
    exp: found.expiresAt,
    iat: found.issuedAt,
    iss: context.issuer,
    aud: found.audience.length === 1 ? found.audience[0] : found.audience,
    token_type: context.tokenType,
    jti: found.jti,
  };
  return json(200, body, headers);
}
