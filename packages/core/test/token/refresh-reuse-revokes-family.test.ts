import { decodeJwt } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { expectError, expectTokens, makeServer, passwordGrant, refresh } from '../helpers.js';

/**
 * Prevents a stolen refresh token from being used alongside the legitimate client (RFC 9700 §4.14.2): once a
 * spent refresh token is presented, the whole family is revoked, including the newest refresh token and the
 * access tokens issued within the family.
 */
describe('refresh token reuse revokes the family', () => {
  it('revokes every refresh token of the family, including the newest one', async () => {
    const reused = vi.fn();
    const server = makeServer({ events: { 'refresh.reused': reused } });
    const first = expectTokens(await passwordGrant(server));
    const second = expectTokens(await refresh(server, first.refresh_token));
    const third = expectTokens(await refresh(server, second.refresh_token));

    // The attacker replays the first (spent) token.
    expectError(await refresh(server, first.refresh_token), 400, 'invalid_grant');
    // The legitimate client's newest token is dead too.
    expectError(await refresh(server, third.refresh_token), 400, 'invalid_grant');
    expectError(await refresh(server, second.refresh_token), 400, 'invalid_grant');
    expect(reused).toHaveBeenCalledTimes(1);
    expect(reused.mock.calls[0]?.[0]).toMatchObject({ clientId: 'web' });
  });

  it('puts the family’s access tokens on the revocation list', async () => {
    const server = makeServer();
    const first = expectTokens(await passwordGrant(server));
    const second = expectTokens(await refresh(server, first.refresh_token));
    const jtis = [first.access_token, second.access_token].map((accessToken) => String(decodeJwt(accessToken).jti));
    for (const jti of jtis) expect(await server.store.isAccessTokenRevoked(jti)).toBe(false);
    expectError(await refresh(server, first.refresh_token), 400, 'invalid_grant');
    for (const jti of jtis) expect(await server.store.isAccessTokenRevoked(jti)).toBe(true);
  });

  it('leaves other families of the same user and client alone', async () => {
    const server = makeServer();
    const victim = expectTokens(await passwordGrant(server));
    const bystander = expectTokens(await passwordGrant(server));
    expectTokens(await refresh(server, victim.refresh_token));
    expectError(await refresh(server, victim.refresh_token), 400, 'invalid_grant');
    expectTokens(await refresh(server, bystander.refresh_token));
    expect(await server.store.isAccessTokenRevoked(String(decodeJwt(bystander.access_token).jti))).toBe(false);
  });

  it('gives the replayed token and the newest token the same error body as a token that never existed', async () => {
    const server = makeServer();
    const first = expectTokens(await passwordGrant(server));
    const second = expectTokens(await refresh(server, first.refresh_token));
    const replay = await refresh(server, first.refresh_token);
    const newest = await refresh(server, second.refresh_token);
    const unknown = await refresh(server, `${'A'.repeat(22)}.${'B'.repeat(43)}`);
    expect(replay.body).toBe(unknown.body);
    expect(newest.body).toBe(unknown.body);
  });
});
