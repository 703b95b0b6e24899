import type { IncomingMessage, ServerResponse } from 'node:http';
import { isOAuthError, OAuthError } from '../errors.js';
import { bodyTooLarge } from './form.js';
import { errorResponse } from './response.js';
import type { TollgateRequest, TollgateResponse } from './types.js';

/** Thrown by {@link readNodeBody} when a body exceeds the limit. */
export class BodyTooLargeError extends Error {
  constructor() {
    super('request body too large');
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Read a Node request body as raw bytes, stopping at `limit` (the rest is not buffered).
 * Shared by the `node:http` listener and the Express and Fastify adapters.
 */
export function readNodeBody(request: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return Promise.reject(new BodyTooLargeError());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      if (error) {
        request.resume();
        reject(error);
      } else resolve(size === 0 ? undefined : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.byteLength;
      if (size > limit) finish(new BodyTooLargeError());
      else chunks.push(buffer);
    };
    const onEnd = (): void => finish();
    const onError = (error: Error): void => finish(error);
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

/** Convert a Node request (whose body was read already) into a {@link TollgateRequest}. */
export function fromNodeRequest(request: IncomingMessage, body: Uint8Array | string | undefined, url = request.url ?? '/'): TollgateRequest {
  return { method: request.method ?? 'GET', url, headers: request.headers, body };
}

/** Write a {@link TollgateResponse} to a Node response. */
export function writeNodeResponse(response: ServerResponse, result: TollgateResponse, method?: string): void {
  response.statusCode = result.status;
  for (const [name, value] of Object.entries(result.headers)) response.setHeader(name, value);
  if (result.cookies?.length) response.setHeader('Set-Cookie', result.cookies);
  response.setHeader('Content-Length', Buffer.byteLength(result.body));
  response.end(method?.toUpperCase() === 'HEAD' ? undefined : result.body);
}

/** The response for a body that could not be read. */
export function bodyErrorResponse(error: unknown): TollgateResponse {
  if (error instanceof BodyTooLargeError) return errorResponse(bodyTooLarge());
  if (isOAuthError(error)) return errorResponse(error);
  return errorResponse(new OAuthError('invalid_request', 'the request body could not be read'));
}

/** Anything with a Tollgate `handle()` and `bodyLimit`. */
export interface HandlesRequests {
  handle(request: TollgateRequest): Promise<TollgateResponse>;
  readonly bodyLimit: number;
}

/**
 * A `node:http` request listener serving every endpoint of `server`:
 * `http.createServer(toNodeListener(server)).listen(3000)`.
 */
export function toNodeListener(server: HandlesRequests): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    nodeToTollgateRequest(request, server.bodyLimit)
      .then((tollgateRequest) => server.handle(tollgateRequest), bodyErrorResponse)
      .then((result) => writeNodeResponse(response, result, request.method))
      .catch(() => {
        if (!response.headersSent) writeNodeResponse(response, errorResponse(new OAuthError('server_error', 'the server encountered an unexpected condition')));
        else response.destroy();
      });
  };
}

function appendParsed(form: URLSearchParams, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) appendParsed(form, key, item);
  } else if (typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const [name, inner] of Object.entries(value as Record<string, unknown>)) appendParsed(form, `${key}[${name}]`, inner);
  } else {
    form.append(key, String(value));
  }
}

/**
 * Recover a raw body from one a framework's body parser already consumed (`express.urlencoded()`,
 * `express.text()`, `express.raw()`). Parsed objects are turned back into a form: arrays become repeated
 * parameters and nested objects bracketed names, so repeats are still refused and `a[b]` is still just a name.
 */
export function bodyFromParsed(parsed: unknown): string | Uint8Array | undefined {
  if (parsed === undefined || parsed === null) return undefined;
  if (typeof parsed === 'string' || parsed instanceof Uint8Array) return parsed;
  if (typeof parsed !== 'object') return String(parsed);
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) appendParsed(form, key, value);
  return form.toString();
}

/** Whether another middleware has already read this request's body stream. */
export function bodyAlreadyRead(request: IncomingMessage): boolean {
  return request.readableEnded || (request.complete && !request.readable);
}

/**
 * Read a Node request into a {@link TollgateRequest}: the raw stream when it is unread, otherwise what a
 * body parser left in `parsed`. Shared by the Express and Fastify adapters.
 */
export async function nodeToTollgateRequest(request: IncomingMessage, limit: number, parsed?: unknown, url?: string): Promise<TollgateRequest> {
  const method = (request.method ?? 'GET').toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? undefined : bodyAlreadyRead(request) ? bodyFromParsed(parsed) : await readNodeBody(request, limit);
  return fromNodeRequest(request, body, url);
}
