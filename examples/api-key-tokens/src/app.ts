import type { AuthServer } from '@tollgate/core';
import { protect, tollgate } from '@tollgate/express';
import express, { type Express } from 'express';
import { createAcsAuthServer, type AcsOptions } from './auth-server.js';

/** Demo documents; each belongs to a customer user id (the `userid:` scope). */
const DOCUMENTS = [
  { id: 'doc-1', name: 'Quarterly report.pdf', owner: '1234' },
  { id: 'doc-2', name: 'Contract.docx', owner: '5678' },
];

/** The example app: `POST /v1/authTokens` and a route protected by the token's claims. */
export function createApp(options: AcsOptions): { app: Express; server: AuthServer } {
  const server = createAcsAuthServer(options);
  const app = express();
  app.disable('x-powered-by');

  // POST /v1/authTokens, the JWKS and the metadata document.
  app.use(tollgate(server));

  // The claims a parameterised scope put in the token decide access: only `role:admin` may list documents.
  app.get('/v1/documents', protect(server, { claims: (claims) => claims.role === 'admin' }), (req, res) => {
    res.json({ userid: req.auth?.userid, role: req.auth?.role, documents: DOCUMENTS });
  });
  return { app, server };
}
