import { isOAuthError } from '../errors.js';
import { DEFAULT_BODY_LIMIT, isFormContentType, readFormBody } from '../http/form.js';
import { getHeader, requestUrl, type TollgateRequest } from '../http/types.js';

/** How a bearer token may be sent (RFC 6750 §2.1–§2.3); the names RFC 9728 `bearer_methods_supported` uses. */
export type BearerMethod = 'header' | 'body' | 'query';

/** Which RFC 6750 §2 methods to accept. Only the `Authorization` header is on by default. */
export interface BearerOptions {
  /**
   * Accept `access_token` in an `application/x-www-form-urlencoded` body of a non-GET request (RFC 6750 §2.2).
   * The adapter must pass the raw body. Default `false`.
   */
  body?: boolean;
  /**
   * Accept `access_token` in the query string (RFC 6750 §2.3). Tokens in URLs end up in logs and `Referer`
   * headers; the RFC advises against it. Default `false`.
   */
  query?: boolean;
  /** Longest accepted token in characters. Default 16 384. */
  maxTokenLength?: number;
  /** Largest form body read for the body method, in bytes. Default 64 KiB. */
  bodyLimit?: number;
}

/** What {@link extractBearerToken} found. */
export type BearerExtraction =
  /** A syntactically valid token, and how it was sent. */
  | { status: 'token'; token: string; method: BearerMethod }
  /** No bearer credentials at all (no header, another scheme): RFC 6750 §3.1 says answer without an error code. */
  | { status: 'none' }
  /** Bearer credentials that are malformed, or sent more than one way: 400 `invalid_request`. */
  | { status: 'malformed'; description: string; httpStatus: number };

/** Default longest token: far above any real access token, far below a header-size attack. */
export const DEFAULT_MAX_TOKEN_LENGTH = 16_384;

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** RFC 9110 §11.1: `auth-scheme = token`, then optionally one SP and the rest. */
const CREDENTIALS = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?: ([\s\S]*))?$/;

const malformed = (description: string, httpStatus = 400): BearerExtraction => ({ status: 'malformed', description, httpStatus });

type Found = { token: string; method: BearerMethod } | { error: BearerExtraction } | undefined;

function fromHeader(request: TollgateRequest, maxLength: number): Found {
  const raw = getHeader(request.headers, 'authorization');
  if (raw === undefined) return undefined;
  // RFC 9110 §5.5: surrounding whitespace is not part of the field value.
  const value = raw.replace(/^[ \t]+|[ \t]+$/g, '');
  if (value.length === 0) return undefined;
  const match = CREDENTIALS.exec(value.length > maxLength + 64 ? value.slice(0, 64) : value);
  if (!match) return { error: malformed('the Authorization header is malformed') };
  if ((match[1] as string).toLowerCase() !== 'bearer') return undefined; // another scheme: not ours
  if (value.length > maxLength + 7) return { error: malformed('the access token is too long') };
  const token = match[2];
  // RFC 6750 §2.1: "Bearer" 1*SP b64token — exactly one token, nothing else.
  if (token === undefined || token.length === 0) return { error: malformed('the Bearer credentials are missing the access token') };
  if (!B64TOKEN.test(token)) return { error: malformed('the Bearer credentials are malformed') };
  return { token, method: 'header' };
}

function checkToken(token: string, method: BearerMethod, maxLength: number): Found {
  if (token.length > maxLength) return { error: malformed('the access token is too long') };
  if (!B64TOKEN.test(token)) return { error: malformed('the access token is malformed') };
  return { token, method };
}

function fromQuery(request: TollgateRequest, maxLength: number): Found {
  const url = requestUrl(request.url);
  if (!url) return undefined;
  const values = url.searchParams.getAll('access_token');
  if (values.length === 0) return undefined;
  if (values.length > 1) return { error: malformed('the access_token parameter is repeated') };
  const [token] = values as [string];
  if (token.length === 0) return undefined; // RFC 6749 §3.1: a parameter without a value is omitted
  return checkToken(token, 'query', maxLength);
}

function fromBody(request: TollgateRequest, maxLength: number, bodyLimit: number): Found {
  // RFC 6750 §2.2: form-encoded, single-part, and never with GET.
  if (request.method.toUpperCase() === 'GET' || request.body === undefined) return undefined;
  if (!isFormContentType(getHeader(request.headers, 'content-type'))) return undefined;
  let params: Map<string, string>;
  try {
    params = readFormBody(request, bodyLimit);
  } catch (error) {
    if (isOAuthError(error)) return { error: malformed(error.description ?? 'the request body is malformed', error.status) };
    return { error: malformed('the request body is malformed') };
  }
  const token = params.get('access_token');
  return token === undefined ? undefined : checkToken(token, 'body', maxLength);
}

/**
 * Find the bearer token of a request (RFC 6750 §2). Never throws: every malformed input is a
 * `malformed` result (400 `invalid_request`), and a request without bearer credentials is `none` (401).
 * RFC 6750 §2: a client MUST NOT use more than one method, so a token sent two ways is `malformed`.
 */
export function extractBearerToken(request: TollgateRequest, options: BearerOptions = {}): BearerExtraction {
  try {
    const maxLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
    const found: Found[] = [fromHeader(request, maxLength)];
    if (options.body === true) found.push(fromBody(request, maxLength, options.bodyLimit ?? DEFAULT_BODY_LIMIT));
    if (options.query === true) found.push(fromQuery(request, maxLength));
    let result: { token: string; method: BearerMethod } | undefined;
    for (const item of found) {
      if (item === undefined) continue;
      if ('error' in item) return item.error;
      if (result !== undefined) return malformed('the access token was sent in more than one way');
      result = item;
    }
    return result === undefined ? { status: 'none' } : { status: 'token', ...result };
  } catch {
    // A headers object that throws on read, a URL getter that throws…: still a refusal, never a crash.
    return malformed('the request is malformed');
  }
}
