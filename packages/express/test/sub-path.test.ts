import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protect, tollgate } from '@tollgate/express';
import { basic, FORM, makeServer, serve, SERVICE, serviceToken } from './helpers.js';

// Endpoints configured under /auth and the router mounted there: the router must match the full path.
const server = makeServer({
  issuer: 'https://issuer.express.test/auth',
  paths: { token: '/auth/oauth/token', authorize: '/auth/oauth/authorize', revocation: '/auth/oauth/revoke', introspection: '/auth/oauth/introspect', jwks: '/auth/jwks.json', metadata: '/auth/.well-known/oauth-authorization-server' },
});

describe('mounted under a sub-path', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const instance = express();
    const auth = express.Router();
    auth.use(tollgate(server));
    auth.get('/other', (_req, res) => void res.send('app route'));
    instance.use('/auth', auth);
    const api = express.Router();
    api.get('/orders', protect(server, { scopes: ['orders:read'] }), (req, res) => void res.json({ client: req.auth?.client_id, url: req.originalUrl }));
    instance.use('/api/v1', api);
    app = await serve(instance);
  });
  afterAll(() => app.close());

  it('serves the token endpoint at its full path', async () => {
    const response = await fetch(app.url('/auth/oauth/token'), { method: 'POST', headers: { 'content-type': FORM, authorization: basic(SERVICE.id, SERVICE.secret) }, body: 'grant_type=client_credentials' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'Bearer' });
  });

  it('serves metadata and JWKS at their configured paths', async () => {
    const metadata = await fetch(app.url('/auth/.well-known/oauth-authorization-server'));
    expect(await metadata.json()).toMatchObject({ issuer: 'https://issuer.express.test/auth', token_endpoint: 'https://issuer.express.test/auth/oauth/token' });
    expect((await fetch(app.url('/auth/jwks.json'))).status).toBe(200);
  });

  it('passes other paths of the sub-router on to the app', async () => {
    const response = await fetch(app.url('/auth/other'));
    expect(await response.text()).toBe('app route');
    // The mount-relative path is not an endpoint path.
    expect((await fetch(app.url('/auth/auth/oauth/token'), { method: 'POST' })).status).toBe(404);
  });

  it('protects a route of a router mounted under a sub-path', async () => {
    expect((await fetch(app.url('/api/v1/orders'))).status).toBe(401);
    const response = await fetch(app.url('/api/v1/orders'), { headers: { authorization: `Bearer ${await serviceToken(server)}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ client: 'service', url: '/api/v1/orders' });
  });
});
