import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtector, createVerifier, type Verifier } from '@tollgate/core';
import { protect, tollgate } from '@tollgate/fastify';
import { FORM, ISSUER, logCapture, makeServer, serve, serviceToken } from './helpers.js';

const server = makeServer();

function brokenVerifier(verify: Verifier['verify']): Verifier {
  return { issuer: ISSUER, audience: [ISSUER], algorithms: ['EdDSA'], verify, clearCache: () => undefined, close: () => undefined };
}

describe('app.tollgate.protect() as an onRequest hook', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  let token: string;
  const handled: string[] = [];
  beforeAll(async () => {
    token = await serviceToken(server, 'orders:read');
    const instance = Fastify();
    await instance.register(tollgate, { server });
    instance.get('/orders', { onRequest: instance.tollgate.protect({ scopes: ['orders:read'] }) }, async (request) => {
      handled.push('/orders');
      return { sub: request.auth?.sub, scope: request.auth?.scope };
    });
    instance.post('/orders', { onRequest: instance.tollgate.protect({ scopes: ['orders:write'] }) }, async (request, reply) => {
      handled.push('POST /orders');
      return reply.code(201).send({ created: request.body });
    });
    instance.get('/any', { onRequest: instance.tollgate.protect() }, async (request) => ({ client: request.auth?.client_id }));
    instance.get('/query', { onRequest: instance.tollgate.protect(undefined, { bearer: { query: true } }) }, async (request) => ({ sub: request.auth?.sub }));
    instance.get('/open', async (request) => ({ auth: request.auth }));
    app = await serve(instance);
  });
  afterAll(() => app.close());

  it('refuses a request without a token (401, RFC 6750 challenge) before the handler runs', async () => {
    handled.length = 0;
    const response = await fetch(app.url('/orders'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${ISSUER}"`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    // An empty body carries no Content-Type of Fastify's invention.
    expect(response.headers.get('content-type')).toBeNull();
    expect(await response.text()).toBe('');
    expect(handled).toEqual([]);
  });

  it('refuses a bad token with 401 invalid_token', async () => {
    const response = await fetch(app.url('/orders'), { headers: { authorization: 'Bearer nope' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('refuses a token without the scope with 403 insufficient_scope, before the body is parsed', async () => {
    handled.length = 0;
    const response = await fetch(app.url('/orders'), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"item":"coffee"}' });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="orders:write"/);
    expect(handled).toEqual([]);
  });

  it('lets a valid token through with request.auth set', async () => {
    const response = await fetch(app.url('/orders'), { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'service', scope: 'orders:read' });
    const any = await fetch(app.url('/any'), { headers: { authorization: `Bearer ${token}` } });
    expect(await any.json()).toEqual({ client: 'service' });
  });

  it('leaves the body to the app’s parser on a protected POST', async () => {
    const writer = await serviceToken(server, 'orders:write');
    const response = await fetch(app.url('/orders'), { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body: '{"item":"coffee"}' });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ created: { item: 'coffee' } });
  });

  it('answers a query-string token with Cache-Control: private (RFC 6750 §2.3)', async () => {
    const response = await fetch(app.url(`/query?access_token=${token}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private');
  });

  it('leaves request.auth null on routes it does not guard', async () => {
    const response = await fetch(app.url('/open'), { headers: { authorization: `Bearer ${token}` } });
    expect(await response.json()).toEqual({ auth: null });
  });

  it('refuses a bad rule when the route is defined (TypeError)', async () => {
    const instance = Fastify();
    await instance.register(tollgate, { server });
    expect(() => instance.tollgate.protect({ scopes: ['two words'] })).toThrow(TypeError);
    expect(() => protect(server, { anyScopes: 'x' as unknown as string[] })).toThrow(TypeError);
    await instance.close();
  });
});

describe('fails closed and logs through Fastify’s logger', () => {
  const cases: [string, Verifier][] = [
    ['the verifier throws a plain Error', brokenVerifier(() => Promise.reject(new Error('database exploded')))],
    ['the verifier resolves without claims', brokenVerifier(() => Promise.resolve(null as never))],
  ];
  it.each(cases)('when %s: 500, the handler never runs, the error is logged with the request id', async (_name, verifier) => {
    const capture = logCapture();
    const instance = Fastify({ logger: { level: 'error', stream: capture.stream } });
    let reached = false;
    instance.get('/secret', { onRequest: protect(verifier) }, async () => {
      reached = true;
      return 'secret';
    });
    const app = await serve(instance);
    try {
      const response = await fetch(app.url('/secret'), { headers: { authorization: 'Bearer some.token.value' } });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toContain('database exploded');
      expect(JSON.parse(text)).toMatchObject({ error: 'server_error' });
      expect(reached).toBe(false);
      const logged = capture.lines.find((line) => typeof line.msg === 'string' && line.msg.startsWith('protect:'));
      expect(logged).toMatchObject({ level: 50, reqId: expect.any(String) });
    } finally {
      await app.close();
    }
  });

  it('logs a throwing claims rule of the decorator’s protect through the request logger', async () => {
    const capture = logCapture();
    const instance = Fastify({ logger: { level: 'error', stream: capture.stream } });
    await instance.register(tollgate, { server });
    instance.get('/secret', { onRequest: instance.tollgate.protect({ claims: () => { throw new Error('rule bug'); } }) }, async () => 'secret');
    const app = await serve(instance);
    try {
      const response = await fetch(app.url('/secret'), { headers: { authorization: `Bearer ${await serviceToken(server)}` } });
      expect(response.status).toBe(500);
      expect(await response.text()).not.toContain('secret');
      expect(capture.lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'protect: unexpected error', reqId: expect.any(String), error: expect.stringContaining('rule bug') }));
    } finally {
      await app.close();
    }
  });

  it('keeps an explicit logger option', async () => {
    const errors: string[] = [];
    const instance = Fastify();
    instance.get('/secret', { onRequest: protect(brokenVerifier(() => Promise.reject(new Error('x'))), undefined, { logger: { error: (message) => void errors.push(message), warn: () => undefined } }) }, async () => 'secret');
    const app = await serve(instance);
    try {
      expect((await fetch(app.url('/secret'), { headers: { authorization: 'Bearer a.b.c' } })).status).toBe(500);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});

describe('standalone protect() in an app without the plugin', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  let token: string;
  beforeAll(async () => {
    token = await serviceToken(server);
    const instance = Fastify();
    const verifier = createVerifier({ issuer: ISSUER, audience: ISSUER, keys: server.keys.jwks() });
    instance.get('/jwks', { onRequest: protect({ issuer: ISSUER, audience: ISSUER, keys: server.keys.jwks() }, { scopes: ['orders:read'] }) }, async (request) => ({ sub: request.auth?.sub }));
    instance.get('/verifier', { onRequest: protect(verifier, { scopes: ['orders:read'] }) }, async (request) => ({ sub: request.auth?.sub }));
    instance.get('/protector', { onRequest: protect(createProtector({ server }), { scopes: ['orders:read'] }) }, async (request) => ({ sub: request.auth?.sub }));
    instance.get('/server', { onRequest: protect(server, { scopes: ['orders:write'] }) }, async (request) => ({ sub: request.auth?.sub }));
    // As preHandler, after the app's form parser, the RFC 6750 §2.2 form-body method can be used.
    instance.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    instance.post('/form', { preHandler: protect(server, undefined, { bearer: { body: true } }) }, async (request) => ({ sub: request.auth?.sub }));
    app = await serve(instance);
  });
  afterAll(() => app.close());

  it('verifies with verifier options, a verifier, a protector and a server', async () => {
    for (const path of ['/jwks', '/verifier', '/protector']) {
      const response = await fetch(app.url(path), { headers: { authorization: `Bearer ${token}` } });
      expect(response.status, path).toBe(200);
      expect(await response.json()).toEqual({ sub: 'service' });
    }
    expect((await fetch(app.url('/server'), { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
  });

  it('reads a form-body token as a preHandler', async () => {
    const response = await fetch(app.url('/form'), { method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams({ access_token: token }) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'service' });
  });
});
