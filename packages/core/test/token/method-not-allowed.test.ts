import { describe, expect, it } from 'vitest';
import { basic, call, expectError, makeServer, SERVICE_SECRET } from '../helpers.js';

describe('the token endpoint answers POST only', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'get'])('%s → 405 with Allow: POST', async (method) => {
    const server = makeServer();
    const result = await call(server, {
      method,
      url: '/oauth/token?grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) },
      ...(method.toUpperCase() === 'GET' ? {} : { body: 'grant_type=client_credentials' }),
    });
    expectError(result, 405, 'invalid_request');
    expect(result.headers.allow).toBe('POST');
    expect(result.json).not.toHaveProperty('access_token');
  });

  it('accepts a lower-case post', async () => {
    const server = makeServer();
    const result = await call(server, { method: 'post', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) }, body: 'grant_type=client_credentials' });
    expect(result.status, result.body).toBe(200);
  });

  it('answers 405 through server.endpoints.token too', async () => {
    const server = makeServer();
    const response = await server.endpoints.token({ method: 'GET', url: '/oauth/token', headers: {} });
    expect(response.status).toBe(405);
    expect(response.headers.Allow ?? response.headers.allow).toBe('POST');
  });
});
