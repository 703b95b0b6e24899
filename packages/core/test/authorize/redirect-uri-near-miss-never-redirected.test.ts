import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, Browser, CALLBACK, expectCodeRedirect, expectNotRedirected, makeServer, signedInBrowser } from './helpers.js';

// RFC 9700 §4.1.3: redirect URIs are compared as exact strings; anything else is an open redirector.
// Registered: https://app.example.com/callback
const NEAR_MISSES: [string, string][] = [
  ['trailing slash', 'https://app.example.com/callback/'],
  ['upper-case host', 'https://APP.EXAMPLE.COM/callback'],
  ['mixed-case host', 'https://App.example.com/callback'],
  ['upper-case scheme', 'HTTPS://app.example.com/callback'],
  ['upper-case path', 'https://app.example.com/Callback'],
  ['added query', 'https://app.example.com/callback?next=https://evil.com'],
  ['empty query', 'https://app.example.com/callback?'],
  ['added fragment', 'https://app.example.com/callback#frag'],
  ['empty fragment', 'https://app.example.com/callback#'],
  ['path traversal', 'https://app.example.com/callback/../callback'],
  ['path traversal to another path', 'https://app.example.com/callback/../evil'],
  ['dot segment', 'https://app.example.com/./callback'],
  ['encoded slash traversal', 'https://app.example.com/callback%2F..'],
  ['encoded dot-dot', 'https://app.example.com/callback/%2e%2e/callback'],
  ['userinfo host confusion', 'https://app.example.com@evil.com/callback'],
  ['userinfo with colon', 'https://app.example.com:443@evil.com/callback'],
  ['registered host as subdomain of attacker', 'https://app.example.com.evil.com/callback'],
  ['explicit default port', 'https://app.example.com:443/callback'],
  ['other port', 'https://app.example.com:8443/callback'],
  ['plain http', 'http://app.example.com/callback'],
  ['percent-encoded unreserved character', 'https://app.example.com/c%61llback'],
  ['percent-encoded host character', 'https://%61pp.example.com/callback'],
  ['unicode lookalike host (Cyrillic а)', 'https://\u0430pp.example.com/callback'],
  ['punycode of the lookalike host', 'https://xn--pp-7kc.example.com/callback'],
  ['trailing whitespace', 'https://app.example.com/callback '],
  ['trailing %20', 'https://app.example.com/callback%20'],
  ['leading whitespace', ' https://app.example.com/callback'],
  ['trailing tab', 'https://app.example.com/callback\t'],
  ['trailing newline', 'https://app.example.com/callback\n'],
  ['double slash in path', 'https://app.example.com//callback'],
  ['double slash after path', 'https://app.example.com/callback//'],
  ['backslash', 'https://app.example.com\\callback'],
  ['subdomain', 'https://evil.app.example.com/callback'],
  ['parent domain', 'https://example.com/callback'],
  ['trailing dot host', 'https://app.example.com./callback'],
  ['scheme-relative', '//app.example.com/callback'],
  ['missing slashes', 'https:app.example.com/callback'],
  ['path only', '/callback'],
  ['prefix of the registered URI', 'https://app.example.com/call'],
  ['registered URI as prefix', 'https://app.example.com/callback-evil'],
  ['semicolon parameter', 'https://app.example.com/callback;evil'],
  ['null byte', 'https://app.example.com/callback%00'],
  ['encoded NUL (raw)', 'https://app.example.com/callback\u0000'],
  ['javascript scheme', 'javascript:alert(document.domain)//https://app.example.com/callback'],
  ['data scheme', 'data:text/html,<script>alert(1)</script>'],
  ['IP of another host', 'https://203.0.113.7/callback'],
];

describe('a redirect_uri that is not exactly a registered one is never redirected to', () => {
  const server = makeServer();

  it.each(NEAR_MISSES)('%s: %j → 400 page, no Location', async (_, uri) => {
    const response = await new Browser(server).get(authorizeUrl(authParams('spa', { redirect_uri: uri })));
    expectNotRedirected(response, 'html');
    expect(response.body).not.toContain('evil');
  });

  it.each(NEAR_MISSES)('%s: %j → 400 JSON for API callers, no Location', async (_, uri) => {
    const response = await new Browser(server, { accept: 'application/json' }).get(authorizeUrl(authParams('spa', { redirect_uri: uri })));
    expectNotRedirected(response, 'json');
  });

  it.each(NEAR_MISSES)('%s: %j → still 400 for a signed-in user of a first-party client (no code leaks)', async (_, uri) => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('first', { redirect_uri: uri })));
    expectNotRedirected(response, 'html');
  });

  it.each(NEAR_MISSES.slice(0, 12))('%s: %j → still 400 when POSTed', async (_, uri) => {
    const response = await new Browser(server).post('/oauth/authorize', authParams('spa', { redirect_uri: uri }));
    expectNotRedirected(response, 'html');
  });

  it('the redirect URI of another client is refused', async () => {
    const response = await new Browser(server).get(authorizeUrl(authParams('native', { redirect_uri: CALLBACK })));
    expectNotRedirected(response, 'html');
  });

  it('the exact registered string is accepted (control)', async () => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('first', { redirect_uri: CALLBACK })));
    expectCodeRedirect(response);
  });
});
