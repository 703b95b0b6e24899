import express, { type Request, type RequestHandler } from 'express';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { TollgateAuth } from '@tollgate/core';
import { protect } from '@tollgate/express';
import { makeServer, serve, serviceToken } from './helpers.js';

// What an app writes to type its own claims (see TollgateAuth in @tollgate/core).
declare module '@tollgate/core' {
  interface TollgateAuth {
    /** An app claim, added by the server's `claims` hook below. */
    tenant_id?: string;
  }
}

describe('types', () => {
  it('types req.auth as the verified claims', () => {
    expectTypeOf<Request['auth']>().toEqualTypeOf<TollgateAuth | undefined>();
    expectTypeOf<NonNullable<Request['auth']>['sub']>().toEqualTypeOf<string>();
    expectTypeOf<NonNullable<Request['auth']>['client_id']>().toEqualTypeOf<string>();
    expectTypeOf<NonNullable<Request['auth']>['scope']>().toEqualTypeOf<string | undefined>();
    // Claims nobody declared stay unknown.
    expectTypeOf<NonNullable<Request['auth']>['something_else']>().toEqualTypeOf<unknown>();
    expectTypeOf(protect).returns.toEqualTypeOf<RequestHandler>();
  });

  it('merges app claims declared by module augmentation, and they arrive at run time', async () => {
    expectTypeOf<NonNullable<Request['auth']>['tenant_id']>().toEqualTypeOf<string | undefined>();
    const server = makeServer({ claims: () => ({ tenant_id: 'acme' }) });
    const app = express();
    app.get('/tenant', protect(server), (req, res) => {
      const tenant: string | undefined = req.auth?.tenant_id;
      res.json({ tenant });
    });
    const running = await serve(app);
    try {
      const response = await fetch(running.url('/tenant'), { headers: { authorization: `Bearer ${await serviceToken(server)}` } });
      expect(await response.json()).toEqual({ tenant: 'acme' });
    } finally {
      await running.close();
    }
  });
});
