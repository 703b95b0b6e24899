import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, Browser, CALLBACK, expectNotRedirected, header, makeServer, OTHER_CALLBACK, pkce } from './helpers.js';

// RFC 6749 §4.1.2.1 / RFC 9700 §4.1.3: until client_id and redirect_uri are verified, nothing is redirected.
describe('an unknown or missing client is never redirected to', () => {
  const server = makeServer();
  const html = new Browser(server, { accept: 'text/html,application/xhtml+xml' });
  const api = new Browser(server, { accept: 'application/json' });

  const cases: [string, Record<string, string>][] = [
    ['unknown client_id', authParams('no-such-client')],
    ['missing client_id', (() => { const p = authParams(); delete p.client_id; return p; })()],
    ['empty client_id', authParams('spa', { client_id: '' })],
    ['client_id differing in case', authParams('SPA')],
    ['client_id with trailing space', authParams('spa ')],
  ];

  it.each(cases)('%s → 400 HTML page for a browser', async (_, params) => {
    const response = await html.get(authorizeUrl(params));
    expectNotRedirected(response, 'html');
    expect(response.body).toContain('invalid_request');
  });

  it.each(cases)('%s → 400 JSON otherwise', async (_, params) => {
    const response = await api.get(authorizeUrl(params));
    expectNotRedirected(response, 'json');
    expect(header(response, 'cache-control')).toBe('no-store');
  });

  it('no Accept header at all → JSON', async () => {
    const response = await server.handle({ method: 'GET', url: authorizeUrl(authParams('no-such-client')), headers: {} });
    expectNotRedirected(response, 'json');
  });

  it('even a request that would also fail later (response_type=token, bad PKCE) is not redirected for an unknown client', async () => {
    const response = await html.get(authorizeUrl(authParams('no-such-client', { response_type: 'token', code_challenge_method: 'plain' })));
    expectNotRedirected(response, 'html');
  });

  it('an unknown client with a redirect_uri registered by another client is not redirected', async () => {
    const response = await html.get(authorizeUrl({ response_type: 'code', client_id: 'attacker', redirect_uri: CALLBACK, state: 's' }));
    expectNotRedirected(response, 'html');
  });

  it('a missing redirect_uri is an error shown to the user when the client registered several', async () => {
    const params = authParams('web');
    delete params.redirect_uri;
    const response = await html.get(authorizeUrl(params));
    expectNotRedirected(response, 'html');
    expect(response.body).toMatch(/redirect_uri/);
  });

  it('a missing redirect_uri defaults to the only registered one', async () => {
    const params = authParams('spa', { response_type: 'token' });
    delete params.redirect_uri;
    const response = await html.get(authorizeUrl(params));
    expect(response.status).toBe(302);
    expect(header(response, 'location')).toMatch(/^https:\/\/app\.example\.com\/callback\?/);
  });

  it('a POSTed authorization request for an unknown client is not redirected either', async () => {
    const response = await html.post('/oauth/authorize', authParams('no-such-client'));
    expectNotRedirected(response, 'html');
  });

  it('the error page is not cached and cannot be framed', async () => {
    const response = await html.get(authorizeUrl(authParams('no-such-client')));
    expect(header(response, 'cache-control')).toBe('no-store');
    expect(header(response, 'x-frame-options')).toBe('DENY');
    expect(header(response, 'content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('the second registered redirect URI is accepted when named', async () => {
    const response = await html.get(authorizeUrl(authParams('web', { redirect_uri: OTHER_CALLBACK, code_challenge: pkce().challenge })));
    expect(response.status).toBe(200); // sign-in page, the request is trusted
  });
});
