import type { TollgateAuth } from '@tollgate/core';
import type { NextRequest } from 'next/server.js';
import { describe, expectTypeOf, it } from 'vitest';
import { createProxy, handlers, withAuth, type RouteHandlers } from '../src/index.js';
import { testServer } from './helpers.js';

declare module '@tollgate/core' {
  interface TollgateAuth {
    /** Merged in by this test, as an app would. */
    tenant_id?: string;
  }
}

/** The shape Next.js 16 checks route handler exports against (`.next/types/validator.ts`). */
type NextRouteHandler<Params> = (request: NextRequest, context: { params: Promise<Params> }) => Promise<Response | void> | Response | void;
type NextProxy = (request: NextRequest) => Promise<Response | null | undefined | void> | Response | null | undefined | void;

describe('public types', () => {
  const server = testServer();

  it('hands the handler TollgateAuth, including augmented claims, and the route params', () => {
    const GET = withAuth(server, { scopes: ['orders:read'] }, (request, context) => {
      expectTypeOf(request).toEqualTypeOf<NextRequest>();
      expectTypeOf(context.auth).toEqualTypeOf<TollgateAuth>();
      expectTypeOf(context.auth.sub).toEqualTypeOf<string>();
      expectTypeOf(context.auth.tenant_id).toEqualTypeOf<string | undefined>();
      expectTypeOf(context.scopes).toEqualTypeOf<readonly string[]>();
      expectTypeOf(context.params).toEqualTypeOf<Promise<Record<string, string | string[] | undefined>>>();
      return new Response();
    });
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- Next.js types a route without params as {}
    expectTypeOf(GET).toExtend<NextRouteHandler<{}>>();
    expectTypeOf(GET).toExtend<NextRouteHandler<{ tollgate: string[] }>>();
  });

  it('types params from an explicit context type', () => {
    const GET = withAuth<{ params: Promise<{ id: string }> }>(server, undefined, async (_request, { params }) => {
      expectTypeOf(await params).toEqualTypeOf<{ id: string }>();
      return new Response();
    });
    expectTypeOf(GET).toExtend<NextRouteHandler<{ id: string }>>();
  });

  it('returns route handlers and a proxy Next.js accepts', () => {
    const routes = handlers(server);
    expectTypeOf(routes).toEqualTypeOf<RouteHandlers>();
    expectTypeOf(routes.POST).toExtend<NextRouteHandler<{ tollgate: string[] }>>();
    expectTypeOf(createProxy({ source: server, routes: [] })).toExtend<NextProxy>();
  });
});
