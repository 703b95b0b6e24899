import Fastify, { type FastifyInstance } from 'fastify';
import { createVerifier, type VerifierOptions } from '@tollgate/core';
import { protect } from '@tollgate/fastify';

/** What the API knows about the authorization server: nothing but where it is. */
export interface ApiOptions {
  /** The issuer of the tokens (their `iss`); its tokens name it as their audience (`aud`) too. */
  issuer: string;
  /** The issuer's JWKS. Default: `${issuer}/.well-known/jwks.json`. */
  jwksUri?: string;
  /** Least time between two JWKS fetches caused by an unknown `kid`, in ms. Default 30 000. */
  jwksCooldownMs?: number;
  /** Fastify's logger (`request.log`); Tollgate reports unexpected errors there. */
  logger?: boolean | { level: string };
}

/** The resource server: `GET /orders` needs `orders:read`, `GET /me` any valid token. */
export function createApi(options: ApiOptions): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  const tokens: VerifierOptions = {
    issuer: options.issuer,
    audience: options.issuer,
    jwksUri: options.jwksUri ?? `${options.issuer}/.well-known/jwks.json`,
    ...(options.jwksCooldownMs === undefined ? {} : { jwksCooldownMs: options.jwksCooldownMs }),
  };
  // One verifier for every route: one cached JWKS, refetched when a token names a key it has not seen.
  const verifier = createVerifier(tokens);
  app.addHook('onClose', async () => verifier.close());

  app.get('/orders', { onRequest: protect(verifier, { scopes: ['orders:read'] }) }, async (request) => ({
    orders: [{ id: 'ord_1', item: 'Coffee beans' }],
    owner: request.auth?.sub,
  }));
  app.get('/me', { onRequest: protect(verifier) }, async (request) => ({
    sub: request.auth?.sub,
    client_id: request.auth?.client_id,
    scope: request.auth?.scope ?? '',
  }));
  return app;
}
