/**
 * Auth0's express-oauth2-jwt-bearer on Express 5: `auth()` with the bench public key (PEM), the expected
 * issuer and audience, `strict` (RFC 9068: typ at+jwt, sub, client_id, iat, jti required) and
 * `requiredScopes('orders:read')` — the same checks Tollgate's `protect()` makes.
 */
import express, { type RequestHandler } from 'express';
import { listenNode, type Started, type Variants } from '../listen.js';
import { AUDIENCE, OK_BODY, RS_ISSUER, SCOPE, keys, type Alg } from '../shared.js';

interface JwtBearer {
  auth(options: { issuer: string; audience: string; publicKey: string; tokenSigningAlg: string; strict: boolean }): RequestHandler;
  requiredScopes(scopes: string): RequestHandler;
}
// Imported through a variable specifier: its type declarations augment Express's `req.auth` with a type that
// clashes with @tollgate/express's augmentation in this one compilation.
const specifier = 'express-oauth2-jwt-bearer';
const { auth, requiredScopes } = (await import(specifier)) as JwtBearer;

function app(alg: Alg): Promise<Started> {
  const server = express();
  server.disable('x-powered-by');
  server.get('/protected', auth({ issuer: RS_ISSUER, audience: AUDIENCE, publicKey: keys()[alg].publicPem, tokenSigningAlg: alg, strict: true }), requiredScopes(SCOPE), (_req, res) => {
    res.type('application/json').send(OK_BODY);
  });
  return listenNode(server);
}

export const variants: Variants = {
  eddsa: () => app('EdDSA'),
  rs256: () => app('RS256'),
};
