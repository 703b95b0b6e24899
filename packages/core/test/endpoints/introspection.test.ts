import { describe, expect, it } from 'vitest';
import { AUTH, ISSUER, makeServer, passwordTokens, post } from './setup.js';

describe('RFC 7662 introspection', () => {
  it('requires client authentication', async () => {
    const server = makeServer();
    const { access } = await passwordTokens(server, 'cli');
    const answer = await post(server, '/oauth/introspect', undefined, { token: access });
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('invalid_client');
  });

  it('describes a live access token with the RFC 7662 §2.2 members, never cached', async () => {
    const server = makeServer();
    const { access } = await passwordTokens(server, 'cli', 'alice', 'orders:read');
    const answer = await post(server, '/oauth/introspect', AUTH.cli, { token: access });
    expect(answer.status).toBe(200);
    expect(answer.headers['Cache-Control']).toBe('no-store');
    expect(answer.json).toMatchObject({ active: true, scope: 'orders:read', client_id: 'cli', sub: 'user-alice', iss: ISSUER, aud: 'https://orders.example.com', token_type: 'Bearer' });
    expect(typeof answer.json.exp).toBe('number');
    expect(typeof answer.json.iat).toBe('number');
  });

  it('describes a live refresh token to its client', async () => {
    const server = makeServer();
    const { refresh } = await passwordTokens(server, 'cli', 'alice', 'orders:read');
    const answer = await post(server, '/oauth/introspect', AUTH.cli, { token: refresh, token_type_hint: 'refresh_token' });
    expect(answer.json).toMatchObject({ active: true, client_id: 'cli', sub: 'user-alice', scope: 'orders:read', token_type: 'refresh_token' });
  });

  it('answers { "active": false } and nothing else for anything not currently valid', async () => {
    const server = makeServer();
    const { access, refresh } = await passwordTokens(server, 'cli');
    const rotated = await post(server, '/oauth/token', AUTH.cli, { grant_type: 'refresh_token', refresh_token: refresh });
    expect(rotated.status).toBe(200);
    const tampered = `${access.slice(0, -4)}AAAA`;
    for (const token of ['garbage', tampered, refresh, 'x'.repeat(3000)]) {
      const answer = await post(server, '/oauth/introspect', AUTH.cli, { token });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ active: false });
    }
  });

  it("shows a client only its own tokens: another client's token is inactive to it", async () => {
    const server = makeServer();
    const { access, refresh } = await passwordTokens(server, 'cli');
    expect((await post(server, '/oauth/introspect', AUTH.other, { token: access })).json).toEqual({ active: false });
    expect((await post(server, '/oauth/introspect', AUTH.other, { token: refresh })).json).toEqual({ active: false });
    expect((await post(server, '/oauth/introspect', AUTH.service, { token: access })).json).toEqual({ active: false });
  });

  it('lets a client registered as a resource server see the access tokens meant for it, and only those', async () => {
    const server = makeServer();
    const forApi = await passwordTokens(server, 'cli');
    const notForApi = await passwordTokens(server, 'other');
    expect((await post(server, '/oauth/introspect', AUTH.api, { token: forApi.access })).json).toMatchObject({ active: true, client_id: 'cli', aud: 'https://orders.example.com' });
    expect((await post(server, '/oauth/introspect', AUTH.api, { token: notForApi.access })).json).toEqual({ active: false });
    // A resource server does not see refresh tokens, which are for the client alone.
    expect((await post(server, '/oauth/introspect', AUTH.api, { token: forApi.refresh })).json).toEqual({ active: false });
  });

  it('reports a token from a key that was rotated out of the set as inactive, and one from a kept old key as active', async () => {
    const server = makeServer();
    const before = await passwordTokens(server, 'cli');
    const old = server.keys.active.kid;
    const { generateKey } = await import('../../src/index.js');
    server.keys.rotate(generateKey());
    expect((await post(server, '/oauth/introspect', AUTH.cli, { token: before.access })).json.active).toBe(true);
    expect(server.keys.remove(old)).toBe(true);
    expect((await post(server, '/oauth/introspect', AUTH.cli, { token: before.access })).json).toEqual({ active: false });
  });
});
