import { describe, expect, it } from 'vitest';
import { createAuthServer } from '@tollgate/core';
import { expectError, expectTokens, form, ISSUER, makeServer, refresh, SERVICE_SECRET, silentLogger, token, verifyAccessToken } from '../helpers.js';

const SEED_SCOPES = ['orders:read', { name: 'userid', parameter: /\d+/ }, { name: 'role', parameter: ['admin', 'user'] }] as const;

function seedServer() {
  return createAuthServer({
    issuer: ISSUER,
    logger: silentLogger,
    scopes: [...SEED_SCOPES],
    clients: [
      { id: 'prizm', secret: SERVICE_SECRET, grantTypes: ['client_credentials'], scopes: ['orders:read', 'userid', 'role'] },
      { id: 'reader', secret: SERVICE_SECRET, grantTypes: ['client_credentials'], scopes: ['orders:read'], defaultScopes: ['orders:read'] },
    ],
  });
}

const cc = (server: ReturnType<typeof seedServer>, scope: string | undefined, client = 'prizm') =>
  token(server, form(scope === undefined ? { grant_type: 'client_credentials' } : { grant_type: 'client_credentials', scope }), { basic: [client, SERVICE_SECRET] });

describe('scopes (RFC 6749 §3.3)', () => {
  it('are space-delimited and echoed in the response and the token', async () => {
    const server = makeServer();
    const body = expectTokens(await token(server, { grant_type: 'client_credentials', scope: 'orders:read profile' }, { basic: ['service', SERVICE_SECRET] }));
    expect(body.scope).toBe('orders:read profile');
    expect((await verifyAccessToken(server, body.access_token)).payload.scope).toBe('orders:read profile');
  });

  it('collapse duplicates', async () => {
    const server = makeServer();
    const body = expectTokens(await token(server, { grant_type: 'client_credentials', scope: 'profile profile' }, { basic: ['service', SERVICE_SECRET] }));
    expect(body.scope).toBe('profile');
  });

  it('answer invalid_scope for a scope the client may not have', async () => {
    const server = seedServer();
    expectError(await cc(server, 'role:admin', 'reader'), 400, 'invalid_scope');
    expectError(await cc(server, 'orders:read userid:1', 'reader'), 400, 'invalid_scope');
  });

  it('answer invalid_scope for a scope the server does not know', async () => {
    const server = seedServer();
    expectError(await cc(server, 'orders:write'), 400, 'invalid_scope');
  });

  it('use the client’s default scopes when none is requested', async () => {
    const server = seedServer();
    expect(expectTokens(await cc(server, undefined, 'reader')).scope).toBe('orders:read');
    const none = expectTokens(await cc(server, undefined, 'prizm'));
    expect(none).not.toHaveProperty('scope');
    expect((await verifyAccessToken(server, none.access_token)).payload).not.toHaveProperty('scope');
  });

  describe('parameterised scopes (seed 000: userid:1234 role:admin)', () => {
    it('become claims and are echoed', async () => {
      const server = seedServer();
      const body = expectTokens(await cc(server, 'userid:1234 role:admin'));
      expect(body.scope).toBe('userid:1234 role:admin');
      const { payload } = await verifyAccessToken(server, body.access_token);
      expect(payload.userid).toBe('1234');
      expect(payload.role).toBe('admin');
      expect(payload.scope).toBe('userid:1234 role:admin');
    });

    it('mix with fixed scopes', async () => {
      const server = seedServer();
      const body = expectTokens(await cc(server, 'orders:read role:user'));
      expect(body.scope).toBe('orders:read role:user');
      const { payload } = await verifyAccessToken(server, body.access_token);
      expect(payload.role).toBe('user');
      expect(payload).not.toHaveProperty('userid');
    });

    it.each([
      ['a value that does not match the pattern', 'userid:abc'],
      ['a value that only partly matches the pattern', 'userid:12a'],
      ['an empty value', 'userid:'],
      ['no value at all', 'userid'],
      ['a value not in the list', 'role:root'],
      ['a value in the wrong case', 'role:Admin'],
      ['a double space', 'userid:1234  role:admin'],
      ['a leading space', ' userid:1234'],
      ['a trailing space', 'userid:1234 '],
      ['a tab', 'userid:1234\trole:admin'],
      ['a double quote', 'userid:"1"'],
      ['a backslash', 'role:ad\\min'],
      ['the same parameter twice with different values', 'userid:1 userid:2'],
      ['non-ASCII', 'role:adminé'],
    ])('answer invalid_scope for %s', async (_label, scope) => {
      const server = seedServer();
      const result = await cc(server, scope);
      expectError(result, 400, 'invalid_scope');
      expect(result.json).not.toHaveProperty('access_token');
    });

    it('are carried across a refresh, and a refresh cannot change the parameter value', async () => {
      const server = createAuthServer({
        issuer: ISSUER,
        logger: silentLogger,
        scopes: [...SEED_SCOPES],
        password: { authenticateUser: async () => ({ subject: 'user-1' }) },
        clients: [{ id: 'app', secret: SERVICE_SECRET, grantTypes: ['password', 'refresh_token'], scopes: ['orders:read', 'userid', 'role'] }],
      });
      const first = expectTokens(await token(server, { grant_type: 'password', username: 'u', password: 'p', scope: 'userid:1234 role:user' }, { basic: ['app', SERVICE_SECRET] }));
      const refreshed = expectTokens(await refresh(server, first.refresh_token, {}, ['app', SERVICE_SECRET]));
      expect(refreshed.scope).toBe('userid:1234 role:user');
      expect((await verifyAccessToken(server, refreshed.access_token)).payload).toMatchObject({ userid: '1234', role: 'user' });
      // Escalation attempts through the refresh scope parameter.
      expectError(await refresh(server, refreshed.refresh_token, { scope: 'role:admin' }, ['app', SERVICE_SECRET]), 400, 'invalid_scope');
      expectError(await refresh(server, refreshed.refresh_token, { scope: 'userid:1 role:user' }, ['app', SERVICE_SECRET]), 400, 'invalid_scope');
      // Narrowing to one of them drops the other claim.
      const narrowed = expectTokens(await refresh(server, refreshed.refresh_token, { scope: 'role:user' }, ['app', SERVICE_SECRET]));
      const { payload } = await verifyAccessToken(server, narrowed.access_token);
      expect(payload.role).toBe('user');
      expect(payload).not.toHaveProperty('userid');
    });
  });

  it('are listed in the metadata', () => {
    expect(seedServer().metadata().scopes_supported).toEqual(['orders:read', 'userid', 'role']);
  });
});
