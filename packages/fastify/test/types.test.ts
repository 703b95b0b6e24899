import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AuthServer, ScopeRule, ProtectOptions, TollgateAuth } from '@tollgate/core';
import { protect, tollgate, type TollgateDecorator, type TollgateHook } from '@tollgate/fastify';
import { makeServer, serve, serviceToken } from './helpers.js';

// What an app writes to type its own claims (see TollgateAuth in @tollgate/core).
declare module '@tollgate/core' {
  interface TollgateAuth {
    /** An app claim, added by the server's `claims` hook below. */
    tenant_id?: string;
  }
}

describe('types', () => {
  it('types request.auth as the verified claims or null', () => {
    expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<TollgateAuth | null>();
    expectTypeOf<NonNullable<FastifyRequest['auth']>['sub']>().toEqualTypeOf<string>();
    expectTypeOf<NonNullable<FastifyRequest['auth']>['scope']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<NonNullable<FastifyRequest['auth']>['something_else']>().toEqualTypeOf<unknown>();
  });

  it('types the fastify.tollgate decorator and protect()', () => {
    expectTypeOf<FastifyInstance['tollgate']>().toEqualTypeOf<TollgateDecorator>();
    expectTypeOf<FastifyInstance['tollgate']['server']>().toEqualTypeOf<AuthServer>();
    expectTypeOf<FastifyInstance['tollgate']['protect']>().parameters.toEqualTypeOf<[rule?: ScopeRule, options?: ProtectOptions]>();
    expectTypeOf(protect).returns.toEqualTypeOf<TollgateHook>();
  });

  it('fits routes with their own generics, as onRequest and preHandler', async () => {
    const server = makeServer({ claims: () => ({ tenant_id: 'acme' }) });
    const app = Fastify();
    await app.register(tollgate, { server });
    app.get<{ Params: { id: string }; Querystring: { full?: string } }>(
      '/orders/:id',
      { onRequest: app.tollgate.protect({ scopes: ['orders:read'] }), preHandler: [protect(server)] },
      async (request) => {
        expectTypeOf(request.params.id).toEqualTypeOf<string>();
        // Claims declared by module augmentation are typed, and arrive at run time.
        expectTypeOf(request.auth?.tenant_id).toEqualTypeOf<string | undefined>();
        return { id: request.params.id, tenant: request.auth?.tenant_id };
      },
    );
    const running = await serve(app);
    try {
      const response = await fetch(running.url('/orders/7'), { headers: { authorization: `Bearer ${await serviceToken(server)}` } });
      expect(await response.json()).toEqual({ id: '7', tenant: 'acme' });
    } finally {
      await running.close();
    }
  });
});
