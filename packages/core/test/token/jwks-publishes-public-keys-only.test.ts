import { describe, expect, it } from 'vitest';
import { generateKey } from '@tollgate/core';
import { call, fetchJwks, JWKS_PATH, makeServer } from '../helpers.js';

/** Prevents private key disclosure: the JWKS endpoint publishes public members only, for every key type. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

describe('JWKS', () => {
  it.each([['EdDSA'], ['ES256'], ['RS256']] as const)('contains no private members for %s keys', async (alg) => {
    const server = makeServer({ keys: [generateKey(alg)] });
    const response = await call(server, { method: 'GET', url: JWKS_PATH });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/(jwk-set\+)?json/);
    const jwks = JSON.parse(response.body) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    expect(key).toMatchObject({ alg, use: 'sig', kid: server.keys.active.kid });
    expect(Object.keys(key ?? {}).every((name) => ['kty', 'kid', 'alg', 'use', 'crv', 'x', 'y', 'n', 'e'].includes(name))).toBe(true);
  });

  it('lists public parts of every key after rotations, still without private members', async () => {
    const server = makeServer({ keys: [generateKey('EdDSA')] });
    server.keys.rotate(generateKey('ES256'));
    server.keys.rotate(generateKey('RS256'));
    const jwks = await fetchJwks(server);
    expect(jwks.keys.map((key) => key.alg)).toEqual(['RS256', 'ES256', 'EdDSA']);
    for (const key of jwks.keys) for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
  });

  it('answers GET only (405 with Allow for POST)', async () => {
    const server = makeServer();
    const response = await call(server, { method: 'POST', url: JWKS_PATH, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toMatch(/GET/);
  });
});
