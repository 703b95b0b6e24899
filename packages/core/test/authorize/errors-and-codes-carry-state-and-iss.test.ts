import { describe, expect, it } from 'vitest';
import { OAuthError } from '@tollgate/core';
import { authParams, authorizeUrl, Browser, CALLBACK, expectCodeRedirect, expectErrorRedirect, header, hiddenFields, ISSUER, location, makeServer, signedInBrowser } from './helpers.js';

// Once the redirect URI is trusted, errors go back to the client (RFC 6749 §4.1.2.1) with iss (RFC 9207).
describe('error responses after the redirect URI is trusted', () => {
  const server = makeServer();

  it.each([
    ['unsupported response_type', { response_type: 'token' }, 'unsupported_response_type'],
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['a scope the client may not ask for', { scope: 'admin' }, 'invalid_scope'],
    ['a malformed scope', { scope: 'openid "quoted"' }, 'invalid_scope'],
  ])('%s → %s with error, error_description, state and iss', async (_, extra, error) => {
    const url = expectErrorRedirect(await new Browser(server).get(authorizeUrl(authParams('spa', extra))), error);
    expect([...url.searchParams.keys()].sort()).toEqual(['error', 'error_description', 'iss', 'state']);
  });

  it('an error without a state in the request has no state in the response', async () => {
    const params = authParams('spa', { response_type: 'token' });
    delete params.state;
    expectErrorRedirect(await new Browser(server).get(authorizeUrl(params)), 'unsupported_response_type', { state: null });
  });

  it('a refusal thrown by beforeCode goes back to the client', async () => {
    const refusing = makeServer({ authorize: { beforeCode: async () => { throw new OAuthError('access_denied', 'not today'); } } });
    const b = new Browser(refusing);
    const page = await b.get(authorizeUrl(authParams('first')));
    const url = expectErrorRedirect(await b.signIn(page), 'access_denied', { status: 303 });
    expect(url.searchParams.get('error_description')).toBe('not today');
  });

  it('an unexpected failure of an app hook after the redirect URI is trusted goes back as server_error (RFC 6749 §4.1.2.1)', async () => {
    const failing = makeServer({ authorize: { resolveUser: async () => { throw new Error('database exploded: password=hunter2'); } } });
    const response = await new Browser(failing).get(authorizeUrl(authParams('spa')));
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('exploded');
    const url = expectErrorRedirect(response, 'server_error');
    expect(url.searchParams.get('error_description')).not.toContain('exploded');
  });

  it('success carries code, state and iss, and nothing else', async () => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('first')));
    expectCodeRedirect(response);
    expect([...location(response).searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
    expect(location(response).searchParams.get('iss')).toBe(ISSUER);
  });

  it('a registered redirect URI with a query keeps it and adds the response parameters', async () => {
    const withQuery = 'https://app.example.com/callback?tenant=acme';
    const custom = makeServer({ clients: [{ id: 'q', firstParty: true, grantTypes: ['authorization_code'], scopes: ['openid'], redirectUris: [withQuery] }] });
    const b = new Browser(custom);
    const page = await b.get(authorizeUrl({ ...authParams('q', { redirect_uri: withQuery, scope: 'openid' }) }));
    const response = await b.signIn(page);
    const url = location(response);
    expect(`${url.origin}${url.pathname}`).toBe(CALLBACK);
    expect(url.searchParams.get('tenant')).toBe('acme');
    expect(url.searchParams.get('code')).toMatch(/\S/);
    expect(url.searchParams.get('iss')).toBe(ISSUER);
  });
});

describe('metadata (RFC 8414, RFC 9207)', () => {
  it('says authorization_response_iss_parameter_supported and lists the authorization endpoint', async () => {
    const server = makeServer();
    const response = await server.handle({ method: 'GET', url: '/.well-known/oauth-authorization-server', headers: {} });
    expect(response.status).toBe(200);
    const metadata = JSON.parse(response.body) as Record<string, unknown>;
    expect(metadata.issuer).toBe(ISSUER);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.authorization_endpoint).toBe(`${ISSUER}/oauth/authorize`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.response_types_supported).toEqual(['code']);
  });

  it('follows a custom authorize path', async () => {
    const server = makeServer({ paths: { authorize: '/login/oauth/authorize' } });
    expect(server.metadata().authorization_endpoint).toBe(`${ISSUER}/login/oauth/authorize`);
    const response = await server.handle({ method: 'GET', url: `/login/oauth/authorize?${new URLSearchParams(authParams('spa', { response_type: 'token' }))}`, headers: {} });
    expect(header(response, 'location')).toMatch(/error=unsupported_response_type/);
  });
});

describe('state comes back exactly', () => {
  const server = makeServer();
  const long = Array.from({ length: 2000 }, (_, i) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~'[i % 66]).join('');
  const STATES: [string, string][] = [
    ['2000 characters', long],
    ['emoji', '🔐✅🙂👩‍👩‍👧‍👦🏳️‍🌈'],
    ['right-to-left text', 'שלום עולם مرحبا بالعالم \u202Eevil\u202C'],
    ['URL syntax characters', '&=?#%+ /;:@!$\'()*,[]"<>\\^`{|}'],
    ['encoded-looking text', '%20%2B%26state%3Dx&code=forged&iss=https://evil.com'],
    ['mixed long unicode', `${'🙂&=?#%+ שלום'.repeat(150)}`.slice(0, 2000)],
  ];

  it.each(STATES)('%s, in an error redirect', async (_, state) => {
    const response = await new Browser(server).get(authorizeUrl(authParams('spa', { state, response_type: 'token' })));
    expectErrorRedirect(response, 'unsupported_response_type', { state });
  });

  it.each(STATES)('%s, in a success redirect', async (_, state) => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('first', { state })));
    expectCodeRedirect(response, { state });
    // The state cannot smuggle extra response parameters.
    expect(location(response).searchParams.getAll('code')).toHaveLength(1);
    expect(location(response).searchParams.getAll('iss')).toEqual([ISSUER]);
  });

  it.each(STATES)('%s, through the sign-in and consent forms', async (_, state) => {
    const browser = new Browser(server);
    const signIn = await browser.get(authorizeUrl(authParams('spa', { state })));
    expect(hiddenFields(signIn.body).tollgate_request).toBeTruthy();
    const consent = await browser.signIn(signIn);
    expect(consent.status, consent.body.slice(0, 400)).toBe(200);
    expectCodeRedirect(await browser.submit(consent, { decision: 'approve' }), { state, status: 303 });
  });

  it('a 2000-character state of 3-byte UTF-8 characters survives the sign-in form', async () => {
    const state = '€'.repeat(2000);
    const browser = new Browser(server);
    const signIn = await browser.get(authorizeUrl(authParams('first', { state })));
    const response = await browser.signIn(signIn);
    expectCodeRedirect(response, { state, status: 303 });
  });
});
