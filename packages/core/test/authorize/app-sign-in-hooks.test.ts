import { describe, expect, it, vi } from 'vitest';
import { getHeader, type TollgateRequest } from '@tollgate/core';
import { authParams, authorizeUrl, Browser, claimsOf, expectCodeRedirect, expectConsentPage, expectErrorRedirect, expectSignInPage, ISSUER, location, makeServer, pkce, redeem } from './helpers.js';

/** The app's own session: a cookie `app_session=<user>`. */
const appSession = async ({ request }: { request: TollgateRequest }) => {
  const match = /(?:^|;\s*)app_session=([^;]+)/.exec(getHeader(request.headers, 'cookie') ?? '');
  return match?.[1] ? { subject: `app:${match[1]}`, name: match[1], claims: { tenant: 'acme' } } : null;
};

describe('authorize.resolveUser (the app’s own session)', () => {
  it('a user found by resolveUser gets a code without the default sign-in page (first-party)', async () => {
    const server = makeServer({ authorize: { resolveUser: appSession } });
    const pair = pkce();
    const browser = new Browser(server);
    browser.jar.set('app_session', 'carol');
    const code = expectCodeRedirect(await browser.get(authorizeUrl(authParams('first', {}, pair))));
    const claims = claimsOf((await redeem(server, { code, clientId: 'first', verifier: pair.verifier })).json.access_token);
    expect(claims).toMatchObject({ sub: 'app:carol', tenant: 'acme' });
  });

  it('a user found by resolveUser sees the consent page of a third-party client, with their name', async () => {
    const server = makeServer({ authorize: { resolveUser: appSession } });
    const browser = new Browser(server);
    browser.jar.set('app_session', 'carol');
    const consent = await browser.get(authorizeUrl(authParams('spa')));
    expectConsentPage(consent);
    expect(consent.body).toContain('carol');
    expectCodeRedirect(await browser.submit(consent, { decision: 'approve' }), { status: 303 });
  });

  it('when resolveUser finds nobody, the default sign-in page is used', async () => {
    const server = makeServer({ authorize: { resolveUser: appSession } });
    expectSignInPage(await new Browser(server).get(authorizeUrl(authParams('spa'))));
  });

  it('prompt=none with resolveUser finding nobody → login_required', async () => {
    const server = makeServer({ authorize: { resolveUser: appSession } });
    expectErrorRedirect(await new Browser(server).get(authorizeUrl(authParams('spa', { prompt: 'none' }))), 'login_required');
  });

  it('resolveUser is not consulted for a request that is refused first', async () => {
    const resolveUser = vi.fn(appSession);
    const server = makeServer({ authorize: { resolveUser } });
    await new Browser(server).get(authorizeUrl(authParams('nobody')));
    await new Browser(server).get(authorizeUrl(authParams('spa', { response_type: 'token' })));
    expect(resolveUser).not.toHaveBeenCalled();
  });
});

describe('authorize.signInUrl (the app’s own sign-in page)', () => {
  it('a user without a session is redirected to the app’s sign-in page with return_to', async () => {
    const server = makeServer({ authorize: { resolveUser: appSession, signInUrl: '/login' } });
    const params = authParams('first', { state: 'st & ü', user_agent: 'ua' });
    const response = await new Browser(server).get(authorizeUrl(params));
    expect(response.status).toBe(302);
    const target = location(response);
    expect(`${target.origin}${target.pathname}`).toBe(`${ISSUER}/login`);
    const returnTo = target.searchParams.get('return_to') ?? '';
    expect(returnTo.startsWith('/oauth/authorize?')).toBe(true);
    const back = new URL(returnTo, ISSUER);
    expect(Object.fromEntries(back.searchParams)).toEqual(params);
    expect(response.body).toBe('');
  });

  it('after the app signs the user in, following return_to completes the authorization', async () => {
    const server = makeServer({ authorize: { resolveUser: appSession, signInUrl: 'https://app.example.com/sign-in' } });
    const pair = pkce();
    const browser = new Browser(server);
    const first = await browser.get(authorizeUrl(authParams('first', {}, pair)));
    const target = location(first);
    expect(`${target.origin}${target.pathname}`).toBe('https://app.example.com/sign-in');
    browser.jar.set('app_session', 'dave');
    const code = expectCodeRedirect(await browser.get(target.searchParams.get('return_to') ?? ''));
    const tokens = await redeem(server, { code, clientId: 'first', verifier: pair.verifier });
    expect(claimsOf(tokens.json.access_token).sub).toBe('app:dave');
  });

  it('the signInUrl redirect follows the configured status for GET, 303 for POST', async () => {
    const server = makeServer({ authorize: { resolveUser: appSession, signInUrl: '/login', redirectStatus: 307 } });
    expect((await new Browser(server).get(authorizeUrl(authParams('first')))).status).toBe(307);
    expect((await new Browser(server).post('/oauth/authorize', authParams('first'))).status).toBe(303);
  });

  it('an invalid request is never sent to the sign-in page', async () => {
    const server = makeServer({ authorize: { resolveUser: appSession, signInUrl: '/login' } });
    const response = await new Browser(server).get(authorizeUrl(authParams('spa', { redirect_uri: 'https://evil.com/cb' })));
    expect(response.status).toBe(400);
    expect(response.headers.Location).toBeUndefined();
  });

  it('prompt=none does not redirect to the sign-in page', async () => {
    const server = makeServer({ authorize: { resolveUser: appSession, signInUrl: '/login' } });
    expectErrorRedirect(await new Browser(server).get(authorizeUrl(authParams('first', { prompt: 'none' }))), 'login_required');
  });
});
