import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { listenOnLoopback, runConformance } from '@tollgate/test-kit/conformance';
import type { AuthServer } from '@tollgate/core';
import { NextRequest } from 'next/server.js';
import { handlers, withAuth, type RouteContext } from '../src/index.js';

// Next.js itself is not running here: a small node:http bridge plays its part, turning each request into a
// NextRequest for the exported route handlers (a catch-all for the server's routes, `withAuth` for /protected)
// and writing the Response back, `Set-Cookie` headers one by one as Next.js does.
function toNextRequest(req: IncomingMessage): NextRequest {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, item);
  }
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? null : (Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>);
  // `duplex` is required by Node's fetch for a streamed body but missing from the DOM RequestInit type.
  const init = { method, headers, body, duplex: 'half' } as RequestInit;
  return new NextRequest(new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, init));
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => name !== 'set-cookie' && res.setHeader(name, value));
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (response.body) for await (const chunk of response.body as unknown as NodeReadableStream<Uint8Array>) res.write(chunk);
  res.end();
}

function nextApp(server: AuthServer) {
  const routes = handlers(server);
  const GET = withAuth(server, { scopes: ['orders:read'] }, (_request, { auth }) => Response.json({ sub: auth.sub, client_id: auth.client_id }));
  const context: RouteContext = { params: Promise.resolve({}) };
  return (req: IncomingMessage, res: ServerResponse): void => {
    const request = toNextRequest(req);
    const method = request.method as keyof typeof routes;
    const answer = request.nextUrl.pathname === '/protected' ? (method === 'GET' ? GET(request, context) : Promise.resolve(new Response(null, { status: 405 }))) : (routes[method] ?? routes.GET)(request);
    answer.then((response) => send(res, response)).catch(() => res.destroy());
  };
}

runConformance('next (route handlers)', async (server) => listenOnLoopback(nextApp(server)));
