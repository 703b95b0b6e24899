import { describe, expect, it, vi } from 'vitest';
import { authParams, authorizeUrl, Browser, claimsOf, expectCodeRedirect, expectConsentPage, expectErrorRedirect, makeServer, obtainCode, pkce, redeem, signedInBrowser } from './helpers.js';
import type { AuthorizeHookContext, AuthorizeUser } from '../../src/endpoints/authorize.js';

describe('scopes are validated against the client', () => {
  const server = makeServer();

  it.each([
    ['a scope the client is not registered for', 'openid admin'],
    ['only unregistered scopes', 'admin'],
    ['a malformed scope (double space)', 'openid  profile'],
    ['a malformed scope (backslash)', 'openid\\x'],
    ['a malformed scope (quote)', 'openid "x"'],
  ])('%s → invalid_scope redirect', async (_, scope) => {
    expectErrorRedirect(await (await signedInBrowser(server)).get(authorizeUrl(authParams('first', { scope }))), 'invalid_scope');
  });

  it('an unknown scope is refused when the server declares its scopes', async () => {
    // Clients may only list declared scopes (checked at start-up); a request for an undeclared one is refused.
    const declared = makeServer({ scopes: ['openid', 'profile', 'orders:read', 'orders:write'] });
    expectErrorRedirect(await new Browser(declared).get(authorizeUrl(authParams('spa', { scope: 'openid orders:delete' }))), 'invalid_scope');
  });

  it('an invalid scope is refused before the sign-in page', async () => {
    const response = await new Browser(server).get(authorizeUrl(authParams('spa', { scope: 'admin' })));
    expectErrorRedirect(response, 'invalid_scope');
  });

  it('the granted scope is exactly the requested one, in the token', async () => {
    const pair = pkce();
    const code = await obtainCode(server, authParams('spa', { scope: 'orders:read profile' }, pair));
    const tokens = await redeem(server, { code, verifier: pair.verifier });
    expect(tokens.json.scope).toBe('orders:read profile');
    expect(claimsOf(tokens.json.access_token).scope).toBe('orders:read profile');
  });

  it('no scope falls back to the client’s default scopes', async () => {
    const withDefaults = makeServer({ clients: [{ id: 'd', firstParty: true, grantTypes: ['authorization_code'], scopes: ['openid', 'profile'], defaultScopes: ['openid'], redirectUris: ['https://app.example.com/callback'] }] });
    const pair = pkce();
    const params = authParams('d', {}, pair);
    delete params.scope;
    const code = await obtainCode(withDefaults, params);
    const tokens = await redeem(withDefaults, { code, clientId: 'd', verifier: pair.verifier });
    expect(tokens.json.scope).toBe('openid');
  });

  it('the consent page lists the requested scopes with their descriptions', async () => {
    const described = makeServer({ authorize: { scopeDescriptions: { 'orders:read': 'See your orders' } } });
    const browser = new Browser(described);
    const consent = await browser.signIn(await browser.get(authorizeUrl(authParams('spa', { scope: 'openid orders:read' }))));
    expectConsentPage(consent);
    // A described scope leads with its description, its name below; an undescribed one shows its name.
    expect(consent.body).toContain('<strong>openid</strong>');
    expect(consent.body).toContain('<strong>See your orders</strong><code>orders:read</code>');
    expect(consent.body).not.toContain('<code>orders:write</code>');
  });
});

describe('extra parameters reach the app’s hooks', () => {
  const extra = { user_agent: 'Mozilla/5.0 (TollgateTest)', oidc_id: 'oidc-42', nonce: 'n-1' };

  it('resolveUser and beforeCode receive every parameter, the non-standard ones too', async () => {
    const resolveUser = vi.fn(async (_: AuthorizeHookContext): Promise<AuthorizeUser> => ({ subject: 'app-user', name: 'App User' }));
    const beforeCode = vi.fn(async (context: AuthorizeHookContext & { user: AuthorizeUser; scope: readonly string[] }) => ({ claims: { oidc_id: context.params.get('oidc_id') } }));
    const server = makeServer({ authorize: { resolveUser, beforeCode } });
    const pair = pkce();
    const response = await new Browser(server).get(authorizeUrl(authParams('first', extra, pair)));
    const code = expectCodeRedirect(response);

    expect(resolveUser).toHaveBeenCalledTimes(1);
    const resolveContext = resolveUser.mock.calls[0]?.[0];
    expect(resolveContext?.params.get('user_agent')).toBe(extra.user_agent);
    expect(resolveContext?.params.get('oidc_id')).toBe('oidc-42');
    expect(resolveContext?.client.id).toBe('first');

    expect(beforeCode).toHaveBeenCalledTimes(1);
    const context = beforeCode.mock.calls[0]?.[0];
    expect(context?.params.get('user_agent')).toBe(extra.user_agent);
    expect(context?.params.get('oidc_id')).toBe('oidc-42');
    expect(context?.params.get('state')).toBe('state-123');
    expect(context?.user.subject).toBe('app-user');
    expect(context?.scope).toEqual(['openid', 'orders:read']);
    expect(context?.client.id).toBe('first');

    // Claims added by beforeCode travel with the code into the access token.
    const tokens = await redeem(server, { code, clientId: 'first', verifier: pair.verifier });
    expect(claimsOf(tokens.json.access_token)).toMatchObject({ oidc_id: 'oidc-42', sub: 'app-user' });
  });

  it('the extra parameters survive the default sign-in and consent forms', async () => {
    const beforeCode = vi.fn(async () => undefined);
    const server = makeServer({ authorize: { beforeCode } });
    const browser = new Browser(server);
    const consent = await browser.signIn(await browser.get(authorizeUrl(authParams('spa', extra))));
    expectConsentPage(consent);
    expect(beforeCode).not.toHaveBeenCalled();
    expectCodeRedirect(await browser.submit(consent, { decision: 'approve' }), { status: 303 });
    expect(beforeCode).toHaveBeenCalledTimes(1);
    const context = beforeCode.mock.calls[0] as unknown as [AuthorizeHookContext & { user: AuthorizeUser }];
    expect(context[0].params.get('user_agent')).toBe(extra.user_agent);
    expect(context[0].params.get('oidc_id')).toBe('oidc-42');
    expect(context[0].user.subject).toBe('user-alice');
  });

  it('the extra parameters reach the sign-in hook (authenticateUser) too', async () => {
    const seen: string[] = [];
    const server = makeServer({
      authorize: {
        authenticateUser: async ({ username, params }) => {
          seen.push(params.get('oidc_id') ?? 'missing');
          return username === 'alice' ? { subject: 'user-alice' } : undefined;
        },
      },
    });
    const browser = new Browser(server);
    expectCodeRedirect(await browser.signIn(await browser.get(authorizeUrl(authParams('first', extra)))), { status: 303 });
    expect(seen).toEqual(['oidc-42']);
  });
});
