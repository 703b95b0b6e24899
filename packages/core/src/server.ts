import { authorizationCodeGrant } from './grants/authorization-code.js';
import { clientCredentialsGrant } from './grants/client-credentials.js';
import { passwordGrant } from './grants/password.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import type { GrantHandler } from './grants/types.js';
import { OAuthError } from './errors.js';
import type { TollgateEventName, TollgateEvents } from './events.js';
import { errorResponse, failureResponse } from './http/response.js';
import { requestUrl, type TollgateRequest, type TollgateResponse } from './http/types.js';
import { resolveOptions, type AuthServerOptions, type EndpointPaths, type ResolvedOptions } from './options.js';
import { jwtAccessTokens, opaqueAccessTokens } from './tokens/access-token.js';
import type { KeySet } from './tokens/keys.js';
import type { Store } from './store/types.js';
import type { EndpointHandler, ServerContext } from './endpoints/context.js';
import { buildMetadata, jwksEndpoint, metadataEndpoint, type AuthorizationServerMetadata } from './endpoints/metadata.js';
import { tokenEndpoint } from './endpoints/token.js';
import { userinfoEndpoint } from './endpoints/userinfo.js';
import { createProtector } from './verify/protect.js';
import { authorizeEndpoint, resolveAuthorizeOptions } from './endpoints/authorize.js';
import { revocationEndpoint } from './endpoints/revocation.js';
import { introspectionEndpoint } from './endpoints/introspection.js';
import { storeAuthorizationCode, type AuthorizationCodeInput } from './codes.js';

/** The endpoints a server answers. */
export type EndpointName = 'token' | 'authorize' | 'userinfo' | 'revocation' | 'introspection' | 'metadata' | 'jwks';

/** A request handler on Tollgate's framework-free request/response shape. */
export type Handler = (request: TollgateRequest) => Promise<TollgateResponse>;

/** An authorization server, ready to mount in any framework. */
export interface AuthServer {
  /** The issuer identifier. */
  readonly issuer: string;
  /** Signing keys; `keys.rotate()` switches the signer while older keys keep verifying. */
  readonly keys: KeySet;
  /** Shared state. */
  readonly store: Store;
  /** The default `aud` of access tokens; `protect(server)` accepts these audiences. */
  readonly audience: readonly string[];
  /** The path of every enabled endpoint. */
  readonly paths: Readonly<Partial<EndpointPaths>> & Readonly<Omit<EndpointPaths, 'userinfo'>>;
  /** One handler per enabled endpoint; each answers errors itself and never throws. */
  readonly endpoints: Readonly<Partial<Record<EndpointName, Handler>>> & Readonly<Record<Exclude<EndpointName, 'userinfo'>, Handler>>;
  /** Every path the server answers (endpoint paths and aliases such as the OpenID discovery path). */
  readonly routes: readonly string[];
  /** Which endpoint a path belongs to, if any. */
  route(pathname: string): EndpointName | undefined;
  /** Route a request by path; unknown paths answer 404. Never throws. */
  handle(request: TollgateRequest): Promise<TollgateResponse>;
  /** The RFC 8414 metadata document. */
  metadata(): AuthorizationServerMetadata;
  /** Largest accepted request body in bytes (adapters stop reading beyond it). */
  readonly bodyLimit: number;
  /**
   * Store an authorization code directly, as the authorization endpoint does after sign-in and consent.
   * For tests and for apps with their own authorization UI.
   */
  createAuthorizationCode(input: AuthorizationCodeInput): Promise<string>;
  /** Release the store. */
  close(): Promise<void>;
}

/**
 * Create an authorization server. Options are validated once, here: a bad option throws a `TypeError`
 * naming it. The caller's options object is never modified.
 */
export function createAuthServer(options: AuthServerOptions): AuthServer {
  // Grants report through these; they only run on requests, after `ctx` below exists.
  const hooks = {
    onReuse: (details: TollgateEvents['refresh.reused']) => ctx.emit('refresh.reused', details),
    onCodeReused: (details: TollgateEvents['code.reused']) => ctx.emit('code.reused', details),
    onLocked: (details: TollgateEvents['user.locked']) => ctx.emit('user.locked', details),
  };
  const builtIn = new Map<string, (resolved: ResolvedOptions) => GrantHandler>([
    ['authorization_code', () => authorizationCodeGrant(hooks)],
    ['client_credentials', () => clientCredentialsGrant],
    ['refresh_token', (resolved) => refreshTokenGrant(resolved.refresh, hooks)],
    ['password', (resolved) => passwordGrant(resolved.password as NonNullable<ResolvedOptions['password']>, hooks)],
  ]);
  const resolved = resolveOptions(options, builtIn);

  const origin = resolved.issuerUrl.origin;
  const ctx: ServerContext = {
    ...resolved,
    accessTokens: resolved.accessTokenFormat === 'jwt' ? jwtAccessTokens(resolved.keys) : opaqueAccessTokens(resolved.store),
    emit<K extends TollgateEventName>(name: K, payload: TollgateEvents[K]) {
      const listener = resolved.events[name];
      if (!listener) return;
      try {
        listener(payload);
      } catch (error) {
        resolved.logger.error(`event listener for ${name} threw`, { error: error instanceof Error ? error.message : String(error) });
      }
    },
    url: (path) => origin + path,
    now: () => Math.floor(Date.now() / 1000),
  };

  const metadata = (): AuthorizationServerMetadata => buildMetadata(ctx);

  const usesCodes = resolved.grantTypes.includes('authorization_code');
  const authorizeSettings = resolveAuthorizeOptions(options.authorize, (message) => usesCodes && resolved.logger.warn(message));
  const { authorize } = options;
  if (usesCodes && !authorize?.resolveUser && authorize?.signInUrl === undefined && !authorize?.authenticateUser && !resolved.password) {
    throw new TypeError('createAuthServer: options.authorize needs resolveUser, signInUrl or authenticateUser (or options.password) to sign users in for authorization_code');
  }

  const wrap = (name: EndpointName, handler: EndpointHandler): Handler => async (request) => {
    try {
      return await handler(request, ctx);
    } catch (error) {
      return failureResponse(error, resolved.logger, `${name} endpoint`);
    }
  };
  const endpoints: Partial<Record<EndpointName, Handler>> & Record<Exclude<EndpointName, 'userinfo'>, Handler> = {
    token: wrap('token', tokenEndpoint),
    authorize: wrap('authorize', authorizeEndpoint(authorizeSettings)),
    revocation: wrap('revocation', revocationEndpoint),
    introspection: wrap('introspection', introspectionEndpoint),
    metadata: wrap('metadata', metadataEndpoint(metadata)),
    jwks: wrap('jwks', jwksEndpoint),
  };
  if (resolved.userinfo) {
    const protector = createProtector({ server: { issuer: resolved.issuer, keys: resolved.keys, store: resolved.store }, audience: resolved.audiences, checkRevocation: true }, { realm: resolved.issuer, logger: resolved.logger });
    endpoints.userinfo = wrap('userinfo', userinfoEndpoint(resolved.userinfo, protector));
  }
  // OpenID Connect Discovery §4: the same document at the OpenID path when userinfo is on.
  const aliases = new Map<string, EndpointName>(resolved.userinfo && resolved.paths.metadata.startsWith('/.well-known/oauth-authorization-server') ? [[resolved.paths.metadata.replace('/.well-known/oauth-authorization-server', '') + '/.well-known/openid-configuration', 'metadata']] : []);
  const paths: Partial<EndpointPaths> = {};
  const byPath = new Map<string, EndpointName>(aliases);
  for (const name of Object.keys(endpoints) as EndpointName[]) {
    byPath.set(resolved.paths[name], name);
    paths[name] = resolved.paths[name];
  }

  return {
    issuer: resolved.issuer,
    keys: resolved.keys,
    store: resolved.store,
    audience: resolved.audience,
    paths: paths as AuthServer['paths'],
    bodyLimit: resolved.bodyLimit,
    endpoints,
    route: (pathname) => byPath.get(pathname),
    routes: [...byPath.keys()],
    async handle(request) {
      const url = requestUrl(request.url);
      const name = url ? byPath.get(url.pathname) : undefined;
      if (!name) return errorResponse(new OAuthError('invalid_request', 'no such endpoint', { status: 404 }));
      return (endpoints[name] as Handler)(request);
    },
    metadata,
    createAuthorizationCode: (input) => storeAuthorizationCode(resolved.store, input),
    async close() {
      await resolved.store.close?.();
    },
  };
}
