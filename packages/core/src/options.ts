import type { AuthorizeOptions } from './endpoints/authorize.js';
import type { UserinfoHook } from './endpoints/userinfo.js';
import { normalizeClient, type Client, type ClientConfig } from './clients.js';
import type { ClientDirectory } from './client-auth/authenticate.js';
import { consoleLogger, type TollgateEventListeners, type TollgateLogger } from './events.js';
import { DEFAULT_BODY_LIMIT } from './http/form.js';
import type { GrantHandler } from './grants/types.js';
import type { PasswordGrantOptions } from './grants/password.js';
import type { RefreshTokenOptions } from './grants/refresh-token.js';
import { createScopeCatalogue, type ScopeCatalogue, type ScopeDefinition } from './scopes.js';
import { memoryStore } from './store/memory.js';
import type { Store } from './store/types.js';
import { createKeySet, generateKey, type KeyInput, type KeySet } from './tokens/keys.js';
import { safeEqual, sha256 } from './tokens/random.js';

/** Paths the endpoints answer on, relative to the origin of the issuer. */
export interface EndpointPaths {
  token: string;
  authorize: string;
  userinfo: string;
  revocation: string;
  introspection: string;
  jwks: string;
  /** RFC 8414 §3: `/.well-known/oauth-authorization-server` followed by the issuer's path. */
  metadata: string;
}

/** What the app's `claims` hook is given. */
export interface ClaimsContext {
  client: Client;
  subject: string;
  grantType: string;
  scope: readonly string[];
  /** Claims already decided by the grant (user claims, parameterised scopes). */
  claims: Readonly<Record<string, unknown>>;
}

/** Options of {@link createAuthServer}. */
export interface AuthServerOptions {
  /** The issuer identifier (RFC 8414 §2): an https URL, or http on loopback for development. No query or fragment. */
  issuer: string;
  /** Clients known at start-up. */
  clients?: readonly ClientConfig[];
  /** Look clients up elsewhere (a database). Consulted when `clients` has no match. */
  findClient?: (clientId: string) => Promise<ClientConfig | undefined | null>;
  /** Look a client up by API key (when `clientAuthentication.apiKeyHeader` is set). The key must be among its `apiKeys`. */
  findClientByApiKey?: (apiKey: string) => Promise<ClientConfig | undefined | null>;
  /** Signing keys: the first private key signs, the rest verify. Default: an ephemeral Ed25519 key (development only). */
  keys?: readonly KeyInput[] | KeySet;
  /** Shared state. Default `memoryStore()`. */
  store?: Store;
  /** The scopes the server knows; when absent, any well-formed scope a client is allowed is accepted. */
  scopes?: readonly ScopeDefinition[];
  accessToken?: {
    /** `jwt` (RFC 9068, default) or `opaque` (resolved through the store). */
    format?: 'jwt' | 'opaque';
    /** Lifetime in seconds. Default 3600. */
    lifetime?: number;
    /** `aud` of access tokens. Default: the issuer. */
    audience?: string | readonly string[];
    /** The `token_type` word in token responses. Default `Bearer` (seed 000 uses `acs-oauth`, seed 001 `bearer`). */
    tokenType?: string;
  };
  refreshToken?: RefreshTokenOptions;
  /** Enables the password grant (RFC 6749 §4.3) for clients that list it. */
  password?: PasswordGrantOptions;
  /** Extension grants (RFC 6749 §4.5), by `grant_type` value. */
  grants?: Readonly<Record<string, GrantHandler>>;
  /** Extra access-token claims. Registered claims (`iss`, `sub`, `aud`, `exp`, …) cannot be overridden. */
  claims?: (context: ClaimsContext) => Record<string, unknown> | Promise<Record<string, unknown>>;
  clientAuthentication?: {
    /** Header carrying an API key that authenticates the client (seed 000: `acs-api-key`). */
    apiKeyHeader?: string;
  };
  /** Endpoint paths. */
  paths?: Partial<EndpointPaths>;
  /** Enables the userinfo endpoint: the claims to answer for a user's access token (seed 002: `{ agentId, siteId, role }`). */
  userinfo?: UserinfoHook;
  /** The authorization endpoint: sign-in, consent, redirects (RFC 6749 §4.1). */
  authorize?: AuthorizeOptions;
  /** Largest accepted request body in bytes. Default 64 KiB. */
  bodyLimit?: number;
  logger?: TollgateLogger;
  events?: TollgateEventListeners;
}

/** Options after validation, as the endpoints use them. */
export interface ResolvedOptions {
  issuer: string;
  issuerUrl: URL;
  keys: KeySet;
  store: Store;
  scopes: ScopeCatalogue;
  accessTokenFormat: 'jwt' | 'opaque';
  accessTokenLifetime: number;
  audience: readonly string[];
  tokenType: string;
  refresh: Required<RefreshTokenOptions>;
  password: PasswordGrantOptions | undefined;
  grants: ReadonlyMap<string, GrantHandler>;
  claims: AuthServerOptions['claims'];
  apiKeyHeader: string | undefined;
  paths: EndpointPaths;
  bodyLimit: number;
  logger: TollgateLogger;
  events: TollgateEventListeners;
  clients: ClientDirectory;
  userinfo: UserinfoHook | undefined;
  /** Every audience this server issues tokens for (the default and each static client's). */
  audiences: readonly string[];
  /** Grant types some configuration enables, for metadata. */
  grantTypes: readonly string[];
  /** RFC 8414 client authentication methods some client may use, for metadata. */
  authMethods: readonly string[];
}

const PREFIX = 'createAuthServer: options.';

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new TypeError(`${PREFIX}${name} must be a positive whole number`);
  return value;
}

function checkIssuer(value: unknown): URL {
  if (typeof value !== 'string') throw new TypeError(`${PREFIX}issuer must be a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${PREFIX}issuer must be an absolute URL`);
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  // RFC 8414 §2: https, no query, no fragment.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new TypeError(`${PREFIX}issuer must use https (http only on localhost)`);
  if (url.search || url.hash || value.includes('?') || value.includes('#')) throw new TypeError(`${PREFIX}issuer must not have a query or fragment`);
  return url;
}

/** Validate options once, at start-up; every message names the bad option. Never mutates `options`. */
export function resolveOptions(options: AuthServerOptions, builtInGrants: ReadonlyMap<string, (resolved: ResolvedOptions) => GrantHandler>): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('createAuthServer: options must be an object');
  const issuerUrl = checkIssuer(options.issuer);
  const issuer = options.issuer;
  const logger = options.logger ?? consoleLogger;
  if (typeof logger.error !== 'function' || typeof logger.warn !== 'function') throw new TypeError(`${PREFIX}logger must have error() and warn()`);

  let keys: KeySet;
  if (options.keys === undefined) {
    keys = createKeySet([generateKey('EdDSA')], `${PREFIX}keys`);
    logger.warn('no signing keys configured: using an ephemeral Ed25519 key; tokens stop verifying when the process restarts');
  } else if (Array.isArray(options.keys)) {
    keys = createKeySet(options.keys as readonly KeyInput[], `${PREFIX}keys`);
  } else if (typeof (options.keys as KeySet).jwks === 'function' && typeof (options.keys as KeySet).get === 'function') {
    keys = options.keys as KeySet;
  } else {
    throw new TypeError(`${PREFIX}keys must be an array of { key, alg?, kid? } or a KeySet from createKeySet()`);
  }

  const store = options.store ?? memoryStore();
  for (const method of ['saveCode', 'consumeCode', 'saveRefreshToken', 'rotateRefreshToken', 'revokeFamily', 'revokeAccessToken', 'isAccessTokenRevoked', 'increment'] as const) {
    if (typeof store[method] !== 'function') throw new TypeError(`${PREFIX}store is not a Store: ${method}() is missing`);
  }

  const scopes = createScopeCatalogue(options.scopes, `${PREFIX}scopes`);
  const accessToken = options.accessToken ?? {};
  const format = accessToken.format ?? 'jwt';
  if (format !== 'jwt' && format !== 'opaque') throw new TypeError(`${PREFIX}accessToken.format must be "jwt" or "opaque"`);
  const audience = accessToken.audience === undefined ? [issuer] : typeof accessToken.audience === 'string' ? [accessToken.audience] : [...accessToken.audience];
  if (audience.length === 0 || audience.some((aud) => typeof aud !== 'string' || aud.length === 0)) throw new TypeError(`${PREFIX}accessToken.audience must be a non-empty string or array of strings`);
  const tokenType = accessToken.tokenType ?? 'Bearer';
  if (typeof tokenType !== 'string' || !/^[\x21-\x7e]+$/.test(tokenType)) throw new TypeError(`${PREFIX}accessToken.tokenType must be a single printable word`);

  const refreshOptions = options.refreshToken ?? {};
  const refresh: Required<RefreshTokenOptions> = {
    lifetime: positiveInteger(refreshOptions.lifetime, 'refreshToken.lifetime', 14 * 86400),
    absoluteLifetime: positiveInteger(refreshOptions.absoluteLifetime, 'refreshToken.absoluteLifetime', 90 * 86400),
    reuseGraceSeconds: refreshOptions.reuseGraceSeconds ?? 0,
  };
  const grace = refresh.reuseGraceSeconds;
  if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > 60) throw new TypeError(`${PREFIX}refreshToken.reuseGraceSeconds must be a whole number from 0 to 60`);

  if (options.password !== undefined) {
    if (typeof options.password?.authenticateUser !== 'function') throw new TypeError(`${PREFIX}password.authenticateUser must be a function`);
    for (const name of ['usernameParameter', 'passwordParameter'] as const) {
      const value = options.password[name];
      if (value !== undefined && (typeof value !== 'string' || value.length === 0)) throw new TypeError(`${PREFIX}password.${name} must be a non-empty string`);
    }
    const required = options.password.requiredParameters ?? [];
    if (!Array.isArray(required) || required.some((entry) => typeof entry?.name !== 'string' || (entry.in !== 'query' && entry.in !== 'body'))) {
      throw new TypeError(`${PREFIX}password.requiredParameters must be an array of { name, in: "query" | "body" }`);
    }
  }

  const grants = new Map<string, GrantHandler>();
  for (const [name, handler] of Object.entries(options.grants ?? {})) {
    if (builtInGrants.has(name)) throw new TypeError(`${PREFIX}grants: "${name}" is built in and cannot be replaced`);
    if (!/^[\x21-\x7e]+$/.test(name)) throw new TypeError(`${PREFIX}grants: "${name}" is not a valid grant_type`);
    if (typeof handler !== 'function') throw new TypeError(`${PREFIX}grants["${name}"] must be a function`);
    grants.set(name, handler);
  }

  const apiKeyHeader = options.clientAuthentication?.apiKeyHeader;
  if (apiKeyHeader !== undefined && (typeof apiKeyHeader !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(apiKeyHeader) || apiKeyHeader.toLowerCase() === 'authorization')) {
    throw new TypeError(`${PREFIX}clientAuthentication.apiKeyHeader must be a header name other than Authorization`);
  }

  // An issuer with a path (a tenant: https://auth.example.com/t1) keeps its endpoints under that path.
  const base = issuerUrl.pathname === '/' ? '' : issuerUrl.pathname.replace(/\/$/, '');
  const defaultPaths: EndpointPaths = {
    token: `${base}/oauth/token`,
    authorize: `${base}/oauth/authorize`,
    userinfo: `${base}/oauth/userinfo`,
    revocation: `${base}/oauth/revoke`,
    introspection: `${base}/oauth/introspect`,
    jwks: `${base}/.well-known/jwks.json`,
    // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
    metadata: `/.well-known/oauth-authorization-server${base}`,
  };
  const paths: EndpointPaths = { ...defaultPaths };
  for (const [name, value] of Object.entries(options.paths ?? {})) {
    if (!(name in defaultPaths)) throw new TypeError(`${PREFIX}paths.${name} is not an endpoint`);
    if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || /[?#\s]/.test(value)) throw new TypeError(`${PREFIX}paths.${name} must be an absolute path like /oauth/token`);
    paths[name as keyof EndpointPaths] = value;
  }
  const seenPaths = new Set<string>();
  for (const [name, value] of Object.entries(paths)) {
    if (seenPaths.has(value)) throw new TypeError(`${PREFIX}paths.${name} "${value}" is used by another endpoint`);
    seenPaths.add(value);
  }

  const knownGrants = new Set([...builtInGrants.keys(), ...grants.keys()]);
  if (options.password === undefined) knownGrants.delete('password');
  const byId = new Map<string, Client>();
  const byApiKey = new Map<string, Client>();
  if (options.clients !== undefined && !Array.isArray(options.clients)) throw new TypeError(`${PREFIX}clients must be an array`);
  (options.clients ?? []).forEach((config, index) => {
    if (config?.grantTypes?.includes?.('password') && options.password === undefined) throw new TypeError(`${PREFIX}clients[${index}].grantTypes lists password, but options.password is not configured`);
    const client = normalizeClient(config, `${PREFIX}clients[${index}]`, knownGrants);
    scopes.checkClient(client.scopes, client.defaultScopes, `${PREFIX}clients[${index}]`);
    if (byId.has(client.id)) throw new TypeError(`${PREFIX}clients[${index}].id "${client.id}" is used twice`);
    byId.set(client.id, client);
    for (const hash of client.apiKeyHashes) {
      if (byApiKey.has(hash)) throw new TypeError(`${PREFIX}clients[${index}].apiKeys: a key is shared with another client`);
      byApiKey.set(hash, client);
    }
  });
  if (byApiKey.size > 0 && apiKeyHeader === undefined) throw new TypeError(`${PREFIX}clientAuthentication.apiKeyHeader is required when clients have apiKeys`);
  for (const hook of ['findClient', 'findClientByApiKey', 'userinfo'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') throw new TypeError(`${PREFIX}${hook} must be a function`);
  }
  const findClient = options.findClient;
  const findClientByApiKey = options.findClientByApiKey;
  const clients: ClientDirectory = {
    async find(id) {
      const known = byId.get(id);
      if (known || !findClient) return known;
      const config = await findClient(id);
      if (!config) return undefined;
      const client = normalizeClient(config, `findClient("${id}")`, knownGrants);
      scopes.checkClient(client.scopes, client.defaultScopes, `findClient("${id}")`);
      return client.id === id ? client : undefined;
    },
    async findByApiKey(apiKey) {
      const hash = sha256(apiKey);
      const known = byApiKey.get(hash);
      if (known || !findClientByApiKey) return known;
      const config = await findClientByApiKey(apiKey);
      if (!config) return undefined;
      const client = normalizeClient(config, 'findClientByApiKey()', knownGrants);
      return client.apiKeyHashes.some((stored) => safeEqual(stored, hash)) ? client : undefined;
    },
  };

  const grantTypes = [...knownGrants].filter((grant) => [...byId.values()].some((client) => client.grantTypes.has(grant)) || findClient !== undefined);
  const resolved: ResolvedOptions = {
    issuer,
    issuerUrl,
    keys,
    store,
    scopes,
    accessTokenFormat: format,
    accessTokenLifetime: positiveInteger(accessToken.lifetime, 'accessToken.lifetime', 3600),
    audience,
    tokenType,
    refresh,
    password: options.password === undefined ? undefined : { ...options.password },
    grants,
    claims: options.claims,
    apiKeyHeader,
    paths,
    bodyLimit: positiveInteger(options.bodyLimit, 'bodyLimit', DEFAULT_BODY_LIMIT),
    logger,
    events: { ...options.events },
    clients,
    userinfo: options.userinfo,
    audiences: [...new Set([...audience, ...[...byId.values()].flatMap((client) => client.audience ?? [])])],
    grantTypes,
    authMethods: findClient
      ? ['client_secret_basic', 'client_secret_post', 'none']
      : [...new Set([...byId.values()].flatMap((client) => [...client.authMethods]))].filter((method) => method !== 'api_key'),
  };
  for (const name of knownGrants) {
    const build = builtInGrants.get(name);
    if (build) grants.set(name, build(resolved));
  }
  return resolved;
}

