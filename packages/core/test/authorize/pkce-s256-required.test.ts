import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, Browser, claimsOf, expectCodeRedirect, expectErrorRedirect, makeServer, obtainCode, pkce, redeem, signedInBrowser, WEB_SECRET } from './helpers.js';

const withoutPkce = (clientId: string, extra: Record<string, string> = {}): Record<string, string> => {
  const params = authParams(clientId, extra);
  delete params.code_challenge;
  delete params.code_challenge_method;
  return params;
};

// RFC 9700 §2.1.1: PKCE with S256 for every client by default.
describe('PKCE at the authorization endpoint', () => {
  const server = makeServer();

  it.each(['spa', 'first', 'native', 'web-pkce'])('client %s without a code_challenge → invalid_request', async (clientId) => {
    const uri = clientId === 'native' ? 'http://127.0.0.1/callback' : undefined;
    const params = withoutPkce(clientId, uri ? { redirect_uri: uri } : {});
    const url = expectErrorRedirect(await (await signedInBrowser(server)).get(authorizeUrl(params)), 'invalid_request', uri ? { redirectUri: uri } : {});
    expect(url.searchParams.get('error_description')).toMatch(/code_challenge|PKCE/);
  });

  it('code_challenge_method=plain is refused', async () => {
    const { verifier } = pkce();
    const url = expectErrorRedirect(await new Browser(server).get(authorizeUrl(authParams('spa', { code_challenge: verifier, code_challenge_method: 'plain' }))), 'invalid_request');
    expect(url.searchParams.get('error_description')).toMatch(/S256/);
  });

  it.each(['s256', 'SHA256', 'S512', 'S256 ', 'none'])('code_challenge_method=%j is refused', async (method) => {
    expectErrorRedirect(await new Browser(server).get(authorizeUrl(authParams('spa', { code_challenge_method: method }))), 'invalid_request');
  });

  it('a code_challenge without a method is refused (the plain default is not accepted)', async () => {
    const params = authParams('spa');
    delete params.code_challenge_method;
    expectErrorRedirect(await new Browser(server).get(authorizeUrl(params)), 'invalid_request');
  });

  it('a method without a challenge is refused', async () => {
    const params = authParams('spa');
    delete params.code_challenge;
    expectErrorRedirect(await new Browser(server).get(authorizeUrl(params)), 'invalid_request');
  });

  it.each([
    ['too short', 'abc'],
    ['42 characters', 'a'.repeat(42)],
    ['44 characters', 'a'.repeat(44)],
    ['base64 padding', `${'a'.repeat(42)}=`],
    ['standard base64 alphabet', `${'a'.repeat(41)}+/`],
    ['a verifier (plain) of 64 characters', 'a'.repeat(64)],
    ['a space inside', `${'a'.repeat(21)} ${'a'.repeat(21)}`],
    ['non-ASCII', `${'a'.repeat(42)}é`],
  ])('a malformed code_challenge (%s) is refused', async (_, challenge) => {
    const url = expectErrorRedirect(await new Browser(server).get(authorizeUrl(authParams('spa', { code_challenge: challenge }))), 'invalid_request');
    expect(url.searchParams.get('error_description')).toMatch(/code_challenge/);
  });

  it('a well-formed S256 challenge is accepted and must be matched at the token endpoint', async () => {
    const pair = pkce();
    const code = await obtainCode(server, authParams('spa', {}, pair));
    const wrong = await redeem(server, { code, verifier: pkce().verifier });
    expect(wrong).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    // The wrong verifier consumed the code (single use): a correct one for a fresh code works.
    const code2 = await obtainCode(server, authParams('spa', {}, pair));
    const ok = await redeem(server, { code: code2, verifier: pair.verifier });
    expect(ok.status).toBe(200);
  });

  it('a code issued with a challenge cannot be redeemed without the verifier', async () => {
    const code = await obtainCode(server, authParams('spa'));
    expect(await redeem(server, { code })).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('a confidential client that opted out (requirePkce: false) may omit PKCE', async () => {
    const code = await obtainCode(server, withoutPkce('web'));
    const tokens = await redeem(server, { code, clientId: 'web', secret: WEB_SECRET });
    expect(tokens.status).toBe(200);
    expect(claimsOf(tokens.json.access_token).client_id).toBe('web');
  });

  it('a confidential client that opted out but sends a challenge is held to it', async () => {
    const pair = pkce();
    const code = await obtainCode(server, authParams('web', {}, pair));
    expect(await redeem(server, { code, clientId: 'web', secret: WEB_SECRET })).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const code2 = await obtainCode(server, authParams('web', {}, pair));
    expect((await redeem(server, { code: code2, clientId: 'web', secret: WEB_SECRET, verifier: pair.verifier })).status).toBe(200);
  });

  it('even the opted-out client may not use plain', async () => {
    const { verifier } = pkce();
    expectErrorRedirect(await new Browser(server).get(authorizeUrl(authParams('web', { code_challenge: verifier, code_challenge_method: 'plain' }))), 'invalid_request');
  });

  it('the PKCE check happens before sign-in (no sign-in page for a request that cannot succeed)', async () => {
    const response = await new Browser(server).get(authorizeUrl(withoutPkce('spa')));
    expect(response.status).toBe(302);
    expect(response.body).not.toMatch(/password/);
  });

  it('control: a valid request from a signed-in user gets a code', async () => {
    expectCodeRedirect(await (await signedInBrowser(server)).get(authorizeUrl(authParams('first'))));
  });
});
