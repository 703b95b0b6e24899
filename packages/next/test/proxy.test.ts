import { createProtector } from '@tollgate/core';
import { NextRequest } from 'next/server.js';
import { describe, expect, it } from 'vitest';
import { createProxy } from '../src/index.js';
import { ISSUER, issueToken, quietLogger, testServer } from './helpers.js';

const server = testServer();
const APP = 'https://app.example';
const passedOn = (response: Response): boolean => response.headers.get('x-middleware-next') === '1';
const get = (path: string, token?: string, method = 'GET'): NextRequest => new NextRequest(`${APP}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('createProxy()', () => {
  const proxy = createProxy({
    source: server,
    routes: [
      { matcher: '/admin/:path*', rule: { scopes: ['orders:write'] } },
      { matcher: /^\/reports(\/|$)/, rule: { anyScopes: ['orders:read', 'orders:write'] } },
      { matcher: (path) => path.startsWith('/private/'), rule: {} },
    ],
  });

  it('passes unprotected paths on with NextResponse.next() without looking at tokens', async () => {
    for (const path of ['/', '/api/orders', '/adminx', '/public/admin', '/_next/static/chunk.js']) {
      const response = await proxy(get(path, 'not-a-token'));
      expect(passedOn(response), path).toBe(true);
    }
  });

  it('answers 401 with a Bearer challenge on a protected path without a token', async () => {
    const response = await proxy(get('/admin'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${ISSUER}"`);
    expect(passedOn(response)).toBe(false);
  });

  it('answers 403 insufficient_scope for a token without the route scope', async () => {
    const response = await proxy(get('/admin/users', await issueToken(server, 'orders:read')));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('scope="orders:write"');
  });

  it('passes a request with a token that satisfies the rule', async () => {
    expect(passedOn(await proxy(get('/admin', await issueToken(server, 'orders:write'))))).toBe(true);
    expect(passedOn(await proxy(get('/reports/2024', await issueToken(server, 'orders:read'))))).toBe(true);
    expect(passedOn(await proxy(get('/private/x', await issueToken(server, 'orders:read'))))).toBe(true);
  });

  it('answers 401 invalid_token for garbage tokens on RegExp and predicate routes', async () => {
    for (const path of ['/reports', '/private/x']) {
      const response = await proxy(get(path, 'abc.def.ghi'));
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('requires the rule of every route a path matches', async () => {
    const nested = createProxy({
      source: server,
      routes: [
        { matcher: '/admin/:path*', rule: { scopes: ['orders:read'] } },
        { matcher: '/admin/billing/:path*', rule: { scopes: ['orders:write'] } },
      ],
    });
    expect(passedOn(await nested(get('/admin/users', await issueToken(server, 'orders:read'))))).toBe(true);
    expect((await nested(get('/admin/billing', await issueToken(server, 'orders:read')))).status).toBe(403);
    expect((await nested(get('/admin/billing', await issueToken(server, 'orders:write')))).status).toBe(403);
    expect(passedOn(await nested(get('/admin/billing', await issueToken(server, 'orders:read orders:write'))))).toBe(true);
  });

  it('protects every method, HEAD refusals without a body', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) expect((await proxy(get('/admin', undefined, method))).status, method).toBe(401);
    const head = await proxy(get('/admin', undefined, 'HEAD'));
    expect(head.status).toBe(401);
    expect(await head.text()).toBe('');
  });

  it('fails closed with 500 when a predicate matcher throws', async () => {
    const logger = quietLogger();
    const broken = createProxy({
      source: server,
      logger,
      routes: [
        {
          matcher: () => {
            throw new Error('matcher bug');
          },
        },
      ],
    });
    const response = await broken(get('/anything', await issueToken(server, 'orders:write')));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'server_error' });
    expect(logger.errors).toEqual(['createProxy: unexpected error']);
  });

  it('accepts a protector or verifier options as the source', async () => {
    const token = await issueToken(server, 'orders:write');
    for (const source of [createProtector({ server }), { server, audience: ISSUER }]) {
      const guarded = createProxy({ source, routes: [{ matcher: '/admin/:path*' }] });
      expect((await guarded(get('/admin'))).status).toBe(401);
      expect(passedOn(await guarded(get('/admin', token)))).toBe(true);
    }
  });

  it('throws TypeErrors naming the bad option when created', () => {
    expect(() => createProxy(undefined as never)).toThrow(/options\.routes/);
    expect(() => createProxy({ source: server, routes: 'x' as never })).toThrow(/options\.routes/);
    expect(() => createProxy({ source: server, routes: [null as never] })).toThrow(/routes\[0\]/);
    expect(() => createProxy({ source: server, routes: [{ matcher: 'admin' }] })).toThrow(/routes\[0\]\.matcher/);
    expect(() => createProxy({ source: server, routes: [{ matcher: '/a' }, { matcher: '/b', rule: { scopes: [] } }] })).toThrow(TypeError);
  });
});
