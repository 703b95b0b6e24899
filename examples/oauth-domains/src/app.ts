import { writeNodeResponse, type AuthServer, type TollgateAuth } from '@tollgate/core';
import { protect, tollgate } from '@tollgate/express';
import express, { type Express } from 'express';
import { callbackUri, createPrivxAuthServer, type PrivxOptions } from './auth-server.js';
import { SessionLog } from './sessions.js';

const permissions = (claims: TollgateAuth): string[] => (typeof claims.permissions === 'string' ? claims.permissions.split(',') : []);

/** The example app: PrivX's /oauth endpoints, the privx-ui callback page and a protected API route. */
export function createApp(options: Omit<PrivxOptions, 'sessions'>): { app: Express; server: AuthServer; sessions: SessionLog } {
  const sessions = new SessionLog();
  const server = createPrivxAuthServer({ ...options, sessions });
  const app = express();
  app.disable('x-powered-by');

  // GET /oauth/authorize, POST /oauth/token, revocation, introspection, metadata, JWKS.
  app.use(tollgate(server));
  // "Not found" under /oauth is the same { error, error_description } JSON: the core answers unknown paths with 404.
  app.use('/oauth', (req, res, next) => {
    server
      .handle({ method: req.method, url: req.originalUrl, headers: req.headers })
      .then((response) => writeNodeResponse(res, response, req.method))
      .catch(next);
  });

  // Where privx-ui's browser lands: shows the code and how to redeem it (the real PrivX UI does this in its own backend).
  app.get('/privx/oauth-callback', (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    res.set({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.send(`code=${code}\nstate=${state}\n\nRedeem it within a minute:\n  curl -s -u privx-ui:privx-ui-secret --data-urlencode grant_type=authorization_code --data-urlencode client_id=privx-ui --data-urlencode 'code=${code.replace(/[^A-Za-z0-9_.~-]/g, '')}' --data-urlencode redirect_uri=${callbackUri(options.issuer)} ${options.issuer}/oauth/token\n`);
  });

  // A PrivX API route accepting user tokens of the user-facing domains that carry the privx-user permission.
  app.get(
    '/privx/api/me',
    protect({ server, audience: ['privx-ui', 'privx-external'] }, { claims: (claims) => permissions(claims).includes('privx-user') }, { realm: options.issuer }),
    (req, res) => {
      const auth = req.auth as TollgateAuth;
      res.json({ userid: auth.userid, domain: auth.domain, sessionid: auth.sessionid, permissions: permissions(auth) });
    },
  );
  return { app, server, sessions };
}
