import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tollgate } from '@tollgate/fastify';
import { basic, FORM, makeServer, serve, SERVICE } from './helpers.js';

const server = makeServer({ bodyLimit: 2048 });
const auth = { authorization: basic(SERVICE.id, SERVICE.secret) };

describe('encapsulation: the plugin and the app do not see each other’s body parsers', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  const seen: string[] = [];
  beforeAll(async () => {
    // A small app-wide body limit, and the app's own form parser (what @fastify/formbody would add).
    const instance: FastifyInstance = Fastify({ bodyLimit: 64 });
    instance.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    instance.addHook('onRequest', async (request) => void seen.push(request.url));
    await instance.register(tollgate, { server });
    instance.post('/echo', async (request) => ({ body: request.body }));
    instance.get('/health', async () => ({ ok: true }));
    app = await serve(instance);
  });
  afterAll(() => app.close());

  const token = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(app.url('/oauth/token'), { method: 'POST', headers: { 'content-type': FORM, ...auth, ...headers }, body });

  it('keeps the app’s JSON parser and routes working', async () => {
    const response = await fetch(app.url('/echo'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' });
    expect(await response.json()).toEqual({ body: { a: [1, 2] } });
    expect(await (await fetch(app.url('/health'))).json()).toEqual({ ok: true });
  });

  it('keeps the app’s form parser for the app’s routes', async () => {
    const response = await fetch(app.url('/echo'), { method: 'POST', headers: { 'content-type': FORM }, body: 'a=1&b=2' });
    expect(await response.json()).toEqual({ body: { a: '1', b: '2' } });
  });

  it('does not leak its catch-all parser into the app', async () => {
    const response = await fetch(app.url('/echo'), { method: 'POST', headers: { 'content-type': 'application/x-unknown' }, body: 'raw' });
    expect(response.status).toBe(415);
  });

  it('hands the endpoints the raw form, not the app’s parse of it', async () => {
    // The app's parser would keep only the last `scope`; the core sees both and refuses.
    const repeated = await token('grant_type=client_credentials&scope=orders:read&scope=orders:write');
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/scope.*repeated/) });
    const issued = await token('grant_type=client_credentials&scope=orders:write');
    expect(issued.status).toBe(200);
    expect(await issued.json()).toMatchObject({ scope: 'orders:write' });
  });

  it('answers content types the app has no parser for with the core’s own error', async () => {
    const response = await token('{"grant_type":"client_credentials"}', { 'content-type': 'application/x-unknown' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('applies the server’s body limit to the endpoints, not the app’s', async () => {
    const padded = `grant_type=client_credentials&padding=${'a'.repeat(500)}`;
    expect((await token(padded)).status).toBe(200);
    const oversize = await token(`grant_type=client_credentials&padding=${'a'.repeat(server.bodyLimit)}`);
    expect(oversize.status).toBe(413);
    expect(oversize.headers.get('cache-control')).toBe('no-store');
    expect(await oversize.json()).toMatchObject({ error: 'invalid_request' });
    // The app's own routes keep the app's limit.
    expect((await fetch(app.url('/echo'), { method: 'POST', headers: { 'content-type': FORM }, body: padded })).status).toBe(413);
  });

  it('still runs the app’s own hooks on the endpoints (logging, rate limits)', async () => {
    seen.length = 0;
    await (await fetch(app.url('/.well-known/jwks.json'))).body?.cancel();
    expect(seen).toEqual(['/.well-known/jwks.json']);
  });

  it('answers every method on an endpoint path, so the core can say 405 with Allow', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await fetch(app.url('/oauth/token'), { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      await response.body?.cancel();
    }
    const head = await fetch(app.url('/.well-known/jwks.json'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('plugin registration', () => {
  it('refuses a second registration in the same scope', async () => {
    const app = Fastify();
    await app.register(tollgate, { server });
    await expect(app.register(tollgate, { server })).rejects.toThrow();
    await app.close();
  });

  it('is named and decorates the instance and requests', async () => {
    const app = Fastify();
    await app.register(tollgate, { server });
    expect(app.hasPlugin('@tollgate/fastify')).toBe(true);
    expect(app.hasDecorator('tollgate')).toBe(true);
    expect(app.hasRequestDecorator('auth')).toBe(true);
    expect(app.tollgate.server).toBe(server);
    await app.close();
  });
});
