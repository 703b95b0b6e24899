import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthServer, generateKey, type SigningAlgorithm } from '../src/index.js';

// The token endpoint signs with node:crypto; every algorithm must produce JWS that jose verifies.
describe.each(['EdDSA', 'ES256', 'RS256'] as SigningAlgorithm[])('%s access tokens verify with jose', (alg) => {
  it('issues an at+jwt that verifies against the JWKS', async () => {
    const server = createAuthServer({
      issuer: 'https://auth.example.com',
      keys: [generateKey(alg)],
      clients: [{ id: 'svc', secret: 'svc-secret', grantTypes: ['client_credentials'], scopes: ['a'] }],
    });
    const response = await server.handle({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('svc:svc-secret').toString('base64')}` },
      body: 'grant_type=client_credentials&scope=a',
    });
    expect(response.status).toBe(200);
    const { access_token: token } = JSON.parse(response.body) as { access_token: string };
    const jwks = createLocalJWKSet(JSON.parse((await server.handle({ method: 'GET', url: '/.well-known/jwks.json', headers: {} })).body));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: 'https://auth.example.com', audience: 'https://auth.example.com', typ: 'at+jwt', algorithms: [alg] });
    expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: server.keys.active.kid });
    expect(payload).toMatchObject({ sub: 'svc', client_id: 'svc', scope: 'a' });
    expect(typeof payload.jti).toBe('string');
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
  });
});

describe('staged key rotation', () => {
  it('publishes an added key before it signs, then signs with it once activated; old tokens keep verifying', async () => {
    const server = createAuthServer({
      issuer: 'https://auth.example.com',
      keys: [generateKey()],
      clients: [{ id: 'svc', secret: 'svc-secret', grantTypes: ['client_credentials'] }],
    });
    const issue = async (): Promise<string> => {
      const response = await server.handle({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('svc:svc-secret').toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
      return (JSON.parse(response.body) as { access_token: string }).access_token;
    };
    const kidOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;
    const first = server.keys.active.kid;
    const before = await issue();
    const staged = server.keys.add(generateKey());
    // Published, not yet signing.
    expect(server.keys.jwks().keys.map((key) => key.kid)).toEqual([first, staged.kid]);
    expect(kidOf(await issue())).toBe(first);
    server.keys.activate(staged.kid);
    const after = await issue();
    expect(kidOf(after)).toBe(staged.kid);
    const jwks = createLocalJWKSet(server.keys.jwks());
    for (const token of [before, after]) await expect(jwtVerify(token, jwks, { typ: 'at+jwt' })).resolves.toBeDefined();
    expect(() => server.keys.activate('no-such-kid')).toThrow(TypeError);
  });
});
