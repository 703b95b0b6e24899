import { describe, expect, it } from 'vitest';
import { call, clientCredentials, expectError, makeServer, passwordGrant, SERVICE_SECRET, token } from '../helpers.js';

describe('error responses (RFC 6749 §5.2)', () => {
  it('invalid_client is 401', async () => {
    expectError(await clientCredentials(makeServer(), {}, { basic: ['service', 'wrong'] }), 401, 'invalid_client');
  });

  it('unsupported_grant_type is 400', async () => {
    expectError(await token(makeServer(), { grant_type: 'implicit' }, { basic: ['service', SERVICE_SECRET] }), 400, 'unsupported_grant_type');
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('grant_type=%s is unsupported_grant_type, not a crash', async (grantType) => {
    expectError(await token(makeServer(), { grant_type: grantType }, { basic: ['service', SERVICE_SECRET] }), 400, 'unsupported_grant_type');
  });

  it('unauthorized_client is 400', async () => {
    expectError(await token(makeServer(), { grant_type: 'password', username: 'alice', password: 'x' }, { basic: ['service', SERVICE_SECRET] }), 400, 'unauthorized_client');
  });

  it('invalid_grant is 400', async () => {
    expectError(await passwordGrant(makeServer(), { password: 'wrong' }), 400, 'invalid_grant');
  });

  it('invalid_scope is 400', async () => {
    expectError(await clientCredentials(makeServer(), { scope: 'admin' }), 400, 'invalid_scope');
  });

  it('invalid_request is 400, with "grant_type is required" when it is missing', async () => {
    expectError(await token(makeServer(), {}, { basic: ['service', SERVICE_SECRET] }), 400, 'invalid_request', 'grant_type is required');
  });

  it('an unknown path answers a 404 JSON error through handle()', async () => {
    const result = await call(makeServer(), { url: '/oauth/tokens', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    expect(result.status).toBe(404);
    expect(result.json.error).toBeTypeOf('string');
  });

  it('server.endpoints.token answers the same as handle()', async () => {
    const server = makeServer();
    const direct = await token(server, { grant_type: 'implicit' }, { direct: true });
    const routed = await token(server, { grant_type: 'implicit' });
    expect(direct.status).toBe(routed.status);
    expect(direct.body).toBe(routed.body);
  });
});
