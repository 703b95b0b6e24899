import { describe, expect, it, vi } from 'vitest';
import { createAuthServer, hashSecret, type ClientConfig } from '@tollgate/core';
import { basic, expectError, expectTokens, form, formEncode, ISSUER, issueCode, makeServer, pkcePair, redeem, SERVICE_SECRET, silentLogger, token, verifyAccessToken, WEB_SECRET } from '../helpers.js';

const TRICKY_ID = 'svc:1 é+%';
const TRICKY_SECRET = 'p:a%s+s wörd✓ &=/ 😀';

function trickyServer() {
  return createAuthServer({
    issuer: ISSUER,
    logger: silentLogger,
    clients: [{ id: TRICKY_ID, secret: TRICKY_SECRET, grantTypes: ['client_credentials'] }],
  });
}

describe('client authentication (RFC 6749 §2.3)', () => {
  describe('client_secret_basic', () => {
    it('authenticates a client with Basic', async () => {
      const server = makeServer();
      const body = expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET] }));
      expect((await verifyAccessToken(server, body.access_token)).payload.client_id).toBe('service');
    });

    it('form-urlencodes id and secret inside Basic (RFC 6749 §2.3.1): ":", "%", "+", spaces and unicode', async () => {
      const server = trickyServer();
      const body = expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: [TRICKY_ID, TRICKY_SECRET] }));
      expect((await verifyAccessToken(server, body.access_token)).payload.client_id).toBe(TRICKY_ID);
      // The encoded form really is what went over the wire.
      expect(Buffer.from(basic(TRICKY_ID, TRICKY_SECRET).slice(6), 'base64').toString('utf8')).toBe(`${formEncode(TRICKY_ID)}:${formEncode(TRICKY_SECRET)}`);
    });

    it('also accepts %20 for spaces (encodeURIComponent-style encoding)', async () => {
      const server = trickyServer();
      const header = `Basic ${Buffer.from(`${encodeURIComponent(TRICKY_ID)}:${encodeURIComponent(TRICKY_SECRET)}`).toString('base64')}`;
      expectTokens(await token(server, { grant_type: 'client_credentials' }, { headers: { authorization: header } }));
    });

    it('does not accept the secret sent raw (a "+" decodes as a space, so it no longer matches)', async () => {
      const server = createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [{ id: 'plus', secret: 'a+b-0123456789', grantTypes: ['client_credentials'] }] });
      const raw = `Basic ${Buffer.from('plus:a+b-0123456789').toString('base64')}`;
      expectError(await token(server, { grant_type: 'client_credentials' }, { headers: { authorization: raw } }), 401, 'invalid_client');
      expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['plus', 'a+b-0123456789'] }));
    });

    it('answers invalid_client (never 500) for a raw "%" that is not valid percent-encoding', async () => {
      const server = trickyServer();
      const raw = `Basic ${Buffer.from(`${TRICKY_ID}:${TRICKY_SECRET}`).toString('base64')}`;
      const result = await token(server, { grant_type: 'client_credentials' }, { headers: { authorization: raw } });
      expectError(result, 401, 'invalid_client');
      expect(result.headers['www-authenticate']).toMatch(/^Basic /);
    });

    it.each([
      ['no credentials', 'Basic'],
      ['not base64', 'Basic !!!notbase64!!!'],
      ['no colon', `Basic ${Buffer.from('service').toString('base64')}`],
      ['an empty client id', `Basic ${Buffer.from(`:${SERVICE_SECRET}`).toString('base64')}`],
      ['an overlong value', `Basic ${'A'.repeat(5000)}`],
    ])('answers invalid_client with a Basic challenge for %s', async (_label, authorization) => {
      const server = makeServer();
      const result = await token(server, { grant_type: 'client_credentials' }, { headers: { authorization } });
      expectError(result, 401, 'invalid_client');
      expect(result.headers['www-authenticate']).toMatch(/^Basic realm=/);
    });

    it('accepts the scheme name in any case', async () => {
      const server = makeServer();
      const header = basic('service', SERVICE_SECRET).replace('Basic', 'bAsIc');
      expectTokens(await token(server, { grant_type: 'client_credentials' }, { headers: { authorization: header } }));
    });

    it('accepts a matching client_id in the body next to Basic and refuses a different one', async () => {
      const server = makeServer();
      expectTokens(await token(server, { grant_type: 'client_credentials', client_id: 'service' }, { basic: ['service', SERVICE_SECRET] }));
      expectError(await token(server, { grant_type: 'client_credentials', client_id: 'web' }, { basic: ['service', SERVICE_SECRET] }), 400, 'invalid_request');
    });
  });

  describe('client_secret_post', () => {
    it('authenticates a client with client_id and client_secret in the body', async () => {
      const server = makeServer();
      expectTokens(await token(server, { grant_type: 'client_credentials', client_id: 'service', client_secret: SERVICE_SECRET }));
    });

    it('handles the same tricky characters in the body', async () => {
      const server = trickyServer();
      expectTokens(await token(server, form({ grant_type: 'client_credentials', client_id: TRICKY_ID, client_secret: TRICKY_SECRET })));
    });

    it('answers invalid_client for client_secret without client_id', async () => {
      const server = makeServer();
      expectError(await token(server, { grant_type: 'client_credentials', client_secret: SERVICE_SECRET }), 401, 'invalid_client');
    });
  });

  describe('none (public clients)', () => {
    it('identifies a public client by client_id alone', async () => {
      const server = makeServer();
      const pair = pkcePair();
      const code = await issueCode(server, { clientId: 'spa', challenge: pair.challenge });
      expectTokens(await redeem(server, { code, verifier: pair.verifier, client: 'spa' }));
    });

    it('refuses client_id alone for a confidential client', async () => {
      const server = makeServer();
      expectError(await token(server, { grant_type: 'client_credentials', client_id: 'service' }), 401, 'invalid_client');
    });

    it('answers invalid_client when the request names no client at all', async () => {
      const server = makeServer();
      expectError(await token(server, { grant_type: 'client_credentials' }), 401, 'invalid_client');
    });
  });

  describe('API-key header (seed 000: acs-api-key)', () => {
    const apiKeyServer = (apiKeys: string[] = ['prizm-key-0123456789abcdef']) =>
      createAuthServer({
        issuer: ISSUER,
        logger: silentLogger,
        clientAuthentication: { apiKeyHeader: 'acs-api-key' },
        clients: [
          { id: 'prizm', apiKeys, grantTypes: ['client_credentials'], scopes: ['userid', 'role'] },
          { id: 'service', secret: SERVICE_SECRET, grantTypes: ['client_credentials'] },
        ],
      });

    it('authenticates the client owning the key, whatever the header case', async () => {
      const server = apiKeyServer();
      for (const name of ['acs-api-key', 'ACS-API-KEY', 'Acs-Api-Key']) {
        const body = expectTokens(await token(server, { grant_type: 'client_credentials' }, { headers: { [name]: 'prizm-key-0123456789abcdef' } }));
        expect((await verifyAccessToken(server, body.access_token)).payload.client_id).toBe('prizm');
      }
    });

    it('works with a Fetch Headers object too', async () => {
      const server = apiKeyServer();
      const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', 'acs-api-key': 'prizm-key-0123456789abcdef' });
      const response = await server.handle({ method: 'POST', url: '/oauth/token', headers, body: 'grant_type=client_credentials' });
      expect(response.status, response.body).toBe(200);
    });

    it('accepts keys stored hashed', async () => {
      const server = apiKeyServer([hashSecret('hashed-key-0123456789abcdef')]);
      expectTokens(await token(server, { grant_type: 'client_credentials' }, { headers: { 'acs-api-key': 'hashed-key-0123456789abcdef' } }));
      expectError(await token(server, { grant_type: 'client_credentials' }, { headers: { 'acs-api-key': hashSecret('hashed-key-0123456789abcdef') } }), 401, 'invalid_client');
    });

    it('answers 401 invalid_client for a wrong key', async () => {
      const server = apiKeyServer();
      expectError(await token(server, { grant_type: 'client_credentials' }, { headers: { 'acs-api-key': 'prizm-key-0123456789abcdeX' } }), 401, 'invalid_client');
    });

    it('refuses a client_id that is not the key’s client', async () => {
      const server = apiKeyServer();
      expectError(await token(server, { grant_type: 'client_credentials', client_id: 'service' }, { headers: { 'acs-api-key': 'prizm-key-0123456789abcdef' } }), 400, 'invalid_request');
    });

    it('treats an empty API-key header as absent', async () => {
      const server = apiKeyServer();
      expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET], headers: { 'acs-api-key': '' } }));
    });
  });

  describe('hashed secrets', () => {
    it('authenticates against secretHash from hashSecret(), with Basic and post', async () => {
      const secret = 'generated-secret-0123456789abcdef';
      const server = createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [{ id: 'hashed', secretHash: hashSecret(secret), grantTypes: ['client_credentials'] }] });
      expect(hashSecret(secret)).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
      expect(hashSecret(secret)).not.toContain(secret);
      expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['hashed', secret] }));
      expectTokens(await token(server, { grant_type: 'client_credentials', client_id: 'hashed', client_secret: secret }));
    });

    it('compares a plain `secret` as plain text, even when it happens to start with "sha256:"', async () => {
      const secret = 'sha256:this-is-the-plain-secret-not-a-hash';
      const server = createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [{ id: 'plain', secret, grantTypes: ['client_credentials'] }] });
      expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['plain', secret] }));
    });

    it('does not accept the stored hash as the secret', async () => {
      const secret = 'generated-secret-0123456789abcdef';
      const server = createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [{ id: 'hashed', secretHash: hashSecret(secret), grantTypes: ['client_credentials'] }] });
      expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['hashed', hashSecret(secret)] }), 401, 'invalid_client');
      expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['hashed', hashSecret(secret).slice(7)] }), 401, 'invalid_client');
    });
  });

  describe('per-client methods and grants', () => {
    const restricted: ClientConfig[] = [
      { id: 'basic-only', secret: SERVICE_SECRET, authMethods: ['client_secret_basic'], grantTypes: ['client_credentials'] },
      { id: 'post-only', secret: SERVICE_SECRET, authMethods: ['client_secret_post'], grantTypes: ['client_credentials'] },
    ];

    it('answers invalid_client when the client may not use the method it used', async () => {
      const server = createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: restricted });
      expectError(await token(server, { grant_type: 'client_credentials', client_id: 'basic-only', client_secret: SERVICE_SECRET }), 401, 'invalid_client');
      const basicRefused = await token(server, { grant_type: 'client_credentials' }, { basic: ['post-only', SERVICE_SECRET] });
      expectError(basicRefused, 401, 'invalid_client');
      expect(basicRefused.headers['www-authenticate']).toMatch(/^Basic /);
      expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['basic-only', SERVICE_SECRET] }));
      expectTokens(await token(server, { grant_type: 'client_credentials', client_id: 'post-only', client_secret: SERVICE_SECRET }));
    });

    it('answers unauthorized_client for a grant the client may not use', async () => {
      const server = makeServer();
      expectError(await token(server, { grant_type: 'password', username: 'alice', password: 'x' }, { basic: ['service', SERVICE_SECRET] }), 400, 'unauthorized_client');
      expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['web', WEB_SECRET] }), 400, 'unauthorized_client');
    });
  });

  describe('findClient hook', () => {
    it('looks up clients that are not configured statically', async () => {
      const findClient = vi.fn(async (id: string): Promise<ClientConfig | undefined> => (id === 'db-client' ? { id, secret: 'db-secret-0123456789', grantTypes: ['client_credentials'], scopes: ['orders:read'] } : undefined));
      const server = makeServer({ findClient });
      const body = expectTokens(await token(server, { grant_type: 'client_credentials', scope: 'orders:read' }, { basic: ['db-client', 'db-secret-0123456789'] }));
      expect((await verifyAccessToken(server, body.access_token)).payload.client_id).toBe('db-client');
      expect(findClient).toHaveBeenCalledWith('db-client');
      expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['db-client', 'wrong'] }), 401, 'invalid_client');
      expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['nobody', 'wrong'] }), 401, 'invalid_client');
    });

    it('is not consulted for statically configured clients', async () => {
      const findClient = vi.fn(async (): Promise<ClientConfig | undefined> => ({ id: 'service', secret: 'hijacked-secret-0123', grantTypes: ['client_credentials'] }));
      const server = makeServer({ findClient });
      expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET] }));
      expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', 'hijacked-secret-0123'] }), 401, 'invalid_client');
      expect(findClient).not.toHaveBeenCalled();
    });

    it('ignores an answer for a different client id', async () => {
      const server = makeServer({ findClient: async () => ({ id: 'someone-else', secret: 'x-secret-0123456789', grantTypes: ['client_credentials'] }) });
      expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['asked-for', 'x-secret-0123456789'] }), 401, 'invalid_client');
    });
  });
});
