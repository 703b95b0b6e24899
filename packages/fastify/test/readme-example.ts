// The README's example, compiled by `tsc` and run by readme-example.test.ts. Keep the two in step:
// the test fails when the README's snippet is not exactly the region below.
// #region readme
import Fastify from 'fastify';
import { createAuthServer, generateKey } from '@tollgate/core';
import { tollgate } from '@tollgate/fastify';

export const server = createAuthServer({
  issuer: 'http://localhost:3000',
  keys: [generateKey()], // in production: your private key, e.g. { key: process.env.TOLLGATE_PRIVATE_KEY }
  clients: [{ id: 'reports', secret: 'reports-secret', grantTypes: ['client_credentials'], scopes: ['orders:read'] }],
});

export const app = Fastify();

// /oauth/token, /oauth/authorize, /oauth/revoke, /oauth/introspect, metadata and JWKS.
await app.register(tollgate, { server });

// 401/403 with an RFC 6750 challenge unless the token is valid and has orders:read.
app.get('/api/orders', { onRequest: app.tollgate.protect({ scopes: ['orders:read'] }) }, async (request) => {
  return { orders: [], client: request.auth?.client_id };
});
// #endregion readme
