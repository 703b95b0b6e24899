import { describe, expect, it } from 'vitest';
import { handlers } from '../src/index.js';
import { ISSUER, testServer, tokenRequest } from './helpers.js';

describe('handlers()', () => {
  const server = testServer();
  const routes = handlers(server);

  it('exports one handler per method, all routed to the core', () => {
    expect(Object.keys(routes).sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
  });

  it('issues a client_credentials token with no-store', async () => {
    const response = await routes.POST(tokenRequest('orders:write'));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', scope: 'orders:write', expires_in: expect.any(Number) });
  });

  it('answers a wrong secret with 401 invalid_client and a Basic challenge', async () => {
    const response = await routes.POST(tokenRequest('orders:read', 'nope'));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('serves RFC 8414 metadata and the JWKS on the well-known paths', async () => {
    const metadata = await routes.GET(new Request(`${ISSUER}/.well-known/oauth-authorization-server`));
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({ issuer: ISSUER, token_endpoint: `${ISSUER}/oauth/token`, jwks_uri: `${ISSUER}/.well-known/jwks.json` });
    const jwks = await routes.GET(new Request(`${ISSUER}/.well-known/jwks.json`));
    expect(jwks.status).toBe(200);
    const { keys } = (await jwks.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('routes by the request path, whatever host the request came in on', async () => {
    const response = await routes.GET(new Request('http://127.0.0.1:3002/.well-known/jwks.json'));
    expect(response.status).toBe(200);
  });

  it('lets the core answer a wrong method with 405 and Allow', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH'] as const) {
      const response = await routes[method](new Request(`${ISSUER}/.well-known/jwks.json`, { method }));
      expect(response.status).toBe(405);
    }
    const get = await routes.GET(new Request(`${ISSUER}/oauth/token`));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
  });

  it('answers an unknown path under the catch-all with 404', async () => {
    const response = await routes.GET(new Request(`${ISSUER}/oauth/unknown`));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('sends HEAD responses without a body', async () => {
    const response = await routes.HEAD(new Request(`${ISSUER}/.well-known/jwks.json`, { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('stops reading a body larger than the server limit (413)', async () => {
    const body = `grant_type=client_credentials&pad=${'x'.repeat(server.bodyLimit)}`;
    const response = await routes.POST(new Request(`${ISSUER}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }));
    expect(response.status).toBe(413);
  });

  it('refuses repeated form parameters (RFC 6749 §3.1) because the body reaches the core raw', async () => {
    const request = tokenRequest('orders:read');
    const response = await routes.POST(new Request(request.url, { method: 'POST', headers: request.headers, body: 'grant_type=client_credentials&grant_type=client_credentials' }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });
});
