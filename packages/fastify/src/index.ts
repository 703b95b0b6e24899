import { AsyncLocalStorage } from 'node:async_hooks';
import {
  bodyErrorResponse,
  bodyFromParsed,
  createProtector,
  fromNodeRequest,
  nodeToTollgateRequest,
  type AuthServer,
  type ProtectOptions,
  type Protector,
  type ScopeRule,
  type TollgateAuth,
  type TollgateLogger,
  type TollgateResponse,
  type Verifier,
  type VerifierOptions,
} from '@tollgate/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** An async hook that lets a request through only with a verified bearer token; use it as `onRequest`. */
export type TollgateHook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** What the plugin decorates the Fastify instance with, as `fastify.tollgate`. */
export interface TollgateDecorator {
  /** The authorization server whose endpoints the plugin serves. */
  readonly server: AuthServer;
  /**
   * An `onRequest` hook protecting a route with a token of this server satisfying `rule`
   * (`{ scopes }` all-of, `{ anyScopes }`, `{ claims }`). A bad rule throws `TypeError` here, at route definition.
   */
  protect(rule?: ScopeRule, options?: ProtectOptions): TollgateHook;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified access-token claims, set by a Tollgate `protect` hook; `null` on routes it does not guard.
     * Add your own claims by augmenting `TollgateAuth` from `@tollgate/core`.
     */
    auth: TollgateAuth | null;
  }
  interface FastifyInstance {
    /** Tollgate's server and `protect`, added by the `@tollgate/fastify` plugin. */
    tollgate: TollgateDecorator;
  }
}

/** Options of the plugin. */
export interface TollgatePluginOptions {
  /** The server whose endpoints are mounted, at their configured paths. */
  server: AuthServer;
  /** Defaults for every `fastify.tollgate.protect()` (realm, resource metadata, bearer methods). */
  protect?: ProtectOptions;
}

/** What `protect()` accepts: an in-process server, a verifier, a protector, or verifier options (`{ issuer, audience, jwksUri }`). */
export type ProtectSource = AuthServer | Verifier | Protector | VerifierOptions;

type Log = Pick<FastifyInstance['log'], 'error' | 'warn'>;

// Tollgate reports through the logger of the request being checked, so entries carry Fastify's request id.
const requestLog = new AsyncLocalStorage<Log>();

function loggerFor(fallback: Log | undefined): TollgateLogger {
  const write = (level: 'error' | 'warn', message: string, details: Record<string, unknown> | undefined): void => {
    const log = requestLog.getStore() ?? fallback;
    if (log) log[level](details ?? {}, message);
    else console[level](`[tollgate] ${message}`, details ?? '');
  };
  return { error: (message, details) => write('error', message, details), warn: (message, details) => write('warn', message, details) };
}

function protectorFor(source: ProtectSource, options: ProtectOptions | undefined, fallback: Log | undefined): Protector {
  if (typeof (source as Protector).guard === 'function') return source as Protector;
  const logger = loggerFor(fallback);
  const settings = { logger, ...options };
  if (typeof (source as AuthServer).handle === 'function') return createProtector({ server: source as AuthServer, logger }, settings);
  if (typeof (source as Verifier).verify === 'function') return createProtector(source as Verifier, settings);
  return createProtector({ logger, ...(source as VerifierOptions) }, settings);
}

function send(reply: FastifyReply, response: TollgateResponse): FastifyReply {
  reply.code(response.status).headers(response.headers);
  if (response.cookies?.length) reply.header('set-cookie', response.cookies);
  // No payload for an empty body, so Fastify adds no Content-Type of its own (as the core's Node listener).
  return reply.send(response.body === '' ? undefined : response.body);
}

function hook(protector: Protector, rule: ScopeRule | undefined): TollgateHook {
  const check = protector.guard(rule);
  return async (request, reply) => {
    // As onRequest the body is not parsed yet; as preHandler, a form body is offered to the RFC 6750 §2.2 method.
    const tollgateRequest = fromNodeRequest(request.raw, bodyFromParsed(request.body), request.url);
    const result = await requestLog.run(request.log, () => check(tollgateRequest));
    if (!result.ok) return send(reply, result.response);
    request.auth = result.auth;
    reply.headers(result.headers);
    return undefined;
  };
}

/**
 * An `onRequest` hook that lets a request through only with a verified bearer token satisfying `rule`.
 * On success `request.auth` holds the claims; otherwise the RFC 6750 §3 answer is sent. Fails closed.
 * Works without the plugin, in an app that only knows the issuer:
 *
 * ```ts
 * const verifier = createVerifier({ issuer, audience: issuer, jwksUri });
 * app.get('/orders', { onRequest: protect(verifier, { scopes: ['orders:read'] }) }, async (request) => request.auth);
 * ```
 */
export function protect(source: ProtectSource, rule?: ScopeRule, options?: ProtectOptions): TollgateHook {
  return hook(protectorFor(source, options, undefined), rule);
}

const plugin: FastifyPluginAsync<TollgatePluginOptions> = async (fastify, { server, protect: defaults }) => {
  const shared = protectorFor(server, defaults, fastify.log);
  fastify.decorateRequest('auth', null);
  fastify.decorate('tollgate', {
    server,
    protect: (rule, options) => hook(options ? protectorFor(server, { ...defaults, ...options }, fastify.log) : shared, rule),
  } satisfies TollgateDecorator);

  // An encapsulated context: the app's body parsers never see OAuth bodies, and ours never leaks to the app.
  await fastify.register(async (endpoints) => {
    endpoints.removeAllContentTypeParsers();
    // Leave the stream unread: the core reads it, with its own limit and RFC 6749-shaped errors.
    endpoints.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const result = await nodeToTollgateRequest(request.raw, server.bodyLimit).then((tollgateRequest) => server.handle(tollgateRequest), bodyErrorResponse);
      return send(reply, result);
    };
    for (const url of server.routes) endpoints.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url, handler });
  });
};

/**
 * The Fastify plugin: serves every endpoint of `options.server` at its configured path and decorates the
 * instance with `fastify.tollgate` (`server`, `protect`) and requests with `auth`.
 *
 * ```ts
 * await app.register(tollgate, { server });
 * app.get('/orders', { onRequest: app.tollgate.protect({ scopes: ['orders:read'] }) }, async (request) => request.auth);
 * ```
 */
export const tollgate = fp(plugin, { fastify: '5.x', name: '@tollgate/fastify' });

export default tollgate;
export type { ProtectOptions, ScopeRule, TollgateAuth } from '@tollgate/core';
