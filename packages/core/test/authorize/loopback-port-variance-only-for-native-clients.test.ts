import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, expectCodeRedirect, expectNotRedirected, makeServer, pkce, redeem, signedInBrowser } from './helpers.js';

// RFC 8252 §7.3: a native app's loopback redirect may use any port; nothing else may differ (RFC 9700 §4.1.3).
describe('loopback redirect URIs', () => {
  const server = makeServer();

  it.each([
    ['http://127.0.0.1/callback'],
    ['http://127.0.0.1:51234/callback'],
    ['http://127.0.0.1:1/callback'],
    ['http://127.0.0.1:65535/callback'],
  ])('a native client may use any port on its registered loopback IP: %s', async (uri) => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('native', { redirect_uri: uri })));
    const url = new URL(response.headers.Location ?? '');
    expectCodeRedirect(response, { redirectUri: `${url.origin}${url.pathname}` });
    expect(url.href.startsWith(`${uri}?`)).toBe(true);
  });

  it('a native client on [::1] may vary the port', async () => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('native-ipv6', { redirect_uri: 'http://[::1]:40000/callback' })));
    expectCodeRedirect(response, { redirectUri: 'http://[::1]:40000/callback' });
  });

  it('the code from a port-varied request is redeemed with the same redirect_uri', async () => {
    const browser = await signedInBrowser(server);
    const pair = pkce();
    const uri = 'http://127.0.0.1:49152/callback';
    const code = expectCodeRedirect(await browser.get(authorizeUrl(authParams('native', { redirect_uri: uri }, pair))), { redirectUri: uri });
    const wrongPort = await redeem(server, { code, clientId: 'native', verifier: pair.verifier, redirectUri: 'http://127.0.0.1:49153/callback' });
    expect(wrongPort).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const code2 = expectCodeRedirect(await browser.get(authorizeUrl(authParams('native', { redirect_uri: uri }, pair))), { redirectUri: uri });
    const ok = await redeem(server, { code: code2, clientId: 'native', verifier: pair.verifier, redirectUri: uri });
    expect(ok.status).toBe(200);
  });

  it.each([
    ['other path', 'http://127.0.0.1:51234/other'],
    ['trailing slash', 'http://127.0.0.1:51234/callback/'],
    ['added query', 'http://127.0.0.1:51234/callback?x=1'],
    ['added fragment', 'http://127.0.0.1:51234/callback#x'],
    ['https instead of http', 'https://127.0.0.1:51234/callback'],
    ['other loopback IP', 'http://127.0.0.2:51234/callback'],
    ['localhost instead of the registered IP', 'http://localhost:51234/callback'],
    ['IPv6 instead of the registered IPv4', 'http://[::1]:51234/callback'],
    ['userinfo', 'http://evil@127.0.0.1:51234/callback'],
    ['attacker host with loopback-looking prefix', 'http://127.0.0.1.evil.com:51234/callback'],
    ['attacker host after userinfo', 'http://127.0.0.1:51234@evil.com/callback'],
  ])('a native client may vary only the port, not the %s (%s)', async (_, uri) => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('native', { redirect_uri: uri })));
    expectNotRedirected(response, 'html');
  });

  // The port is the only part allowed to differ: the rest must still be the registered string, not an URL-parser equivalent.
  it.each([
    ['dot segments', 'http://127.0.0.1:51234/x/../callback'],
    ['percent-encoded path', 'http://127.0.0.1:51234/c%61llback'],
    ['upper-case scheme', 'HTTP://127.0.0.1:51234/callback'],
    ['decimal IPv4 form', 'http://2130706433:51234/callback'],
    ['zero-padded IPv4', 'http://127.000.000.001:51234/callback'],
    ['backslash path', 'http://127.0.0.1:51234\\callback'],
    ['empty query', 'http://127.0.0.1:51234/callback?'],
  ])('a native client may vary only the port, not a differently spelled URI with %s (%s)', async (_, uri) => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('native', { redirect_uri: uri })));
    expectNotRedirected(response, 'html');
  });

  it.each(['http://127.0.0.1:51234/callback', 'http://127.0.0.1:80/callback'])('a non-native client with a loopback URI may not vary the port (%s)', async (uri) => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('loopback-web', { redirect_uri: uri })));
    expectNotRedirected(response, 'html');
  });

  it('a non-native client with a loopback URI is accepted on the exact URI (control)', async () => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('loopback-web', { redirect_uri: 'http://127.0.0.1/callback' })));
    expectCodeRedirect(response, { redirectUri: 'http://127.0.0.1/callback' });
  });

  it('a native client registered on localhost may not vary the port (RFC 8252 §8.3: localhost is not a loopback IP)', async () => {
    const browser = await signedInBrowser(server);
    const refused = await browser.get(authorizeUrl(authParams('native-localhost', { redirect_uri: 'http://localhost:51234/callback' })));
    expectNotRedirected(refused, 'html');
    const exact = await browser.get(authorizeUrl(authParams('native-localhost', { redirect_uri: 'http://localhost/callback' })));
    expectCodeRedirect(exact, { redirectUri: 'http://localhost/callback' });
  });
});
