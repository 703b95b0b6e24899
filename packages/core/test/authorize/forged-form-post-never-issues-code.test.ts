import { afterEach, describe, expect, it, vi } from 'vitest';
import { authParams, authorizeUrl, Browser, expectConsentPage, expectSignInPage, findCookie, hasLocation, hiddenFields, makeServer, tamperSignature, USERS } from './helpers.js';
import type { TollgateResponse } from '@tollgate/core';

/** A forged or replayed form must end in a 400 page: no redirect, no code, no session. */
function expectRefused(response: TollgateResponse): void {
  expect(response.status, response.body.slice(0, 200)).toBe(400);
  expect(hasLocation(response)).toBe(false);
  expect(response.body).not.toMatch(/code=/);
  expect(findCookie(response, 'tollgate_session')).toBeUndefined();
  expect(findCookie(response, 'tollgate_consent')).toBeUndefined();
}

const credentials = { username: 'alice', password: USERS.alice?.password ?? '' };

// CSRF: the signed form state is bound to the browser's CSRF cookie (login CSRF, consent CSRF).
describe('sign-in form CSRF', () => {
  const server = makeServer();
  afterEach(() => {
    vi.useRealTimers();
  });

  it('without the CSRF cookie → 400', async () => {
    const victim = new Browser(server);
    const page = await victim.get(authorizeUrl(authParams('first')));
    victim.jar.delete('tollgate_csrf');
    expectRefused(await victim.submit(page, credentials));
  });

  it('with another browser’s CSRF cookie → 400', async () => {
    const attacker = new Browser(server);
    const page = await attacker.get(authorizeUrl(authParams('first')));
    const victim = new Browser(server);
    await victim.get(authorizeUrl(authParams('first'))); // the victim has a CSRF cookie of its own
    expectRefused(await victim.submit(page, credentials));
  });

  it('an attacker’s form replayed with a cookie header they invented → 400', async () => {
    const attacker = new Browser(server);
    const page = await attacker.get(authorizeUrl(authParams('first')));
    const forged = 'A'.repeat(43);
    const response = await server.handle({
      method: 'POST',
      url: '/oauth/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie: `tollgate_csrf=${forged}` },
      body: new URLSearchParams({ ...hiddenFields(page.body), ...credentials }).toString(),
    });
    expectRefused(response);
  });

  it.each([
    ['one character changed in the signature', tamperSignature],
    ['one character changed in the payload', (value: string) => `${value[0] === 'A' ? 'B' : 'A'}${value.slice(1)}`],
    ['the signature removed', (value: string) => value.split('.')[0] ?? ''],
    ['an empty value', () => ''],
    ['garbage', () => 'not-a-sealed-value'],
    ['a payload re-signed by nobody', (value: string) => `${Buffer.from(JSON.stringify({ v: { p: [['client_id', 'first']], c: 'x' }, e: 9999999999 })).toString('base64url')}.${value.split('.')[1] ?? ''}`],
  ])('a tampered tollgate_request (%s) → 400', async (_, tamper) => {
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('first')));
    const hidden = hiddenFields(page.body);
    const response = await browser.post('/oauth/authorize', { ...hidden, tollgate_request: tamper(hidden.tollgate_request ?? ''), ...credentials });
    expectRefused(response);
  });

  it('a tollgate_request whose redirect_uri was swapped cannot be re-signed, so the attacker URI is never used', async () => {
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('first')));
    const hidden = hiddenFields(page.body);
    const [body = '', signature = ''] = (hidden.tollgate_request ?? '').split('.');
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString()) as { v: { p: [string, string][] } };
    decoded.v.p = decoded.v.p.map(([k, v]) => (k === 'redirect_uri' ? [k, 'https://evil.com/cb'] : [k, v]));
    const swapped = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
    const response = await browser.post('/oauth/authorize', { ...hidden, tollgate_request: swapped, ...credentials });
    expectRefused(response);
    expect(response.body).not.toContain('evil.com');
  });

  it('an expired form (older than its lifetime) → 400', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('first')));
    vi.setSystemTime(Date.now() + 60 * 60 * 1000);
    expectRefused(await browser.submit(page, credentials));
  });

  it('a form field given twice → 400', async () => {
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('first')));
    const form = new URLSearchParams({ ...hiddenFields(page.body), ...credentials });
    form.append('tollgate_request', hiddenFields(page.body).tollgate_request ?? '');
    expectRefused(await browser.post('/oauth/authorize', form));
  });

  it('an unknown tollgate_action → 400', async () => {
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('first')));
    expectRefused(await browser.submit(page, { ...credentials, tollgate_action: 'issue-code' }));
  });

  it('the form posted as JSON or text instead of a form → 400', async () => {
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('first')));
    const body = new URLSearchParams({ ...hiddenFields(page.body), ...credentials }).toString();
    expectRefused(await browser.request('POST', '/oauth/authorize', { body, headers: { 'content-type': 'text/plain' } }));
  });

  it('control: the same form with the right cookie signs in', async () => {
    const browser = new Browser(server);
    const page = await browser.get(authorizeUrl(authParams('first')));
    const response = await browser.submit(page, credentials);
    expect(response.status).toBe(303);
  });
});

describe('consent form CSRF', () => {
  const server = makeServer();

  async function consentPage(): Promise<{ browser: Browser; page: TollgateResponse }> {
    const browser = new Browser(server);
    const page = await browser.signIn(await browser.get(authorizeUrl(authParams('spa'))));
    expectConsentPage(page);
    return { browser, page };
  }

  it('approve without the CSRF cookie → 400', async () => {
    const { browser, page } = await consentPage();
    browser.jar.delete('tollgate_csrf');
    expectRefused(await browser.submit(page, { decision: 'approve' }));
  });

  it('approve with another browser’s CSRF cookie → 400 (the victim is signed in, the form is the attacker’s)', async () => {
    const attacker = await consentPage();
    const victim = await consentPage();
    expectRefused(await victim.browser.submit(attacker.page, { decision: 'approve' }));
  });

  it('approve with a tampered tollgate_request → 400', async () => {
    const { browser, page } = await consentPage();
    const hidden = hiddenFields(page.body);
    const value = hidden.tollgate_request ?? '';
    expectRefused(await browser.post('/oauth/authorize', { ...hidden, tollgate_request: tamperSignature(value), decision: 'approve' }));
  });

  it('an expired consent form → 400', async () => {
    const { browser, page } = await consentPage();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 16 * 60 * 1000);
      expectRefused(await browser.submit(page, { decision: 'approve' }));
    } finally {
      vi.useRealTimers();
    }
  });

  it('approve without a session → sign-in page, never a code', async () => {
    const { browser, page } = await consentPage();
    browser.jar.delete('tollgate_session');
    const response = await browser.submit(page, { decision: 'approve' });
    expectSignInPage(response);
  });
});
