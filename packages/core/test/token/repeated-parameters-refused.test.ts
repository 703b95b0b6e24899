import { describe, expect, it } from 'vitest';
import { expectError, form, makeServer, SERVICE_SECRET, token } from '../helpers.js';

/**
 * Prevents parameter-pollution attacks (RFC 6749 §3.1: "Request and response parameters MUST NOT be included
 * more than once"): a repeated parameter is invalid_request, whether in the body or the query.
 */
describe('repeated parameters', () => {
  it.each([
    ['grant_type', [['grant_type', 'client_credentials'], ['grant_type', 'client_credentials']]],
    ['grant_type with different values', [['grant_type', 'client_credentials'], ['grant_type', 'password']]],
    ['scope', [['grant_type', 'client_credentials'], ['scope', 'orders:read'], ['scope', 'orders:write']]],
    ['an unknown parameter', [['grant_type', 'client_credentials'], ['foo', '1'], ['foo', '2']]],
    ['a parameter once empty, once not', [['grant_type', 'client_credentials'], ['scope', ''], ['scope', 'orders:read']]],
  ] as const)('in the body: %s → invalid_request', async (_label, pairs) => {
    const server = makeServer();
    const result = await token(server, form(pairs), { basic: ['service', SERVICE_SECRET] });
    expectError(result, 400, 'invalid_request', /repeated/);
    expect(result.json).not.toHaveProperty('access_token');
  });

  it('client_id twice in the body → invalid_request', async () => {
    const server = makeServer();
    expectError(await token(server, 'grant_type=client_credentials&client_id=service&client_id=service&client_secret=' + SERVICE_SECRET), 400, 'invalid_request');
  });

  it.each([
    ['an unknown parameter', '/oauth/token?partner=1&partner=2'],
    ['grant_type', '/oauth/token?grant_type=a&grant_type=b'],
  ])('in the query: %s → invalid_request', async (_label, url) => {
    const server = makeServer();
    expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET], url }), 400, 'invalid_request');
  });

  it('a name in both query and body is not a repeat of the body parameter', async () => {
    const server = makeServer();
    const result = await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET], url: '/oauth/token?scope=profile' });
    expect(result.status, result.body).toBe(200);
    // The query is not read as the body: the scope in the query does not apply.
    expect(result.json.scope).toBe('orders:read');
  });
});
