import { describe, expect, it } from 'vitest';
import { expectTokens, ISSUER, makeServer, passwordGrant, verifyAccessToken } from '../helpers.js';

/**
 * Prevents token forgery through app hooks: whatever the claims hook or the user's claims say, the registered
 * claims (iss, sub, aud, exp, nbf, iat, jti, client_id, scope, auth_time) are the server's.
 */
const HOSTILE = {
  iss: 'https://evil.example',
  sub: 'admin',
  aud: 'https://other-api.example',
  exp: 4102444800,
  nbf: 4102444800,
  iat: 1,
  jti: 'fixed-jti',
  client_id: 'other',
  scope: 'admin:all',
  auth_time: 1,
  tenant: 'acme',
};

describe('reserved claims cannot be overridden', () => {
  it('by the claims hook', async () => {
    const server = makeServer({ claims: () => ({ ...HOSTILE }) });
    const body = expectTokens(await passwordGrant(server, { scope: 'orders:read' }));
    const { payload } = await verifyAccessToken(server, body.access_token);
    expect(payload.iss).toBe(ISSUER);
    expect(payload.sub).toBe('user-alice');
    expect(payload.aud).toBe(ISSUER);
    expect(payload.client_id).toBe('web');
    expect(payload.scope).toBe('orders:read');
    expect(payload.jti).not.toBe('fixed-jti');
    expect(payload.iat).not.toBe(1);
    expect(payload.auth_time).not.toBe(1);
    expect(payload).not.toHaveProperty('nbf');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    // Non-reserved claims from the hook do come through.
    expect(payload.tenant).toBe('acme');
  });

  it('by the claims hook when the grant has no scope (scope cannot be injected)', async () => {
    const server = makeServer({ claims: () => ({ scope: 'admin:all' }) });
    const body = expectTokens(await passwordGrant(server));
    expect(body).not.toHaveProperty('scope');
    const { payload } = await verifyAccessToken(server, body.access_token);
    expect(payload).not.toHaveProperty('scope');
  });

  it('by the user claims returned from authenticateUser', async () => {
    const server = makeServer({ password: { authenticateUser: async () => ({ subject: 'user-alice', claims: { ...HOSTILE } }) } });
    const body = expectTokens(await passwordGrant(server, { scope: 'orders:read' }));
    const { payload } = await verifyAccessToken(server, body.access_token);
    expect(payload).toMatchObject({ iss: ISSUER, sub: 'user-alice', aud: ISSUER, client_id: 'web', scope: 'orders:read', tenant: 'acme' });
    expect(payload).not.toHaveProperty('nbf');
    expect(payload.jti).not.toBe('fixed-jti');
  });
});
