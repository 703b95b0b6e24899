import { describe, expect, it } from 'vitest';
import { AUTH, makeServer, passwordTokens, post } from './setup.js';

const introspect = (server: ReturnType<typeof makeServer>, token: string) => post(server, '/oauth/introspect', AUTH.cli, { token });

describe('RFC 7009 revocation', () => {
  it('requires client authentication', async () => {
    const server = makeServer();
    const { access } = await passwordTokens(server, 'cli');
    const answer = await post(server, '/oauth/revoke', undefined, { token: access });
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('invalid_client');
    expect((await introspect(server, access)).json.active).toBe(true);
  });

  it('answers 400 invalid_request without a token and 405 for GET', async () => {
    const server = makeServer();
    expect((await post(server, '/oauth/revoke', AUTH.cli, {})).json.error).toBe('invalid_request');
    const get = await server.handle({ method: 'GET', url: '/oauth/revoke', headers: {} });
    expect(get.status).toBe(405);
    expect(get.headers.Allow).toBe('POST');
  });

  it('answers 200 with an empty body for unknown, malformed and already revoked tokens (§2.2)', async () => {
    const server = makeServer();
    const { access } = await passwordTokens(server, 'cli');
    for (const token of ['not-a-token', 'a.b.c', `${access}x`, 'x'.repeat(5000)]) {
      const answer = await post(server, '/oauth/revoke', AUTH.cli, { token });
      expect(answer.status).toBe(200);
      expect(answer.text).toBe('');
      expect(answer.headers['Cache-Control']).toBe('no-store');
    }
    expect((await post(server, '/oauth/revoke', AUTH.cli, { token: access })).status).toBe(200);
    expect((await post(server, '/oauth/revoke', AUTH.cli, { token: access })).status).toBe(200);
  });

  it('puts a revoked JWT access token on the revocation list until it expires', async () => {
    const server = makeServer();
    const { access } = await passwordTokens(server, 'cli');
    expect((await post(server, '/oauth/revoke', AUTH.cli, { token: access, token_type_hint: 'access_token' })).status).toBe(200);
    expect((await introspect(server, access)).json).toEqual({ active: false });
    const jti = JSON.parse(Buffer.from(access.split('.')[1] ?? '', 'base64url').toString()) as { jti: string };
    expect(await server.store.isAccessTokenRevoked(jti.jti)).toBe(true);
  });

  it('revoking a refresh token revokes its whole family, access tokens included', async () => {
    const server = makeServer();
    const first = await passwordTokens(server, 'cli');
    const rotated = await post(server, '/oauth/token', AUTH.cli, { grant_type: 'refresh_token', refresh_token: first.refresh });
    expect(rotated.status).toBe(200);
    expect((await post(server, '/oauth/revoke', AUTH.cli, { token: rotated.json.refresh_token as string })).status).toBe(200);
    expect((await post(server, '/oauth/token', AUTH.cli, { grant_type: 'refresh_token', refresh_token: rotated.json.refresh_token as string })).json.error).toBe('invalid_grant');
    expect((await introspect(server, first.access)).json).toEqual({ active: false });
    expect((await introspect(server, rotated.json.access_token as string)).json).toEqual({ active: false });
  });

  it('honours token_type_hint but does not trust it: a wrong hint still revokes', async () => {
    const server = makeServer();
    const { access, refresh } = await passwordTokens(server, 'cli');
    expect((await post(server, '/oauth/revoke', AUTH.cli, { token: refresh, token_type_hint: 'access_token' })).status).toBe(200);
    expect((await post(server, '/oauth/token', AUTH.cli, { grant_type: 'refresh_token', refresh_token: refresh })).json.error).toBe('invalid_grant');
    const second = await passwordTokens(server, 'cli', 'bob');
    expect((await post(server, '/oauth/revoke', AUTH.cli, { token: second.access, token_type_hint: 'refresh_token' })).status).toBe(200);
    expect((await introspect(server, second.access)).json).toEqual({ active: false });
    expect((await post(server, '/oauth/revoke', AUTH.cli, { token: access, token_type_hint: 'made_up_hint' })).status).toBe(200);
    expect((await introspect(server, access)).json).toEqual({ active: false });
  });

  it("lets a client revoke only its own tokens: another client's revocation is a silent no-op", async () => {
    const server = makeServer();
    const { access, refresh } = await passwordTokens(server, 'cli');
    expect((await post(server, '/oauth/revoke', AUTH.other, { token: access })).status).toBe(200);
    expect((await post(server, '/oauth/revoke', AUTH.other, { token: refresh })).status).toBe(200);
    expect((await introspect(server, access)).json.active).toBe(true);
    expect((await post(server, '/oauth/token', AUTH.cli, { grant_type: 'refresh_token', refresh_token: refresh })).status).toBe(200);
  });

  it('revokes opaque access tokens too', async () => {
    const server = makeServer({ accessToken: { format: 'opaque' } });
    const { access } = await passwordTokens(server, 'cli');
    expect((await introspect(server, access)).json.active).toBe(true);
    expect((await post(server, '/oauth/revoke', AUTH.cli, { token: access })).status).toBe(200);
    expect((await introspect(server, access)).json).toEqual({ active: false });
  });
});
