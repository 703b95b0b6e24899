import { tollgate, protect } from '@tollgate/express';
import express, { type Express } from 'express';
import type { AuthServer } from '@tollgate/core';
import { createExampleAuthServer, type ExampleOptions } from './auth-server.js';
import { clientApp } from './client-app.js';

/** The whole example app: the endpoints, a protected API and the demo web client. */
export function createApp(options: ExampleOptions): { app: Express; server: AuthServer } {
  const server = createExampleAuthServer(options);
  const app = express();
  app.disable('x-powered-by');

  // Every OAuth endpoint: /oauth/token, /oauth/authorize, /oauth/revoke, /oauth/introspect, metadata, JWKS.
  app.use(tollgate(server));

  // The protected API.
  app.get('/api/orders', protect(server, { scopes: ['orders:read'] }), (req, res) => {
    res.json({ orders: [{ id: 'ord_1', item: 'Coffee beans', owner: req.auth?.sub }], client: req.auth?.client_id });
  });
  app.post('/api/orders', protect(server, { scopes: ['orders:write'] }), express.json(), (req, res) => {
    res.status(201).json({ created: req.body as unknown, by: req.auth?.sub });
  });

  app.use('/client', clientApp({ issuer: options.issuer, clientId: 'demo-web', clientSecret: 'demo-web-secret' }));
  app.get('/', (_req, res) => res.redirect('/client'));
  return { app, server };
}
