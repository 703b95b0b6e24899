import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toNodeListener, type AuthServer } from '@tollgate/core';
import { basic, makeServer, SERVICE_SECRET, verifyAccessToken } from '../helpers.js';

const servers: Server[] = [];

async function listen(auth: AuthServer): Promise<{ base: string; port: number }> {
  const http = createServer(toNodeListener(auth));
  servers.push(http);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, port };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve).closeAllConnections())));
});

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

describe('toNodeListener on node:http', () => {
  it('serves a token over real HTTP', async () => {
    const auth = makeServer();
    const { base } = await listen(auth);
    const response = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) },
      body: 'grant_type=client_credentials&scope=orders%3Aread',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const body = (await response.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe('orders:read');
    await expect(verifyAccessToken(auth, body.access_token)).resolves.toBeDefined();
  });

  it('answers errors as JSON over HTTP, with the Basic challenge', async () => {
    const { base } = await listen(makeServer());
    const response = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', 'wrong') },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('answers 405 with Allow for GET over HTTP', async () => {
    const { base } = await listen(makeServer());
    const response = await fetch(`${base}/oauth/token`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('answers 413 for a declared Content-Length over the limit', async () => {
    const { base } = await listen(makeServer({ bodyLimit: 1024 }));
    const response = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) },
      body: `grant_type=client_credentials&pad=${'a'.repeat(4096)}`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers 413 to a chunked oversize body before the client has finished sending it', async () => {
    const auth = makeServer();
    const handle = vi.spyOn(auth, 'handle');
    const { port } = await listen(auth);
    const chunk = Buffer.alloc(16 * 1024, 'a');
    // The request is never ended: a listener that buffered the body until its end could not answer at all,
    // and the loop would run to the cap.
    const cap = 64 * 1024 * 1024;
    let written = 0;
    let answered = false;

    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' } });
    const responsePromise = once(request, 'response') as Promise<[IncomingMessage]>;
    request.on('error', () => undefined);
    void responsePromise.then(() => {
      answered = true;
    });
    request.write('grant_type=client_credentials&pad=');
    while (!answered && written < cap) {
      if (!request.write(chunk)) await Promise.race([once(request, 'drain'), responsePromise]);
      else await new Promise((resolve) => setTimeout(resolve, 1));
      written += chunk.length;
    }
    const [response] = await responsePromise;
    const writtenAtAnswer = written;
    const text = await readBody(response);
    request.destroy();

    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_request' });
    // The answer came while the body was still streaming (it never ended): the server did not wait for all of it.
    expect(writtenAtAnswer).toBeLessThan(cap);
    // And the core never saw a request for it.
    expect(handle).not.toHaveBeenCalled();
  });

  it('serves the metadata and JWKS over HTTP', async () => {
    const { base } = await listen(makeServer());
    const metadata = await fetch(`${base}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
    expect(((await metadata.json()) as { issuer: string }).issuer).toBe('https://auth.example.com');
    const jwks = await fetch(`${base}/.well-known/jwks.json`);
    expect(((await jwks.json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });
});
