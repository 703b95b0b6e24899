import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { authParams, authorizeUrl, Browser, expectCodeRedirect, expectSignInPage, makeServer, signedInBrowser } from './helpers.js';

const seal = (secret: string, purpose: string, value: unknown): string => {
  const body = Buffer.from(JSON.stringify({ v: value, e: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(purpose).update('\0').update(body).digest('base64url')}`;
};

describe('a forged or tampered session cookie is ignored', () => {
  const server = makeServer();

  it.each([
    ['garbage', 'garbage'],
    ['an unsigned session', `${Buffer.from(JSON.stringify({ v: { s: 'user-admin', t: 1 }, e: 9999999999 })).toString('base64url')}.`],
    ['a session signed with another secret', seal('another-secret-another-secret-another', 'session', { s: 'user-admin', t: 1 })],
    ['a value signed for another purpose (consent)', seal('test-cookie-secret-0123456789-abcdefghij', 'consent', { s: 'user-admin', t: 1 })],
    ['a percent-encoding error', '%E0%A4%A'],
  ])('%s → sign-in page', async (_, value) => {
    const browser = new Browser(server);
    browser.jar.set('tollgate_session', value);
    expectSignInPage(await browser.get(authorizeUrl(authParams('first'))));
  });

  it('a real session with its payload changed to another user → sign-in page', async () => {
    const browser = await signedInBrowser(server);
    const [body = '', signature = ''] = decodeURIComponent(browser.jar.get('tollgate_session') ?? '').split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { v: { s: string } };
    payload.v.s = 'user-bob';
    browser.jar.set('tollgate_session', encodeURIComponent(`${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`));
    expectSignInPage(await browser.get(authorizeUrl(authParams('first'))));
  });

  it('a session issued by a server with other cookie secrets is ignored', async () => {
    const other = makeServer({ authorize: { cookieSecrets: ['a-completely-different-secret-value-123'] } });
    const browser = await signedInBrowser(other);
    const victim = new Browser(server);
    victim.jar.set('tollgate_session', browser.jar.get('tollgate_session') ?? '');
    expectSignInPage(await victim.get(authorizeUrl(authParams('first'))));
  });

  it('control: the untouched session is accepted', async () => {
    const browser = await signedInBrowser(server);
    expectCodeRedirect(await browser.get(authorizeUrl(authParams('first'))));
  });

  it('secret rotation: a session signed with an older secret still verifies', async () => {
    const old = makeServer({ authorize: { cookieSecrets: ['old-secret-old-secret-old-secret-0001'] } });
    const browser = await signedInBrowser(old);
    const rotated = makeServer({ authorize: { cookieSecrets: ['new-secret-new-secret-new-secret-0002', 'old-secret-old-secret-old-secret-0001'] } });
    const moved = new Browser(rotated);
    moved.jar.set('tollgate_session', browser.jar.get('tollgate_session') ?? '');
    expectCodeRedirect(await moved.get(authorizeUrl(authParams('first'))));
    expect(moved.jar.has('tollgate_session')).toBe(true);
  });
});
