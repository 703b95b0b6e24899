import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { generateKey, type ClaimsContext } from '@tollgate/core';
import { clientCredentials, expectTokens, fetchJwks, ISSUER, makeServer, passwordGrant, SERVICE_SECRET, token, verifyAccessToken } from '../helpers.js';

describe('JWT access tokens (RFC 9068)', () => {
  it('are signed with EdDSA by default, typ at+jwt, with the kid of the active key', async () => {
    const server = makeServer();
    const body = expectTokens(await clientCredentials(server));
    const { protectedHeader } = await verifyAccessToken(server, body.access_token);
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(protectedHeader.kid).toBe(server.keys.active.kid);
    expect(protectedHeader.kid).toMatch(/\S/);
    const jwks = await fetchJwks(server);
    expect(jwks.keys.map((key) => key.kid)).toContain(protectedHeader.kid);
  });

  it('refuses to verify as a plain JWT with another typ (the typ check is meaningful)', async () => {
    const server = makeServer();
    const body = expectTokens(await clientCredentials(server));
    const jwks = createLocalJWKSet((await fetchJwks(server)) as Parameters<typeof createLocalJWKSet>[0]);
    await expect(jwtVerify(body.access_token, jwks, { typ: 'JWT' })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  it('carry iss, sub, aud, client_id, scope, iat, exp and jti', async () => {
    const server = makeServer();
    const before = Math.floor(Date.now() / 1000);
    const body = expectTokens(await clientCredentials(server, { scope: 'orders:read orders:write' }));
    const { payload } = await verifyAccessToken(server, body.access_token);
    expect(payload.iss).toBe(ISSUER);
    expect(payload.sub).toBe('service');
    expect(payload.aud).toBe(ISSUER);
    expect(payload.client_id).toBe('service');
    expect(payload.scope).toBe('orders:read orders:write');
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  });

  it('use the configured audience and the per-client lifetime', async () => {
    const server = makeServer({
      accessToken: { audience: ['https://api.example.com', 'https://files.example.com'], lifetime: 900 },
      clients: [
        { id: 'service', secret: SERVICE_SECRET, grantTypes: ['client_credentials'] },
        { id: 'short', secret: SERVICE_SECRET, grantTypes: ['client_credentials'], accessTokenLifetime: 300, audience: 'https://short.example.com' },
      ],
    });
    const standard = expectTokens(await clientCredentials(server));
    expect(standard.expires_in).toBe(900);
    const std = decodeJwt(standard.access_token);
    expect(std.aud).toEqual(['https://api.example.com', 'https://files.example.com']);
    expect((std.exp ?? 0) - (std.iat ?? 0)).toBe(900);
    const short = expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['short', SERVICE_SECRET] }));
    expect(short.expires_in).toBe(300);
    const { payload } = await verifyAccessToken(server, short.access_token, { audience: 'https://short.example.com' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
  });

  it.each([['ES256'], ['RS256']] as const)('can be signed with %s', async (alg) => {
    const server = makeServer({ keys: [generateKey(alg)] });
    const body = expectTokens(await clientCredentials(server));
    const { protectedHeader } = await verifyAccessToken(server, body.access_token, { algorithms: [alg] });
    expect(protectedHeader.alg).toBe(alg);
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(server.metadata().access_token_signing_alg_values_supported).toEqual([alg]);
  });

  it('carry custom claims from the claims hook, which gets the grant’s context', async () => {
    const contexts: ClaimsContext[] = [];
    const claims = vi.fn((context: ClaimsContext) => {
      contexts.push(context);
      return { tenant: 'acme', permissions: ['read', 'write'], nested: { level: 2 } };
    });
    const server = makeServer({ claims });
    const body = expectTokens(await passwordGrant(server, { scope: 'orders:read' }));
    const { payload } = await verifyAccessToken(server, body.access_token);
    expect(payload).toMatchObject({ tenant: 'acme', permissions: ['read', 'write'], nested: { level: 2 }, role: 'agent' });
    expect(contexts[0]).toMatchObject({ subject: 'user-alice', grantType: 'password', scope: ['orders:read'], claims: { role: 'agent', siteId: 7 } });
    expect(contexts[0]?.client.id).toBe('web');
  });

  it('accept an async claims hook', async () => {
    const server = makeServer({ claims: async () => ({ fromDb: true }) });
    const { payload } = await verifyAccessToken(server, expectTokens(await clientCredentials(server)).access_token);
    expect(payload.fromDb).toBe(true);
  });

  describe('key rotation', () => {
    it('signs new tokens with the new kid, lists both keys, and old tokens still verify', async () => {
      const server = makeServer();
      const oldKid = server.keys.active.kid;
      const before = expectTokens(await clientCredentials(server));
      const rotated = server.keys.rotate(generateKey());
      expect(rotated.kid).not.toBe(oldKid);

      const after = expectTokens(await clientCredentials(server));
      expect(decodeProtectedHeader(after.access_token).kid).toBe(rotated.kid);
      expect(decodeProtectedHeader(before.access_token).kid).toBe(oldKid);

      const jwks = await fetchJwks(server);
      expect(jwks.keys.map((key) => key.kid).sort()).toEqual([oldKid, rotated.kid].sort());
      await expect(verifyAccessToken(server, before.access_token)).resolves.toMatchObject({ protectedHeader: { kid: oldKid } });
      await expect(verifyAccessToken(server, after.access_token)).resolves.toMatchObject({ protectedHeader: { kid: rotated.kid } });
    });

    it('can rotate to another algorithm', async () => {
      const server = makeServer();
      const before = expectTokens(await clientCredentials(server));
      server.keys.rotate(generateKey('ES256'));
      const after = expectTokens(await clientCredentials(server));
      expect(decodeProtectedHeader(after.access_token).alg).toBe('ES256');
      await expect(verifyAccessToken(server, before.access_token)).resolves.toBeDefined();
      await expect(verifyAccessToken(server, after.access_token)).resolves.toBeDefined();
    });

    it('after a key is removed, its tokens no longer verify against the JWKS', async () => {
      const server = makeServer();
      const oldKid = server.keys.active.kid;
      const before = expectTokens(await clientCredentials(server));
      server.keys.rotate(generateKey());
      expect(server.keys.remove(oldKid)).toBe(true);
      await expect(verifyAccessToken(server, before.access_token)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    });
  });
});
