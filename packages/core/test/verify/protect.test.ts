import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { OAuthError, StoreUnavailableError } from '../../src/errors.js';
import type { TollgateRequest, TollgateResponse } from '../../src/http/types.js';
import { memoryStore } from '../../src/store/memory.js';
import { createKeySet, generateKey } from '../../src/tokens/keys.js';
import { opaqueAccessTokens } from '../../src/tokens/access-token.js';
import type { AccessTokenClaims, TollgateAuth } from '../../src/verify/claims.js';
import { authenticate, createProtector, type AuthenticateResult, type Protector } from '../../src/verify/protect.js';
import { protectedResourceMetadata } from '../../src/verify/resource-metadata.js';
import type { ScopeRule } from '../../src/verify/scopes.js';
import { createVerifier, type Verifier } from '../../src/verify/verifier.js';
import { AUDIENCE, claims, ISSUER, keyEntry, memoryLogger, now, publicInput, sign } from './helpers.js';

const entry = keyEntry('EdDSA', 'k1');
const attacker = keyEntry('EdDSA', 'k1');
const logger = memoryLogger();
const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: [publicInput(entry)], logger });
const protector = createProtector(verifier, { realm: 'orders', logger });

const get = (authorization?: string, extra: Partial<TollgateRequest> = {}): TollgateRequest => ({
  method: 'GET',
  url: '/orders',
  headers: authorization === undefined ? {} : { authorization },
  ...extra,
});

function refused(result: AuthenticateResult): TollgateResponse {
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  return result.response;
}

describe('authenticate: RFC 6750 answers', () => {
  it('a valid token passes with its claims and parsed scopes', async () => {
    const result = await protector.authenticate(get(`Bearer ${await sign(entry)}`));
    expect(result).toMatchObject({ ok: true, auth: { sub: 'user-1', client_id: 'client-1' }, scopes: ['orders:read', 'profile'], method: 'header' });
  });

  it('no credentials: 401, realm, no error code, empty body', async () => {
    const response = refused(await protector.authenticate(get()));
    expect(response).toMatchObject({ status: 401, body: '' });
    expect(response.headers['WWW-Authenticate']).toBe('Bearer realm="orders"');
  });

  it('another scheme counts as no credentials', async () => {
    const response = refused(await protector.authenticate(get('Basic xyz')));
    expect(response.status).toBe(401);
    expect(response.headers['WWW-Authenticate']).toBe('Bearer realm="orders"');
  });

  it.each(['Bearer', 'Bearer a b', `Bearer ${'a'.repeat(100 * 1024)}`, 'Bearer %E0%A4%A', 'Bearer tökén'])('a malformed header is 400 invalid_request (%#)', async (header) => {
    const response = refused(await protector.authenticate(get(header)));
    expect(response.status).toBe(400);
    expect(response.headers['WWW-Authenticate']).toMatch(/^Bearer realm="orders", error="invalid_request", error_description="[^"]+"$/);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
  });

  it.each([
    ['expired', () => sign(entry, claims({ iat: now() - 900, exp: now() - 600 }))],
    ['forged', () => sign(attacker)],
    ['wrong audience', () => sign(entry, claims({ aud: 'https://other.example.com' }))],
    ['wrong issuer', () => sign(entry, claims({ iss: 'https://evil.example.com' }))],
    ['garbage', async () => 'abc.def.ghi'],
  ])('a bad token (%s) is 401 invalid_token', async (_name, make) => {
    const token = await make();
    const response = refused(await protector.authenticate(get(`Bearer ${token}`)));
    expect(response.status).toBe(401);
    expect(response.headers['WWW-Authenticate']).toMatch(/^Bearer realm="orders", error="invalid_token", error_description="[^"]+"$/);
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(response.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_token' });
    expect(JSON.stringify(response)).not.toContain(token);
  });

  it('the default realm is the first audience', async () => {
    const response = refused(await createProtector(verifier).authenticate(get()));
    expect(response.headers['WWW-Authenticate']).toBe(`Bearer realm="${AUDIENCE}"`);
  });

  it('adds resource_metadata to every challenge when configured', async () => {
    const metadata = protectedResourceMetadata({ resource: AUDIENCE, authorizationServers: [ISSUER] });
    const withMetadata = createProtector(verifier, { realm: 'orders', resourceMetadata: metadata });
    const expected = `resource_metadata="${AUDIENCE}/.well-known/oauth-protected-resource"`;
    expect(refused(await withMetadata.authenticate(get())).headers['WWW-Authenticate']).toContain(expected);
    expect(refused(await withMetadata.authenticate(get('Bearer a b'))).headers['WWW-Authenticate']).toContain(expected);
    expect(refused(await withMetadata.authenticate(get('Bearer x.y.z'))).headers['WWW-Authenticate']).toContain(expected);
    expect(refused(await withMetadata.authenticate(get(`Bearer ${await sign(entry)}`), { scopes: ['admin'] })).headers['WWW-Authenticate']).toContain(expected);
  });

  it('query tokens only when enabled, and the method is reported', async () => {
    const token = await sign(entry);
    expect(refused(await protector.authenticate(get(undefined, { url: `/orders?access_token=${token}` }))).status).toBe(401);
    const withQuery = createProtector(verifier, { bearer: { query: true } });
    await expect(withQuery.authenticate(get(undefined, { url: `/orders?access_token=${token}` }))).resolves.toMatchObject({ ok: true, method: 'query' });
    expect(refused(await withQuery.authenticate(get(`Bearer ${token}`, { url: `/orders?access_token=${token}` }))).status).toBe(400);
  });

  it('body tokens only when enabled', async () => {
    const token = await sign(entry);
    const post: TollgateRequest = { method: 'POST', url: '/orders', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${token}` };
    expect(refused(await protector.authenticate(post)).status).toBe(401);
    await expect(createProtector(verifier, { bearer: { body: true } }).authenticate(post)).resolves.toMatchObject({ ok: true, method: 'body' });
  });
});

describe('scope rules', () => {
  const withScope = async (scope: string | undefined) => get(`Bearer ${await sign(entry, claims({ scope }))}`);

  it('scopes: all-of', async () => {
    await expect(protector.authenticate(await withScope('a b c'), { scopes: ['a', 'b'] })).resolves.toMatchObject({ ok: true });
    const response = refused(await protector.authenticate(await withScope('a c'), { scopes: ['a', 'b'] }));
    expect(response.status).toBe(403);
    expect(response.headers['WWW-Authenticate']).toBe('Bearer realm="orders", error="insufficient_scope", error_description="the access token lacks a required scope", scope="a b"');
    expect(JSON.parse(response.body)).toMatchObject({ error: 'insufficient_scope' });
  });

  it('anyScopes: any-of', async () => {
    await expect(protector.authenticate(await withScope('b'), { anyScopes: ['a', 'b'] })).resolves.toMatchObject({ ok: true });
    const response = refused(await protector.authenticate(await withScope('c'), { anyScopes: ['a', 'b'] }));
    expect(response.status).toBe(403);
    expect(response.headers['WWW-Authenticate']).toContain('scope="a b"');
  });

  it('a token without scope has none', async () => {
    const result = await protector.authenticate(await withScope(undefined), { scopes: ['a'] });
    expect(refused(result).status).toBe(403);
    await expect(protector.authenticate(await withScope(undefined))).resolves.toMatchObject({ ok: true, scopes: [] });
  });

  it('scope matching is exact, not by prefix or case', async () => {
    for (const scope of ['orders', 'orders:read:all', 'ORDERS:READ', 'orders:rea']) {
      expect(refused(await protector.authenticate(await withScope(scope), { scopes: ['orders:read'] })).status).toBe(403);
    }
  });

  it('claims predicate: sync and async, only true passes', async () => {
    const request = await withScope('a');
    await expect(protector.authenticate(request, { claims: (c) => c.sub === 'user-1' })).resolves.toMatchObject({ ok: true });
    await expect(protector.authenticate(request, { claims: async (c) => c.client_id === 'client-1' })).resolves.toMatchObject({ ok: true });
    for (const answer of [false, undefined, 1, 'true', {}, null]) {
      const response = refused(await protector.authenticate(request, { claims: () => answer as unknown as boolean }));
      expect(response.status).toBe(403);
      expect(response.headers['WWW-Authenticate']).toContain('error="insufficient_scope"');
    }
  });

  it('all parts of a rule must hold', async () => {
    const request = await withScope('a b');
    await expect(protector.authenticate(request, { scopes: ['a'], anyScopes: ['b', 'z'], claims: () => true })).resolves.toMatchObject({ ok: true });
    expect(refused(await protector.authenticate(request, { scopes: ['a'], anyScopes: ['z'] })).status).toBe(403);
    expect(refused(await protector.authenticate(request, { scopes: ['a'], claims: () => false })).status).toBe(403);
  });

  it('guard() validates the rule at definition time', () => {
    for (const rule of [{ scopes: 'orders:read' }, { scopes: [] }, { scopes: ['a b'] }, { anyScopes: [42] }, { claims: true }, null, 'orders:read']) {
      expect(() => protector.guard(rule as unknown as ScopeRule)).toThrow(TypeError);
    }
    expect(() => protector.guard({ scopes: ['orders:read'] })).not.toThrow();
  });

  it('guard() returns a request check', async () => {
    const check = protector.guard({ scopes: ['orders:read'] });
    await expect(check(get(`Bearer ${await sign(entry)}`))).resolves.toMatchObject({ ok: true });
    expect(refused(await check(get())).status).toBe(401);
  });

  it('a rule mutated after guard() does not change the check', async () => {
    const rule = { scopes: ['orders:read'] };
    const check = protector.guard(rule);
    rule.scopes.push('admin');
    await expect(check(get(`Bearer ${await sign(entry)}`))).resolves.toMatchObject({ ok: true });
  });
});

describe('fail closed', () => {
  it('a predicate that throws is a 500 refusal, reported to the logger', async () => {
    const quiet = memoryLogger();
    const guarded = createProtector(verifier, { logger: quiet });
    const response = refused(await guarded.authenticate(get(`Bearer ${await sign(entry)}`), { claims: () => { throw new Error('predicate bug'); } }));
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'server_error' });
    expect(response.body).not.toContain('predicate bug');
    expect(quiet.lines.join('\n')).toContain('predicate bug');
  });

  it('a predicate that rejects is a 500 refusal', async () => {
    const guarded = createProtector(verifier, { logger: memoryLogger() });
    const result = await guarded.authenticate(get(`Bearer ${await sign(entry)}`), { claims: async () => Promise.reject(new Error('nope')) });
    expect(refused(result).status).toBe(500);
  });

  it('a revocation store outage is a 503 refusal', async () => {
    const store = { isAccessTokenRevoked: vi.fn(async () => Promise.reject(new StoreUnavailableError())) };
    const guarded = createProtector(createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: [publicInput(entry)], checkRevocation: { store }, logger: memoryLogger() }));
    const response = refused(await guarded.authenticate(get(`Bearer ${await sign(entry)}`)));
    expect(response.status).toBe(503);
    expect(response.headers['Retry-After']).toBe('1');
  });

  it('a revocation store bug is a 500 refusal', async () => {
    const store = { isAccessTokenRevoked: vi.fn(async () => Promise.reject(new TypeError('undefined is not a function'))) };
    const guarded = createProtector(createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: [publicInput(entry)], checkRevocation: { store }, logger: memoryLogger() }));
    expect(refused(await guarded.authenticate(get(`Bearer ${await sign(entry)}`))).status).toBe(500);
  });

  it('an opaque-token store outage is a 503 refusal', async () => {
    const keys = createKeySet([generateKey()]);
    const store = memoryStore();
    const { token } = await opaqueAccessTokens(store).issue({ issuer: ISSUER, subject: 'a', clientId: 'c', audience: [AUDIENCE], scope: [], lifetime: 60, claims: {} });
    const guarded = createProtector({ server: { issuer: ISSUER, keys, store }, audience: AUDIENCE, logger: memoryLogger() });
    await expect(guarded.authenticate(get(`Bearer ${token}`))).resolves.toMatchObject({ ok: true, auth: { sub: 'a' } });
    vi.spyOn(store, 'findAccessToken').mockRejectedValue(new StoreUnavailableError());
    expect(refused(await guarded.authenticate(get(`Bearer ${token}`))).status).toBe(503);
  });

  it('a verifier that throws a non-OAuth error is a 500 refusal', async () => {
    const broken: Verifier = { ...verifier, verify: async () => Promise.reject(new RangeError('bug')) };
    const guarded = createProtector(broken, { logger: memoryLogger() });
    expect(refused(await guarded.authenticate(get(`Bearer ${await sign(entry)}`))).status).toBe(500);
  });

  it('a verifier that resolves without claims is a refusal', async () => {
    for (const value of [undefined, null, 'claims', 0]) {
      const broken: Verifier = { ...verifier, verify: async () => value as unknown as AccessTokenClaims };
      const guarded = createProtector(broken, { logger: memoryLogger() });
      expect(refused(await guarded.authenticate(get(`Bearer ${await sign(entry)}`))).status).toBe(500);
    }
  });

  it('a verifier that throws synchronously is a refusal', async () => {
    const broken: Verifier = {
      ...verifier,
      verify: () => {
        throw new Error('sync');
      },
    };
    const guarded = createProtector(broken, { logger: memoryLogger() });
    expect(refused(await guarded.authenticate(get(`Bearer ${await sign(entry)}`))).status).toBe(500);
  });

  it('a hostile request object never rejects and never passes', async () => {
    const hostile = [
      { method: 'GET', url: '/x', headers: { get: () => { throw new Error('boom'); } } },
      { method: 'GET', url: 'http://[bad', headers: {} },
      {
        get method(): string {
          throw new Error('getter');
        },
        url: '/x',
        headers: { authorization: 'Bearer abc' },
      },
      null,
      undefined,
    ];
    for (const request of hostile) {
      const result = await protector.authenticate(request as unknown as TollgateRequest);
      expect(result.ok).toBe(false);
    }
  });

  it('authenticate() standalone never rejects and never passes on bad input', async () => {
    await expect(authenticate(get(`Bearer ${await sign(entry)}`), verifier, { scopes: ['orders:read'] })).resolves.toMatchObject({ ok: true });
    const badRule = await authenticate(get(`Bearer ${await sign(entry)}`), verifier, { scopes: 'orders:read' } as unknown as ScopeRule, { logger: memoryLogger() });
    expect(refused(badRule).status).toBe(500);
    const badOptions = await authenticate(get(`Bearer ${await sign(entry)}`), verifier, {}, { realm: 42, logger: memoryLogger() } as unknown as { realm: string });
    expect(refused(badOptions).status).toBe(500);
    const noVerifier = await authenticate(get(`Bearer ${await sign(entry)}`), undefined as unknown as Verifier, {}, { logger: memoryLogger() });
    expect(refused(noVerifier).status).toBe(500);
  });

  it('OAuthError descriptions from the verifier are passed on, never the token', async () => {
    const token = await sign(entry, claims({ exp: now() - 600, iat: now() - 900 }));
    const response = refused(await protector.authenticate(get(`Bearer ${token}`)));
    expect(JSON.parse(response.body)).toEqual({ error: 'invalid_token', error_description: 'the access token expired' });
    expect(response.headers['WWW-Authenticate']).not.toContain(token.slice(0, 20));
    expect(new OAuthError('invalid_token').status).toBe(401);
  });
});

describe('createProtector options', () => {
  it.each([
    [{ realm: 42 }, /options\.realm/],
    [{ resourceMetadata: 'not a url' }, /options\.resourceMetadata/],
    [{ bearer: { query: 'yes' } }, /options\.bearer\.query/],
    [{ bearer: { maxTokenLength: 0 } }, /options\.bearer\.maxTokenLength/],
    [{ logger: {} }, /options\.logger/],
  ])('rejects bad options with a TypeError naming the option (%#)', (options, message) => {
    expect(() => createProtector(verifier, options as never)).toThrow(message);
  });

  it('creates its verifier from verifier options', async () => {
    const fromOptions = createProtector({ issuer: ISSUER, audience: AUDIENCE, keys: [publicInput(entry)] });
    expect(fromOptions.verifier.issuer).toBe(ISSUER);
    await expect(fromOptions.authenticate(get(`Bearer ${await sign(entry)}`))).resolves.toMatchObject({ ok: true });
  });
});

describe('public types', () => {
  it('AuthenticateResult is a discriminated union', () => {
    expectTypeOf<Extract<AuthenticateResult, { ok: true }>['auth']>().toEqualTypeOf<TollgateAuth>();
    expectTypeOf<Extract<AuthenticateResult, { ok: true }>['scopes']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Extract<AuthenticateResult, { ok: false }>['response']>().toEqualTypeOf<TollgateResponse>();
    expectTypeOf<Protector['authenticate']>().returns.resolves.toEqualTypeOf<AuthenticateResult>();
    expectTypeOf<Protector['guard']>().returns.toEqualTypeOf<(request: TollgateRequest) => Promise<AuthenticateResult>>();
  });

  it('TollgateAuth extends AccessTokenClaims and can carry app claims', () => {
    expectTypeOf<TollgateAuth>().toExtend<AccessTokenClaims>();
    expectTypeOf<TollgateAuth['sub']>().toEqualTypeOf<string>();
    expectTypeOf<TollgateAuth['client_id']>().toEqualTypeOf<string>();
    expectTypeOf<TollgateAuth['exp']>().toEqualTypeOf<number>();
    expectTypeOf<TollgateAuth['auth_time']>().toEqualTypeOf<number | undefined>();
  });

  it('ScopeRule predicates receive TollgateAuth', () => {
    expectTypeOf<NonNullable<ScopeRule['claims']>>().parameters.toEqualTypeOf<[TollgateAuth]>();
    expectTypeOf<NonNullable<ScopeRule['claims']>>().returns.toEqualTypeOf<boolean | Promise<boolean>>();
  });
});
