import { describe, expect, it, vi } from 'vitest';
import { authenticateUser, expectError, makeServer, SERVICE_SECRET, token } from '../helpers.js';

/**
 * Prevents secrets leaking through URLs (logs, Referer, history): client_secret and other credential
 * parameters in the query string are refused with invalid_request (RFC 6749 §2.3.1, §3.2), even if the
 * body would authenticate the client.
 */
describe('credentials in the query string', () => {
  it('refuses client_secret in the query, even with valid Basic credentials', async () => {
    const server = makeServer();
    const result = await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET], url: `/oauth/token?client_secret=${SERVICE_SECRET}` });
    expectError(result, 400, 'invalid_request', /client_secret/);
    expect(result.body).not.toContain(SERVICE_SECRET);
  });

  it('refuses client_id + client_secret in the query with no body credentials', async () => {
    const server = makeServer();
    expectError(await token(server, { grant_type: 'client_credentials' }, { url: `/oauth/token?client_id=service&client_secret=${SERVICE_SECRET}` }), 400, 'invalid_request');
  });

  it.each(['password', 'refresh_token', 'code', 'code_verifier'])('refuses %s in the query', async (name) => {
    const hook = vi.fn(authenticateUser);
    const server = makeServer({ password: { authenticateUser: hook } });
    expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET], url: `/oauth/token?${name}=value` }), 400, 'invalid_request');
    expect(hook).not.toHaveBeenCalled();
  });

  it('refuses it through server.endpoints.token as well', async () => {
    const server = makeServer();
    expectError(await token(server, { grant_type: 'client_credentials' }, { basic: ['service', SERVICE_SECRET], url: `/oauth/token?client_secret=x`, direct: true }), 400, 'invalid_request');
  });
});
