import { OAuthError } from '../errors.js';
import { bodyTooLarge } from './form.js';
import { errorResponse } from './response.js';
import type { TollgateRequest, TollgateResponse } from './types.js';
import type { HandlesRequests } from './node.js';

/** Read a Fetch `Request` body up to `limit` bytes without buffering more. */
export async function readWebBody(request: Request, limit: number): Promise<Uint8Array | undefined> {
  if (!request.body) return undefined;
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw bodyTooLarge();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw bodyTooLarge();
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Convert a Fetch `Request` into a {@link TollgateRequest}, reading the body with a limit. */
export async function fromWebRequest(request: Request, limit: number): Promise<TollgateRequest> {
  const method = request.method.toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readWebBody(request, limit);
  return { method: request.method, url: request.url, headers: request.headers, body };
}

/** Convert a {@link TollgateResponse} into a Fetch `Response`. */
export function toWebResponse(result: TollgateResponse, method = 'GET'): Response {
  const headers = new Headers(result.headers);
  for (const cookie of result.cookies ?? []) headers.append('Set-Cookie', cookie);
  return new Response(method.toUpperCase() === 'HEAD' || result.status === 204 || result.status === 304 ? null : result.body, { status: result.status, headers });
}

/**
 * A Fetch-API handler, `(Request) => Promise<Response>`, for Next.js route handlers, Bun, Deno, workers.
 */
export function toWebHandler(server: HandlesRequests): (request: Request) => Promise<Response> {
  return async (request) => {
    let tollgateRequest: TollgateRequest;
    try {
      tollgateRequest = await fromWebRequest(request, server.bodyLimit);
    } catch (error) {
      return toWebResponse(errorResponse(error instanceof OAuthError ? error : new OAuthError('invalid_request', 'the request body could not be read')));
    }
    return toWebResponse(await server.handle(tollgateRequest), request.method);
  };
}
