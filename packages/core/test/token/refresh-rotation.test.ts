import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectError, expectTokens, makeServer, OTHER_SECRET, passwordGrant, refresh, token, verifyAccessToken, WEB_SECRET } from '../helpers.js';

describe('refresh_token grant with rotation (RFC 6749 §6, RFC 9700 §4.14.2)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns a new access token and a new refresh token on each use', async () => {
    const server = makeServer();
    const first = expectTokens(await passwordGrant(server, { scope: 'orders:read profile' }));
    const second = expectTokens(await refresh(server, first.refresh_token));
    expect(second.refresh_token).toBeTypeOf('string');
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.scope).toBe('orders:read profile');
    const third = expectTokens(await refresh(server, second.refresh_token));
    expect(new Set([first.refresh_token, second.refresh_token, third.refresh_token]).size).toBe(3);
  });

  it('keeps subject, client, user claims and auth_time across a refresh', async () => {
    const server = makeServer();
    const first = expectTokens(await passwordGrant(server, { scope: 'orders:read' }));
    const before = (await verifyAccessToken(server, first.access_token)).payload;
    const after = (await verifyAccessToken(server, expectTokens(await refresh(server, first.refresh_token)).access_token)).payload;
    expect(after).toMatchObject({ sub: 'user-alice', client_id: 'web', scope: 'orders:read', role: 'agent', siteId: 7, auth_time: before.auth_time });
    expect(after.jti).not.toBe(before.jti);
  });

  it('spends the old refresh token', async () => {
    const server = makeServer();
    const first = expectTokens(await passwordGrant(server));
    expectTokens(await refresh(server, first.refresh_token));
    expectError(await refresh(server, first.refresh_token), 400, 'invalid_grant');
  });

  it('may narrow the scope for one access token; the family keeps its scope', async () => {
    const server = makeServer();
    const first = expectTokens(await passwordGrant(server, { scope: 'orders:read orders:write' }));
    const narrowed = expectTokens(await refresh(server, first.refresh_token, { scope: 'orders:read' }));
    expect(narrowed.scope).toBe('orders:read');
    expect(decodeJwt(narrowed.access_token).scope).toBe('orders:read');
    // RFC 6749 §6: the next refresh without scope gets the originally granted scope back.
    const next = expectTokens(await refresh(server, narrowed.refresh_token));
    expect(next.scope).toBe('orders:read orders:write');
  });

  it('refuses to widen the scope with invalid_scope, and the token stays usable', async () => {
    const server = makeServer();
    const first = expectTokens(await passwordGrant(server, { scope: 'orders:read' }));
    expectError(await refresh(server, first.refresh_token, { scope: 'orders:read orders:write' }), 400, 'invalid_scope');
    expectError(await refresh(server, first.refresh_token, { scope: 'profile' }), 400, 'invalid_scope');
    const ok = expectTokens(await refresh(server, first.refresh_token));
    expect(ok.scope).toBe('orders:read');
  });

  it('answers invalid_grant for a refresh token of another client, which cannot use or burn it', async () => {
    const server = makeServer();
    const first = expectTokens(await passwordGrant(server));
    const stolen = await refresh(server, first.refresh_token, {}, ['other', OTHER_SECRET]);
    expectError(stolen, 400, 'invalid_grant');
    // The rightful client is unaffected.
    expectTokens(await refresh(server, first.refresh_token));
  });

  it('answers invalid_grant for garbage, an unknown token and a well-shaped forgery', async () => {
    const server = makeServer();
    const first = expectTokens(await passwordGrant(server));
    const [family = '', secret = ''] = String(first.refresh_token).split('.');
    for (const candidate of ['garbage', 'x'.repeat(500), `${family}.${secret.slice(0, -2)}AA`, `${'A'.repeat(22)}.${secret}`, `${family}.`, '.' + secret]) {
      expectError(await refresh(server, candidate), 400, 'invalid_grant');
    }
    expectTokens(await refresh(server, first.refresh_token));
  });

  it('answers invalid_request when refresh_token is missing or empty', async () => {
    const server = makeServer();
    expectError(await token(server, { grant_type: 'refresh_token' }, { basic: ['web', WEB_SECRET] }), 400, 'invalid_request', /refresh_token/);
    expectError(await token(server, { grant_type: 'refresh_token', refresh_token: '' }, { basic: ['web', WEB_SECRET] }), 400, 'invalid_request', /refresh_token/);
  });

  it('is unauthorized_client for a client that does not list refresh_token, and such a client gets none', async () => {
    const server = makeServer();
    const issued = expectTokens(await passwordGrant(server, {}, { basic: ['no-refresh', OTHER_SECRET] }));
    expect(issued).not.toHaveProperty('refresh_token');
    const web = expectTokens(await passwordGrant(server));
    expectError(await refresh(server, web.refresh_token, {}, ['no-refresh', OTHER_SECRET]), 400, 'unauthorized_client');
  });

  it('expires after the idle lifetime', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const server = makeServer({ refreshToken: { lifetime: 60 } });
    const first = expectTokens(await passwordGrant(server));
    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    expectError(await refresh(server, first.refresh_token), 400, 'invalid_grant');
  });

  it('keeps a client’s refreshTokenLifetime across rotations (not only for the first refresh token)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const server = makeServer({ clients: [{ id: 'short', secret: WEB_SECRET, grantTypes: ['password', 'refresh_token'], refreshTokenLifetime: 60 }] });
    const first = expectTokens(await passwordGrant(server, {}, { basic: ['short', WEB_SECRET] }));
    vi.setSystemTime(new Date('2030-01-01T00:00:30Z'));
    const second = expectTokens(await refresh(server, first.refresh_token, {}, ['short', WEB_SECRET]));
    // 61 s after the rotation: past the client's 60 s idle lifetime (the server default is 14 days).
    vi.setSystemTime(new Date('2030-01-01T00:01:31Z'));
    expectError(await refresh(server, second.refresh_token, {}, ['short', WEB_SECRET]), 400, 'invalid_grant');
  });

  it('expires the first refresh token after the client’s refreshTokenLifetime', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const server = makeServer({ clients: [{ id: 'short', secret: WEB_SECRET, grantTypes: ['password', 'refresh_token'], refreshTokenLifetime: 60 }] });
    const first = expectTokens(await passwordGrant(server, {}, { basic: ['short', WEB_SECRET] }));
    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    expectError(await refresh(server, first.refresh_token, {}, ['short', WEB_SECRET]), 400, 'invalid_grant');
  });

  describe('reuseGraceSeconds', () => {
    it('is off by default: presenting the just-rotated token again at once is reuse', async () => {
      const server = makeServer();
      const first = expectTokens(await passwordGrant(server));
      const second = expectTokens(await refresh(server, first.refresh_token));
      expectError(await refresh(server, first.refresh_token), 400, 'invalid_grant');
      expectError(await refresh(server, second.refresh_token), 400, 'invalid_grant');
    });

    it('lets a just-rotated token be presented again within the grace, without revoking the family', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
      const server = makeServer({ refreshToken: { reuseGraceSeconds: 10 } });
      const first = expectTokens(await passwordGrant(server));
      const second = expectTokens(await refresh(server, first.refresh_token));
      vi.setSystemTime(new Date('2030-01-01T00:00:05Z'));
      const retry = expectTokens(await refresh(server, first.refresh_token));
      expect(retry.refresh_token).not.toBe(second.refresh_token);
      expectTokens(await refresh(server, second.refresh_token));
      expectTokens(await refresh(server, retry.refresh_token));
    });

    it('treats a presentation after the grace as reuse and revokes the family', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
      const server = makeServer({ refreshToken: { reuseGraceSeconds: 10 } });
      const first = expectTokens(await passwordGrant(server));
      const second = expectTokens(await refresh(server, first.refresh_token));
      vi.setSystemTime(new Date('2030-01-01T00:00:11Z'));
      expectError(await refresh(server, first.refresh_token), 400, 'invalid_grant');
      expectError(await refresh(server, second.refresh_token), 400, 'invalid_grant');
    });
  });
});
