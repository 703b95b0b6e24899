import {
  bodyErrorResponse,
  createProtector,
  fromWebRequest,
  toWebHandler,
  toWebResponse,
  type AuthenticateResult,
  type AuthServer,
  type ProtectOptions,
  type Protector,
  type ScopeRule,
  type TollgateAuth,
  type TollgateRequest,
  type Verifier,
  type VerifierOptions,
} from '@tollgate/core';
// `next` has no exports map: the `.js` specifier resolves under plain Node ESM as well as in Next's bundlers.
import { NextResponse, type NextRequest } from 'next/server.js';
import { compileMatcher, pathSpellings, type PathMatcher } from './paths.js';

/** A Next.js route handler (the route context Next.js passes second is not needed). */
export type RouteHandler = (request: Request) => Promise<Response>;

/** Route handlers for every method; re-export them from a route file (`export const { GET, POST } = ...`). */
export type RouteHandlers = Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS', RouteHandler>;

/**
 * Route handlers that serve every endpoint of `server` at its configured path. Export them from a
 * catch-all route file (`app/oauth/[...tollgate]/route.ts`) and from the well-known route files. Every
 * method goes to the core, so it answers 405 and 404 itself.
 *
 * ```ts
 * export const { GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS } = handlers(getAuthServer());
 * ```
 */
export function handlers(server: AuthServer): RouteHandlers {
  const handle = toWebHandler(server);
  const route: RouteHandler = (request) => handle(request);
  return { GET: route, HEAD: route, POST: route, PUT: route, DELETE: route, PATCH: route, OPTIONS: route };
}

/** What `withAuth()` and `createProxy()` accept: an in-process server, a verifier, a protector, or verifier options. */
export type ProtectSource = AuthServer | Verifier | Protector | VerifierOptions;

function protectorFor(source: ProtectSource, options: ProtectOptions | undefined): Protector {
  if (typeof (source as Protector).guard === 'function') return source as Protector;
  if (typeof (source as AuthServer).handle === 'function') return createProtector({ server: source as AuthServer }, options);
  return createProtector(source as Verifier | VerifierOptions, options);
}

/** The second argument Next.js passes to a route handler. */
export interface RouteContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

/** What `withAuth()` adds to the route context. */
export interface AuthContext {
  /** The verified access-token claims. Add your own by augmenting `TollgateAuth` from `@tollgate/core`. */
  auth: TollgateAuth;
  /** The granted scopes. */
  scopes: readonly string[];
}

/** Largest body read for a protected route that accepts the RFC 6750 form-body method. */
const PROTECT_BODY_LIMIT = 64 * 1024;

/**
 * Wrap a route handler so it runs only with a verified bearer token satisfying `rule` (`{ scopes }`
 * all-of, `{ anyScopes }`, `{ claims }` predicate); it receives the claims as `context.auth`. Otherwise
 * the RFC 6750 §3 response is returned. Fails closed.
 *
 * ```ts
 * export const GET = withAuth(getAuthServer(), { scopes: ['orders:read'] }, (request, { auth }) => Response.json({ sub: auth.sub }));
 * ```
 */
export function withAuth<C = RouteContext, R extends Request = NextRequest>(
  source: ProtectSource,
  rule: ScopeRule | undefined,
  handler: (request: R, context: C & AuthContext) => Response | Promise<Response>,
  options?: ProtectOptions,
): (request: R, context: C) => Promise<Response> {
  const check = protectorFor(source, options).guard(rule);
  const bodyLimit = options?.bearer?.body === true ? (options.bearer.bodyLimit ?? PROTECT_BODY_LIMIT) : 0;
  return async (request, context) => {
    let result: AuthenticateResult;
    try {
      // Only the RFC 6750 §2.2 form-body method needs the body; read a clone so the handler still can.
      const input: TollgateRequest = bodyLimit > 0 ? await fromWebRequest(request.clone(), bodyLimit) : { method: request.method, url: request.url, headers: request.headers };
      result = await check(input);
    } catch (error) {
      return toWebResponse(bodyErrorResponse(error), request.method);
    }
    if (!result.ok) return toWebResponse(result.response, request.method);
    const response = await handler(request, { ...context, auth: result.auth, scopes: result.scopes });
    const extra = Object.entries(result.headers);
    if (extra.length === 0) return response;
    const headers = new Headers(response.headers);
    for (const [name, value] of extra) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

/** One group of paths a proxy protects. */
export interface ProxyRoute {
  /** `'/admin/:path*'`, a RegExp or a predicate, tested against the canonical lowercase path. */
  matcher: PathMatcher;
  /** What the token must grant; default: any valid token. */
  rule?: ScopeRule;
}

/** Options of {@link createProxy}. */
export interface ProxyOptions extends ProtectOptions {
  /** Where tokens are verified. */
  source: ProtectSource;
  /** Protected path groups; a path must satisfy the rule of every group it matches. */
  routes: readonly ProxyRoute[];
}

const json = (status: number, error: string): Response => Response.json({ error }, { status, headers: { 'Cache-Control': 'no-store' } });

/**
 * A `proxy.ts` function that guards path groups with bearer tokens and passes every other request on
 * with `NextResponse.next()`. Paths are canonicalised before matching (case, percent-encoding, repeated
 * slashes, dot segments, `;params`) and any spelling that matches is protected; malformed encoding is
 * refused with 400. Only the path and the `Authorization` header are read, never Next's internal
 * headers. Fails closed: an exception is a 500.
 *
 * ```ts
 * export const proxy = createProxy({ source: getAuthServer(), routes: [{ matcher: '/admin/:path*', rule: { scopes: ['orders:write'] } }] });
 * ```
 */
export function createProxy(options: ProxyOptions): (request: NextRequest) => Promise<Response> {
  if (options === null || typeof options !== 'object' || !Array.isArray(options.routes)) throw new TypeError('createProxy: options.routes must be an array');
  const { source, routes, ...protect } = options;
  const protector = protectorFor(source, protect);
  const guards = routes.map((route: ProxyRoute, index) => {
    const where = `createProxy: options.routes[${index}]`;
    if (route === null || typeof route !== 'object') throw new TypeError(`${where} must be an object like { matcher, rule }`);
    return { matches: compileMatcher(route.matcher, `${where}.matcher`), check: protector.guard(route.rule) };
  });
  return async (request) => {
    try {
      const spellings = pathSpellings(request.nextUrl.pathname);
      if (spellings === undefined) return json(400, 'invalid_request');
      for (const guard of guards) {
        if (!spellings.some(guard.matches)) continue;
        const result = await guard.check({ method: request.method, url: request.url, headers: request.headers });
        if (!result.ok) return toWebResponse(result.response, request.method);
      }
      return NextResponse.next();
    } catch (error) {
      (protect.logger ?? console).error('createProxy: unexpected error', { error: error instanceof Error ? error.message : String(error) });
      return json(500, 'server_error');
    }
  };
}

export type { PathMatcher } from './paths.js';
export type { ProtectOptions, ScopeRule, TollgateAuth } from '@tollgate/core';
