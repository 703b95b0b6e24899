import { OAuthError } from '../errors.js';
import { getHeader, type TollgateRequest } from './types.js';

/** Default request body limit: 64 KiB. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parameters of a request, as parsed by Tollgate: no prototype, each name at most once,
 * empty values dropped (RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted").
 */
export type Params = ReadonlyMap<string, string>;

/**
 * Parse `application/x-www-form-urlencoded` text strictly.
 * RFC 6749 §3.1 / §3.2: request and response parameters MUST NOT be included more than once.
 * Keys are kept verbatim in a `Map`, so `__proto__`, `constructor` or `a[b]` are just unknown names.
 */
export function parseParams(text: string, where: 'body' | 'query'): Map<string, string> {
  const params = new Map<string, string>();
  const seen = new Set<string>();
  let decoded: URLSearchParams;
  try {
    decoded = new URLSearchParams(text);
  } catch {
    throw new OAuthError('invalid_request', `malformed ${where}`);
  }
  for (const [key, value] of decoded) {
    if (seen.has(key)) {
      throw new OAuthError('invalid_request', `parameter ${printable(key)} is repeated`);
    }
    seen.add(key);
    if (value !== '') params.set(key, value);
  }
  return params;
}

/** Show a parameter name in an error description: RFC 6749 §5.2 characters only, never huge input. */
export function printable(value: string): string {
  const clean = value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}

/** The byte length of a raw body. */
export function bodyLength(body: string | Uint8Array | undefined): number {
  if (body === undefined) return 0;
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

/**
 * Read the form body of a POST: checks the content type and size, refuses invalid UTF-8, repeated and
 * bracketed-as-special keys (they stay ordinary names).
 */
export function readFormBody(request: TollgateRequest, limit: number): Map<string, string> {
  return parseParams(readFormText(request, limit), 'body');
}

/** The text of a form body, after the content-type, size and UTF-8 checks. */
export function readFormText(request: TollgateRequest, limit: number): string {
  const contentType = getHeader(request.headers, 'content-type');
  if (!isFormContentType(contentType)) {
    throw new OAuthError('invalid_request', 'content type must be application/x-www-form-urlencoded');
  }
  const { body } = request;
  if (bodyLength(body) > limit) throw bodyTooLarge();
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  try {
    return decoder.decode(body);
  } catch {
    throw new OAuthError('invalid_request', 'body is not valid UTF-8');
  }
}

/** 413 with an RFC 6749 §5.2-shaped body. */
export function bodyTooLarge(): OAuthError {
  return new OAuthError('invalid_request', 'request body is too large', { status: 413 });
}

/** `application/x-www-form-urlencoded`, any case, optional parameters; only a UTF-8 charset is accepted. */
export function isFormContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type, ...parameters] = value.split(';');
  if (type === undefined || type.trim().toLowerCase() !== 'application/x-www-form-urlencoded') return false;
  for (const parameter of parameters) {
    const [name, raw] = parameter.split('=', 2);
    if (name?.trim().toLowerCase() !== 'charset') continue;
    const charset = raw?.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return false;
  }
  return true;
}
