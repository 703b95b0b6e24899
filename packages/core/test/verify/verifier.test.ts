import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { OAuthError, StoreUnavailableError } from '../../src/errors.js';
import type { AuthServer } from '../../src/server.js';
import { memoryStore } from '../../src/store/memory.js';
import { jwtAccessTokens, opaqueAccessTokens } from '../../src/tokens/access-token.js';
import { createKeySet, generateKey, type KeySet } from '../../src/tokens/keys.js';
import { sha256 } from '../../src/tokens/random.js';
import type { AccessTokenClaims } from '../../src/verify/claims.js';
import { createVerifier, type Verifier, type VerifierOptions, type VerifierServer } from '../../src/verify/verifier.js';
import { AUDIENCE, claims, expectRefusal, ISSUER, keyEntry, memoryLogger, now, publicInput, sign } from './helpers.js';

const entry = keyEntry('EdDSA', 'k1');
const base = { issuer: ISSUER, audience: AUDIENCE, keys: [publicInput(entry)], logger: memoryLogger() } satisfies VerifierOptions;

/** A key set whose look-ups are counted, to tell a cache hit from a verification. */
function countingKeySet(keys: KeySet): KeySet & { lookups: () => number } {
  let lookups = 0;
  return {
    get active() {
      return keys.active;
    },
    get: (kid) => {
      lookups += 1;
      return keys.get(kid);
    },
    all: () => keys.all(),
    jwks: () => keys.jwks(),
    rotate: (input) => keys.rotate(input),
    add: (input) => keys.add(input),
    activate: (kid) => keys.activate(kid),
    remove: (kid) => keys.remove(kid),
    onChange: (listener) => keys.onChange(listener),
    lookups: () => lookups,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createVerifier options', () => {
  it.each([
    [{ ...base, issuer: '' }, /options\.issuer/],
    [{ ...base, issuer: 42 }, /options\.issuer/],
    [{ ...base, audience: undefined }, /options\.audience/],
    [{ ...base, audience: [] }, /options\.audience/],
    [{ ...base, audience: ['ok', ''] }, /options\.audience/],
    [{ ...base, keys: undefined }, /options\.keys, options\.jwksUri or options\.server/],
    [{ ...base, jwksUri: 'https://auth.example.com/jwks' }, /exclusive/],
    [{ ...base, keys: [] }, /options\.keys must not be empty/],
    [{ ...base, keys: [{ key: 'not a key' }] }, /options\.keys\[0\]/],
    [{ ...base, keys: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, /options\.keys\.keys\[0\]/],
    [{ ...base, keys: { keys: [{ ...entry.jwk, alg: 'HS256' }] } }, /options\.keys\.keys\[0\]\.alg/],
    [{ ...base, keys: 'pem?' }, /options\.keys/],
    [{ ...base, algorithms: ['HS256'] }, /options\.algorithms/],
    [{ ...base, algorithms: ['none'] }, /options\.algorithms/],
    [{ ...base, algorithms: [] }, /options\.algorithms/],
    [{ ...base, algorithms: ['RS256'] }, /options\.algorithms: none of the configured keys/],
    [{ ...base, clockTolerance: -1 }, /options\.clockTolerance/],
    [{ ...base, clockTolerance: 301 }, /options\.clockTolerance/],
    [{ ...base, clockTolerance: Number.NaN }, /options\.clockTolerance/],
    [{ ...base, checkRevocation: true }, /options\.checkRevocation/],
    [{ ...base, checkRevocation: 'yes' }, /options\.checkRevocation/],
    [{ ...base, checkRevocation: { store: {} } }, /options\.checkRevocation\.store/],
    [{ ...base, cache: { maxEntries: -1 } }, /options\.cache\.maxEntries/],
    [{ ...base, cache: { maxEntries: 1.5 } }, /options\.cache\.maxEntries/],
    [{ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'http://auth.example.com/jwks' }, /options\.jwksUri must be an https URL/],
    [{ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'not a url' }, /options\.jwksUri must be an absolute URL/],
    [{ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'https://u:p@auth.example.com/jwks' }, /credentials/],
    [{ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'https://auth.example.com/jwks', jwksCooldownMs: -5 }, /options\.jwksCooldownMs/],
    [{ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'https://auth.example.com/jwks', jwksTimeoutMs: 0 }, /options\.jwksTimeoutMs/],
    [{ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'https://auth.example.com/jwks', fetch: 'fetch' }, /options\.fetch/],
    [{ audience: AUDIENCE, server: { issuer: ISSUER, keys: {}, store: memoryStore() } }, /options\.server\.keys/],
    [{ audience: AUDIENCE, server: { issuer: ISSUER, keys: createKeySet([generateKey()]), store: {} } }, /options\.server\.store/],
    [{ server: { issuer: ISSUER, keys: createKeySet([generateKey()]), store: memoryStore() } }, /options\.audience is required/],
  ])('rejects bad options with a TypeError naming the option (%#)', (options, message) => {
    expect(() => createVerifier(options as unknown as VerifierOptions)).toThrow(TypeError);
    expect(() => createVerifier(options as unknown as VerifierOptions)).toThrow(message);
  });

  it('rejects a non-object', () => {
    expect(() => createVerifier(null as unknown as VerifierOptions)).toThrow(/createVerifier: options must be an object/);
  });

  it('never mutates the caller options object', async () => {
    const options = { issuer: ISSUER, audience: [AUDIENCE], keys: [publicInput(entry)], algorithms: ['EdDSA' as const], cache: { maxEntries: 5 } };
    const snapshot = structuredClone({ ...options, keys: undefined });
    const frozen = Object.freeze({ ...options, audience: Object.freeze([...options.audience]), keys: Object.freeze([...options.keys]), algorithms: Object.freeze([...options.algorithms]), cache: Object.freeze({ ...options.cache }) });
    const verifier = createVerifier(frozen);
    createVerifier(options);
    expect({ ...options, keys: undefined }).toEqual(snapshot);
    // Changing the caller's arrays later does not change the verifier.
    options.audience.push('https://evil.example.com');
    expect(verifier.audience).toEqual([AUDIENCE]);
    await expect(verifier.verify(await sign(entry))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('accepts a JWKS and a key set as keys', async () => {
    const keys = createKeySet([{ key: entry.privateKey as NonNullable<typeof entry.privateKey>, kid: entry.kid }]);
    const fromJwks = createVerifier({ ...base, keys: keys.jwks() });
    const fromSet = createVerifier({ ...base, keys });
    const token = await sign(entry);
    await expect(fromJwks.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    await expect(fromSet.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('accepts a token without kid only when one key fits', async () => {
    const only = createVerifier(base);
    await expect(only.verify(await sign(entry, claims(), { kid: undefined }))).resolves.toMatchObject({ sub: 'user-1' });
    const other = keyEntry('EdDSA', 'k2');
    const two = createVerifier({ ...base, keys: [publicInput(entry), publicInput(other)] });
    await expectRefusal(two.verify(await sign(entry, claims(), { kid: undefined })));
  });

  it('allows clock skew within the tolerance and not beyond', async () => {
    const skewed = await sign(entry, claims({ iat: now() + 3, nbf: now() + 3, exp: now() + 300 }));
    await expect(createVerifier(base).verify(skewed)).resolves.toMatchObject({ sub: 'user-1' });
    await expectRefusal(createVerifier({ ...base, clockTolerance: 0 }).verify(await sign(entry, claims({ nbf: now() + 3 }))));
    const justExpired = await sign(entry, claims({ exp: now() - 2 }));
    await expect(createVerifier(base).verify(justExpired)).resolves.toMatchObject({ sub: 'user-1' });
    await expectRefusal(createVerifier({ ...base, clockTolerance: 0, cache: false }).verify(justExpired));
  });

  it('accepts an aud array that contains one of the audiences', async () => {
    const verifier = createVerifier({ ...base, audience: ['https://a.example.com', AUDIENCE] });
    await expect(verifier.verify(await sign(entry, claims({ aud: ['https://x.example.com', AUDIENCE] })))).resolves.toMatchObject({ aud: ['https://x.example.com', AUDIENCE] });
  });

  it('keeps app-defined claims and auth_time', async () => {
    const verifier = createVerifier(base);
    const result = await verifier.verify(await sign(entry, claims({ tenant: 'acme', auth_time: now() - 10, scope: undefined })));
    expect(result.tenant).toBe('acme');
    expect(result.auth_time).toBeTypeOf('number');
    expect(result.scope).toBeUndefined();
  });

  it('an AuthServer fits the server option', () => {
    expectTypeOf<AuthServer>().toExtend<VerifierServer>();
  });

  it('verify() is typed', () => {
    expectTypeOf<Verifier['verify']>().parameters.toEqualTypeOf<[string]>();
    expectTypeOf<Verifier['verify']>().returns.resolves.toEqualTypeOf<AccessTokenClaims>();
    expectTypeOf<AccessTokenClaims['aud']>().toEqualTypeOf<string | string[]>();
    expectTypeOf<AccessTokenClaims['scope']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AccessTokenClaims['tenant']>().toEqualTypeOf<unknown>();
  });
});

describe('in-process server', () => {
  function server(format: 'jwt' | 'opaque' = 'jwt') {
    const keys = createKeySet([generateKey('EdDSA')]);
    const store = memoryStore();
    const issuerFor = format === 'jwt' ? jwtAccessTokens(keys) : opaqueAccessTokens(store);
    const issue = (overrides: Partial<Parameters<typeof issuerFor.issue>[0]> = {}) =>
      issuerFor.issue({ issuer: ISSUER, subject: 'alice', clientId: 'app', audience: [AUDIENCE], scope: ['orders:read'], lifetime: 300, claims: { tenant: 'acme' }, ...overrides });
    const serverLike: VerifierServer = { issuer: ISSUER, keys, store };
    return { keys, store, issue, server: serverLike };
  }

  it('verifies the JWTs the server issues, with server.issuer as the default issuer', async () => {
    const { issue, server: s } = server();
    const verifier = createVerifier({ server: s, audience: AUDIENCE });
    expect(verifier.issuer).toBe(ISSUER);
    const { token } = await issue();
    await expect(verifier.verify(token)).resolves.toMatchObject({ iss: ISSUER, sub: 'alice', client_id: 'app', scope: 'orders:read', tenant: 'acme', aud: AUDIENCE });
  });

  it('takes the audience from server.audience', async () => {
    const { issue, server: s } = server();
    const verifier = createVerifier({ server: { ...s, audience: [AUDIENCE] } });
    await expect(verifier.verify((await issue()).token)).resolves.toMatchObject({ sub: 'alice' });
  });

  it('follows the server key rotation and drops removed keys', async () => {
    const { issue, keys, server: s } = server();
    const verifier = createVerifier({ server: s, audience: AUDIENCE });
    const before = (await issue()).token;
    await expect(verifier.verify(before)).resolves.toBeDefined();
    const old = keys.active.kid;
    keys.rotate(generateKey('ES256'));
    const after = (await issue()).token;
    await expect(verifier.verify(after)).resolves.toBeDefined();
    await expect(verifier.verify(before)).resolves.toBeDefined();
    keys.remove(old);
    await expectRefusal(verifier.verify(before));
    await expect(verifier.verify(after)).resolves.toBeDefined();
  });

  it('resolves opaque tokens through server.store', async () => {
    const { issue, store, server: s } = server('opaque');
    const verifier = createVerifier({ server: s, audience: AUDIENCE });
    const { token, jti } = await issue();
    const result = await verifier.verify(token);
    expect(result).toMatchObject({ iss: ISSUER, sub: 'alice', client_id: 'app', scope: 'orders:read', jti, aud: AUDIENCE, tenant: 'acme' });
    await store.revokeAccessToken(jti, now() + 300);
    await expectRefusal(verifier.verify(token), 'invalid_token', token);
  });

  it('refuses opaque tokens that are unknown, for another audience, or expired', async () => {
    const { issue, store, server: s } = server('opaque');
    const verifier = createVerifier({ server: s, audience: AUDIENCE });
    await expectRefusal(verifier.verify('bm90LWEtcmVhbC10b2tlbi1hdC1hbGwtYXQtYWxs'));
    const other = await issue({ audience: ['https://other.example.com'] });
    await expectRefusal(verifier.verify(other.token));
    await store.saveAccessToken({ hash: sha256('expired-token'), jti: 'j', clientId: 'app', subject: 'alice', scope: '', audience: [AUDIENCE], issuedAt: now() - 100, expiresAt: now() - 1 });
    const findSpy = vi.spyOn(store, 'findAccessToken').mockResolvedValueOnce({ hash: sha256('expired-token'), jti: 'j', clientId: 'app', subject: 'alice', scope: '', audience: [AUDIENCE], issuedAt: now() - 100, expiresAt: now() - 1 });
    await expectRefusal(verifier.verify('expired-token'));
    expect(findSpy).toHaveBeenCalledWith(sha256('expired-token'));
  });

  it('a store outage on an opaque token is a 503 refusal', async () => {
    const { issue, store, server: s } = server('opaque');
    const verifier = createVerifier({ server: s, audience: AUDIENCE, logger: memoryLogger() });
    const { token } = await issue();
    vi.spyOn(store, 'findAccessToken').mockRejectedValue(new StoreUnavailableError());
    const error = await expectRefusal(verifier.verify(token), 'temporarily_unavailable', token);
    expect(error.status).toBe(503);
  });

  it('checkRevocation: true uses server.store for JWTs', async () => {
    const { issue, store, server: s } = server();
    const verifier = createVerifier({ server: s, audience: AUDIENCE, checkRevocation: true });
    const { token, jti } = await issue();
    await expect(verifier.verify(token)).resolves.toBeDefined();
    await store.revokeAccessToken(jti, now() + 300);
    await expectRefusal(verifier.verify(token));
  });
});

describe('verified-token cache', () => {
  it('skips the signature check for a token verified before', async () => {
    const keys = countingKeySet(createKeySet([{ key: entry.privateKey as NonNullable<typeof entry.privateKey>, kid: entry.kid }]));
    const verifier = createVerifier({ ...base, keys });
    const token = await sign(entry);
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toEqual(first);
    expect(keys.lookups()).toBe(1);
  });

  it('hands out copies: mutating a result does not poison the cache', async () => {
    const verifier = createVerifier(base);
    const token = await sign(entry);
    const first = await verifier.verify(token);
    first.sub = 'mallory';
    first.scope = 'admin';
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'user-1', scope: 'orders:read profile' });
  });

  it('cache-poisoning: nested claims of a result are frozen, so the cached token cannot be changed through them', async () => {
    const verifier = createVerifier(base);
    const token = await sign(entry, { ...claims(), roles: ['reader'], org: { id: 'o1' } });
    const first = await verifier.verify(token);
    expect(() => (first.roles as string[]).push('admin')).toThrow(TypeError);
    expect(() => {
      (first.org as { id: string }).id = 'o2';
    }).toThrow(TypeError);
    await expect(verifier.verify(token)).resolves.toMatchObject({ roles: ['reader'], org: { id: 'o1' } });
  });

  it('refuses a revoked jti even when the token is cached', async () => {
    const store = memoryStore();
    const verifier = createVerifier({ ...base, checkRevocation: { store } });
    const payload = claims();
    const token = await sign(entry, payload);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    await expect(verifier.verify(token)).resolves.toBeDefined();
    await store.revokeAccessToken(payload.jti as string, now() + 300);
    await expectRefusal(verifier.verify(token));
  });

  it('drops every entry when the key set changes', async () => {
    const keys = countingKeySet(createKeySet([{ key: entry.privateKey as NonNullable<typeof entry.privateKey>, kid: entry.kid }]));
    const verifier = createVerifier({ ...base, keys });
    const token = await sign(entry);
    await verifier.verify(token);
    keys.rotate(generateKey());
    await verifier.verify(token);
    expect(keys.lookups()).toBe(2);
    // The old key removed: the cached verification must not outlive it.
    keys.remove(entry.kid);
    await expectRefusal(verifier.verify(token));
  });

  it('refuses an expired token that was cached', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verifier = createVerifier(base);
    const token = await sign(entry, claims({ exp: now() + 10 }));
    await expect(verifier.verify(token)).resolves.toBeDefined();
    vi.setSystemTime(Date.now() + 9_000);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    vi.setSystemTime(Date.now() + 20_000);
    const error = await expectRefusal(verifier.verify(token));
    expect(error.description).toBe('the access token expired');
  });

  it('stays within maxEntries, evicting the least recently used', async () => {
    const keys = countingKeySet(createKeySet([{ key: entry.privateKey as NonNullable<typeof entry.privateKey>, kid: entry.kid }]));
    const verifier = createVerifier({ ...base, keys, cache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all([sign(entry), sign(entry), sign(entry)]);
    await verifier.verify(a as string);
    await verifier.verify(b as string);
    await verifier.verify(a as string); // a is now the most recent
    await verifier.verify(c as string); // evicts b
    expect(keys.lookups()).toBe(3);
    await verifier.verify(a as string);
    expect(keys.lookups()).toBe(3);
    await verifier.verify(b as string);
    expect(keys.lookups()).toBe(4);
  });

  it('can be disabled', async () => {
    const keys = countingKeySet(createKeySet([{ key: entry.privateKey as NonNullable<typeof entry.privateKey>, kid: entry.kid }]));
    const verifier = createVerifier({ ...base, keys, cache: false });
    const token = await sign(entry);
    await verifier.verify(token);
    await verifier.verify(token);
    expect(keys.lookups()).toBe(2);
  });

  it('never caches a refusal', async () => {
    const verifier = createVerifier({ ...base, audience: 'https://other.example.com' });
    const token = await sign(entry);
    await expectRefusal(verifier.verify(token));
    await expectRefusal(verifier.verify(token));
  });

  it('close() stops following the key set', async () => {
    const keys = countingKeySet(createKeySet([{ key: entry.privateKey as NonNullable<typeof entry.privateKey>, kid: entry.kid }]));
    const verifier = createVerifier({ ...base, keys });
    verifier.close();
    const token = await sign(entry);
    await verifier.verify(token);
    keys.rotate(generateKey());
    await verifier.verify(token);
    expect(keys.lookups()).toBe(1);
    verifier.clearCache();
    await verifier.verify(token);
    expect(keys.lookups()).toBe(2);
  });
});

describe('revocation store failures fail closed', () => {
  it('a store outage is 503, never a pass', async () => {
    const store = { isAccessTokenRevoked: vi.fn(async () => Promise.reject(new StoreUnavailableError('redis down'))) };
    const verifier = createVerifier({ ...base, checkRevocation: { store } });
    const error = await expectRefusal(verifier.verify(await sign(entry)), 'temporarily_unavailable');
    expect(error.status).toBe(503);
  });

  it('a store bug is 500, never a pass', async () => {
    const store = { isAccessTokenRevoked: vi.fn(async () => Promise.reject(new Error('boom'))) };
    const verifier = createVerifier({ ...base, checkRevocation: { store } });
    const error = await expectRefusal(verifier.verify(await sign(entry)), 'server_error');
    expect(error.status).toBe(500);
    expect(error.description).not.toContain('boom');
  });

  it('a store answering anything but false is "revoked"', async () => {
    for (const answer of [true, undefined, null, 'no', 0]) {
      const store = { isAccessTokenRevoked: vi.fn(async () => answer as unknown as boolean) };
      const verifier = createVerifier({ ...base, checkRevocation: { store } });
      await expectRefusal(verifier.verify(await sign(entry)));
    }
  });

  it('errors are OAuthErrors', async () => {
    const verifier = createVerifier(base);
    await expect(verifier.verify('x.y.z')).rejects.toBeInstanceOf(OAuthError);
  });
});
