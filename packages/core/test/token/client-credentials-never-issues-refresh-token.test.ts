import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthServer } from '@tollgate/core';
import { clientCredentials, expectError, expectTokens, ISSUER, makeServer, SERVICE_SECRET, silentLogger, token, verifyAccessToken, WEB_SECRET } from '../helpers.js';

describe('client_credentials (RFC 6749 §4.4)', () => {
  it('issues an access token for the client itself, with the client’s default scope', async () => {
    const server = makeServer();
    const body = expectTokens(await clientCredentials(server));
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3600);
    expect(body.scope).toBe('orders:read');
    const { payload } = await verifyAccessToken(server, body.access_token);
    expect(payload.sub).toBe('service');
    expect(payload.client_id).toBe('service');
    expect(payload.scope).toBe('orders:read');
  });

  it('never issues a refresh token, even though the client lists refresh_token (RFC 6749 §4.4.3)', async () => {
    const server = makeServer();
    const result = await clientCredentials(server, { scope: 'orders:read orders:write' });
    const body = expectTokens(result);
    expect(body).not.toHaveProperty('refresh_token');
    expect(body.scope).toBe('orders:read orders:write');
  });

  it('is refused to a public client: there is no way to configure one, and a public client id alone is invalid_client', async () => {
    expect(() => createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [{ id: 'pub', grantTypes: ['client_credentials'] }] })).toThrow(TypeError);
    const server = makeServer();
    // `spa` is public and does not list client_credentials.
    expectError(await token(server, { grant_type: 'client_credentials', client_id: 'spa' }), 400, 'unauthorized_client');
    // A confidential client presenting only its id (no secret) is not authenticated.
    expectError(await token(server, { grant_type: 'client_credentials', client_id: 'service' }), 401, 'invalid_client');
  });

  it('is unauthorized_client for a confidential client that does not list it', async () => {
    const server = makeServer();
    expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['web', WEB_SECRET] }), 400, 'unauthorized_client');
  });

  it('requires client authentication', async () => {
    const server = makeServer();
    expectError(await token(server, { grant_type: 'client_credentials' }), 401, 'invalid_client');
    expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', `${SERVICE_SECRET}x`] }), 401, 'invalid_client');
  });

  it('issues a fresh jti each time', async () => {
    const server = makeServer();
    const a = decodeJwt(expectTokens(await clientCredentials(server)).access_token);
    const b = decodeJwt(expectTokens(await clientCredentials(server)).access_token);
    expect(a.jti).toBeTypeOf('string');
    expect(a.jti).not.toBe(b.jti);
  });
});
