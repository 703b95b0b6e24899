import type { AuthServer } from '@tollgate/core';
import { tollgate } from '@tollgate/express';
import express, { type Express } from 'express';
import { createPartnerAuthServer, type PartnerOptions } from './auth-server.js';

/** The example app: POST /oauth/token and GET /oauth/userinfo (plus metadata and JWKS). */
export function createApp(options: PartnerOptions): { app: Express; server: AuthServer } {
  const server = createPartnerAuthServer(options);
  const app = express();
  app.disable('x-powered-by');
  app.use(tollgate(server));
  return { app, server };
}
