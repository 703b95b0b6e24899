/** Tollgate through `@tollgate/fastify`: the plugin's token endpoint and the `protect()` onRequest hook. */
import { protect, tollgate } from '@tollgate/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Started, Variants } from '../listen.js';
import { AUDIENCE, HOST, OK_BODY, RS_ISSUER, SCOPE, keys, type Alg } from '../shared.js';
import { tollgateServer } from './tollgate-config.js';

async function listen(fastify: FastifyInstance, onClose?: () => Promise<void>): Promise<Started> {
  await fastify.listen({ port: 0, host: HOST });
  const address = fastify.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    close: async () => {
      await fastify.close();
      await onClose?.();
    },
  };
}

async function tokenApp(): Promise<Started> {
  const server = tollgateServer();
  const fastify = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  await fastify.register(tollgate, { server });
  return listen(fastify, () => server.close());
}

/** A resource server verifying `alg` tokens with the bench public key (no authorization server in-process). */
async function protectApp(alg: Alg, cache: boolean): Promise<Started> {
  const fastify = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  const onRequest = protect(
    { issuer: RS_ISSUER, audience: AUDIENCE, keys: [{ key: keys()[alg].publicPem, alg, kid: keys()[alg].kid }], algorithms: [alg], ...(cache ? {} : { cache: false as const }) },
    { scopes: [SCOPE] },
  );
  fastify.get('/protected', { onRequest }, async (_request, reply) => reply.type('application/json').send(OK_BODY));
  return listen(fastify);
}

export const variants: Variants = {
  token: tokenApp,
  'protect-eddsa': () => protectApp('EdDSA', true),
  'protect-eddsa-nocache': () => protectApp('EdDSA', false),
  'protect-rs256': () => protectApp('RS256', true),
};
