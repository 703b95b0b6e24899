import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer, generateKey, getHeader, s256Challenge, type AuthServer, type AuthenticatedUser } from '@tollgate/core';

/** A running app under test, as {@link ConformanceStart} returns it. */
export interface ConformanceApp {
  /** Where the app listens, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  baseUrl: string;
  /** Stop listening and release everything `start` created. */
  close(): Promise<void>;
}

/**
 * Mounts the server under test in a framework and starts listening on 127.0.0.1 (ephemeral port).
 *
 * The contract: the app must
 * 1. serve every endpoint of `server` at its configured path (`server.routes`, all methods), and
 * 2. serve `GET /protected` (or {@link ConformanceOptions.protectedPath}), protected by the adapter's
 *    `protect` for `server` with the rule `{ scopes: ['orders:read'] }`, answering `200` with the JSON
 *    `{ "sub": …, "client_id": … }` taken from the verified claims.
 *
 * Anything else the app does (its own parsers, routers, sub-paths) is up to the adapter test.
 */
export type ConformanceStart = (server: AuthServer) => Promise<ConformanceApp>;

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Path of the protected route `start` mounts. Default `/protected`. */
  protectedPath?: string;
}

/** The issuer of the suite's server. Nothing is fetched from it: it only names the server in tokens and redirects. */
export const CONFORMANCE_ISSUER = 'https://issuer.conformance.test';
/** The one redirect URI the suite's browser clients register. */
export const CONFORMANCE_CALLBACK = 'https://client.conformance.test/callback';
/** The scope `GET /protected` requires. */
export const CONFORMANCE_SCOPE = 'orders:read';
/** Largest body the suite's server accepts, in bytes (small, so the 413 tests stay small). */
export const CONFORMANCE_BODY_LIMIT = 8 * 1024;
/** A request header naming a signed-in user; the suite's `authorize.resolveUser` reads it, as an app reads its session. */
export const CONFORMANCE_USER_HEADER = 'x-conformance-user';

const FORM = 'application/x-www-form-urlencoded';
const SCOPES = ['openid', 'profile', 'orders:read', 'orders:write'];
const USERS: Readonly<Record<string, { password: string; subject: string; name: string }>> = {
  alice: { password: 'alice-password', subject: 'user-alice', name: 'Alice Example' },
  bob: { password: 'bob-password', subject: 'user-bob', name: 'Bob Example' },
};
const SECRETS = { service: 'service-secret-0123456789', cli: 'cli-secret-0123456789', web: 'web-secret-0123456789' } as const;

interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

interface ErrorBody {
  error: string;
  error_description?: string;
}

/** Start a `node:http` server for `listener` on 127.0.0.1, on an ephemeral port. */
export async function listenOnLoopback(listener: RequestListener): Promise<ConformanceApp> {
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}


function createConformanceServer(errors: string[]): AuthServer {
  const authenticateUser = async ({ username, password }: { username: string; password: string }): Promise<AuthenticatedUser | undefined> => {
    const user = USERS[username];
    return user && user.password === password ? { subject: user.subject, claims: { name: user.name } } : undefined;
  };
  return createAuthServer({
    issuer: CONFORMANCE_ISSUER,
    keys: [generateKey('EdDSA')],
    scopes: SCOPES,
    bodyLimit: CONFORMANCE_BODY_LIMIT,
    clients: [
      { id: 'service', secret: SECRETS.service, grantTypes: ['client_credentials'], scopes: ['orders:read', 'orders:write', 'profile'], defaultScopes: ['orders:read'] },
      { id: 'cli', secret: SECRETS.cli, grantTypes: ['password', 'refresh_token'], scopes: SCOPES, defaultScopes: ['orders:read'] },
      { id: 'web', name: 'Web App', secret: SECRETS.web, firstParty: true, grantTypes: ['authorization_code', 'refresh_token'], scopes: SCOPES, redirectUris: [CONFORMANCE_CALLBACK] },
      { id: 'spa', name: 'Single-Page App', grantTypes: ['authorization_code', 'refresh_token'], scopes: SCOPES, redirectUris: [CONFORMANCE_CALLBACK] },
    ],
    password: { authenticateUser },
    userinfo: ({ subject }) => {
      const user = Object.values(USERS).find((candidate) => candidate.subject === subject);
      return user ? { sub: user.subject, name: user.name } : undefined;
    },
    authorize: {
      cookieSecrets: [randomBytes(32).toString('base64url')],
      // The app's own session, as a test header; without it the default sign-in page (password hook) is used.
      resolveUser: async ({ request }) => {
        const user = USERS[getHeader(request.headers, CONFORMANCE_USER_HEADER) ?? ''];
        return user ? { subject: user.subject, name: user.name } : undefined;
      },
    },
    logger: { error: (message) => errors.push(message), warn: () => undefined },
  });
}

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256Challenge(verifier) };
}

/** The value of a hidden form field in one of Tollgate's pages. */
function hiddenField(html: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  if (value === undefined) throw new Error(`no hidden field ${name} in the page`);
  return value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** Name and value of each `Set-Cookie` header. */
function cookiePairs(response: Response): [string, string][] {
  return response.headers.getSetCookie().map((header) => {
    const [pair = ''] = header.split(';');
    const eq = pair.indexOf('=');
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
  });
}

/**
 * The HTTP conformance suite: every adapter must pass it unchanged. It creates its own authorization server,
 * hands it to `start` (see {@link ConformanceStart} for what the app must serve) and talks to the app with
 * real `fetch` over HTTP: token grants and errors, the authorization endpoint and sign-in page, PKCE,
 * userinfo, revocation, introspection, metadata, JWKS and route protection.
 *
 * ```ts
 * runConformance('express', async (server) => {
 *   const app = express();
 *   app.use(tollgate(server));
 *   app.get('/protected', protect(server, { scopes: ['orders:read'] }), (req, res) => res.json({ sub: req.auth?.sub, client_id: req.auth?.client_id }));
 *   return listenOnLoopback(app);
 * });
 * ```
 */
export function runConformance(name: string, start: ConformanceStart, options: ConformanceOptions = {}): void {
  const protectedPath = options.protectedPath ?? '/protected';

  describe(`HTTP conformance: ${name}`, () => {
    const errors: string[] = [];
    let server: AuthServer | undefined;
    let app: ConformanceApp | undefined;

    beforeAll(async () => {
      server = createConformanceServer(errors);
      app = await start(server);
    });
    afterAll(async () => {
      await app?.close();
      await server?.close();
    });

    const auth = (): AuthServer => {
      if (!server) throw new Error('the conformance server was not created');
      return server;
    };
    const url = (path: string): string => {
      if (!app) throw new Error('start() did not return an app');
      return app.baseUrl + path;
    };
    const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> => fetch(url(path), { method, headers, redirect: 'manual' });
    const post = (path: string, body: string | URLSearchParams, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(url(path), { method: 'POST', headers: { 'content-type': FORM, ...headers }, body: body.toString(), redirect: 'manual' });
    const token = (params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> => post(auth().paths.token, new URLSearchParams(params), headers);
    const tokens = async (params: Record<string, string>, headers: Record<string, string> = {}): Promise<TokenBody> => {
      const response = await token(params, headers);
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as TokenBody;
    };
    const serviceToken = (scope = 'orders:read'): Promise<TokenBody> => tokens({ grant_type: 'client_credentials', scope }, { authorization: basic('service', SECRETS.service) });
    const passwordTokens = (scope = 'openid profile orders:read'): Promise<TokenBody> =>
      tokens({ grant_type: 'password', username: 'alice', password: USERS.alice?.password ?? '', scope }, { authorization: basic('cli', SECRETS.cli) });
    const refresh = (refreshToken: string): Promise<Response> => token({ grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic('cli', SECRETS.cli) });
    const introspect = async (value: string, id = 'cli', secret: string = SECRETS.cli): Promise<Record<string, unknown>> => {
      const response = await post(auth().paths.introspection, new URLSearchParams({ token: value }), { authorization: basic(id, secret) });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    const expectError = async (response: Response, status: number, error: string): Promise<void> => {
      expect(response.status).toBe(status);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(((await response.json()) as ErrorBody).error).toBe(error);
    };
    /** A raw request with a chunked body of `size` bytes (no Content-Length). */
    const chunked = (path: string, size: number): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> =>
      new Promise((resolve, reject) => {
        const request = httpRequest(url(path), { method: 'POST', headers: { 'content-type': FORM, 'transfer-encoding': 'chunked' } }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        });
        // The server may answer (and stop reading) before the whole body is written.
        request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
        const chunk = `grant_type=client_credentials&padding=${'a'.repeat(1024)}`;
        let sent = 0;
        while (sent < size) {
          request.write(chunk);
          sent += chunk.length;
        }
        request.end();
      });

    describe('token endpoint', () => {
      it('issues a client_credentials token with client_secret_basic, never cached', async () => {
        const response = await token({ grant_type: 'client_credentials' }, { authorization: basic('service', SECRETS.service) });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('pragma')).toBe('no-cache');
        const body = (await response.json()) as TokenBody;
        expect(body).toMatchObject({ token_type: 'Bearer', scope: 'orders:read' });
        expect(body.access_token).toEqual(expect.any(String));
        expect(body.expires_in).toBeGreaterThan(0);
        // RFC 6749 §4.4.3: no refresh token for client_credentials.
        expect(body.refresh_token).toBeUndefined();
      });

      it('issues a client_credentials token with client_secret_post', async () => {
        const body = await tokens({ grant_type: 'client_credentials', client_id: 'service', client_secret: SECRETS.service, scope: 'orders:read orders:write' });
        expect(body.scope).toBe('orders:read orders:write');
      });

      it('issues password-grant tokens whose refresh token rotates', async () => {
        const first = await passwordTokens();
        expect(first.refresh_token).toEqual(expect.any(String));
        const response = await refresh(first.refresh_token ?? '');
        expect(response.status).toBe(200);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('pragma')).toBe('no-cache');
        const second = (await response.json()) as TokenBody;
        expect(second.refresh_token).toEqual(expect.any(String));
        expect(second.refresh_token).not.toBe(first.refresh_token);
        expect(second.access_token).not.toBe(first.access_token);
      });

      it('refuses a reused refresh token with invalid_grant and revokes its whole family', async () => {
        const first = await passwordTokens();
        const second = await tokens({ grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' }, { authorization: basic('cli', SECRETS.cli) });
        expect((await introspect(second.access_token)).active).toBe(true);

        await expectError(await refresh(first.refresh_token ?? ''), 400, 'invalid_grant');
        // The family is revoked: the rotated refresh token and its access token are dead too.
        await expectError(await refresh(second.refresh_token ?? ''), 400, 'invalid_grant');
        expect(await introspect(second.access_token)).toEqual({ active: false });
      });

      it('answers GET with 405 and Allow: POST', async () => {
        const response = await get(auth().paths.token);
        expect(response.headers.get('allow')).toBe('POST');
        await expectError(response, 405, 'invalid_request');
      });

      it('refuses a JSON body with 400 invalid_request', async () => {
        const response = await post(auth().paths.token, JSON.stringify({ grant_type: 'client_credentials' }), { 'content-type': 'application/json', authorization: basic('service', SECRETS.service) });
        await expectError(response, 400, 'invalid_request');
      });

      it('refuses a repeated parameter with 400 invalid_request (RFC 6749 §3.1)', async () => {
        const response = await post(auth().paths.token, 'grant_type=client_credentials&scope=orders:read&scope=orders:write', { authorization: basic('service', SECRETS.service) });
        expect(response.status).toBe(400);
        expect((await response.json()) as ErrorBody).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('scope') });
      });

      it('treats a bracketed name as an ordinary unknown parameter', async () => {
        const response = await post(auth().paths.token, 'grant_type=client_credentials&scope[x]=orders:write&__proto__[admin]=1', { authorization: basic('service', SECRETS.service) });
        expect(response.status).toBe(200);
        expect(((await response.json()) as TokenBody).scope).toBe('orders:read');
      });

      it('refuses a body over the limit with 413 (Content-Length)', async () => {
        const body = `grant_type=client_credentials&padding=${'a'.repeat(CONFORMANCE_BODY_LIMIT)}`;
        await expectError(await post(auth().paths.token, body, { authorization: basic('service', SECRETS.service) }), 413, 'invalid_request');
      });

      it('refuses a chunked body over the limit with 413', async () => {
        const response = await chunked(auth().paths.token, CONFORMANCE_BODY_LIMIT * 2);
        expect(response.status).toBe(413);
        expect(response.headers['cache-control']).toBe('no-store');
        expect((JSON.parse(response.body) as ErrorBody).error).toBe('invalid_request');
      });

      it('answers a wrong Basic secret with 401 invalid_client and a Basic challenge', async () => {
        const response = await token({ grant_type: 'client_credentials' }, { authorization: basic('service', 'wrong-secret') });
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
        await expectError(response, 401, 'invalid_client');
      });

      it('answers an unknown client_secret_post client with 401 invalid_client', async () => {
        await expectError(await token({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }), 401, 'invalid_client');
      });

      it('answers an unknown grant type with 400 unsupported_grant_type', async () => {
        await expectError(await token({ grant_type: 'urn:example:unknown' }, { authorization: basic('service', SECRETS.service) }), 400, 'unsupported_grant_type');
      });

      it('answers a grant the client may not use with 400 unauthorized_client', async () => {
        const response = await token({ grant_type: 'password', username: 'alice', password: 'alice-password' }, { authorization: basic('service', SECRETS.service) });
        await expectError(response, 400, 'unauthorized_client');
      });
    });

    describe('authorization endpoint', () => {
      const authorizeUrl = (params: Record<string, string>): string => `${auth().paths.authorize}?${new URLSearchParams(params).toString()}`;
      const redeem = (params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> =>
        token({ grant_type: 'authorization_code', redirect_uri: CONFORMANCE_CALLBACK, ...params }, headers);

      it('redirects a signed-in user (resolveUser) with 302, code, state and iss; the code redeems once with PKCE', async () => {
        const pair = pkce();
        const response = await get(
          authorizeUrl({ response_type: 'code', client_id: 'web', redirect_uri: CONFORMANCE_CALLBACK, scope: 'openid orders:read', state: 'state-é 1', code_challenge: pair.challenge, code_challenge_method: 'S256' }),
          { [CONFORMANCE_USER_HEADER]: 'alice' },
        );
        expect(response.status).toBe(302);
        const location = new URL(response.headers.get('location') ?? '');
        expect(location.origin + location.pathname).toBe(CONFORMANCE_CALLBACK);
        expect(location.searchParams.get('state')).toBe('state-é 1');
        expect(location.searchParams.get('iss')).toBe(auth().issuer);
        const code = location.searchParams.get('code') ?? '';
        expect(code).not.toBe('');

        const redeemed = await redeem({ code, code_verifier: pair.verifier }, { authorization: basic('web', SECRETS.web) });
        expect(redeemed.status).toBe(200);
        expect(redeemed.headers.get('cache-control')).toBe('no-store');
        const body = (await redeemed.json()) as TokenBody;
        expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid orders:read' });
        expect(body.refresh_token).toEqual(expect.any(String));

        const claims = await get(protectedPath, { authorization: `Bearer ${body.access_token}` });
        expect(await claims.json()).toEqual({ sub: 'user-alice', client_id: 'web' });

        // RFC 6749 §4.1.2: a code is used once.
        await expectError(await redeem({ code, code_verifier: pair.verifier }, { authorization: basic('web', SECRETS.web) }), 400, 'invalid_grant');
      });

      it('refuses a code redeemed with the wrong PKCE verifier', async () => {
        const pair = pkce();
        const response = await get(authorizeUrl({ response_type: 'code', client_id: 'web', scope: 'orders:read', code_challenge: pair.challenge, code_challenge_method: 'S256' }), { [CONFORMANCE_USER_HEADER]: 'bob' });
        const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? '';
        await expectError(await redeem({ code, code_verifier: pkce().verifier }, { authorization: basic('web', SECRETS.web) }), 400, 'invalid_grant');
      });

      it('never redirects to an unregistered redirect_uri (400, no Location)', async () => {
        const params = { response_type: 'code', client_id: 'web', redirect_uri: 'https://attacker.example/callback', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
        const asJson = await get(authorizeUrl(params), { [CONFORMANCE_USER_HEADER]: 'alice' });
        expect(asJson.headers.get('location')).toBeNull();
        await expectError(asJson, 400, 'invalid_request');
        const asPage = await get(authorizeUrl(params), { [CONFORMANCE_USER_HEADER]: 'alice', accept: 'text/html' });
        expect(asPage.status).toBe(400);
        expect(asPage.headers.get('location')).toBeNull();
        expect(asPage.headers.get('content-type')).toMatch(/^text\/html/);
        await asPage.body?.cancel();
      });

      it('signs in on the default page and consents; every cookie arrives in its own Set-Cookie header', async () => {
        const pair = pkce();
        const jar = new Map<string, string>();
        const keep = (response: Response): [string, string][] => {
          const pairs = cookiePairs(response);
          for (const [cookie, value] of pairs) jar.set(cookie, value);
          return pairs;
        };
        const cookie = (): string => [...jar].map(([cookieName, value]) => `${cookieName}=${value}`).join('; ');

        const page = await get(authorizeUrl({ response_type: 'code', client_id: 'spa', scope: 'openid orders:read', state: 'xyz', code_challenge: pair.challenge, code_challenge_method: 'S256' }), { accept: 'text/html' });
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('x-frame-options')).toBe('DENY');
        expect(keep(page).map(([cookieName]) => cookieName)).toContain('tollgate_csrf');
        const signInHtml = await page.text();

        const wrong = await post(auth().paths.authorize, new URLSearchParams({ tollgate_action: 'sign-in', tollgate_request: hiddenField(signInHtml, 'tollgate_request'), username: 'alice', password: 'not-her-password' }), { cookie: cookie(), accept: 'text/html' });
        // 400, not 401: a form sign-in is no HTTP authentication scheme (a 401 needs a challenge).
        expect(wrong.status).toBe(400);
        expect(cookiePairs(wrong).map(([cookieName]) => cookieName)).not.toContain('tollgate_session');
        await wrong.body?.cancel();

        const consent = await post(auth().paths.authorize, new URLSearchParams({ tollgate_action: 'sign-in', tollgate_request: hiddenField(signInHtml, 'tollgate_request'), username: 'alice', password: 'alice-password' }), { cookie: cookie(), accept: 'text/html' });
        expect(consent.status).toBe(200);
        // Sign-in sets the session and a fresh CSRF cookie, each its own header: a joined "a=1, b=2" would be
        // read as one cookie by browsers.
        const set = consent.headers.getSetCookie();
        expect(set.length).toBeGreaterThanOrEqual(2);
        expect(set.every((header) => header.split(/,\s*tollgate_/).length === 1)).toBe(true);
        expect(keep(consent).map(([cookieName]) => cookieName)).toEqual(expect.arrayContaining(['tollgate_session', 'tollgate_csrf']));
        const consentHtml = await consent.text();

        const approved = await post(auth().paths.authorize, new URLSearchParams({ tollgate_action: 'consent', tollgate_request: hiddenField(consentHtml, 'tollgate_request'), decision: 'approve' }), { cookie: cookie(), accept: 'text/html' });
        // RFC 9700 §4.12: a redirect answering a POST is 303.
        expect(approved.status).toBe(303);
        const location = new URL(approved.headers.get('location') ?? '');
        expect(location.searchParams.get('state')).toBe('xyz');
        expect(location.searchParams.get('iss')).toBe(auth().issuer);
        const redeemed = await redeem({ code: location.searchParams.get('code') ?? '', client_id: 'spa', code_verifier: pair.verifier });
        expect(redeemed.status).toBe(200);
        expect(((await redeemed.json()) as TokenBody).scope).toBe('openid orders:read');
      });
    });

    describe('userinfo endpoint', () => {
      it("answers the user's claims for a user's access token", async () => {
        const { access_token } = await passwordTokens();
        const response = await get(auth().paths.userinfo ?? '', { authorization: `Bearer ${access_token}` });
        expect(response.status).toBe(200);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(await response.json()).toEqual({ sub: 'user-alice', name: 'Alice Example' });
      });

      it('answers a request without a token with 401 and a Bearer challenge naming the realm', async () => {
        const response = await get(auth().paths.userinfo ?? '');
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${auth().issuer}"`);
        await response.body?.cancel();
      });

      it('refuses a machine token (no user) with 401 invalid_token', async () => {
        const { access_token } = await serviceToken();
        const response = await get(auth().paths.userinfo ?? '', { authorization: `Bearer ${access_token}` });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
        await response.body?.cancel();
      });
    });

    describe('revocation endpoint', () => {
      const revoke = (value: string, headers: Record<string, string> = { authorization: basic('cli', SECRETS.cli) }): Promise<Response> => post(auth().paths.revocation, new URLSearchParams({ token: value }), headers);

      it('revokes a refresh token (200), which is then refused', async () => {
        const { refresh_token } = await passwordTokens();
        const response = await revoke(refresh_token ?? '');
        expect(response.status).toBe(200);
        expect(response.headers.get('cache-control')).toBe('no-store');
        await response.body?.cancel();
        await expectError(await refresh(refresh_token ?? ''), 400, 'invalid_grant');
      });

      it('answers 200 for an unknown token (RFC 7009 §2.2)', async () => {
        const response = await revoke('no-such-token');
        expect(response.status).toBe(200);
        await response.body?.cancel();
      });

      it('requires client authentication', async () => {
        await expectError(await revoke('no-such-token', {}), 401, 'invalid_client');
      });
    });

    describe('introspection endpoint', () => {
      it('answers active: true with the claims of a live token, active: false once revoked', async () => {
        const { access_token } = await passwordTokens('orders:read');
        expect(await introspect(access_token)).toMatchObject({ active: true, client_id: 'cli', sub: 'user-alice', scope: 'orders:read', iss: auth().issuer });
        const revoked = await post(auth().paths.revocation, new URLSearchParams({ token: access_token }), { authorization: basic('cli', SECRETS.cli) });
        expect(revoked.status).toBe(200);
        await revoked.body?.cancel();
        expect(await introspect(access_token)).toEqual({ active: false });
      });

      it('answers active: false for garbage and for another client’s token', async () => {
        expect(await introspect('not-a-token')).toEqual({ active: false });
        const { access_token } = await serviceToken();
        expect(await introspect(access_token)).toEqual({ active: false });
      });
    });

    describe('metadata and JWKS', () => {
      it('serves RFC 8414 metadata naming this issuer and its endpoints', async () => {
        const response = await get(auth().paths.metadata);
        expect(response.status).toBe(200);
        const metadata = (await response.json()) as Record<string, unknown>;
        expect(metadata).toMatchObject({ issuer: auth().issuer, token_endpoint: auth().issuer + auth().paths.token, jwks_uri: auth().issuer + auth().paths.jwks });
        const openid = await get('/.well-known/openid-configuration');
        expect(openid.status).toBe(200);
        expect(await openid.json()).toEqual(metadata);
      });

      it('answers HEAD with headers only and other methods with 405', async () => {
        const head = await get(auth().paths.metadata, {}, 'HEAD');
        expect(head.status).toBe(200);
        expect(await head.text()).toBe('');
        const wrong = await post(auth().paths.metadata, '');
        expect(wrong.headers.get('allow')).toBe('GET, HEAD');
        await expectError(wrong, 405, 'invalid_request');
      });

      it('serves the public signing keys as a JWKS', async () => {
        const response = await get(auth().paths.jwks);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
        const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
        expect(keys.length).toBeGreaterThan(0);
        for (const key of keys) {
          expect(key).toMatchObject({ kid: expect.any(String), kty: expect.any(String) });
          expect(key).not.toHaveProperty('d');
        }
      });
    });

    describe(`route protection (GET ${protectedPath})`, () => {
      it('answers a request without a token with 401 and a bare Bearer challenge', async () => {
        const response = await get(protectedPath);
        expect(response.status).toBe(401);
        const challenge = response.headers.get('www-authenticate') ?? '';
        expect(challenge).toMatch(/^Bearer\b/);
        // RFC 6750 §3.1: no error code when the request had no credentials.
        expect(challenge).not.toMatch(/error=/);
        expect(await response.text()).toBe('');
      });

      it('answers a bad token with 401 invalid_token', async () => {
        const { access_token } = await serviceToken();
        const forged = `${access_token.slice(0, -4)}AAAA`;
        for (const value of ['not-a-jwt', forged]) {
          const response = await get(protectedPath, { authorization: `Bearer ${value}` });
          expect(response.status).toBe(401);
          expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
          expect(((await response.json()) as ErrorBody).error).toBe('invalid_token');
        }
      });

      it('answers a malformed Authorization header with 400 invalid_request', async () => {
        const response = await get(protectedPath, { authorization: 'Bearer two words' });
        expect(response.status).toBe(400);
        expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
        await response.body?.cancel();
      });

      it('answers a token without the scope with 403 insufficient_scope naming the scope', async () => {
        const { access_token } = await serviceToken('orders:write');
        const response = await get(protectedPath, { authorization: `Bearer ${access_token}` });
        expect(response.status).toBe(403);
        const challenge = response.headers.get('www-authenticate') ?? '';
        expect(challenge).toMatch(/error="insufficient_scope"/);
        expect(challenge).toContain(`scope="${CONFORMANCE_SCOPE}"`);
        expect(((await response.json()) as ErrorBody).error).toBe('insufficient_scope');
      });

      it('lets a valid token through with its verified claims', async () => {
        const { access_token } = await serviceToken();
        const response = await get(protectedPath, { authorization: `Bearer ${access_token}` });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ sub: 'service', client_id: 'service' });
      });
    });

    it('logged no unexpected server error on the way', () => {
      expect(errors).toEqual([]);
    });
  });
}
