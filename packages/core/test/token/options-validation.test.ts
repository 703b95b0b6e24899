import { describe, expect, it } from 'vitest';
import { createAuthServer, type AuthServerOptions, type ClientConfig } from '@tollgate/core';
import { authenticateUser, CALLBACK, ISSUER, silentLogger } from '../helpers.js';

const machine: ClientConfig = { id: 'machine', secret: 'machine-secret-0123456789', grantTypes: ['client_credentials'] };

function build(options: Partial<AuthServerOptions>): () => unknown {
  return () => createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [machine], ...options });
}

/** The construction throws a TypeError whose message names `option`. */
function expectRejected(options: Partial<AuthServerOptions>, option: string | RegExp): void {
  const run = build(options);
  expect(run).toThrow(TypeError);
  expect(run).toThrow(typeof option === 'string' ? new RegExp(`options\\.${option.replace(/[.[\]]/g, '\\$&')}`) : option);
}

describe('createAuthServer validates its options once and names the bad one', () => {
  it('accepts a minimal valid configuration', () => {
    const server = createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [machine] });
    expect(server.issuer).toBe(ISSUER);
    expect(server.paths.token).toBe('/oauth/token');
  });

  it('rejects an options value that is not an object', () => {
    expect(() => createAuthServer(null as unknown as AuthServerOptions)).toThrow(TypeError);
    expect(() => createAuthServer('https://auth.example.com' as unknown as AuthServerOptions)).toThrow(TypeError);
  });

  describe('issuer', () => {
    it.each([
      ['missing', undefined],
      ['not a string', 42],
      ['not a URL', 'auth.example.com'],
      ['relative', '/tenant'],
      ['plain http on a public host', 'http://auth.example.com'],
      ['http on a host that only starts like loopback', 'http://127.0.0.1.evil.example'],
      ['http on a localhost look-alike', 'http://localhost.evil.example'],
      ['another scheme', 'ftp://auth.example.com'],
      ['with a query', 'https://auth.example.com?tenant=1'],
      ['with an empty query', 'https://auth.example.com/?'],
      ['with a fragment', 'https://auth.example.com/#frag'],
      ['with an empty fragment', 'https://auth.example.com#'],
    ])('rejects an issuer %s', (_label, issuer) => {
      expectRejected({ issuer: issuer as string }, 'issuer');
    });

    it.each(['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:9000', 'https://auth.example.com/tenant1'])('accepts %s', (issuer) => {
      expect(build({ issuer })).not.toThrow();
    });
  });

  describe('clients', () => {
    it('rejects duplicate client ids', () => {
      expectRejected({ clients: [machine, { ...machine, secret: 'another-secret-0123456789' }] }, /options\.clients\[1\]\.id "machine" is used twice/);
    });

    it('rejects client_credentials on a public client', () => {
      expectRejected({ clients: [{ id: 'public', grantTypes: ['client_credentials'] }] }, /options\.clients\[0\].*client_credentials/);
    });

    it('rejects a client listing the password grant when options.password is absent', () => {
      expectRejected({ clients: [{ id: 'pw', secret: 'pw-secret-0123456789', grantTypes: ['password'] }] }, /options\.clients\[0\]\.grantTypes.*password/);
    });

    it('accepts the same client once options.password is configured', () => {
      expect(build({ clients: [{ id: 'pw', secret: 'pw-secret-0123456789', grantTypes: ['password'] }], password: { authenticateUser } })).not.toThrow();
    });

    it('rejects a grant type the server does not know', () => {
      expectRejected({ clients: [{ id: 'x', secret: 'x-secret-0123456789', grantTypes: ['urn:example:unknown'] }] }, /options\.clients\[0\]\.grantTypes/);
    });

    it('rejects a client without grant types', () => {
      expectRejected({ clients: [{ id: 'x', secret: 'x-secret-0123456789', grantTypes: [] }] }, /options\.clients\[0\]\.grantTypes/);
    });

    it('rejects an empty client id', () => {
      expectRejected({ clients: [{ ...machine, id: '' }] }, /options\.clients\[0\]\.id/);
    });

    it('rejects clients that is not an array', () => {
      expectRejected({ clients: machine as unknown as ClientConfig[] }, /options\.clients/);
    });

    const code = (redirectUris: string[]): Partial<AuthServerOptions> => ({
      clients: [{ id: 'app', grantTypes: ['authorization_code'], redirectUris }],
      authorize: { cookieSecrets: ['c'.repeat(40)], resolveUser: async () => undefined },
    });

    it.each([
      ['a fragment', 'https://app.example.com/cb#frag'],
      ['an empty fragment', 'https://app.example.com/cb#'],
      ['javascript:', 'javascript:alert(1)'],
      ['JavaScript: in mixed case', 'JavaScript://app.example.com/%0Aalert(1)'],
      ['data:', 'data:text/html,hi'],
      ['http on a public host', 'http://app.example.com/cb'],
      ['a relative URI', '/callback'],
    ])('rejects a redirect URI with %s', (_label, uri) => {
      expectRejected(code([CALLBACK, uri]), /options\.clients\[0\]\.redirectUris\[1\]/);
    });

    it.each(['http://127.0.0.1/cb', 'http://localhost:8080/cb', 'http://[::1]/cb', 'com.example.app:/callback', CALLBACK])('accepts the redirect URI %s', (uri) => {
      expect(build(code([uri]))).not.toThrow();
    });

    it('rejects authorization_code without any redirect URI', () => {
      expectRejected(code([]), /options\.clients\[0\]\.redirectUris/);
    });

    it.each([0, -60, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '300'])('rejects a client accessTokenLifetime of %s', (lifetime) => {
      expectRejected({ clients: [{ ...machine, accessTokenLifetime: lifetime as number }] }, /options\.clients\[0\]\.accessTokenLifetime/);
    });

    it('rejects a client refreshTokenLifetime of 0', () => {
      expectRejected({ clients: [{ ...machine, refreshTokenLifetime: 0 }] }, /options\.clients\[0\]\.refreshTokenLifetime/);
    });

    it('rejects a client with both secret and secretHash, or a malformed secretHash', () => {
      expectRejected({ clients: [{ ...machine, secretHash: 'sha256:abc' }] }, /options\.clients\[0\]/);
      expectRejected({ clients: [{ id: 'h', secretHash: 'plain-text', grantTypes: ['client_credentials'] }] }, /options\.clients\[0\]\.secretHash/);
    });

    it('rejects an auth method the client cannot use', () => {
      expectRejected({ clients: [{ ...machine, authMethods: ['none'] }] }, /options\.clients\[0\]\.authMethods/);
      expectRejected({ clients: [{ ...machine, authMethods: ['private_key_jwt' as 'none'] }] }, /options\.clients\[0\]\.authMethods/);
    });

    it('rejects a client scope that is not a valid scope token (it could never be requested)', () => {
      expectRejected({ clients: [{ ...machine, scopes: ['orders read'] }] }, /options\.clients\[0\]\.scopes/);
    });

    it('rejects defaultScopes the client may not have (every request without scope would fail)', () => {
      expectRejected({ clients: [{ ...machine, scopes: ['orders:read'], defaultScopes: ['orders:write'] }] }, /options\.clients\[0\]\.defaultScopes/);
    });

    it('rejects a client scope the server’s declared scopes do not know', () => {
      expectRejected({ scopes: ['orders:read'], clients: [{ ...machine, scopes: ['orders:raed'] }] }, /options\.clients\[0\]\.scopes/);
    });

    it('rejects apiKeys without clientAuthentication.apiKeyHeader', () => {
      expectRejected({ clients: [{ id: 'k', apiKeys: ['key-0123456789'], grantTypes: ['client_credentials'] }] }, /options\.clientAuthentication\.apiKeyHeader/);
    });

    it('rejects Authorization as the API-key header', () => {
      expectRejected({ clientAuthentication: { apiKeyHeader: 'Authorization' } }, /options\.clientAuthentication\.apiKeyHeader/);
    });
  });

  describe('scopes', () => {
    it.each([
      ['not an array', 'orders:read'],
      ['a scope with a space', ['orders read']],
      ['a scope with a double quote', ['say"hi']],
      ['an empty scope', ['']],
      ['a parameterised name with a colon', [{ name: 'user:id', parameter: /\d+/ }]],
      ['a parameter that is not a rule', [{ name: 'userid', parameter: 42 }]],
      ['a claim that would override a registered claim', [{ name: 'userid', parameter: /\d+/, claim: 'sub' }]],
      ['a parameterised scope declared twice', [{ name: 'userid', parameter: /\d+/ }, { name: 'userid', parameter: ['1'] }]],
      ['a definition that is not an object', [null]],
    ])('rejects %s', (_label, scopes) => {
      expectRejected({ scopes: scopes as NonNullable<AuthServerOptions['scopes']> }, /options\.scopes/);
    });

    it('accepts fixed and parameterised scopes', () => {
      expect(build({ scopes: ['orders:read', { name: 'userid', parameter: /\d+/ }, { name: 'role', parameter: ['admin', 'user'] }] })).not.toThrow();
    });
  });

  describe('paths', () => {
    it.each([
      ['relative', { token: 'oauth/token' }, /options\.paths\.token/],
      ['protocol-relative', { token: '//evil.example/token' }, /options\.paths\.token/],
      ['with a query', { token: '/oauth/token?x=1' }, /options\.paths\.token/],
      ['with whitespace', { token: '/oauth/to ken' }, /options\.paths\.token/],
      ['not a string', { token: 42 }, /options\.paths\.token/],
      ['an unknown endpoint', { tokens: '/t' }, /options\.paths\.tokens/],
      ['used twice', { token: '/same', revocation: '/same' }, /options\.paths\.revocation/],
    ])('rejects a path that is %s', (_label, paths, message) => {
      expectRejected({ paths: paths as NonNullable<AuthServerOptions['paths']> }, message);
    });

    it('accepts custom paths and serves the token endpoint there', () => {
      const server = createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [machine], paths: { token: '/v1/authTokens' } });
      expect(server.paths.token).toBe('/v1/authTokens');
      expect(server.route('/v1/authTokens')).toBe('token');
      expect(server.route('/oauth/token')).toBeUndefined();
    });
  });

  describe('lifetimes and limits', () => {
    it.each([0, -1, 1.5, Number.NaN, '3600'])('rejects accessToken.lifetime %s', (lifetime) => {
      expectRejected({ accessToken: { lifetime: lifetime as number } }, 'accessToken.lifetime');
    });

    it.each([0, -1, 2.5])('rejects refreshToken.lifetime %s', (lifetime) => {
      expectRejected({ refreshToken: { lifetime } }, 'refreshToken.lifetime');
    });

    it('rejects refreshToken.absoluteLifetime 0', () => {
      expectRejected({ refreshToken: { absoluteLifetime: 0 } }, 'refreshToken.absoluteLifetime');
    });

    it.each([-1, 61, 0.5])('rejects refreshToken.reuseGraceSeconds %s', (grace) => {
      expectRejected({ refreshToken: { reuseGraceSeconds: grace } }, 'refreshToken.reuseGraceSeconds');
    });

    it.each([0, -1, 1.5])('rejects bodyLimit %s', (bodyLimit) => {
      expectRejected({ bodyLimit }, 'bodyLimit');
    });
  });

  describe('other options', () => {
    it('rejects a bad access token format, audience and token type', () => {
      expectRejected({ accessToken: { format: 'paseto' as 'jwt' } }, 'accessToken.format');
      expectRejected({ accessToken: { audience: [] } }, 'accessToken.audience');
      expectRejected({ accessToken: { tokenType: 'two words' } }, 'accessToken.tokenType');
    });

    it('rejects password options without an authenticateUser function', () => {
      expectRejected({ password: {} as NonNullable<AuthServerOptions['password']> }, 'password.authenticateUser');
      expectRejected({ password: { authenticateUser, usernameParameter: '' } }, 'password.usernameParameter');
      expectRejected({ password: { authenticateUser, requiredParameters: [{ name: 'partnerId', in: 'header' as 'query' }] } }, 'password.requiredParameters');
    });

    it('rejects replacing a built-in grant and a malformed extension grant', () => {
      expectRejected({ grants: { password: async () => ({ subject: 'x', scope: { tokens: [], claims: {} } }) } }, /options\.grants.*password/);
      expectRejected({ grants: { 'has space': async () => ({ subject: 'x', scope: { tokens: [], claims: {} } }) } }, /options\.grants/);
      expectRejected({ grants: { 'urn:example:x': 'not a function' as unknown as never } }, /options\.grants/);
    });

    it('rejects a store that is not a Store and hooks that are not functions', () => {
      expectRejected({ store: {} as AuthServerOptions['store'] & object }, 'store');
      expectRejected({ findClient: 'nope' as unknown as NonNullable<AuthServerOptions['findClient']> }, 'findClient');
    });

    it('rejects symmetric or unusable keys', () => {
      expectRejected({ keys: [{ key: { kty: 'oct', k: 'c2VjcmV0' } }] }, /options\.keys\[0\]/);
      expectRejected({ keys: [] }, /options\.keys/);
    });

    it('names the option in every message with the createAuthServer prefix', () => {
      expect(build({ issuer: 'http://auth.example.com' })).toThrow(/^createAuthServer: options\.issuer/);
    });
  });
});
