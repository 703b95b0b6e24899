import express, { type Express, type Request, type Response } from 'express';
import { listenOnLoopback, runConformance } from '@tollgate/test-kit/conformance';
import type { AuthServer } from '@tollgate/core';
import { protect, tollgate } from '@tollgate/express';

const claims = (req: Request, res: Response): void => void res.json({ sub: req.auth?.sub, client_id: req.auth?.client_id });

function mount(app: Express, server: AuthServer): Express {
  app.use(tollgate(server));
  app.get('/protected', protect(server, { scopes: ['orders:read'] }), claims);
  return app;
}

runConformance('express', async (server) => listenOnLoopback(mount(express(), server)));

// Body parsers installed globally, before the router, consume the stream: the router rebuilds the form from
// what they parsed, and the whole suite must still pass.
runConformance('express with global express.json() and express.urlencoded({ extended: true })', async (server) => {
  const app = express();
  app.use(express.json());
  app.use(express.urlencoded({ extended: true }));
  return listenOnLoopback(mount(app, server));
});

// Mounted inside a sub-router: the router matches the full path (mount path included).
runConformance('express inside app.use(router)', async (server) => {
  const app = express();
  const outer = express.Router();
  outer.use(tollgate(server));
  outer.get('/protected', protect(server, { scopes: ['orders:read'] }), claims);
  app.use(outer);
  return listenOnLoopback(app);
});
