import { createProtector, type Verifier } from '@tollgate/core';
import { NextRequest } from 'next/server.js';
import { describe, expect, it, vi } from 'vitest';
import { withAuth, type AuthContext, type RouteContext } from '../src/index.js';
import { ISSUER, issueToken, quietLogger, testServer } from './helpers.js';

const server = testServer();
const url = `${ISSUER}/api/orders`;
const context: RouteContext = { params: Promise.resolve({}) };
const bearer = (token: string): NextRequest => new NextRequest(url, { headers: { authorization: `Bearer ${token}` } });

function spyHandler() {
  return vi.fn((_request: Request, { auth, scopes }: RouteContext & AuthContext) => Response.json({ sub: auth.sub, client: auth.client_id, scopes }));
}

describe('withAuth()', () => {
  it('calls the handler with the verified claims and scopes', async () => {
    const handler = spyHandler();
    const GET = withAuth(server, { scopes: ['orders:read'] }, handler);
    const response = await GET(bearer(await issueToken(server, 'orders:read orders:write')), context);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'svc', client: 'svc', scopes: ['orders:read', 'orders:write'] });
    expect(handler).toHaveBeenCalledOnce();
  });

  it('keeps the route params Next.js passes', async () => {
    const GET = withAuth<{ params: Promise<{ id: string }> }>(server, undefined, async (_request, { params, auth }) => Response.json({ id: (await params).id, sub: auth.sub }));
    const response = await GET(bearer(await issueToken(server, 'orders:read')), { params: Promise.resolve({ id: '42' }) });
    expect(await response.json()).toEqual({ id: '42', sub: 'svc' });
  });

  it('answers 401 with a Bearer challenge and never calls the handler without a token', async () => {
    const handler = spyHandler();
    const response = await withAuth(server, { scopes: ['orders:read'] }, handler)(new NextRequest(url), context);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${ISSUER}"`);
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 401 invalid_token for a tampered token', async () => {
    const handler = spyHandler();
    const token = await issueToken(server, 'orders:read');
    const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const response = await withAuth(server, {}, handler)(bearer(tampered), context);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 403 insufficient_scope, naming the needed scope', async () => {
    const handler = spyHandler();
    const response = await withAuth(server, { scopes: ['orders:write'] }, handler)(bearer(await issueToken(server, 'orders:read')), context);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(response.headers.get('www-authenticate')).toContain('scope="orders:write"');
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 400 invalid_request for a malformed Authorization header', async () => {
    const handler = spyHandler();
    const response = await withAuth(server, {}, handler)(new NextRequest(url, { headers: { authorization: 'Bearer a b' } }), context);
    expect(response.status).toBe(400);
    expect(handler).not.toHaveBeenCalled();
  });

  it('fails closed when the verifier throws: 500, handler not called', async () => {
    const logger = quietLogger();
    const broken: Verifier = { ...createProtector({ server }).verifier, verify: () => Promise.reject(new Error('boom')) };
    const handler = spyHandler();
    const response = await withAuth(broken, {}, handler, { logger })(bearer('abc.def.ghi'), context);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('boom');
    expect(handler).not.toHaveBeenCalled();
  });

  it('fails closed when a claims rule throws: 500, handler not called', async () => {
    const logger = quietLogger();
    const handler = spyHandler();
    const rule = {
      claims: () => {
        throw new Error('rule bug');
      },
    };
    const response = await withAuth(server, rule, handler, { logger })(bearer(await issueToken(server, 'orders:read')), context);
    expect(response.status).toBe(500);
    expect(handler).not.toHaveBeenCalled();
    expect(logger.errors.length).toBeGreaterThan(0);
  });

  it('passes only on a literal true from a claims predicate', async () => {
    const handler = spyHandler();
    const rule = { claims: () => 'yes' as unknown as boolean };
    const response = await withAuth(server, rule, handler)(bearer(await issueToken(server, 'orders:read')), context);
    expect(response.status).toBe(403);
    expect(handler).not.toHaveBeenCalled();
  });

  it('throws a TypeError for a bad rule when the route is defined', () => {
    expect(() => withAuth(server, { scopes: [] }, spyHandler())).toThrow(TypeError);
  });

  it('accepts a protector, a verifier or verifier options as the source', async () => {
    const token = await issueToken(server, 'orders:read');
    const protector = createProtector({ server });
    for (const source of [protector, protector.verifier, { server, audience: ISSUER }]) {
      const response = await withAuth(source, { scopes: ['orders:read'] }, spyHandler())(bearer(token), context);
      expect(response.status).toBe(200);
    }
  });

  it('reads a form-body token (RFC 6750 §2.2) only when enabled, leaving the body to the handler', async () => {
    const token = await issueToken(server, 'orders:read');
    const post = () => new NextRequest(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${token}&note=hi` });
    const handler = vi.fn(async (request: Request) => Response.json({ body: await request.text() }));
    expect((await withAuth(server, {}, handler)(post(), context)).status).toBe(401);
    const response = await withAuth(server, {}, handler, { bearer: { body: true } })(post(), context);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ body: `access_token=${token}&note=hi` });
  });

  it('marks responses to query-token requests Cache-Control: private (RFC 6750 §2.3)', async () => {
    const token = await issueToken(server, 'orders:read');
    const GET = withAuth(server, {}, () => Response.json({ ok: true }, { headers: { 'cache-control': 'public, max-age=60', 'x-app': '1' } }), { bearer: { query: true } });
    const response = await GET(new NextRequest(`${url}?access_token=${token}`), context);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private');
    expect(response.headers.get('x-app')).toBe('1');
    const header = await GET(bearer(token), context);
    expect(header.headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('answers HEAD refusals without a body', async () => {
    const response = await withAuth(server, {}, spyHandler())(new NextRequest(url, { method: 'HEAD' }), context);
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('');
  });
});
