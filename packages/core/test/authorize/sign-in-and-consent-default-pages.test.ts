import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, Browser, CALLBACK, expectCodeRedirect, expectConsentPage, expectErrorRedirect, expectSignInPage, findCookie, formAction, header, hiddenFields, makeServer, pkce, redeem, tamperSignature } from './helpers.js';

describe('the default sign-in page', () => {
  const server = makeServer();

  it('GET without a session → 200 HTML sign-in page with labelled inputs, hidden request and a CSRF cookie', async () => {
    const browser = new Browser(server);
    const response = await browser.get(authorizeUrl(authParams('spa')));
    expectSignInPage(response);
    expect(header(response, 'content-type')).toBe('text/html; charset=utf-8');
    // Labelled username and password inputs.
    expect(response.body).toMatch(/<label for="username">[^<]+<\/label>/);
    expect(response.body).toMatch(/<input id="username" name="username"[^>]*type="text"/);
    expect(response.body).toMatch(/<label for="password">[^<]+<\/label>/);
    expect(response.body).toMatch(/<input id="password" name="password" type="password"/);
    // The form posts back to the authorization endpoint with the signed request.
    expect(formAction(response.body)).toBe('/oauth/authorize');
    expect(response.body).toMatch(/<form method="post"/);
    const hidden = hiddenFields(response.body);
    expect(hidden.tollgate_action).toBe('sign-in');
    expect(hidden.tollgate_request).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    // The client is named; no session cookie yet.
    expect(response.body).toContain('Example App');
    const csrf = findCookie(response, 'tollgate_csrf');
    expect(csrf?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf?.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Secure']));
    expect(findCookie(response, 'tollgate_session')).toBeUndefined();
    // The page does not leak the PKCE challenge or state in readable form beyond the signed field.
    expect(response.body).not.toContain('<script');
  });

  it('keeps an existing valid CSRF cookie instead of setting a new one', async () => {
    const browser = new Browser(server);
    await browser.get(authorizeUrl(authParams('spa')));
    const again = await browser.get(authorizeUrl(authParams('spa')));
    expect(findCookie(again, 'tollgate_csrf')).toBeUndefined();
  });

  it('posting the form signs in and shows the consent page, with a session cookie HttpOnly; SameSite=Lax; Secure', async () => {
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('spa', { scope: 'openid orders:read' })));
    const consent = await browser.submit(page, { username: 'alice', password: 'correct horse battery staple' });
    expectConsentPage(consent);
    const session = findCookie(consent, 'tollgate_session');
    expect(session?.value).toBeTruthy();
    expect(session?.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Secure', 'Path=/']));
    // The consent page names the client and lists the scopes, with Approve and Deny buttons.
    expect(consent.body).toContain('Example App');
    expect(consent.body).toContain('openid');
    expect(consent.body).toContain('orders:read');
    expect(consent.body).toMatch(/<button[^>]*name="decision" value="approve"[^>]*>Approve<\/button>/);
    expect(consent.body).toMatch(/<button[^>]*name="decision" value="deny"[^>]*>Deny<\/button>/);
    expect(consent.body).toContain('alice');
  });

  it('the session cookie is not Secure when the issuer is http on localhost', async () => {
    const local = makeServer({ issuer: 'http://localhost:3000' });
    const browser = new Browser(local);
    const page = await browser.get(authorizeUrl(authParams('spa')));
    expect(findCookie(page, 'tollgate_csrf')?.attributes).not.toContain('Secure');
    const consent = await browser.signIn(page);
    const session = findCookie(consent, 'tollgate_session');
    expect(session?.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax']));
    expect(session?.attributes).not.toContain('Secure');
  });

  it('approve → 303 to the redirect URI with a code that the token endpoint accepts', async () => {
    const pair = pkce();
    const browser = new Browser(server);
    const consent = await browser.signIn(await browser.get(authorizeUrl(authParams('spa', {}, pair))));
    const response = await browser.submit(consent, { decision: 'approve' });
    const code = expectCodeRedirect(response, { status: 303 });
    expect(findCookie(response, 'tollgate_consent')?.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Secure']));
    expect((await redeem(server, { code, verifier: pair.verifier })).status).toBe(200);
  });

  it.each([['deny'], ['']])('decision=%j → access_denied, no code', async (decision) => {
    const browser = new Browser(server);
    const consent = await browser.signIn(await browser.get(authorizeUrl(authParams('spa'))));
    const response = await browser.submit(consent, decision === '' ? {} : { decision });
    expectErrorRedirect(response, 'access_denied', { status: 303 });
    expect(findCookie(response, 'tollgate_consent')).toBeUndefined();
  });

  it('a wrong password → 400 sign-in page with an error message and no session cookie', async () => {
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('spa')));
    const response = await browser.signIn(page, 'alice', 'wrong password');
    expectSignInPage(response, 400);
    expect(response.body).toMatch(/role="alert"[^>]*>[^<]*not correct/);
    expect(response.body).toMatch(/name="username"[^>]*value="alice"/);
    expect(findCookie(response, 'tollgate_session')).toBeUndefined();
    expect(browser.jar.has('tollgate_session')).toBe(false);
    expect(header(response, 'location')).toBeUndefined();
    // The retry form works.
    const consent = await browser.signIn(response, 'alice');
    expectConsentPage(consent);
  });

  it('an unknown user gets the same answer as a wrong password', async () => {
    const browser = new Browser(server);
    const response = await browser.signIn(await browser.get(authorizeUrl(authParams('spa'))), 'mallory', 'whatever');
    expectSignInPage(response, 400);
    expect(response.body).toMatch(/not correct/);
    expect(findCookie(response, 'tollgate_session')).toBeUndefined();
  });

  it('a missing password → sign-in page again, no session', async () => {
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('spa')));
    const response = await browser.post('/oauth/authorize', { ...hiddenFields(page.body), username: 'alice' });
    expect(response.status).toBe(400);
    expect(findCookie(response, 'tollgate_session')).toBeUndefined();
    expect(response.body).toMatch(/name="password"/);
  });

  it('the sign-in page escapes the username it echoes back', async () => {
    const browser = new Browser(server);
    const response = await browser.signIn(await browser.get(authorizeUrl(authParams('spa'))), '"><script>alert(1)</script>', 'x');
    expect(response.status).toBe(400);
    expect(response.body).not.toContain('<script>alert(1)</script>');
    expect(response.body).not.toContain('"><script');
  });

  it('a signed-in user goes straight to the consent page on the next request', async () => {
    const browser = new Browser(server);
    await browser.signIn(await browser.get(authorizeUrl(authParams('spa'))));
    expectConsentPage(await browser.get(authorizeUrl(authParams('spa'))));
  });
});

describe('remembered consent', () => {
  const server = makeServer();

  async function approved(scope: string): Promise<Browser> {
    const browser = new Browser(server);
    const consent = await browser.signIn(await browser.get(authorizeUrl(authParams('spa', { scope }))));
    expectConsentPage(consent);
    expectCodeRedirect(await browser.submit(consent, { decision: 'approve' }), { status: 303 });
    expect(browser.jar.has('tollgate_consent')).toBe(true);
    return browser;
  }

  it('a second authorization for the same scopes skips the consent page', async () => {
    const browser = await approved('openid orders:read');
    expectCodeRedirect(await browser.get(authorizeUrl(authParams('spa', { scope: 'openid orders:read' }))));
  });

  it('a narrower scope skips the consent page too', async () => {
    const browser = await approved('openid orders:read');
    expectCodeRedirect(await browser.get(authorizeUrl(authParams('spa', { scope: 'orders:read' }))));
  });

  it('a wider scope asks again, listing the scopes', async () => {
    const browser = await approved('openid orders:read');
    const response = await browser.get(authorizeUrl(authParams('spa', { scope: 'openid orders:read orders:write' })));
    expectConsentPage(response);
    expect(response.body).toContain('orders:write');
    // Approving the wider scope remembers it too.
    expectCodeRedirect(await browser.submit(response, { decision: 'approve' }), { status: 303 });
    expectCodeRedirect(await browser.get(authorizeUrl(authParams('spa', { scope: 'orders:write' }))));
  });

  it('consent is per client: approving one client does not approve another', async () => {
    const browser = await approved('openid');
    expectConsentPage(await browser.get(authorizeUrl(authParams('evil-name', { scope: 'openid' }))));
  });

  it('consent is per user: another user in the same browser is asked', async () => {
    const browser = await approved('openid');
    const page = await browser.get(authorizeUrl(authParams('spa', { scope: 'openid', prompt: 'login' })));
    expectSignInPage(page);
    expectConsentPage(await browser.signIn(page, 'bob'));
  });

  it('without the consent cookie the page is shown again', async () => {
    const browser = await approved('openid');
    browser.jar.delete('tollgate_consent');
    expectConsentPage(await browser.get(authorizeUrl(authParams('spa', { scope: 'openid' }))));
  });

  it('a tampered consent cookie is ignored', async () => {
    const browser = await approved('openid');
    const value = browser.jar.get('tollgate_consent') ?? '';
    browser.jar.set('tollgate_consent', tamperSignature(value));
    expectConsentPage(await browser.get(authorizeUrl(authParams('spa', { scope: 'openid' }))));
  });

  it('prompt=consent asks again even when remembered', async () => {
    const browser = await approved('openid');
    expectConsentPage(await browser.get(authorizeUrl(authParams('spa', { scope: 'openid', prompt: 'consent' }))));
  });

  it('a first-party client never shows the consent page', async () => {
    const browser = new Browser(server);
    const response = await browser.signIn(await browser.get(authorizeUrl(authParams('first', { scope: 'openid orders:write' }))));
    expectCodeRedirect(response, { status: 303 });
    expect(response.headers.Location?.startsWith(`${CALLBACK}?`)).toBe(true);
  });
});
