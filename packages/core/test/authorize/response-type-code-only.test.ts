import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, Browser, expectCodeRedirect, expectErrorRedirect, makeServer, signedInBrowser } from './helpers.js';

// RFC 9700 §2.1.2: the implicit grant (and every response type that puts tokens in the front channel) is gone.
describe('response_type', () => {
  const server = makeServer();

  it.each(['token', 'id_token', 'code token', 'code id_token', 'id_token token', 'none', 'CODE', 'code ', 'Code'])('"%s" goes back to the client as unsupported_response_type', async (responseType) => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('first', { response_type: responseType })));
    const url = expectErrorRedirect(response, 'unsupported_response_type');
    // Never a token in the front channel.
    expect(url.hash).toBe('');
    expect(url.searchParams.has('access_token')).toBe(false);
    expect(url.searchParams.has('id_token')).toBe(false);
  });

  it('without a session, an unsupported response_type is still refused before any sign-in page', async () => {
    const response = await new Browser(server).get(authorizeUrl(authParams('spa', { response_type: 'token' })));
    expectErrorRedirect(response, 'unsupported_response_type');
  });

  it('a missing response_type is redirected as invalid_request', async () => {
    const params = authParams('spa');
    delete params.response_type;
    const response = await new Browser(server).get(authorizeUrl(params));
    const url = expectErrorRedirect(response, 'invalid_request');
    expect(url.searchParams.get('error_description')).toMatch(/response_type/);
  });

  it('an empty response_type is treated as missing (RFC 6749 §3.1)', async () => {
    const response = await new Browser(server).get(authorizeUrl(authParams('spa', { response_type: '' })));
    expectErrorRedirect(response, 'invalid_request');
  });

  it('response_type=code is accepted', async () => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('first')));
    expectCodeRedirect(response);
  });

  it('a client that may not use the authorization code grant gets unauthorized_client at its redirect URI', async () => {
    const response = await new Browser(server).get(authorizeUrl(authParams('machine')));
    expectErrorRedirect(response, 'unauthorized_client');
  });

  it('metadata advertises only the code response type', async () => {
    const response = await server.handle({ method: 'GET', url: '/.well-known/oauth-authorization-server', headers: {} });
    expect(JSON.parse(response.body)).toMatchObject({ response_types_supported: ['code'] });
  });
});
