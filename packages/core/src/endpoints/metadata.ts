import { SIGNING_ALGORITHMS } from '../tokens/keys.js';
import { json, methodNotAllowed } from '../http/response.js';
import type { TollgateRequest, TollgateResponse } from '../http/types.js';
import type { ServerContext } from './context.js';

/** The RFC 8414 authorization server metadata document. */
export type AuthorizationServerMetadata = Record<string, unknown> & {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  grant_types_supported: string[];
};

/** Build the RFC 8414 §2 metadata from the configuration. */
export function buildMetadata(context: ServerContext): AuthorizationServerMetadata {
  const methods = [...context.authMethods];
  const metadata: AuthorizationServerMetadata = {
    issuer: context.issuer,
    authorization_endpoint: context.url(context.paths.authorize),
    token_endpoint: context.url(context.paths.token),
    jwks_uri: context.url(context.paths.jwks),
    grant_types_supported: [...context.grants.keys()],
    token_endpoint_auth_methods_supported: methods,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    revocation_endpoint: context.url(context.paths.revocation),
    revocation_endpoint_auth_methods_supported: methods,
    introspection_endpoint: context.url(context.paths.introspection),
    introspection_endpoint_auth_methods_supported: methods,
  };
  if (context.userinfo) metadata.userinfo_endpoint = context.url(context.paths.userinfo);
  if (context.scopes.names.length > 0) metadata.scopes_supported = [...context.scopes.names];
  if (context.accessTokenFormat === 'jwt') metadata.access_token_signing_alg_values_supported = [...new Set(context.keys.all().map((key) => key.alg))].filter((alg) => SIGNING_ALGORITHMS.includes(alg));
  return metadata;
}

/** `GET /.well-known/oauth-authorization-server` (RFC 8414 §3). */
export function metadataEndpoint(getMetadata: () => AuthorizationServerMetadata) {
  return async (request: TollgateRequest, _context: ServerContext): Promise<TollgateResponse> => {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
    return json(200, getMetadata(), { 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' });
  };
}

/** `GET /.well-known/jwks.json`: public keys only (RFC 7517 §5). */
export async function jwksEndpoint(request: TollgateRequest, context: ServerContext): Promise<TollgateResponse> {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
  return json(200, context.keys.jwks(), { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' });
}
