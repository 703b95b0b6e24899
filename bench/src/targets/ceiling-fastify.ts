/** Ceilings on Fastify 5: a hello-world GET, and a POST with a urlencoded body parsed by `URLSearchParams`. */
import Fastify from 'fastify';
import type { Started, Variants } from '../listen.js';
import { HOST, OK_BODY } from '../shared.js';

async function app(): Promise<Started> {
  const fastify = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
  fastify.get('/hello', async (_request, reply) => reply.type('application/json').send(OK_BODY));
  fastify.post('/form', async (request) => ({ ok: true, grant_type: (request.body as URLSearchParams).get('grant_type') }));
  await fastify.listen({ port: 0, host: HOST });
  const address = fastify.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { port: address.port, close: () => fastify.close() };
}

export const variants: Variants = { get: app, post: app };
