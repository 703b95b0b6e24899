import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import type { TollgateEventListeners, TollgateEvents } from '@tollgate/core';
import { expectTokens, makeServer, passwordGrant, refresh, SERVICE_SECRET, token, USERS, WEB_SECRET } from '../helpers.js';

/** Prevents audit logs from becoming a token store: events fire with ids only, never tokens or secrets. */
function recordEvents() {
  const events: { name: keyof TollgateEvents; payload: unknown }[] = [];
  const listeners: TollgateEventListeners = {
    'token.issued': (payload) => void events.push({ name: 'token.issued', payload }),
    'refresh.reused': (payload) => void events.push({ name: 'refresh.reused', payload }),
    'client.auth_failed': (payload) => void events.push({ name: 'client.auth_failed', payload }),
    'code.reused': (payload) => void events.push({ name: 'code.reused', payload }),
    'user.locked': (payload) => void events.push({ name: 'user.locked', payload }),
  };
  return { events, listeners };
}

describe('events', () => {
  it('token.issued, refresh.reused and client.auth_failed fire with ids only', async () => {
    const { events, listeners } = recordEvents();
    const server = makeServer({ events: listeners });
    const first = expectTokens(await passwordGrant(server, { scope: 'orders:read' }));
    const second = expectTokens(await refresh(server, first.refresh_token));
    await refresh(server, first.refresh_token);
    await token(server, { grant_type: 'client_credentials' }, { basic: ['service', 'wrong-secret-attempt-123'] });

    const issued = events.filter((event) => event.name === 'token.issued');
    expect(issued).toHaveLength(2);
    expect(issued[0]?.payload).toEqual({ clientId: 'web', subject: 'user-alice', grantType: 'password', jti: decodeJwt(first.access_token).jti, scope: 'orders:read', refreshToken: true });
    expect(issued[1]?.payload).toMatchObject({ grantType: 'refresh_token', jti: decodeJwt(second.access_token).jti });

    const reused = events.filter((event) => event.name === 'refresh.reused');
    expect(reused).toHaveLength(1);
    expect(reused[0]?.payload).toEqual({ clientId: 'web', familyId: expect.any(String) });

    const failed = events.filter((event) => event.name === 'client.auth_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.payload).toMatchObject({ clientId: 'service', method: 'client_secret_basic' });

    const serialized = JSON.stringify(events);
    for (const secret of [first.access_token, second.access_token, first.refresh_token, second.refresh_token, String(first.refresh_token).split('.')[1], 'wrong-secret-attempt-123', SERVICE_SECRET, WEB_SECRET, USERS.alice?.password]) {
      expect(serialized).not.toContain(secret as string);
    }
  });

  it('client.auth_failed does not carry a presented client_secret or API key', async () => {
    const { events, listeners } = recordEvents();
    const server = makeServer({ events: listeners });
    await token(server, { grant_type: 'client_credentials', client_id: 'service', client_secret: 'posted-wrong-secret-456' });
    await token(server, { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'posted-wrong-secret-789' });
    expect(events.filter((event) => event.name === 'client.auth_failed')).toHaveLength(2);
    expect(JSON.stringify(events)).not.toMatch(/posted-wrong-secret/);
  });

  it('client.auth_failed also fires for a malformed Basic header (every failed client authentication is audited)', async () => {
    const { events, listeners } = recordEvents();
    const server = makeServer({ events: listeners });
    const raw = `Basic ${Buffer.from('service:100%-raw-secret').toString('base64')}`;
    const result = await token(server, { grant_type: 'client_credentials' }, { headers: { authorization: raw } });
    expect(result.status).toBe(401);
    const failed = events.filter((event) => event.name === 'client.auth_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.payload).toMatchObject({ method: 'client_secret_basic' });
    expect(JSON.stringify(events)).not.toContain('100%-raw-secret');
  });

  it('user.locked names the user but not the password', async () => {
    const { events, listeners } = recordEvents();
    const server = makeServer({ events: listeners, password: { authenticateUser: async () => undefined, lockout: { maxAttempts: 1 } } });
    await passwordGrant(server, { password: 'first-guess-password' });
    await passwordGrant(server, { password: 'second-guess-password' });
    expect(events.find((event) => event.name === 'user.locked')?.payload).toEqual({ clientId: 'web', username: 'alice' });
    expect(JSON.stringify(events)).not.toMatch(/guess-password/);
  });
});
