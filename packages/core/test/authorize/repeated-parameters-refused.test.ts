import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, Browser, CALLBACK, expectErrorRedirect, expectNotRedirected, makeServer, OTHER_CALLBACK, signedInBrowser } from './helpers.js';

/** Parameters of `authParams(clientId)` with `name` given twice. */
function twice(name: string, first: string, second: string, clientId = 'spa'): [string, string][] {
  const entries = Object.entries(authParams(clientId)).filter(([key]) => key !== name);
  return [...entries, [name, first], [name, second]];
}

// RFC 6749 §3.1: request parameters MUST NOT be included more than once.
describe('repeated parameters', () => {
  const server = makeServer();

  it('a repeated redirect_uri is never redirected to, even when both values are registered', async () => {
    const response = await new Browser(server).get(authorizeUrl(twice('redirect_uri', CALLBACK, OTHER_CALLBACK, 'web')));
    expectNotRedirected(response, 'html');
  });

  it('a repeated redirect_uri with an attacker URI is never redirected to (either order)', async () => {
    for (const pair of [[CALLBACK, 'https://evil.com/cb'], ['https://evil.com/cb', CALLBACK]] as const) {
      const response = await new Browser(server).get(authorizeUrl(twice('redirect_uri', pair[0], pair[1])));
      expectNotRedirected(response, 'html');
    }
  });

  it('a repeated identical redirect_uri is still refused without redirecting', async () => {
    expectNotRedirected(await new Browser(server).get(authorizeUrl(twice('redirect_uri', CALLBACK, CALLBACK))), 'html');
  });

  it('a repeated client_id is never redirected to', async () => {
    expectNotRedirected(await new Browser(server).get(authorizeUrl(twice('client_id', 'spa', 'first'))), 'html');
    expectNotRedirected(await new Browser(server).get(authorizeUrl(twice('client_id', 'spa', 'spa'))), 'html');
    expectNotRedirected(await new Browser(server, { accept: 'application/json' }).get(authorizeUrl(twice('client_id', 'spa', 'spa'))), 'json');
  });

  it('a repeated redirect_uri or client_id in a POSTed authorization request is not redirected either', async () => {
    const browser = new Browser(server);
    expectNotRedirected(await browser.post('/oauth/authorize', new URLSearchParams(twice('redirect_uri', CALLBACK, 'https://evil.com/cb'))), 'html');
    expectNotRedirected(await browser.post('/oauth/authorize', new URLSearchParams(twice('client_id', 'spa', 'first'))), 'html');
  });

  it('a repeated redirect_uri whose first value is empty is still a repeat', async () => {
    expectNotRedirected(await new Browser(server).get(authorizeUrl(twice('redirect_uri', '', CALLBACK))), 'html');
  });

  it('a repeated scope is redirected as invalid_request', async () => {
    const url = expectErrorRedirect(await new Browser(server).get(authorizeUrl(twice('scope', 'openid', 'orders:read'))), 'invalid_request');
    expect(url.searchParams.get('error_description')).toMatch(/scope/);
  });

  it.each(['response_type', 'code_challenge', 'code_challenge_method', 'prompt', 'nonce', 'user_agent'])('a repeated %s is redirected as invalid_request', async (name) => {
    const first = authParams('spa')[name] ?? 'x';
    const response = await (await signedInBrowser(server)).get(authorizeUrl(twice(name, first, first)));
    expectErrorRedirect(response, 'invalid_request');
  });

  it('a repeated state is redirected as invalid_request without echoing either state', async () => {
    const response = await new Browser(server).get(authorizeUrl(twice('state', 'one', 'two')));
    expectErrorRedirect(response, 'invalid_request', { state: null });
  });

  it('a repeated parameter from a signed-in user of a first-party client still issues no code', async () => {
    const response = await (await signedInBrowser(server)).get(authorizeUrl(twice('scope', 'openid', 'openid', 'first')));
    expectErrorRedirect(response, 'invalid_request');
  });

  it('a repeated scope in a POSTed authorization request is redirected with 303', async () => {
    const response = await new Browser(server).post('/oauth/authorize', new URLSearchParams(twice('scope', 'openid', 'profile')));
    expectErrorRedirect(response, 'invalid_request', { status: 303 });
  });
});
