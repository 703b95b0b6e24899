import { describe, expect, it } from 'vitest';
import type { TollgateResponse } from '@tollgate/core';
import { authParams, authorizeUrl, Browser, expectConsentPage, expectSignInPage, header, makeServer, signedInBrowser } from './helpers.js';

function expectPageHeaders(response: TollgateResponse): void {
  expect(header(response, 'content-security-policy')).toContain("frame-ancestors 'none'");
  expect(header(response, 'x-frame-options')).toBe('DENY'); // RFC 6749 §10.13
  expect(header(response, 'referrer-policy')).toBe('no-referrer');
  expect(header(response, 'cache-control')).toBe('no-store');
  expect(header(response, 'x-content-type-options')).toBe('nosniff');
  expect(header(response, 'access-control-allow-origin')).toBeUndefined();
}

// Clickjacking (RFC 6749 §10.13) and cross-origin reads of the sign-in and consent pages.
describe('sign-in, consent and error pages cannot be framed, cached or read cross-origin', () => {
  const server = makeServer();
  const origin = { origin: 'https://evil.example' };

  it('the sign-in page', async () => {
    const response = await new Browser(server).get(authorizeUrl(authParams('spa')), origin);
    expectSignInPage(response);
    expectPageHeaders(response);
    expect(header(response, 'content-security-policy')).toMatch(/default-src 'none'/);
  });

  it('the consent page', async () => {
    const browser = new Browser(server);
    const response = await browser.signIn(await browser.get(authorizeUrl(authParams('spa'))), 'alice');
    expectConsentPage(response);
    expectPageHeaders(response);
  });

  it('the sign-in page after a wrong password', async () => {
    const browser = new Browser(server);
    const response = await browser.signIn(await browser.get(authorizeUrl(authParams('spa'))), 'alice', 'nope');
    expect(response.status).toBe(400);
    expectPageHeaders(response);
  });

  it('the 400 error page', async () => {
    const response = await new Browser(server).get(authorizeUrl(authParams('nobody')), origin);
    expect(response.status).toBe(400);
    expectPageHeaders(response);
  });

  it('the 400 CSRF error page', async () => {
    const response = await new Browser(server).post('/oauth/authorize', { tollgate_action: 'sign-in', tollgate_request: 'x', username: 'a', password: 'b' }, origin);
    expect(response.status).toBe(400);
    expectPageHeaders(response);
  });
});

describe('no Access-Control-Allow-Origin on any authorization response', () => {
  const server = makeServer();
  const origin = { origin: 'https://evil.example' };

  it.each<[string, (browser: Browser) => Promise<TollgateResponse>]>([
    ['sign-in page', (b) => b.get(authorizeUrl(authParams('spa')), origin)],
    ['JSON error', (b) => b.get(authorizeUrl(authParams('nobody')), { ...origin, accept: 'application/json' })],
    ['error redirect', (b) => b.get(authorizeUrl(authParams('spa', { response_type: 'token' })), origin)],
    ['POSTed request', (b) => b.post('/oauth/authorize', authParams('spa'), origin)],
    ['405', (b) => b.request('PUT', authorizeUrl(authParams('spa')), { headers: origin })],
    ['OPTIONS preflight', (b) => b.request('OPTIONS', '/oauth/authorize', { headers: { ...origin, 'access-control-request-method': 'POST' } })],
  ])('%s', async (_, send) => {
    const response = await send(new Browser(server));
    expect(header(response, 'access-control-allow-origin')).toBeUndefined();
    expect(header(response, 'access-control-allow-credentials')).toBeUndefined();
  });

  it('code redirect', async () => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('first')), origin);
    expect(response.status).toBe(302);
    expect(header(response, 'access-control-allow-origin')).toBeUndefined();
    expect(header(response, 'cache-control')).toBe('no-store');
    expect(header(response, 'referrer-policy')).toBe('no-referrer');
  });
});
