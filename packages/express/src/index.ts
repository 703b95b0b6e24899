import {
  bodyErrorResponse,
  createProtector,
  nodeToTollgateRequest,
  writeNodeResponse,
  type AuthServer,
  type ProtectOptions,
  type Protector,
  type ScopeRule,
  type TollgateAuth,
  type TollgateRequest,
  type Verifier,
  type VerifierOptions,
} from '@tollgate/core';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The verified access-token claims, set by `protect()`. Add your own claims by augmenting
       * `TollgateAuth` from `@tollgate/core`.
       */
      auth?: TollgateAuth;
    }
  }
}

/** Largest body read for a protected route that accepts the RFC 6750 form-body method. */
const PROTECT_BODY_LIMIT = 64 * 1024;

function toTollgate(req: Request, limit: number): Promise<TollgateRequest> {
  // originalUrl keeps the mount path, so the core sees the same path whatever router this sits in.
  return nodeToTollgateRequest(req, limit, req.body, req.originalUrl);
}

/**
 * A router that serves every endpoint of `server` at its configured path (`app.use(tollgate(server))`).
 * It reads the raw body itself; when `express.json()`/`express.urlencoded()` already ran, it rebuilds the
 * form from what they parsed, so repeated parameters are still refused by the core.
 */
export function tollgate(server: AuthServer): Router {
  const router = Router();
  const paths = new Set(server.routes);
  router.use((req: Request, res: Response, next: NextFunction) => {
    // Inside a mounted router req.path is relative to the mount; the core's paths are full paths.
    if (!paths.has(req.baseUrl + req.path)) return next();
    toTollgate(req, server.bodyLimit)
      .then((request) => server.handle(request), bodyErrorResponse)
      .then((result) => writeNodeResponse(res, result, req.method))
      .catch(next);
  });
  return router;
}

/** What `protect()` accepts: an in-process server, a verifier, a protector, or verifier options. */
export type ProtectSource = AuthServer | Verifier | Protector | VerifierOptions;

function protectorFor(source: ProtectSource, options: ProtectOptions | undefined): Protector {
  if (typeof (source as Protector).guard === 'function') return source as Protector;
  if (typeof (source as AuthServer).handle === 'function') return createProtector({ server: source as AuthServer }, options);
  return createProtector(source as Verifier | VerifierOptions, options);
}

/**
 * Middleware that lets a request through only with a verified bearer token satisfying `rule`
 * (`{ scopes }` all-of, `{ anyScopes }`, `{ claims }` predicate). On success `req.auth` holds the claims;
 * otherwise the RFC 6750 §3 answer is sent. Fails closed.
 *
 * ```ts
 * app.get('/api/orders', protect(server, { scopes: ['orders:read'] }), (req, res) => res.json(req.auth));
 * ```
 */
export function protect(source: ProtectSource, rule?: ScopeRule, options?: ProtectOptions): RequestHandler {
  const check = protectorFor(source, options).guard(rule);
  // Only the RFC 6750 §2.2 form-body method needs the body; otherwise leave the stream to the app's parsers.
  const readBody = options?.bearer?.body === true;
  return (req, res, next) => {
    const request: Promise<TollgateRequest> = readBody
      ? toTollgate(req, options?.bearer?.bodyLimit ?? PROTECT_BODY_LIMIT)
      : Promise.resolve({ method: req.method, url: req.originalUrl, headers: req.headers });
    request
      .then(check)
      .then((result) => {
        if (!result.ok) return writeNodeResponse(res, result.response, req.method);
        req.auth = result.auth;
        for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
        next();
      })
      .catch((error: unknown) => writeNodeResponse(res, bodyErrorResponse(error), req.method));
  };
}

export type { ProtectOptions, ScopeRule, TollgateAuth } from '@tollgate/core';
