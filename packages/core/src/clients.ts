import { sha256 } from './tokens/random.js';

/** How a client proves who it is at the token, revocation and introspection endpoints. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none' | 'api_key';

/** The grant types Tollgate implements; apps may register more (see `grants`). */
export type BuiltInGrantType = 'authorization_code' | 'client_credentials' | 'password' | 'refresh_token';

/** A client registration as the app supplies it. */
export interface ClientConfig {
  /** The `client_id`. */
  id: string;
  /** The client secret in plain text. Prefer {@link ClientConfig.secretHash} for stored configuration. */
  secret?: string;
  /** `sha256:` + base64url SHA-256 of the secret (right for generated, high-entropy secrets); see `hashSecret()`. */
  secretHash?: string;
  /** API keys accepted in the server's API-key header (seed 000's `acs-api-key`), plain or `sha256:` hashed. */
  apiKeys?: readonly string[];
  /** Grant types this client may use. */
  grantTypes: readonly string[];
  /** Authentication methods this client may use; defaults to Basic + post for secrets, `api_key` for keys, `none` otherwise. */
  authMethods?: readonly ClientAuthMethod[];
  /** Scope names this client may request (for parameterised scopes, the name before `:`). */
  scopes?: readonly string[];
  /** Scopes granted when the request names none (RFC 6749 §3.3). */
  defaultScopes?: readonly string[];
  /** Registered redirect URIs, compared as exact strings. */
  redirectUris?: readonly string[];
  /** Access token lifetime in seconds (overrides the server's). */
  accessTokenLifetime?: number;
  /** Refresh token idle lifetime in seconds (overrides the server's). */
  refreshTokenLifetime?: number;
  /** `aud` of this client's access tokens (overrides the server's). */
  audience?: string | readonly string[];
  /** A confidential client may skip PKCE at the authorization endpoint only when this is `false`. Default `true`. */
  requirePkce?: boolean;
  /** First-party clients skip the consent page. */
  firstParty?: boolean;
  /** A native app: a loopback redirect URI may differ in port (RFC 8252 §7.3). */
  native?: boolean;
  /** A resource server that may introspect tokens meant for it (its audience). */
  resourceServer?: { audience: string | readonly string[] };
  /** Human-readable name for consent pages. */
  name?: string;
  /** Anything else the app wants to keep with the client. */
  metadata?: Readonly<Record<string, unknown>>;
}

/** A validated client, as the server uses it. */
export interface Client {
  readonly id: string;
  readonly name: string;
  readonly confidential: boolean;
  readonly secretHash: string | undefined;
  readonly apiKeyHashes: readonly string[];
  readonly grantTypes: ReadonlySet<string>;
  readonly authMethods: ReadonlySet<ClientAuthMethod>;
  readonly scopes: readonly string[];
  readonly defaultScopes: readonly string[];
  readonly redirectUris: readonly string[];
  readonly accessTokenLifetime: number | undefined;
  readonly refreshTokenLifetime: number | undefined;
  readonly audience: readonly string[] | undefined;
  readonly requirePkce: boolean;
  readonly firstParty: boolean;
  readonly native: boolean;
  readonly resourceAudience: readonly string[] | undefined;
  readonly metadata: Readonly<Record<string, unknown>>;
}

const AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none', 'api_key'];
const HASH_PREFIX = 'sha256:';

/** Hash a generated client secret or API key for storage in configuration: `sha256:<base64url>`. */
export function hashSecret(secret: string): string {
  return HASH_PREFIX + sha256(secret);
}

function storedHash(value: string): string {
  return value.startsWith(HASH_PREFIX) ? value.slice(HASH_PREFIX.length) : sha256(value);
}

function lifetime(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new TypeError(`${where} must be a positive whole number of seconds`);
  return value;
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.length === 0)) throw new TypeError(`${where} must be an array of non-empty strings`);
  return [...(value as string[])];
}

/** Whether `url` is an `http:` URL on a loopback host (RFC 8252 §7.3). */
export function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === '127.0.0.1' || host === '[::1]' || host === 'localhost' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Validate a redirect URI at registration (RFC 6749 §3.1.2, RFC 9700 §4.1): absolute, no fragment, no script schemes, https or loopback http. */
export function checkRedirectUri(uri: string, where: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError(`${where} "${uri}" is not an absolute URI`);
  }
  if (uri.includes('#')) throw new TypeError(`${where} "${uri}" must not contain a fragment (RFC 6749 §3.1.2)`);
  const scheme = url.protocol.toLowerCase();
  if (scheme === 'javascript:' || scheme === 'data:' || scheme === 'vbscript:' || scheme === 'file:') throw new TypeError(`${where} "${uri}" uses a forbidden scheme`);
  if (scheme === 'http:' && !isLoopback(url)) throw new TypeError(`${where} "${uri}" must use https (plain http is only for loopback)`);
}

/** Validate a client registration; throws `TypeError` naming the bad field. Never mutates `config`. */
export function normalizeClient(config: ClientConfig, where: string, knownGrants: ReadonlySet<string>): Client {
  if (config === null || typeof config !== 'object') throw new TypeError(`${where} must be an object`);
  if (typeof config.id !== 'string' || config.id.length === 0 || config.id.length > 256 || /[\x00-\x1f\x7f]/.test(config.id)) {
    throw new TypeError(`${where}.id must be a non-empty string without control characters`);
  }
  if (config.secret !== undefined && (typeof config.secret !== 'string' || config.secret.length === 0)) throw new TypeError(`${where}.secret must be a non-empty string`);
  if (config.secretHash !== undefined && (typeof config.secretHash !== 'string' || !config.secretHash.startsWith(HASH_PREFIX))) {
    throw new TypeError(`${where}.secretHash must look like "sha256:<base64url>" (see hashSecret())`);
  }
  if (config.secret !== undefined && config.secretHash !== undefined) throw new TypeError(`${where}: give secret or secretHash, not both`);
  const secretSource = config.secret ?? config.secretHash;
  const apiKeys = stringList(config.apiKeys, `${where}.apiKeys`);
  const grantTypes = stringList(config.grantTypes, `${where}.grantTypes`);
  if (grantTypes.length === 0) throw new TypeError(`${where}.grantTypes must list at least one grant type`);
  for (const grant of grantTypes) {
    if (!knownGrants.has(grant)) throw new TypeError(`${where}.grantTypes: "${grant}" is not a grant this server supports`);
  }
  const confidential = secretSource !== undefined || apiKeys.length > 0;
  const defaultMethods: ClientAuthMethod[] = [];
  if (secretSource !== undefined) defaultMethods.push('client_secret_basic', 'client_secret_post');
  if (apiKeys.length > 0) defaultMethods.push('api_key');
  if (!confidential) defaultMethods.push('none');
  const authMethods = config.authMethods === undefined ? defaultMethods : stringList(config.authMethods, `${where}.authMethods`);
  for (const method of authMethods) {
    if (!AUTH_METHODS.includes(method as ClientAuthMethod)) throw new TypeError(`${where}.authMethods: unknown method "${method}"`);
    if ((method === 'client_secret_basic' || method === 'client_secret_post') && secretSource === undefined) throw new TypeError(`${where}.authMethods: ${method} needs a secret`);
    if (method === 'api_key' && apiKeys.length === 0) throw new TypeError(`${where}.authMethods: api_key needs apiKeys`);
    if (method === 'none' && confidential) throw new TypeError(`${where}.authMethods: a client with credentials cannot use "none"`);
  }
  // RFC 6749 §4.4: the client credentials grant is for confidential clients only.
  if (!confidential && grantTypes.includes('client_credentials')) throw new TypeError(`${where}: client_credentials needs a confidential client (secret or apiKeys)`);
  const redirectUris = stringList(config.redirectUris, `${where}.redirectUris`);
  redirectUris.forEach((uri, index) => checkRedirectUri(uri, `${where}.redirectUris[${index}]`));
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) throw new TypeError(`${where}.redirectUris must list at least one URI for authorization_code`);
  const audience = config.audience === undefined ? undefined : typeof config.audience === 'string' ? [config.audience] : stringList(config.audience, `${where}.audience`);
  if (config.requirePkce === false && !confidential) throw new TypeError(`${where}.requirePkce: only a confidential client may opt out of PKCE`);
  let resourceAudience: string[] | undefined;
  if (config.resourceServer !== undefined) {
    const aud = config.resourceServer?.audience;
    resourceAudience = typeof aud === 'string' ? [aud] : stringList(aud, `${where}.resourceServer.audience`);
    if (resourceAudience.length === 0) throw new TypeError(`${where}.resourceServer.audience must not be empty`);
  }
  return Object.freeze({
    id: config.id,
    name: typeof config.name === 'string' && config.name.length > 0 ? config.name : config.id,
    confidential,
    // A plain secret is always hashed here, even one that happens to start with "sha256:".
    secretHash: config.secret !== undefined ? sha256(config.secret) : config.secretHash === undefined ? undefined : storedHash(config.secretHash),
    apiKeyHashes: apiKeys.map(storedHash),
    grantTypes: new Set(grantTypes),
    authMethods: new Set(authMethods as ClientAuthMethod[]),
    scopes: stringList(config.scopes, `${where}.scopes`),
    defaultScopes: stringList(config.defaultScopes, `${where}.defaultScopes`),
    redirectUris,
    accessTokenLifetime: lifetime(config.accessTokenLifetime, `${where}.accessTokenLifetime`),
    refreshTokenLifetime: lifetime(config.refreshTokenLifetime, `${where}.refreshTokenLifetime`),
    audience,
    requirePkce: config.requirePkce !== false,
    firstParty: config.firstParty === true,
    native: config.native === true,
    resourceAudience,
    metadata: { ...config.metadata },
  });
}
