import { describe, expect, it } from 'vitest';
import { AUTH, get, ISSUER, makeServer, passwordTokens, post } from './setup.js';

describe('userinfo', () => {
  it("answers the app's claims for the token's user, GET and POST, never cached", async () => {
    const server = makeServer();
    const { access } = await passwordTokens(server, 'cli', 'alice', 'profile');
    const answer = await get(server, '/oauth/userinfo', { authorization: `Bearer ${access}` });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ sub: 'user-alice', scopes: ['profile'] });
    expect(answer.headers['Cache-Control']).toBe('no-store');
    const viaPost = await server.handle({ method: 'POST', url: '/oauth/userinfo', headers: { authorization: `Bearer ${access}` } });
    expect(viaPost.status).toBe(200);
  });

  it('without a token: 401 with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const server = makeServer();
    const answer = await get(server, '/oauth/userinfo', {});
    expect(answer.status).toBe(401);
    expect(answer.headers['WWW-Authenticate']).toBe(`Bearer realm="${ISSUER}"`);
  });

  it('with a bad, tampered or revoked token: 401 invalid_token', async () => {
    const server = makeServer();
    const { access } = await passwordTokens(server, 'cli');
    await post(server, '/oauth/revoke', AUTH.cli, { token: access });
    for (const token of ['garbage', `${access.slice(0, -4)}AAAA`, access]) {
      const answer = await get(server, '/oauth/userinfo', { authorization: `Bearer ${token}` });
      expect(answer.status).toBe(401);
      expect(answer.headers['WWW-Authenticate']).toContain('error="invalid_token"');
      expect(answer.text).not.toContain(token);
    }
  });

  it('refuses a machine token: client_credentials has no user', async () => {
    const server = makeServer();
    const issued = await post(server, '/oauth/token', AUTH.service, { grant_type: 'client_credentials' });
    const answer = await get(server, '/oauth/userinfo', { authorization: `Bearer ${issued.json.access_token as string}` });
    expect(answer.status).toBe(401);
    expect(answer.headers['WWW-Authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a token whose user the app no longer knows', async () => {
    const server = makeServer();
    const { access } = await passwordTokens(server, 'cli', 'ghost');
    expect((await get(server, '/oauth/userinfo', { authorization: `Bearer ${access}` })).status).toBe(401);
  });

  it('accepts tokens for any audience this server issues (a client-specific audience included)', async () => {
    const server = makeServer();
    const forOrders = await passwordTokens(server, 'cli');
    const forIssuer = await passwordTokens(server, 'other');
    for (const { access } of [forOrders, forIssuer]) expect((await get(server, '/oauth/userinfo', { authorization: `Bearer ${access}` })).status).toBe(200);
  });

  it('is off, and absent from metadata, when no userinfo hook is configured', async () => {
    const server = makeServer({ userinfo: undefined as never });
    const { access } = await passwordTokens(server, 'cli');
    expect((await get(server, '/oauth/userinfo', { authorization: `Bearer ${access}` })).status).toBe(404);
    expect((await get(server, '/.well-known/oauth-authorization-server', {})).json).not.toHaveProperty('userinfo_endpoint');
    expect((await get(server, '/.well-known/openid-configuration', {})).status).toBe(404);
  });

  it('is listed in metadata, and the OpenID discovery path serves the same document, when on', async () => {
    const server = makeServer();
    const oauth = await get(server, '/.well-known/oauth-authorization-server', {});
    expect(oauth.json.userinfo_endpoint).toBe(`${ISSUER}/oauth/userinfo`);
    expect(oauth.json.revocation_endpoint).toBe(`${ISSUER}/oauth/revoke`);
    expect(oauth.json.introspection_endpoint).toBe(`${ISSUER}/oauth/introspect`);
    expect((await get(server, '/.well-known/openid-configuration', {})).json).toEqual(oauth.json);
  });
});
