import { describe, expect, it } from 'vitest';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { toWebHandler } from '@tollgate/core';
import { authParams, authorizeUrl, Browser, expectCodeRedirect, expectConsentPage, expectSignInPage, ISSUER, makeServer, pkce, redeem } from './helpers.js';

describe('end to end: authorization → code → token', () => {
  it('a public client with PKCE gets access and refresh tokens', async () => {
    const server = makeServer();
    const pair = pkce();
    const browser = new Browser(server);

    const signIn = await browser.get(authorizeUrl(authParams('spa', { scope: 'openid orders:read', state: 'xyz' }, pair)));
    expectSignInPage(signIn);
    const consent = await browser.signIn(signIn);
    expectConsentPage(consent);
    const code = expectCodeRedirect(await browser.submit(consent, { decision: 'approve' }), { state: 'xyz', status: 303 });

    const tokens = await redeem(server, { code, verifier: pair.verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid orders:read' });
    expect(tokens.json.access_token).toBeTypeOf('string');
    expect(tokens.json.refresh_token).toBeTypeOf('string');

    // The access token verifies against the server's JWKS.
    const jwks = JSON.parse((await server.handle({ method: 'GET', url: '/.well-known/jwks.json', headers: {} })).body) as { keys: JWK[] };
    const jwk = jwks.keys[0] as JWK;
    const { payload, protectedHeader } = await jwtVerify(String(tokens.json.access_token), await importJWK(jwk, jwk.alg), { issuer: ISSUER, audience: ISSUER, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: 'user-alice', client_id: 'spa', scope: 'openid orders:read', email: 'alice@example.com' });
    expect(protectedHeader.kid).toBe(jwk.kid);

    // The refresh token works.
    const refreshed = await server.handle({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(tokens.json.refresh_token), client_id: 'spa' }).toString(),
    });
    expect(refreshed.status).toBe(200);
  });

  it('the sign-in form body may arrive as raw bytes (Uint8Array)', async () => {
    const server = makeServer();
    const pair = pkce();
    const browser = new Browser(server);
    const signIn = await browser.get(authorizeUrl(authParams('first', {}, pair)));
    const form = new URLSearchParams({ tollgate_action: 'sign-in', tollgate_request: /name="tollgate_request" value="([^"]+)"/.exec(signIn.body)?.[1] ?? '', username: 'alice', password: 'correct horse battery staple' });
    const response = await server.handle({
      method: 'POST',
      url: '/oauth/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', cookie: browser.cookieHeader() ?? '' },
      body: new TextEncoder().encode(form.toString()),
    });
    const code = expectCodeRedirect(response, { status: 303 });
    expect((await redeem(server, { code, clientId: 'first', verifier: pair.verifier })).status).toBe(200);
  });

  it('through toWebHandler (Fetch Request/Response), cookies travel as Set-Cookie headers', async () => {
    const server = makeServer();
    const handler = toWebHandler(server);
    const pair = pkce();
    const jar = new Map<string, string>();
    const send = async (request: Request): Promise<Response> => {
      const response = await handler(request);
      for (const cookie of response.headers.getSetCookie()) {
        const [pair = ''] = cookie.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      return response;
    };
    const cookie = (): string => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

    const signIn = await send(new Request(`${ISSUER}${authorizeUrl(authParams('first', {}, pair))}`, { headers: { accept: 'text/html' } }));
    expect(signIn.status).toBe(200);
    const html = await signIn.text();
    const sealed = /name="tollgate_request" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const posted = await send(new Request(`${ISSUER}/oauth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
      body: new URLSearchParams({ tollgate_action: 'sign-in', tollgate_request: sealed, username: 'alice', password: 'correct horse battery staple' }),
      redirect: 'manual',
    }));
    expect(posted.status).toBe(303);
    expect(jar.has('tollgate_session')).toBe(true);
    const code = new URL(posted.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = await send(new Request(`${ISSUER}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: 'first', redirect_uri: 'https://app.example.com/callback', code_verifier: pair.verifier }),
    }));
    expect(tokens.status).toBe(200);
    const body = (await tokens.json()) as Record<string, unknown>;
    expect(body.access_token).toBeTypeOf('string');
    expect(body.refresh_token).toBeTypeOf('string');
  });
});
