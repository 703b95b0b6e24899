import { describe, expect, it } from 'vitest';
import { expectError, makeServer, SERVICE_SECRET, token } from '../helpers.js';

/**
 * Prevents client enumeration: an unknown client and a known client with the wrong secret get byte-for-byte
 * the same 401 invalid_client answer, and a Basic attempt always gets a Basic challenge (RFC 6749 §5.2).
 */
describe('client authentication failures are indistinguishable', () => {
  it('unknown client and wrong secret give the same 401 body and headers with Basic', async () => {
    const server = makeServer();
    const unknown = await token(server, { grant_type: 'client_credentials' }, { basic: ['no-such-client', SERVICE_SECRET] });
    const wrong = await token(server, { grant_type: 'client_credentials' }, { basic: ['service', 'wrong-secret'] });
    expectError(unknown, 401, 'invalid_client');
    expectError(wrong, 401, 'invalid_client');
    expect(wrong.body).toBe(unknown.body);
    expect(wrong.headers).toEqual(unknown.headers);
  });

  it('unknown client and wrong secret give the same 401 body with client_secret_post', async () => {
    const server = makeServer();
    const unknown = await token(server, { grant_type: 'client_credentials', client_id: 'no-such-client', client_secret: SERVICE_SECRET });
    const wrong = await token(server, { grant_type: 'client_credentials', client_id: 'service', client_secret: 'wrong-secret' });
    expectError(unknown, 401, 'invalid_client');
    expect(wrong.body).toBe(unknown.body);
    expect(wrong.status).toBe(unknown.status);
  });

  it('an unknown public client id gives the same body as a confidential client without its secret', async () => {
    const server = makeServer();
    const unknown = await token(server, { grant_type: 'client_credentials', client_id: 'no-such-client' });
    const missingSecret = await token(server, { grant_type: 'client_credentials', client_id: 'service' });
    expectError(unknown, 401, 'invalid_client');
    expect(missingSecret.body).toBe(unknown.body);
  });

  it('includes WWW-Authenticate: Basic whenever the client tried Basic', async () => {
    const server = makeServer();
    for (const [id, secret] of [['no-such-client', 'x'], ['service', 'wrong']] as const) {
      const result = await token(server, { grant_type: 'client_credentials' }, { basic: [id, secret] });
      expect(result.headers['www-authenticate']).toMatch(/^Basic realm="https:\/\/auth\.example\.com"/);
    }
  });

  it('never echoes the presented client id or secret', async () => {
    const server = makeServer();
    const result = await token(server, { grant_type: 'client_credentials' }, { basic: ['probe-client-name', 'probe-secret-value'] });
    expect(result.body).not.toContain('probe-client-name');
    expect(result.body).not.toContain('probe-secret-value');
    expect(JSON.stringify(result.headers)).not.toContain('probe-secret-value');
  });
});
