import { randomBytes } from 'node:crypto';
import { decodeJwt, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { createAuthServer, memoryStore, s256Challenge, sha256, type AuthServer, type AuthServerOptions, type ClientConfig, type CodeRecord, type Store, type TollgateResponse } from '@tollgate/core';

export const ISSUER = 'https://auth.example.com';
export const CALLBACK = 'https://app.example.com/callback';
export const OTHER_CALLBACK = 'https://app.example.com/other-callback';
export const AUTHORIZE_PATH = '/oauth/authorize';
export const TOKEN_PATH = '/oauth/token';
export const COOKIE_SECRET = 'test-cookie-secret-0123456789-abcdefghij';
export const WEB_SECRET = 'web-client-secret-value-0123456789';

export const USERS: Readonly<Record<string, { password: string; subject: string }>> = {
  alice: { password: 'correct horse battery staple', subject: 'user-alice' },
  bob: { password: 'hunter2-hunter2', subject: 'user-bob' },
};

const GRANTS = ['authorization_code', 'refresh_token'] as const;
const SCOPES = ['openid', 'profile', 'orders:read', 'orders:write'] as const;

/** Clients every test server knows. */
export const CLIENTS: readonly ClientConfig[] = [
  // A public client (SPA): PKCE always, consent page.
  { id: 'spa', name: 'Example App', grantTypes: [...GRANTS], scopes: [...SCOPES], redirectUris: [CALLBACK] },
  // A confidential client that opted out of PKCE, with two redirect URIs.
  { id: 'web', name: 'Web App', secret: WEB_SECRET, requirePkce: false, grantTypes: [...GRANTS], scopes: [...SCOPES], redirectUris: [CALLBACK, OTHER_CALLBACK] },
  // A confidential client that keeps the PKCE default.
  { id: 'web-pkce', name: 'Web PKCE App', secret: WEB_SECRET, grantTypes: [...GRANTS], scopes: [...SCOPES], redirectUris: [CALLBACK] },
  // A first-party client: no consent page.
  { id: 'first', name: 'First Party', firstParty: true, grantTypes: [...GRANTS], scopes: [...SCOPES], redirectUris: [CALLBACK] },
  // Native apps and a loopback web client (RFC 8252 §7.3).
  { id: 'native', name: 'Native App', native: true, firstParty: true, grantTypes: [...GRANTS], scopes: [...SCOPES], redirectUris: ['http://127.0.0.1/callback'] },
  { id: 'native-ipv6', name: 'Native IPv6 App', native: true, firstParty: true, grantTypes: [...GRANTS], scopes: [...SCOPES], redirectUris: ['http://[::1]/callback'] },
  { id: 'native-localhost', name: 'Native Localhost App', native: true, firstParty: true, grantTypes: [...GRANTS], scopes: [...SCOPES], redirectUris: ['http://localhost/callback'] },
  { id: 'loopback-web', name: 'Loopback Web App', firstParty: true, grantTypes: [...GRANTS], scopes: [...SCOPES], redirectUris: ['http://127.0.0.1/callback'] },
  // A client whose name tries to inject markup into the consent page.
  { id: 'evil-name', name: '<script>alert("pwned")</script><img src=x onerror=alert(1)>', grantTypes: [...GRANTS], scopes: [...SCOPES], redirectUris: [CALLBACK] },
  // A client without the authorization code grant (but with a redirect URI).
  { id: 'machine', name: 'Machine', secret: WEB_SECRET, grantTypes: ['client_credentials'], scopes: [...SCOPES], redirectUris: [CALLBACK] },
];

export const silentLogger = { warn: (): void => undefined, error: (): void => undefined };

export async function authenticateUser({ username, password }: { username: string; password: string }): Promise<{ subject: string; claims: Record<string, unknown> } | undefined> {
  const user = USERS[username];
  return user && user.password === password ? { subject: user.subject, claims: { email: `${username}@example.com` } } : undefined;
}

export type ServerOverrides = Omit<Partial<AuthServerOptions>, 'authorize'> & { authorize?: NonNullable<AuthServerOptions['authorize']> };

/** A server with the test clients, fixed cookie secrets and a silent logger. */
export function makeServer(overrides: ServerOverrides = {}): AuthServer {
  const { authorize, ...rest } = overrides;
  return createAuthServer({
    issuer: ISSUER,
    clients: CLIENTS,
    logger: silentLogger,
    ...rest,
    authorize: { cookieSecrets: [COOKIE_SECRET], authenticateUser, ...authorize },
  });
}

/** A random PKCE pair (RFC 7636). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256Challenge(verifier) };
}

/** Authorization request parameters for `clientId` with S256 PKCE and a state. */
export function authParams(clientId = 'spa', extra: Record<string, string> = {}, pair = pkce()): Record<string, string> {
  return { response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, scope: 'openid orders:read', state: 'state-123', code_challenge: pair.challenge, code_challenge_method: 'S256', ...extra };
}

/** `/oauth/authorize?…` from parameters; an array gives the parameter several times. */
export function authorizeUrl(params: Record<string, string | readonly string[]> | [string, string][]): string {
  const search = new URLSearchParams();
  const entries = Array.isArray(params) ? params : Object.entries(params);
  for (const [name, value] of entries) {
    if (typeof value === 'string') search.append(name, value);
    else for (const item of value) search.append(name, item);
  }
  return `${AUTHORIZE_PATH}?${search.toString()}`;
}

/** Parse a `Set-Cookie` string. */
export function parseSetCookie(header: string): { name: string; value: string; attributes: string[] } {
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

export function findCookie(response: TollgateResponse, name: string): ReturnType<typeof parseSetCookie> | undefined {
  return (response.cookies ?? []).map(parseSetCookie).find((cookie) => cookie.name === name);
}

/** A browser: keeps the cookies the server sets and sends them back. */
export class Browser {
  readonly jar = new Map<string, string>();

  constructor(readonly server: AuthServer, readonly defaultHeaders: Record<string, string> = { accept: 'text/html' }) {}

  cookieHeader(): string | undefined {
    return this.jar.size === 0 ? undefined : [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(method: string, url: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<TollgateResponse> {
    const headers: Record<string, string> = { ...this.defaultHeaders, ...options.headers };
    const cookie = this.cookieHeader();
    if (cookie !== undefined && headers.cookie === undefined) headers.cookie = cookie;
    const response = await this.server.handle({ method, url, headers, ...(options.body === undefined ? {} : { body: options.body }) });
    for (const header of response.cookies ?? []) {
      const { name, value, attributes } = parseSetCookie(header);
      if (attributes.some((attribute) => /^max-age=0$/i.test(attribute))) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<TollgateResponse> {
    return this.request('GET', url, { headers });
  }

  post(url: string, form: Record<string, string> | URLSearchParams | string, headers: Record<string, string> = {}): Promise<TollgateResponse> {
    const body = typeof form === 'string' ? form : new URLSearchParams(form).toString();
    return this.request('POST', url, { body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }

  /** Submit the form on `page` (its hidden fields plus `fields`) to the authorization endpoint. */
  submit(page: TollgateResponse, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<TollgateResponse> {
    return this.post(formAction(page.body), { ...hiddenFields(page.body), ...fields }, headers);
  }

  /** Sign in on the sign-in `page`. */
  signIn(page: TollgateResponse, username = 'alice', password = USERS[username]?.password ?? ''): Promise<TollgateResponse> {
    return this.submit(page, { username, password });
  }
}

const decodeEntities = (value: string): string =>
  value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The hidden fields of the (first) form in `html`. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input\b[^>]*>/gi)) {
    const tag = match[0];
    if (!/type="hidden"/i.test(tag)) continue;
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    const value = /value="([^"]*)"/.exec(tag)?.[1];
    if (name !== undefined && value !== undefined) fields[decodeEntities(name)] = decodeEntities(value);
  }
  return fields;
}

export function formAction(html: string): string {
  const action = /<form\b[^>]*action="([^"]*)"/i.exec(html)?.[1];
  if (action === undefined) throw new Error('no form on this page');
  return decodeEntities(action);
}

/** The Location header as a URL (fails the test when absent). */
export function location(response: TollgateResponse): URL {
  const value = response.headers.Location ?? response.headers.location;
  expect(value, `expected a redirect, got ${response.status}: ${response.body.slice(0, 300)}`).toBeTypeOf('string');
  return new URL(value as string);
}

/** The redirect URI without its query: where a redirect goes. */
export function redirectTarget(response: TollgateResponse): string {
  const url = location(response);
  return `${url.origin}${url.pathname}`;
}

export function hasLocation(response: TollgateResponse): boolean {
  return Object.keys(response.headers).some((name) => name.toLowerCase() === 'location');
}

export function header(response: TollgateResponse, name: string): string | undefined {
  const key = Object.keys(response.headers).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : response.headers[key];
}

/** Expect an error redirect to `redirectUri` with `error`, a description, the state and `iss`. */
export function expectErrorRedirect(response: TollgateResponse, error: string, options: { state?: string | null; redirectUri?: string; status?: number } = {}): URL {
  expect(response.status, response.body.slice(0, 300)).toBe(options.status ?? 302);
  const url = location(response);
  expect(`${url.origin}${url.pathname}`).toBe(options.redirectUri ?? CALLBACK);
  expect(url.searchParams.get('error')).toBe(error);
  expect(url.searchParams.get('error_description')).toMatch(/\S/);
  expect(url.searchParams.get('code')).toBeNull();
  expect(url.searchParams.getAll('iss')).toEqual([ISSUER]);
  const state = options.state === undefined ? 'state-123' : options.state;
  if (state === null) expect(url.searchParams.has('state')).toBe(false);
  else expect(url.searchParams.getAll('state')).toEqual([state]);
  return url;
}

/** Expect a success redirect and return the code. */
export function expectCodeRedirect(response: TollgateResponse, options: { state?: string; redirectUri?: string; status?: number } = {}): string {
  expect(response.status, response.body.slice(0, 300)).toBe(options.status ?? 302);
  const url = location(response);
  expect(`${url.origin}${url.pathname}`).toBe(options.redirectUri ?? CALLBACK);
  expect(url.searchParams.get('error')).toBeNull();
  expect(url.searchParams.getAll('iss')).toEqual([ISSUER]);
  expect(url.searchParams.getAll('state')).toEqual([options.state ?? 'state-123']);
  const codes = url.searchParams.getAll('code');
  expect(codes).toHaveLength(1);
  expect(codes[0]).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  return codes[0] as string;
}

/** Expect the 400 shown to the user for an untrusted request: never a redirect. */
export function expectNotRedirected(response: TollgateResponse, kind: 'html' | 'json' = 'html'): void {
  expect(response.status, response.body.slice(0, 300)).toBe(400);
  expect(hasLocation(response)).toBe(false);
  expect(response.body).not.toMatch(/code=/);
  if (kind === 'html') {
    expect(header(response, 'content-type')).toMatch(/^text\/html/);
    expect(response.body).toMatch(/<!doctype html>/i);
  } else {
    expect(header(response, 'content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
  }
}

/** Expect the default sign-in page. */
export function expectSignInPage(response: TollgateResponse, status = 200): void {
  expect(response.status, response.body.slice(0, 300)).toBe(status);
  expect(hasLocation(response)).toBe(false);
  expect(header(response, 'content-type')).toMatch(/^text\/html/);
  expect(response.body).toMatch(/<input[^>]*name="password"/);
  expect(hiddenFields(response.body).tollgate_action).toBe('sign-in');
}

/** Expect the default consent page. */
export function expectConsentPage(response: TollgateResponse): void {
  expect(response.status, response.body.slice(0, 300)).toBe(200);
  expect(hasLocation(response)).toBe(false);
  expect(response.body).toMatch(/name="decision" value="approve"/);
  expect(hiddenFields(response.body).tollgate_action).toBe('consent');
}

/** Redeem a code at the token endpoint. */
export async function redeem(server: AuthServer, fields: { code: string; clientId?: string; verifier?: string; redirectUri?: string | null; secret?: string }): Promise<{ status: number; json: Record<string, unknown> }> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: fields.code });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const clientId = fields.clientId ?? 'spa';
  if (fields.secret !== undefined) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(fields.secret)}`).toString('base64')}`;
  else form.set('client_id', clientId);
  if (fields.redirectUri !== null) form.set('redirect_uri', fields.redirectUri ?? CALLBACK);
  if (fields.verifier !== undefined) form.set('code_verifier', fields.verifier);
  const response = await server.handle({ method: 'POST', url: TOKEN_PATH, headers, body: form.toString() });
  return { status: response.status, json: JSON.parse(response.body) as Record<string, unknown> };
}

export function claimsOf(token: unknown): JWTPayload {
  expect(token).toBeTypeOf('string');
  return decodeJwt(token as string);
}

/** A browser signed in as `username` (the session cookie is in its jar). */
export async function signedInBrowser(server: AuthServer, username = 'alice'): Promise<Browser> {
  const browser = new Browser(server);
  const page = await browser.get(authorizeUrl(authParams('first')));
  expectSignInPage(page);
  const after = await browser.signIn(page, username);
  expectCodeRedirect(after, { status: 303 });
  expect(browser.jar.has('tollgate_session')).toBe(true);
  return browser;
}

/** Run sign-in (and consent, when asked) in a fresh browser and return the code. */
export async function obtainCode(server: AuthServer, params: Record<string, string>, browser = new Browser(server)): Promise<string> {
  let response = await browser.get(authorizeUrl(params));
  if (response.status === 200 && hiddenFields(response.body).tollgate_action === 'sign-in') response = await browser.signIn(response);
  if (response.status === 200 && hiddenFields(response.body).tollgate_action === 'consent') response = await browser.submit(response, { decision: 'approve' });
  const status = response.status;
  return expectCodeRedirect(response, { state: params.state ?? 'state-123', redirectUri: params.redirect_uri ?? CALLBACK, status });
}

/** A store that records everything it is given. */
export function spyStore(): { store: Store; saved: CodeRecord[]; calls: unknown[][] } {
  const inner = memoryStore();
  const saved: CodeRecord[] = [];
  const calls: unknown[][] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push([property, ...args]);
        if (property === 'saveCode') saved.push(structuredClone(args[0] as CodeRecord));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, saved, calls };
}

export { sha256 };

/** Change one character at the start of the signature of a sealed `payload.signature` value (every bit there counts). */
export function tamperSignature(sealed: string): string {
  const dot = sealed.indexOf('.');
  const first = sealed[dot + 1];
  return `${sealed.slice(0, dot + 1)}${first === 'A' ? 'B' : 'A'}${sealed.slice(dot + 2)}`;
}
