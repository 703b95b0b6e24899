import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { sha256 } from '@tollgate/core';
import { clientCredentials, expectTokens, makeServer, passwordGrant, refresh } from '../helpers.js';

describe('opaque access tokens (accessToken.format: "opaque")', () => {
  it('are not JWTs, and are found in the store by their hash', async () => {
    const server = makeServer({ accessToken: { format: 'opaque' } });
    const body = expectTokens(await clientCredentials(server, { scope: 'orders:read orders:write' }));
    expect(() => decodeJwt(body.access_token)).toThrow();
    expect(body.access_token.split('.')).toHaveLength(1);
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const record = await server.store.findAccessToken(sha256(body.access_token));
    expect(record).toMatchObject({ clientId: 'service', subject: 'service', scope: 'orders:read orders:write', audience: ['https://auth.example.com'] });
    expect(record?.expiresAt).toBe((record?.issuedAt ?? 0) + 3600);
    // Stored by hash: the token itself is not a key.
    expect(await server.store.findAccessToken(body.access_token)).toBeUndefined();
  });

  it('are issued by every grant, including refresh, each one different', async () => {
    const server = makeServer({ accessToken: { format: 'opaque' } });
    const first = expectTokens(await passwordGrant(server));
    const second = expectTokens(await refresh(server, first.refresh_token));
    expect(second.access_token).not.toBe(first.access_token);
    expect(await server.store.findAccessToken(sha256(second.access_token))).toMatchObject({ clientId: 'web', subject: 'user-alice' });
  });

  it('are not published in metadata as signed', () => {
    const server = makeServer({ accessToken: { format: 'opaque' } });
    expect(server.metadata()).not.toHaveProperty('access_token_signing_alg_values_supported');
  });
});
