import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProtector, type Verifier } from '@tollgate/core';
import { protect } from '@tollgate/express';
import { FORM, ISSUER, makeServer, recordingLogger, serve, serviceToken } from './helpers.js';

const server = makeServer();

/** A verifier that misbehaves the way `behave` says. */
function brokenVerifier(behave: () => Promise<never> | Promise<null>): Verifier {
  return { issuer: ISSUER, audience: [ISSUER], algorithms: ['EdDSA'], verify: behave as Verifier['verify'], clearCache: () => undefined, close: () => undefined };
}

describe('protect() fails closed', () => {
  const cases: [string, Verifier][] = [
    ['the verifier throws a plain Error', brokenVerifier(() => Promise.reject(new Error('database exploded')))],
    ['the verifier rejects with a non-Error', brokenVerifier(() => Promise.reject('a string'))],
    ['the verifier resolves without claims', brokenVerifier(() => Promise.resolve(null))],
  ];
  it.each(cases)('when %s: 500, the route never runs, the cause is only logged', async (_name, verifier) => {
    const logger = recordingLogger();
    let reached = false;
    const app = express();
    app.get('/secret', protect(verifier, undefined, { logger }), (_req, res) => {
      reached = true;
      res.send('secret');
    });
    const running = await serve(app);
    try {
      const response = await fetch(running.url('/secret'), { headers: { authorization: 'Bearer some.token.value' } });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toContain('secret');
      expect(text).not.toContain('database exploded');
      expect(JSON.parse(text)).toMatchObject({ error: 'server_error' });
      expect(reached).toBe(false);
      expect(logger.errors.length).toBeGreaterThan(0);
    } finally {
      await running.close();
    }
  });

  it('when a claims rule throws: 500, never a pass', async () => {
    const app = express();
    app.get('/secret', protect(server, { claims: () => { throw new Error('rule bug'); } }, { logger: recordingLogger() }), (_req, res) => void res.send('secret'));
    const running = await serve(app);
    try {
      const response = await fetch(running.url('/secret'), { headers: { authorization: `Bearer ${await serviceToken(server)}` } });
      expect(response.status).toBe(500);
      expect(await response.text()).not.toContain('secret');
    } finally {
      await running.close();
    }
  });

  it('refuses a bad rule when the route is defined (TypeError)', () => {
    expect(() => protect(server, { scopes: 'orders:read' as unknown as string[] })).toThrow(TypeError);
    expect(() => protect(server, { scopes: ['has space'] })).toThrow(TypeError);
  });
});

describe('protect() in an app', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  let token: string;
  beforeAll(async () => {
    token = await serviceToken(server, 'orders:read orders:write');
    const instance = express();
    // protect() does not read the body: the JSON parser after it still gets the stream.
    instance.post('/orders', protect(server, { scopes: ['orders:write'] }), express.json(), (req, res) => void res.status(201).json({ created: req.body as unknown, by: req.auth?.client_id }));
    instance.get('/query', protect(server, undefined, { bearer: { query: true } }), (req, res) => void res.json({ sub: req.auth?.sub }));
    instance.post('/form', protect(server, undefined, { bearer: { body: true } }), (req, res) => void res.json({ sub: req.auth?.sub }));
    instance.get('/jwks-only', protect({ issuer: ISSUER, audience: ISSUER, keys: server.keys.jwks() }, { anyScopes: ['orders:read', 'admin'] }), (req, res) => void res.json({ sub: req.auth?.sub }));
    instance.get('/protector', protect(createProtector({ server }), { scopes: ['orders:read'] }), (req, res) => void res.json({ sub: req.auth?.sub }));
    instance.get('/open', (req, res) => void res.json({ auth: req.auth ?? null }));
    app = await serve(instance);
  });
  afterAll(() => app.close());

  it('leaves the request body to a later express.json() on a POST route', async () => {
    const response = await fetch(app.url('/orders'), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"item":"coffee"}' });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ created: { item: 'coffee' }, by: 'service' });
  });

  it('refuses before the body parser runs', async () => {
    const response = await fetch(app.url('/orders'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"coffee"}' });
    expect(response.status).toBe(401);
  });

  it('answers a query-string token with Cache-Control: private (RFC 6750 §2.3)', async () => {
    const response = await fetch(app.url(`/query?access_token=${token}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private');
    expect(await response.json()).toEqual({ sub: 'service' });
  });

  it('reads a form-body token when bearer.body is on (RFC 6750 §2.2)', async () => {
    const response = await fetch(app.url('/form'), { method: 'POST', headers: { 'content-type': FORM }, body: new URLSearchParams({ access_token: token }) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'service' });
  });

  it('verifies with verifier options (a JWKS) and with a ready protector', async () => {
    for (const path of ['/jwks-only', '/protector']) {
      const response = await fetch(app.url(path), { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ sub: 'service' });
    }
  });

  it('leaves req.auth unset on routes it does not guard', async () => {
    const response = await fetch(app.url('/open'), { headers: { authorization: `Bearer ${token}` } });
    expect(await response.json()).toEqual({ auth: null });
  });
});
