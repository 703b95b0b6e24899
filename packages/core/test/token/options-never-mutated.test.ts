import { describe, expect, it } from 'vitest';
import type { KeyObject } from 'node:crypto';
import { createAuthServer, generateKey, type AuthServerOptions, type ClientConfig } from '@tollgate/core';
import { CALLBACK, COOKIE_SECRET, deepFreeze, ISSUER, issueCode, pkcePair, redeem, refresh, silentLogger, token, USERS } from '../helpers.js';

/**
 * Auth.js and hono both once wrote into the options object they were given. Tollgate validates and copies:
 * the caller's object graph is deep-frozen here (any write would throw in strict-mode module code) and compared
 * with a structured clone taken before, after construction and after real traffic.
 */
function dataOptions(): AuthServerOptions {
  // Only cloneable data: keys as JWKs, RegExp and arrays in scopes.
  const jwk = (generateKey('EdDSA').key as KeyObject).export({ format: 'jwk' });
  return {
    issuer: ISSUER,
    keys: [{ key: jwk, kid: 'k1' }],
    clients: [
      { id: 'service', secret: 'service-secret-0123456789', grantTypes: ['client_credentials'], scopes: ['orders:read', 'userid', 'role'], defaultScopes: ['orders:read'], accessTokenLifetime: 300, metadata: { tier: 'gold', nested: { a: [1, 2] } } },
      { id: 'web', secret: 'web-secret-0123456789', grantTypes: ['authorization_code', 'refresh_token'], scopes: ['orders:read'], redirectUris: [CALLBACK], audience: ['https://api.example.com'] },
    ],
    scopes: ['orders:read', { name: 'userid', parameter: /\d+/ }, { name: 'role', parameter: ['admin', 'user'] }],
    accessToken: { lifetime: 600, audience: ['https://api.example.com'], tokenType: 'acs-oauth' },
    refreshToken: { lifetime: 3600, absoluteLifetime: 7200, reuseGraceSeconds: 0 },
    paths: { token: '/v1/authTokens' },
    bodyLimit: 4096,
    clientAuthentication: { apiKeyHeader: 'acs-api-key' },
    authorize: { cookieSecrets: [COOKIE_SECRET], codeLifetime: 120 },
  };
}

/** A deep copy of plain data; functions, key objects and RegExps are kept by reference (structuredClone cannot copy functions). */
function cloneKeepingReferences<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => cloneKeepingReferences(item)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, cloneKeepingReferences(item)])) as T;
}

describe('createAuthServer never mutates the caller’s options', () => {
  it('leaves a deep-frozen, data-only options object identical to its structured clone, through construction and traffic', async () => {
    const options = dataOptions();
    const before = structuredClone(options);
    deepFreeze(options);
    // authorization_code needs a way to sign users in; a hook is not cloneable so it lives outside the compared graph.
    const server = createAuthServer({ ...options, logger: silentLogger, authorize: { ...options.authorize, resolveUser: async () => undefined } });
    expect(options).toEqual(before);

    const cc = await token(server, { grant_type: 'client_credentials', scope: 'userid:42 role:admin' }, { basic: ['service', 'service-secret-0123456789'], url: '/v1/authTokens' });
    expect(cc.status, cc.body).toBe(200);
    expect(cc.json.token_type).toBe('acs-oauth');

    const pair = pkcePair();
    const code = await issueCode(server, { challenge: pair.challenge });
    const redeemed = await token(server, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: pair.verifier }, { basic: ['web', 'web-secret-0123456789'], url: '/v1/authTokens' });
    expect(redeemed.status, redeemed.body).toBe(200);
    const refreshed = await token(server, { grant_type: 'refresh_token', refresh_token: String(redeemed.json.refresh_token) }, { basic: ['web', 'web-secret-0123456789'], url: '/v1/authTokens' });
    expect(refreshed.status, refreshed.body).toBe(200);

    server.keys.rotate(generateKey('EdDSA'));
    expect(options).toEqual(before);
    expect(Object.isFrozen(options.clients?.[0])).toBe(true);
  });

  it('leaves options with hooks, key objects and events untouched (functions and keys compared by identity)', async () => {
    const events = { 'token.issued': () => undefined, 'client.auth_failed': () => undefined };
    const claims = (): Record<string, unknown> => ({ tenant: 'acme' });
    const findClient = async (id: string): Promise<ClientConfig | undefined> =>
      id === 'dynamic' ? { id: 'dynamic', secret: 'dynamic-secret-0123456789', grantTypes: ['client_credentials'] } : undefined;
    const key = generateKey('ES256');
    const options: AuthServerOptions = {
      issuer: ISSUER,
      keys: [key],
      clients: [{ id: 'web', secret: 'web-secret-0123456789', grantTypes: ['password', 'refresh_token'], scopes: ['orders:read'] }],
      password: {
        authenticateUser: async ({ username, password }) => (USERS[username]?.password === password ? { subject: 'user-alice', claims: { role: 'agent' } } : undefined),
        usernameParameter: 'email',
        requiredParameters: [{ name: 'partnerId', in: 'query' }],
        lockout: { maxAttempts: 3, windowSeconds: 60 },
      },
      claims,
      findClient,
      events,
      logger: silentLogger,
    };
    const before = cloneKeepingReferences(options);
    deepFreeze(options);

    const server = createAuthServer(options);
    const issued = await token(server, { grant_type: 'password', email: 'alice', password: USERS.alice?.password ?? '', scope: 'orders:read' }, { basic: ['web', 'web-secret-0123456789'], url: '/oauth/token?partnerId=9' });
    expect(issued.status, issued.body).toBe(200);
    const wrong = await token(server, { grant_type: 'password', email: 'alice', password: 'nope' }, { basic: ['web', 'web-secret-0123456789'], url: '/oauth/token?partnerId=9' });
    expect(wrong.status).toBe(400);
    expect((await refresh(server, issued.json.refresh_token, {}, ['web', 'web-secret-0123456789'])).status).toBe(200);
    expect((await token(server, { grant_type: 'client_credentials' }, { basic: ['dynamic', 'dynamic-secret-0123456789'] })).status).toBe(200);

    expect(options).toEqual(before);
    expect((options.keys as readonly unknown[])[0]).toBe(key);
    expect(options.events?.['token.issued']).toBe(events['token.issued']);
    expect(Object.keys(options.events ?? {})).toEqual(['token.issued', 'client.auth_failed']);
  });

  it('does not share the caller’s objects with the server: later changes by the caller do not reach it', async () => {
    const clients = [{ id: 'service', secret: 'service-secret-0123456789', grantTypes: ['client_credentials'], scopes: ['orders:read'] }];
    const server = createAuthServer({ issuer: ISSUER, clients, logger: silentLogger });
    clients[0] = { ...clients[0], secret: 'attacker-chosen-secret-000' } as (typeof clients)[0];
    (clients[0] as { scopes: string[] }).scopes.push('orders:write');
    const old = await token(server, { grant_type: 'client_credentials' }, { basic: ['service', 'service-secret-0123456789'] });
    expect(old.status).toBe(200);
    const changed = await token(server, { grant_type: 'client_credentials' }, { basic: ['service', 'attacker-chosen-secret-000'] });
    expect(changed.status).toBe(401);
  });

  it('a deep-frozen options object serves the code flow too (no lazy writes into options)', async () => {
    const server = createAuthServer(deepFreeze({ issuer: ISSUER, logger: silentLogger, clients: [{ id: 'web', secret: 'web-secret-0123456789', grantTypes: ['authorization_code'], redirectUris: [CALLBACK] }], authorize: { cookieSecrets: [COOKIE_SECRET], resolveUser: async () => undefined } }));
    const code = await issueCode(server, { scope: [] });
    const result = await redeem(server, { code, client: ['web', 'web-secret-0123456789'] });
    expect(result.status, result.body).toBe(200);
    expect(result.json.refresh_token).toBeUndefined();
  });
});
