import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWTPayload, type JWTVerifyResult } from 'jose';
import { expect } from 'vitest';
import {
  createAuthServer,
  memoryStore,
  s256Challenge,
  type AuthServer,
  type AuthServerOptions,
  type ClientConfig,
  type HeadersLike,
  type Store,
  type TollgateLogger,
  type TollgateRequest,
  type TollgateResponse,
} from '@tollgate/core';

export const ISSUER = 'https://auth.example.com';
export const TOKEN_PATH = '/oauth/token';
export const JWKS_PATH = '/.well-known/jwks.json';
export const METADATA_PATH = '/.well-known/oauth-authorization-server';
export const FORM_TYPE = 'application/x-www-form-urlencoded';
export const CALLBACK = 'https://app.example.com/callback';
export const OTHER_CALLBACK = 'https://app.example.com/other-callback';
export const COOKIE_SECRET = 'token-tests-cookie-secret-0123456789-abcdef';

export const SERVICE_SECRET = 'service-secret-0123456789-abcdefghij';
export const WEB_SECRET = 'web-secret-0123456789-abcdefghijklmnop';
export const OTHER_SECRET = 'other-secret-0123456789-abcdefghijklm';

export const USERS: Readonly<Record<string, { password: string; subject: string; claims?: Record<string, unknown> }>> = {
  alice: { password: 'correct horse battery staple', subject: 'user-alice', claims: { role: 'agent', siteId: 7 } },
  bob: { password: 'hunter2-hunter2', subject: 'user-bob' },
};

export const SCOPES = ['orders:read', 'orders:write', 'profile'] as const;

/**
 * The clients most tests use:
 * - `service`: confidential machine client (client_credentials; lists refresh_token too, which must never matter)
 * - `web`: confidential user-facing client (authorization_code, password, refresh_token)
 * - `other`: a second confidential client of the same shape (for cross-client tests)
 * - `spa`: public client (authorization_code, refresh_token), authenticates with `none`
 * - `no-refresh`: confidential client that may not refresh
 */
export const CLIENTS: readonly ClientConfig[] = [
  { id: 'service', secret: SERVICE_SECRET, grantTypes: ['client_credentials', 'refresh_token'], scopes: [...SCOPES], defaultScopes: ['orders:read'] },
  { id: 'web', secret: WEB_SECRET, grantTypes: ['authorization_code', 'password', 'refresh_token'], scopes: [...SCOPES], redirectUris: [CALLBACK, OTHER_CALLBACK] },
  { id: 'other', secret: OTHER_SECRET, grantTypes: ['authorization_code', 'password', 'refresh_token'], scopes: [...SCOPES], redirectUris: [CALLBACK] },
  { id: 'spa', grantTypes: ['authorization_code', 'refresh_token'], scopes: [...SCOPES], redirectUris: [CALLBACK] },
  { id: 'no-refresh', secret: OTHER_SECRET, grantTypes: ['authorization_code', 'password'], scopes: [...SCOPES], redirectUris: [CALLBACK] },
];

export const silentLogger: TollgateLogger = { warn: () => undefined, error: () => undefined };

/** A logger that keeps every entry. */
export function recordingLogger(): TollgateLogger & { errors: [string, Record<string, unknown> | undefined][]; warnings: string[] } {
  const errors: [string, Record<string, unknown> | undefined][] = [];
  const warnings: string[] = [];
  return {
    errors,
    warnings,
    error: (message, details) => void errors.push([message, details]),
    warn: (message) => void warnings.push(message),
  };
}

export async function authenticateUser({ username, password }: { username: string; password: string }): Promise<{ subject: string; claims?: Record<string, unknown> } | undefined> {
  const user = USERS[username];
  if (!user || user.password !== password) return undefined;
  return user.claims === undefined ? { subject: user.subject } : { subject: user.subject, claims: { ...user.claims } };
}

/** A server with the test clients, the password grant on, and a silent logger. Overrides replace whole options. */
export function makeServer(overrides: Partial<AuthServerOptions> = {}): AuthServer {
  return createAuthServer({
    issuer: ISSUER,
    clients: CLIENTS,
    logger: silentLogger,
    password: { authenticateUser },
    authorize: { cookieSecrets: [COOKIE_SECRET] },
    ...overrides,
  });
}

/** `application/x-www-form-urlencoded` serialisation of one value (RFC 6749 Appendix B). */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** A form body; an array of pairs keeps order and repeats. */
export function form(params: Record<string, string> | readonly (readonly [string, string])[]): string {
  const search = new URLSearchParams();
  const entries = Array.isArray(params) ? (params as readonly (readonly [string, string])[]) : Object.entries(params as Record<string, string>);
  for (const [name, value] of entries) search.append(name, value);
  return search.toString();
}

/** `Authorization: Basic` for a client, id and secret form-urlencoded first (RFC 6749 §2.3.1). */
export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`, 'utf8').toString('base64')}`;
}

/** A token endpoint JSON body: success (RFC 6749 §5.1) or error (§5.2) members. */
export interface TokenJson {
  [name: string]: unknown;
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  error?: string;
  error_description?: string;
}

/** A response with lower-cased header names and the JSON body parsed (`{}` when it is not JSON). */
export interface CallResult {
  status: number;
  headers: Record<string, string>;
  json: TokenJson;
  body: string;
  response: TollgateResponse;
}

export function toResult(response: TollgateResponse): CallResult {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value;
  let json: TokenJson = {};
  try {
    const parsed: unknown = JSON.parse(response.body);
    if (parsed !== null && typeof parsed === 'object') json = parsed as TokenJson;
  } catch {
    json = {};
  }
  return { status: response.status, headers, json, body: response.body, response };
}

export interface CallInit {
  method?: string;
  url?: string | URL;
  headers?: HeadersLike;
  body?: string | Uint8Array;
}

/** Send a raw request through `server.handle()`. */
export async function call(server: AuthServer, init: CallInit = {}): Promise<CallResult> {
  const request: TollgateRequest = { method: init.method ?? 'POST', url: init.url ?? TOKEN_PATH, headers: init.headers ?? {} };
  if (init.body !== undefined) request.body = init.body;
  return toResult(await server.handle(request));
}

export interface TokenOptions {
  /** Client id and secret sent with Basic. */
  basic?: readonly [string, string];
  headers?: Record<string, string>;
  /** URL (path and query). Default the token path. */
  url?: string;
  /** Call `server.endpoints.token` directly instead of `server.handle`. */
  direct?: boolean;
}

/** POST a form to the token endpoint. */
export async function token(server: AuthServer, params: Record<string, string> | readonly (readonly [string, string])[] | string, options: TokenOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { 'content-type': FORM_TYPE, accept: 'application/json', ...options.headers };
  if (options.basic) headers.authorization = basic(options.basic[0], options.basic[1]);
  const request: TollgateRequest = { method: 'POST', url: options.url ?? TOKEN_PATH, headers, body: typeof params === 'string' ? params : form(params) };
  return toResult(options.direct ? await server.endpoints.token(request) : await server.handle(request));
}

/** client_credentials for the `service` client. */
export function clientCredentials(server: AuthServer, extra: Record<string, string> = {}, options: TokenOptions = {}): Promise<CallResult> {
  return token(server, { grant_type: 'client_credentials', ...extra }, { basic: ['service', SERVICE_SECRET], ...options });
}

/** The password grant for `web` as `alice`. */
export function passwordGrant(server: AuthServer, extra: Record<string, string> = {}, options: TokenOptions = {}): Promise<CallResult> {
  return token(server, { grant_type: 'password', username: 'alice', password: USERS.alice?.password ?? '', ...extra }, { basic: ['web', WEB_SECRET], ...options });
}

/** Refresh with `web`'s credentials (or another client's). */
export function refresh(server: AuthServer, refreshToken: unknown, extra: Record<string, string> = {}, client: readonly [string, string] = ['web', WEB_SECRET]): Promise<CallResult> {
  expect(refreshToken, 'a refresh token to present').toBeTypeOf('string');
  return token(server, { grant_type: 'refresh_token', refresh_token: refreshToken as string, ...extra }, { basic: client });
}

/** Expect a successful token response and return its body. */
export function expectTokens(result: CallResult): TokenJson & { access_token: string; token_type: string; expires_in: number } {
  expect(result.status, result.body).toBe(200);
  expect(result.headers['content-type']).toMatch(/^application\/json/);
  expectNoStore(result);
  expect(result.json.access_token).toBeTypeOf('string');
  expect(result.json.token_type).toBeTypeOf('string');
  expect(result.json.expires_in).toBeTypeOf('number');
  return result.json as TokenJson & { access_token: string; token_type: string; expires_in: number };
}

/** RFC 6749 §5.1: token responses and errors are never cached. */
export function expectNoStore(result: CallResult): void {
  expect(result.headers['cache-control'], 'Cache-Control').toBe('no-store');
  expect(result.headers.pragma, 'Pragma').toBe('no-cache');
}

/** Expect an RFC 6749 §5.2 error. */
export function expectError(result: CallResult, status: number, error: string, description?: string | RegExp): void {
  expect(result.status, result.body).toBe(status);
  expect(result.headers['content-type']).toMatch(/^application\/json/);
  expectNoStore(result);
  expect(result.json.error).toBe(error);
  expect(result.json.error_description).toBeTypeOf('string');
  if (description !== undefined) expect(result.json.error_description).toMatch(description);
  // Only the two RFC 6749 §5.2 members (error_uri is never used).
  expect(Object.keys(result.json).sort()).toEqual(['error', 'error_description']);
}

/** A random RFC 7636 verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256Challenge(verifier) };
}

export interface CodeOptions {
  clientId?: string;
  redirectUri?: string;
  subject?: string;
  scope?: readonly string[];
  /** S256 challenge; `null` issues a code without one. */
  challenge?: string | null;
  claims?: Record<string, unknown>;
  lifetime?: number;
}

/** Store an authorization code the way the authorization endpoint would. */
export function issueCode(server: AuthServer, options: CodeOptions = {}): Promise<string> {
  return server.createAuthorizationCode({
    clientId: options.clientId ?? 'web',
    redirectUri: options.redirectUri ?? CALLBACK,
    subject: options.subject ?? 'user-alice',
    scope: options.scope ?? ['orders:read'],
    codeChallenge: options.challenge === null ? undefined : (options.challenge ?? undefined),
    authTime: Math.floor(Date.now() / 1000),
    ...(options.claims === undefined ? {} : { claims: options.claims }),
    ...(options.lifetime === undefined ? {} : { lifetime: options.lifetime }),
  });
}

export interface RedeemOptions {
  code: string;
  verifier?: string;
  /** `null` leaves redirect_uri out. */
  redirectUri?: string | null;
  /** A confidential client's id and secret (Basic), or a public client's id (client_id in the body). */
  client?: readonly [string, string] | string;
}

/** Redeem a code at the token endpoint. */
export function redeem(server: AuthServer, options: RedeemOptions): Promise<CallResult> {
  const params: Record<string, string> = { grant_type: 'authorization_code', code: options.code };
  if (options.redirectUri !== null) params.redirect_uri = options.redirectUri ?? CALLBACK;
  if (options.verifier !== undefined) params.code_verifier = options.verifier;
  const client = options.client ?? ['web', WEB_SECRET];
  if (typeof client === 'string') return token(server, { ...params, client_id: client });
  return token(server, params, { basic: client });
}

/** The JWKS as the JWKS endpoint serves it. */
export async function fetchJwks(server: AuthServer): Promise<{ keys: Record<string, unknown>[] }> {
  const response = await call(server, { method: 'GET', url: JWKS_PATH });
  expect(response.status).toBe(200);
  return JSON.parse(response.body) as { keys: Record<string, unknown>[] };
}

/** Verify an access token the way a resource server would: against the published JWKS, RFC 9068 `typ`. */
export async function verifyAccessToken(server: AuthServer, accessToken: unknown, options: { audience?: string; algorithms?: string[] } = {}): Promise<JWTVerifyResult<JWTPayload>> {
  expect(accessToken).toBeTypeOf('string');
  const jwks = createLocalJWKSet((await fetchJwks(server)) as Parameters<typeof createLocalJWKSet>[0]);
  return jwtVerify(accessToken as string, jwks, { issuer: server.issuer, audience: options.audience ?? server.issuer, typ: 'at+jwt', ...(options.algorithms ? { algorithms: options.algorithms } : {}) });
}

/** A memoryStore that records every call and its arguments (as JSON), to prove what a store is (never) given. */
export function spyStore(): { store: Store; calls: { method: string; args: unknown[] }[]; seen(): string } {
  const inner = memoryStore();
  const calls: { method: string; args: unknown[] }[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), args: structuredClone(args) });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls, seen: () => JSON.stringify(calls) };
}

/** Freeze an object graph (options must survive createAuthServer and use unchanged). */
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return value;
  if (seen.has(value as object)) return value;
  seen.add(value as object);
  for (const key of Reflect.ownKeys(value as object)) {
    const descriptor = Object.getOwnPropertyDescriptor(value as object, key);
    if (descriptor && 'value' in descriptor) deepFreeze(descriptor.value as unknown, seen);
  }
  return Object.freeze(value);
}

/** Header lookup on a result, case-insensitive. */
export function header(result: CallResult, name: string): string | undefined {
  return result.headers[name.toLowerCase()];
}
