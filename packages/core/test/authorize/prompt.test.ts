import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, Browser, claimsOf, expectCodeRedirect, expectConsentPage, expectErrorRedirect, expectSignInPage, findCookie, makeServer, pkce, redeem, signedInBrowser } from './helpers.js';

describe('prompt', () => {
  const server = makeServer();

  it('prompt=none without a session → login_required at the redirect URI, no sign-in page', async () => {
    const response = await new Browser(server).get(authorizeUrl(authParams('spa', { prompt: 'none' })));
    expectErrorRedirect(response, 'login_required');
    expect(response.body).not.toMatch(/password/);
  });

  it('prompt=none with a session and a first-party client → code', async () => {
    const browser = await signedInBrowser(server);
    expectCodeRedirect(await browser.get(authorizeUrl(authParams('first', { prompt: 'none' }))));
  });

  it('prompt=none with a session but no consent yet → consent_required, no consent page', async () => {
    const browser = await signedInBrowser(server);
    expectErrorRedirect(await browser.get(authorizeUrl(authParams('spa', { prompt: 'none' }))), 'consent_required');
  });

  it('prompt=login forces the sign-in page even with a session', async () => {
    const browser = await signedInBrowser(server);
    const response = await browser.get(authorizeUrl(authParams('first', { prompt: 'login' })));
    expectSignInPage(response);
  });

  it('prompt=login: signing in again issues a code with the new auth_time (first-party client)', async () => {
    const browser = await signedInBrowser(server);
    const pair = pkce();
    const page = await browser.get(authorizeUrl(authParams('first', { prompt: 'login' }, pair)));
    expectSignInPage(page);
    const response = await browser.signIn(page, 'bob');
    const code = expectCodeRedirect(response, { status: 303 });
    expect(findCookie(response, 'tollgate_session')).toBeDefined();
    const claims = claimsOf((await redeem(server, { code, clientId: 'first', verifier: pair.verifier })).json.access_token);
    expect(claims.sub).toBe('user-bob');
  });

  it('prompt=login with a client that needs consent: sign in → consent → approve → code', async () => {
    const browser = await signedInBrowser(server);
    const page = await browser.get(authorizeUrl(authParams('spa', { prompt: 'login' })));
    expectSignInPage(page);
    const consent = await browser.signIn(page);
    expectConsentPage(consent);
    const response = await browser.submit(consent, { decision: 'approve' });
    expectCodeRedirect(response, { status: 303 });
  });

  it('prompt=login with a wrong password does not fall back to the existing session', async () => {
    const browser = await signedInBrowser(server);
    const page = await browser.get(authorizeUrl(authParams('first', { prompt: 'login' })));
    const response = await browser.signIn(page, 'alice', 'wrong');
    expectSignInPage(response, 400);
  });
});
