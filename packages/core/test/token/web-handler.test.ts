import { describe, expect, it } from 'vitest';
import { toWebHandler } from '@tollgate/core';
import { basic, makeServer, SERVICE_SECRET, verifyAccessToken } from '../helpers.js';

const URL_TOKEN = 'https://auth.example.com/oauth/token';

describe('toWebHandler with Fetch Request/Response', () => {
  it('issues a token', async () => {
    const server = makeServer();
    const handler = toWebHandler(server);
    const response = await handler(
      new Request(URL_TOKEN, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) },
        body: 'grant_type=client_credentials',
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    await expect(verifyAccessToken(server, body.access_token)).resolves.toBeDefined();
  });

  it('accepts a URLSearchParams body (the content type Fetch sets)', async () => {
    const handler = toWebHandler(makeServer());
    const response = await handler(new Request(URL_TOKEN, { method: 'POST', headers: { authorization: basic('service', SERVICE_SECRET) }, body: new URLSearchParams({ grant_type: 'client_credentials' }) }));
    expect(response.status).toBe(200);
  });

  it('answers errors as JSON with no-store', async () => {
    const handler = toWebHandler(makeServer());
    const response = await handler(new Request(URL_TOKEN, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', 'wrong') }, body: 'grant_type=client_credentials' }));
    expect(response.status).toBe(401);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('answers 405 for GET', async () => {
    const response = await toWebHandler(makeServer())(new Request(URL_TOKEN));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('answers 413 for a streamed oversize body without reading all of it', async () => {
    const server = makeServer({ bodyLimit: 1024 });
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 10_000) controller.close();
        else controller.enqueue(new TextEncoder().encode(pulled === 1 ? 'grant_type=client_credentials&pad=' : 'a'.repeat(512)));
      },
    });
    const request = new Request(URL_TOKEN, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: stream, duplex: 'half' } as RequestInit);
    const response = await toWebHandler(server)(request);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect(pulled).toBeLessThan(100);
  });
});
