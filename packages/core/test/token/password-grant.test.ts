import { describe, expect, it, vi } from 'vitest';
import { createAuthServer, type PasswordCredentials } from '@tollgate/core';
import { authenticateUser, CLIENTS, expectError, expectTokens, ISSUER, makeServer, passwordGrant, silentLogger, token, USERS, verifyAccessToken, WEB_SECRET } from '../helpers.js';

const ALICE = USERS.alice?.password ?? '';

describe('password grant (RFC 6749 §4.3)', () => {
  it('is off when the server has no password options: unsupported_grant_type', async () => {
    const server = createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: CLIENTS.filter((client) => client.id === 'service') });
    expectError(await token(server, { grant_type: 'password', username: 'alice', password: ALICE }, { basic: ['service', 'x'] }), 400, 'unsupported_grant_type');
    expect(server.metadata().grant_types_supported).not.toContain('password');
  });

  it('is unauthorized_client for a client that does not list it, even when the server has it on', async () => {
    const server = makeServer();
    const hook = vi.fn(authenticateUser);
    const withHook = makeServer({ password: { authenticateUser: hook } });
    expectError(await token(server, { grant_type: 'password', username: 'alice', password: ALICE, client_id: 'spa' }), 400, 'unauthorized_client');
    expectError(await token(withHook, { grant_type: 'password', username: 'alice', password: ALICE, client_id: 'spa' }), 400, 'unauthorized_client');
    expect(hook).not.toHaveBeenCalled();
  });

  it('issues an access token and a refresh token for the right credentials', async () => {
    const server = makeServer();
    const body = expectTokens(await passwordGrant(server, { scope: 'orders:read profile' }));
    expect(body.refresh_token).toBeTypeOf('string');
    expect(body.scope).toBe('orders:read profile');
    const { payload } = await verifyAccessToken(server, body.access_token);
    expect(payload).toMatchObject({ sub: 'user-alice', client_id: 'web', scope: 'orders:read profile', role: 'agent', siteId: 7 });
    expect(payload.auth_time).toBeTypeOf('number');
  });

  it('answers invalid_grant for a wrong password or an unknown user, with the same body', async () => {
    const server = makeServer();
    const wrong = await passwordGrant(server, { password: 'wrong' });
    const unknown = await passwordGrant(server, { username: 'mallory', password: 'whatever' });
    expectError(wrong, 400, 'invalid_grant');
    expectError(unknown, 400, 'invalid_grant');
    expect(unknown.body).toBe(wrong.body);
  });

  it('answers invalid_request when username or password is missing, without calling the hook', async () => {
    const hook = vi.fn(authenticateUser);
    const server = makeServer({ password: { authenticateUser: hook } });
    expectError(await token(server, { grant_type: 'password', password: ALICE }, { basic: ['web', WEB_SECRET] }), 400, 'invalid_request', /username/);
    expectError(await token(server, { grant_type: 'password', username: 'alice' }, { basic: ['web', WEB_SECRET] }), 400, 'invalid_request', /password/);
    expectError(await token(server, { grant_type: 'password', username: 'alice', password: '' }, { basic: ['web', WEB_SECRET] }), 400, 'invalid_request', /password/);
    expect(hook).not.toHaveBeenCalled();
  });

  it('never accepts the password in the query string', async () => {
    const hook = vi.fn(authenticateUser);
    const server = makeServer({ password: { authenticateUser: hook } });
    const result = await token(server, { grant_type: 'password', username: 'alice' }, { basic: ['web', WEB_SECRET], url: `/oauth/token?password=${encodeURIComponent(ALICE)}` });
    expectError(result, 400, 'invalid_request');
    expect(result.body).not.toContain(ALICE);
    expect(hook).not.toHaveBeenCalled();
  });

  it('gives the hook the body params, the query, the client and the request', async () => {
    const seen: PasswordCredentials[] = [];
    const server = makeServer({
      password: {
        authenticateUser: async (credentials) => {
          seen.push(credentials);
          return authenticateUser(credentials);
        },
      },
    });
    expectTokens(await token(server, { grant_type: 'password', username: 'alice', password: ALICE, device: 'kiosk-7' }, { basic: ['web', WEB_SECRET], url: '/oauth/token?tenant=acme' }));
    expect(seen).toHaveLength(1);
    const credentials = seen[0] as PasswordCredentials;
    expect(credentials.username).toBe('alice');
    expect(credentials.password).toBe(ALICE);
    expect(credentials.client.id).toBe('web');
    expect(credentials.params.get('device')).toBe('kiosk-7');
    expect(credentials.params.get('grant_type')).toBe('password');
    expect(credentials.query.get('tenant')).toBe('acme');
    expect(credentials.request.method).toBe('POST');
  });

  describe('seed 002 shape: email as the username and a required partnerId in the query', () => {
    const seed002 = (hook = vi.fn(authenticateUser)) => ({
      hook,
      server: makeServer({
        clients: [{ id: 'comm100', grantTypes: ['password', 'refresh_token'] }],
        password: {
          usernameParameter: 'email',
          requiredParameters: [{ name: 'partnerId', in: 'query' }],
          authenticateUser: async (credentials) => hook({ ...credentials, username: credentials.username === 'alice@example.com' ? 'alice' : credentials.username }),
        },
      }),
    });

    it('reads the resource owner from `email` and reaches the hook when partnerId is present', async () => {
      const { server, hook } = seed002();
      const body = expectTokens(await token(server, { grant_type: 'password', email: 'alice@example.com', password: ALICE, client_id: 'comm100' }, { url: '/oauth/token?partnerId=1234' }));
      expect(body.token_type).toBe('Bearer');
      expect(hook).toHaveBeenCalledTimes(1);
      const credentials = hook.mock.calls[0]?.[0] as PasswordCredentials;
      expect(credentials.query.get('partnerId')).toBe('1234');
      expect(credentials.params.get('email')).toBe('alice@example.com');
    });

    it('answers invalid_request naming partnerId when it is missing, without calling the hook', async () => {
      const { server, hook } = seed002();
      const result = await token(server, { grant_type: 'password', email: 'alice@example.com', password: ALICE, client_id: 'comm100' });
      expectError(result, 400, 'invalid_request', /partnerId/);
      expect(hook).not.toHaveBeenCalled();
    });

    it('treats an empty partnerId as missing, and partnerId in the body does not satisfy the query requirement', async () => {
      const { server, hook } = seed002();
      expectError(await token(server, { grant_type: 'password', email: 'alice@example.com', password: ALICE, client_id: 'comm100' }, { url: '/oauth/token?partnerId=' }), 400, 'invalid_request', /partnerId/);
      expectError(await token(server, { grant_type: 'password', email: 'alice@example.com', password: ALICE, client_id: 'comm100', partnerId: '1234' }), 400, 'invalid_request', /partnerId/);
      expect(hook).not.toHaveBeenCalled();
    });

    it('does not read `username` any more', async () => {
      const { server, hook } = seed002();
      expectError(await token(server, { grant_type: 'password', username: 'alice@example.com', password: ALICE, client_id: 'comm100' }, { url: '/oauth/token?partnerId=1' }), 400, 'invalid_request', /email/);
      expect(hook).not.toHaveBeenCalled();
    });
  });

  it('reports a hook answer without a subject as a server error, not a token', async () => {
    const server = makeServer({ password: { authenticateUser: async () => ({ subject: '' }) } });
    expectError(await passwordGrant(server), 500, 'server_error');
  });
});
