import { isOAuthError, OAuthError, StoreUnavailableError } from '../errors.js';
import type { TollgateLogger } from '../events.js';
import type { TollgateResponse } from './types.js';

/** RFC 6749 §5.1: token responses, and errors, must not be cached. */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): TollgateResponse {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** An RFC 6749 §5.2 error response, never cached. */
export function errorResponse(error: OAuthError): TollgateResponse {
  return json(error.status, error.toJSON(), { ...NO_STORE, ...error.headers });
}

/**
 * Turn anything thrown by an endpoint into a response: protocol errors as themselves, an unreachable store
 * as 503, everything else as a bare 500 `server_error` whose cause only the logger sees.
 */
export function failureResponse(error: unknown, logger: TollgateLogger, where: string): TollgateResponse {
  if (isOAuthError(error)) return errorResponse(error);
  if (error instanceof StoreUnavailableError) {
    logger.error(`${where}: store unavailable`, { cause: error.message });
    return errorResponse(new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, try again shortly', { headers: { 'Retry-After': '1' } }));
  }
  logger.error(`${where}: unexpected error`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return errorResponse(new OAuthError('server_error', 'the server encountered an unexpected condition'));
}

/** 405 with `Allow` (RFC 9110 §15.5.6). */
export function methodNotAllowed(allow: readonly string[]): OAuthError {
  return new OAuthError('invalid_request', 'method not allowed', { status: 405, headers: { Allow: allow.join(', ') } });
}
