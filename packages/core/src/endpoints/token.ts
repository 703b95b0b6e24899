import { authenticateClient } from '../client-auth/authenticate.js';
import type { Client } from '../clients.js';
import { OAuthError } from '../errors.js';
import type { GrantContext, GrantResult } from '../grants/types.js';
import { newRefreshToken } from '../grants/refresh-token.js';
import { parseParams, readFormBody, type Params } from '../http/form.js';
import { json, methodNotAllowed, NO_STORE } from '../http/response.js';
import { requestUrl, type TollgateRequest, type TollgateResponse } from '../http/types.js';
import { randomToken, sha256 } from '../tokens/random.js';
import type { ServerContext } from './context.js';

// Parameters that carry secrets never travel in a URL (RFC 6749 §2.3.1, §3.2; RFC 9700 §4.3).
const SECRET_QUERY_PARAMETERS = ['client_secret', 'password', 'refresh_token', 'code', 'code_verifier', 'client_assertion'];
const RESERVED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'auth_time'];

/** Read and check the parts of a token-style POST common to token, revocation and introspection (RFC 6749 §3.2). */
export function readTokenRequest(request: TollgateRequest, context: ServerContext): { params: Params; query: Params } {
  if (request.method.toUpperCase() !== 'POST') throw methodNotAllowed(['POST']);
  const url = requestUrl(request.url);
  if (!url) throw new OAuthError('invalid_request', 'malformed request URL');
  const query = parseParams(url.search.slice(1), 'query');
  for (const name of SECRET_QUERY_PARAMETERS) {
    if (query.has(name)) throw new OAuthError('invalid_request', `${name} must not be sent in the query string`);
  }
  const params = readFormBody(request, context.bodyLimit);
  return { params, query };
}

/** Authenticate the client of a token-style request. */
export function authenticate(request: TollgateRequest, params: Params, context: ServerContext): ReturnType<typeof authenticateClient> {
  return authenticateClient(
    {
      headers: request.headers,
      body: params,
      apiKeyHeader: context.apiKeyHeader,
      realm: context.issuer,
      onFailure: (details) => context.emit('client.auth_failed', details),
    },
    context.clients,
  );
}

/** RFC 6749 §3.2 token endpoint. */
export async function tokenEndpoint(request: TollgateRequest, context: ServerContext): Promise<TollgateResponse> {
  const { params, query } = readTokenRequest(request, context);
  const grantType = params.get('grant_type');
  if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required');
  const handler = context.grants.get(grantType);
  if (!handler) throw new OAuthError('unsupported_grant_type', 'grant_type is not supported');

  const { client } = await authenticate(request, params, context);
  if (!client.grantTypes.has(grantType)) throw new OAuthError('unauthorized_client', 'this client may not use this grant type');

  const grantContext: GrantContext = {
    grantType,
    client,
    params,
    query,
    request,
    store: context.store,
    checkScope: (requested) => context.scopes.check(requested, client.scopes, client.defaultScopes),
    now: context.now,
  };
  const result = await handler(grantContext);
  return issueTokens(context, client, grantType, result);
}

async function issueTokens(context: ServerContext, client: Client, grantType: string, result: GrantResult): Promise<TollgateResponse> {
  const now = context.now();
  const lifetime = client.accessTokenLifetime ?? context.accessTokenLifetime;
  const baseClaims: Record<string, unknown> = { ...result.claims, ...result.scope.claims };
  let claims = baseClaims;
  if (context.claims) {
    const extra = await context.claims({ client, subject: result.subject, grantType, scope: result.scope.tokens, claims: baseClaims });
    claims = { ...baseClaims, ...extra };
  }
  for (const name of RESERVED_CLAIMS) delete claims[name];

  // RFC 6749 §4.4.3: never a refresh token for client_credentials; otherwise only for clients allowed to refresh.
  let refreshToken = result.refreshToken;
  let familyId = result.familyId;
  if (refreshToken === undefined && result.issueRefreshToken === true && grantType !== 'client_credentials' && client.grantTypes.has('refresh_token')) {
    familyId ??= randomToken(16);
    refreshToken = newRefreshToken(familyId);
    await context.store.saveRefreshToken({
      hash: sha256(refreshToken),
      familyId,
      clientId: client.id,
      subject: result.subject,
      scope: (result.familyScope ?? result.scope.tokens).join(' '),
      claims: result.claims,
      authTime: result.authTime,
      issuedAt: now,
      expiresAt: now + Math.min(client.refreshTokenLifetime ?? context.refresh.lifetime, context.refresh.absoluteLifetime),
      familyExpiresAt: now + context.refresh.absoluteLifetime,
    });
  }

  const issued = await context.accessTokens.issue({
    issuer: context.issuer,
    subject: result.subject,
    clientId: client.id,
    audience: client.audience ?? context.audience,
    scope: result.scope.tokens,
    lifetime,
    authTime: result.authTime,
    familyId,
    claims,
  });
  // So that revoking the family (refresh reuse, code reuse, RFC 7009) also revokes this access token.
  if (familyId !== undefined) await context.store.addFamilyAccessToken(familyId, issued.jti, issued.expiresAt);

  const body: Record<string, unknown> = { access_token: issued.token, token_type: context.tokenType, expires_in: lifetime };
  if (refreshToken !== undefined) body.refresh_token = refreshToken;
  if (result.scope.tokens.length > 0) body.scope = result.scope.tokens.join(' ');
  context.emit('token.issued', { clientId: client.id, subject: result.subject, grantType, jti: issued.jti, scope: result.scope.tokens.join(' '), refreshToken: refreshToken !== undefined });
  return json(200, body, { ...NO_STORE });
}
