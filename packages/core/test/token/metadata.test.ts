import { describe, expect, it } from 'vitest';
import { createAuthServer, generateKey } from '@tollgate/core';
import { call, ISSUER, makeServer, METADATA_PATH, SERVICE_SECRET, silentLogger } from '../helpers.js';

describe('authorization server metadata (RFC 8414)', () => {
  it('is served at /.well-known/oauth-authorization-server, generated from the configuration', async () => {
    const server = makeServer({ scopes: ['orders:read', 'orders:write', 'profile', { name: 'userid', parameter: /\d+/ }], paths: { token: '/v1/authTokens' } });
    const result = await call(server, { method: 'GET', url: METADATA_PATH });
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    const metadata = JSON.parse(result.body) as Record<string, unknown>;
    expect(metadata.issuer).toBe(ISSUER);
    expect(metadata.token_endpoint).toBe(`${ISSUER}/v1/authTokens`);
    expect(metadata.jwks_uri).toBe(`${ISSUER}/.well-known/jwks.json`);
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials', 'password', 'refresh_token']));
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'none']));
    expect(metadata.scopes_supported).toEqual(['orders:read', 'orders:write', 'profile', 'userid']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.access_token_signing_alg_values_supported).toEqual(['EdDSA']);
    expect(metadata).toEqual(server.metadata());
  });

  it('serves a JWKS at jwks_uri and a token endpoint at token_endpoint', async () => {
    const server = makeServer();
    const metadata = server.metadata();
    const jwks = await call(server, { method: 'GET', url: new URL(metadata.jwks_uri).pathname });
    expect(jwks.status).toBe(200);
    expect(server.route(new URL(metadata.token_endpoint).pathname)).toBe('token');
  });

  it('does not list the password grant when it is not configured', () => {
    const server = createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [{ id: 'svc', secret: SERVICE_SECRET, grantTypes: ['client_credentials'] }] });
    expect(server.metadata().grant_types_supported).toContain('client_credentials');
    expect(server.metadata().grant_types_supported).not.toContain('password');
  });

  it('lists every signing algorithm in use after a rotation', () => {
    const server = makeServer({ keys: [generateKey('EdDSA')] });
    server.keys.rotate(generateKey('ES256'));
    expect([...(server.metadata().access_token_signing_alg_values_supported as string[])].sort()).toEqual(['ES256', 'EdDSA']);
  });

  it('for an issuer with a path, is served at /.well-known/oauth-authorization-server/tenant1 (RFC 8414 §3.1)', async () => {
    const issuer = 'https://auth.example.com/tenant1';
    const server = makeServer({ issuer });
    const result = await call(server, { method: 'GET', url: `${METADATA_PATH}/tenant1` });
    expect(result.status).toBe(200);
    const metadata = JSON.parse(result.body) as Record<string, unknown>;
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.token_endpoint).toMatch(/^https:\/\/auth\.example\.com\//);
    // Not at the root well-known path, which belongs to another issuer.
    expect((await call(server, { method: 'GET', url: METADATA_PATH })).status).toBe(404);
  });

  it('for an issuer with a trailing slash, drops the slash from the well-known suffix', async () => {
    const server = makeServer({ issuer: 'https://auth.example.com/tenant2/' });
    expect((await call(server, { method: 'GET', url: `${METADATA_PATH}/tenant2` })).status).toBe(200);
  });

  it('answers GET only', async () => {
    const server = makeServer();
    const result = await call(server, { method: 'POST', url: METADATA_PATH, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(result.status).toBe(405);
    expect(result.headers.allow).toMatch(/GET/);
  });
});
