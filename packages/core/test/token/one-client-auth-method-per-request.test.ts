import { describe, it } from 'vitest';
import { createAuthServer } from '@tollgate/core';
import { expectError, expectTokens, ISSUER, makeServer, SERVICE_SECRET, silentLogger, token } from '../helpers.js';

/**
 * Prevents authentication confusion (RFC 6749 §2.3: "MUST NOT use more than one authentication method in each
 * request"): a request that carries two methods is refused, whichever of them would succeed.
 */
describe('more than one client authentication method in one request', () => {
  it('Basic and client_secret in the body: invalid_request', async () => {
    const server = makeServer();
    expectError(await token(server, { grant_type: 'client_credentials', client_secret: SERVICE_SECRET }, { basic: ['service', SERVICE_SECRET] }), 400, 'invalid_request');
    expectError(await token(server, { grant_type: 'client_credentials', client_id: 'service', client_secret: 'wrong' }, { basic: ['service', SERVICE_SECRET] }), 400, 'invalid_request');
  });

  it('API key and Basic, API key and client_secret: invalid_request', async () => {
    const server = createAuthServer({
      issuer: ISSUER,
      logger: silentLogger,
      clientAuthentication: { apiKeyHeader: 'acs-api-key' },
      clients: [
        { id: 'prizm', apiKeys: ['prizm-key-0123456789abcdef'], grantTypes: ['client_credentials'] },
        { id: 'service', secret: SERVICE_SECRET, grantTypes: ['client_credentials'] },
      ],
    });
    const key = { 'acs-api-key': 'prizm-key-0123456789abcdef' };
    expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET], headers: key }), 400, 'invalid_request');
    expectError(await token(server, { grant_type: 'client_credentials', client_id: 'service', client_secret: SERVICE_SECRET }, { headers: key }), 400, 'invalid_request');
    // Each alone works.
    expectTokens(await token(server, { grant_type: 'client_credentials' }, { headers: key }));
    expectTokens(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET] }));
  });

  it('an empty client_secret counts as absent (RFC 6749 §3.1), so Basic alone is used', async () => {
    const server = makeServer();
    expectTokens(await token(server, 'grant_type=client_credentials&client_secret=', { basic: ['service', SERVICE_SECRET] }));
  });
});
