// The README's example, compiled by `tsc` and run by readme-example.test.ts. Keep the two in step:
// the test fails when the README's snippet is not exactly the region below.
// #region readme
import express, { type Express } from 'express';
import { createAuthServer, generateKey } from '@tollgate/core';
import { protect, tollgate } from '@tollgate/express';

export const server = createAuthServer({
  issuer: 'http://localhost:3000',
  keys: [generateKey()], // in production: your private key, e.g. { key: process.env.TOLLGATE_PRIVATE_KEY }
  clients: [{ id: 'reports', secret: 'reports-secret', grantTypes: ['client_credentials'], scopes: ['orders:read'] }],
});

export const app: Express = express();

// /oauth/token, /oauth/authorize, /oauth/revoke, /oauth/introspect, metadata and JWKS.
app.use(tollgate(server));

// 401/403 with an RFC 6750 challenge unless the token is valid and has orders:read.
app.get('/api/orders', protect(server, { scopes: ['orders:read'] }), (req, res) => {
  res.json({ orders: [], client: req.auth?.client_id });
});
// #endregion readme
