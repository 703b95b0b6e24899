import { NextRequest } from 'next/server.js';
import { describe, expect, it } from 'vitest';
import { createProxy } from '../src/index.js';
import { issueToken, testServer } from './helpers.js';

// Security regressions: a protected path group must not be reachable by spelling its path differently or by
// sending headers that once made Next.js skip middleware (CVE-2025-29927).
const server = testServer();
const proxy = createProxy({ source: server, routes: [{ matcher: '/admin/:path*', rule: { scopes: ['orders:write'] } }] });
const request = (path: string, headers: Record<string, string> = {}): NextRequest => new NextRequest(`https://app.example${path}`, { headers });

describe('proxy path spellings are protected like /admin', () => {
  it.each([
    '/Admin',
    '/ADMIN',
    '/%61dmin',
    '/%2561dmin',
    '//admin',
    '/admin/',
    '/./admin',
    '/x/../admin',
    '/admin;x',
    '/ADMIN/%2e%2e/admin',
    '/admin%2fusers',
    '/x%2f..%2fadmin',
    '/%2e/admin',
    '/admin/%0a',
  ])('%s: 401 without a token, 403 with orders:read', async (path) => {
    expect((await proxy(request(path))).status).toBe(401);
    const reader = await proxy(request(path, { authorization: `Bearer ${await issueToken(server, 'orders:read')}` }));
    expect(reader.status).toBe(403);
  });

  it.each(['/admin/%', '/%zz/admin', '/adm%in', '/%C0%AFadmin'])('%s: malformed encoding is refused with 400, even with a valid token', async (path) => {
    const response = await proxy(request(path, { authorization: `Bearer ${await issueToken(server, 'orders:write')}` }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request' });
  });
});

describe('proxy ignores headers that skipped middleware in old Next.js (CVE-2025-29927)', () => {
  it.each([
    ['x-middleware-subrequest', 'middleware:middleware:middleware:middleware:middleware'],
    ['x-middleware-subrequest', 'proxy:proxy:proxy:proxy:proxy'],
    ['x-middleware-subrequest', 'src/middleware:src/middleware:src/middleware:src/middleware:src/middleware'],
    ['x-middleware-subrequest', 'src/proxy:src/proxy:src/proxy:src/proxy:src/proxy'],
    ['x-middleware-next', '1'],
    ['x-middleware-prefetch', '1'],
    ['x-invoke-path', '/'],
    ['x-matched-path', '/'],
    ['x-nextjs-data', '1'],
    ['x-forwarded-uri', '/'],
    ['x-original-url', '/'],
    ['x-rewrite-url', '/'],
  ])('%s: %s still gets 401', async (name, value) => {
    const response = await proxy(request('/admin', { [name]: value }));
    expect(response.status).toBe(401);
    expect(response.headers.get('x-middleware-next')).toBeNull();
  });
});
