/**
 * @fastify/jwt (fast-jwt) on Fastify 5: the bench public key as `secret.public`, `verify.algorithms` pinned to
 * the one algorithm, issuer and audience checked (`allowedIss`, `allowedAud`), then the scope checked in the
 * `onRequest` hook — the checks Tollgate's `protect` makes (fast-jwt does not check `typ`).
 */
import fastifyJwt from '@fastify/jwt';
import Fastify from 'fastify';
import { HOST, AUDIENCE, OK_BODY, RS_ISSUER, SCOPE, keys, type Alg } from '../shared.js';
import type { Started, Variants } from '../listen.js';

async function app(alg: Alg): Promise<Started> {
  const fastify = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  await fastify.register(fastifyJwt, { secret: { public: keys()[alg].publicPem }, verify: { algorithms: [alg], allowedIss: RS_ISSUER, allowedAud: AUDIENCE } });
  fastify.get(
    '/protected',
    {
      onRequest: async (request, reply) => {
        try {
          const claims = await request.jwtVerify<{ scope?: unknown }>();
          if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(SCOPE)) return reply.code(403).send({ error: 'insufficient_scope' });
        } catch {
          return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'invalid_token' });
        }
      },
    },
    async (_request, reply) => reply.type('application/json').send(OK_BODY),
  );
  await fastify.listen({ port: 0, host: HOST });
  const address = fastify.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { port: address.port, close: () => fastify.close() };
}

export const variants: Variants = {
  eddsa: () => app('EdDSA'),
  rs256: () => app('RS256'),
};
