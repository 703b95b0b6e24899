import { describe, expect, it } from 'vitest';
import { createAuthServer, generateKey } from '@tollgate/core';
import { call, clientCredentials, expectError, expectNoStore, expectTokens, ISSUER, makeServer, passwordGrant, SERVICE_SECRET, silentLogger, token } from '../helpers.js';

describe('token response (RFC 6749 §5.1)', () => {
  it('has access_token, token_type Bearer, expires_in, refresh_token when issued, scope', async () => {
    const server = makeServer();
    const body = expectTokens(await passwordGrant(server, { scope: 'orders:read' }));
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(3600);
    expect(body.scope).toBe('orders:read');
  });

  it('leaves refresh_token out when none is issued', async () => {
    const server = makeServer();
    const body = expectTokens(await clientCredentials(server));
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
  });

  it('uses the configured token_type word (seed 000: acs-oauth)', async () => {
    const server = makeServer({ accessToken: { tokenType: 'acs-oauth' } });
    expect(expectTokens(await clientCredentials(server)).token_type).toBe('acs-oauth');
  });

  it('uses the per-client accessTokenLifetime for expires_in, and the server lifetime otherwise', async () => {
    const server = createAuthServer({
      issuer: ISSUER,
      logger: silentLogger,
      keys: [generateKey()],
      accessToken: { lifetime: 43200 },
      clients: [
        { id: 'long', secret: SERVICE_SECRET, grantTypes: ['client_credentials'] },
        { id: 'short', secret: SERVICE_SECRET, grantTypes: ['client_credentials'], accessTokenLifetime: 300 },
      ],
    });
    expect(expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['long', SERVICE_SECRET] })).expires_in).toBe(43200);
    expect(expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['short', SERVICE_SECRET] })).expires_in).toBe(300);
  });

  it('is application/json', async () => {
    const server = makeServer();
    const result = await clientCredentials(server);
    expect(result.headers['content-type']).toMatch(/^application\/json(;\s*charset=utf-8)?$/i);
  });

  describe('Cache-Control: no-store and Pragma: no-cache on every answer', () => {
    const cases: [string, (server: ReturnType<typeof makeServer>) => ReturnType<typeof call>, number][] = [
      ['200 success', (server) => clientCredentials(server), 200],
      ['400 invalid_request', (server) => token(server, { scope: 'x' }, { basic: ['service', SERVICE_SECRET] }), 400],
      ['400 unsupported_grant_type', (server) => token(server, { grant_type: 'urn:nope' }), 400],
      ['400 invalid_grant', (server) => passwordGrant(server, { password: 'nope' }), 400],
      ['400 invalid_scope', (server) => clientCredentials(server, { scope: 'admin' }), 400],
      ['400 unauthorized_client', (server) => token(server, { grant_type: 'password', username: 'a', password: 'b' }, { basic: ['service', SERVICE_SECRET] }), 400],
      ['401 invalid_client', (server) => clientCredentials(server, {}, { basic: ['service', 'wrong'] }), 401],
      ['405 method not allowed', (server) => call(server, { method: 'GET', url: '/oauth/token' }), 405],
      ['413 body too large', (server) => token(server, `grant_type=client_credentials&pad=${'a'.repeat(70_000)}`), 413],
      ['400 bad content type', (server) => call(server, { headers: { 'content-type': 'application/json' }, body: '{}' }), 400],
      ['500 server_error', (server) => passwordGrant(server), 500],
    ];
    it.each(cases)('%s', async (_label, send, status) => {
      const server = makeServer({
        password: {
          authenticateUser: async ({ password }) => {
            if (password === 'nope') return undefined;
            throw new Error('boom');
          },
        },
      });
      const result = await send(server);
      expect(result.status, result.body).toBe(status);
      expectNoStore(result);
      if (status !== 200) expectError(result, status, String(result.json.error));
    });
  });
});
