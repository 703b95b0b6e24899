import Fastify, { type FastifyInstance } from 'fastify';
import { runConformance, type ConformanceApp } from '@tollgate/test-kit/conformance';
import type { AuthServer } from '@tollgate/core';
import { tollgate } from '@tollgate/fastify';

async function listen(app: FastifyInstance): Promise<ConformanceApp> {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { baseUrl: address, close: () => app.close() };
}

async function mount(app: FastifyInstance, server: AuthServer): Promise<ConformanceApp> {
  await app.register(tollgate, { server });
  app.get('/protected', { onRequest: app.tollgate.protect({ scopes: ['orders:read'] }) }, async (request) => ({ sub: request.auth?.sub, client_id: request.auth?.client_id }));
  return listen(app);
}

runConformance('fastify', (server) => mount(Fastify(), server));

// The app's own parsers, registered before the plugin, must not change what the endpoints see.
runConformance('fastify with the app’s JSON, form and text parsers', async (server) => {
  const app = Fastify();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  return mount(app, server);
});
