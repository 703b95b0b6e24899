import { afterEach, describe, expect, it, vi } from 'vitest';
import { authenticateUser, expectError, expectTokens, makeServer, passwordGrant } from '../helpers.js';

/**
 * Prevents online password guessing through the password grant: after `maxAttempts` failures a username is
 * locked, and while locked even the right password gets exactly the same invalid_grant body as a wrong one,
 * so the lock itself cannot be used to confirm a guess.
 */
function lockedServer(maxAttempts = 3, windowSeconds = 900) {
  const hook = vi.fn(authenticateUser);
  const locked = vi.fn();
  const server = makeServer({ password: { authenticateUser: hook, lockout: { maxAttempts, windowSeconds } }, events: { 'user.locked': locked } });
  return { server, hook, locked };
}

describe('password grant lock-out', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('after maxAttempts failures, the right password gets the same invalid_grant body as a wrong one', async () => {
    const { server, hook, locked } = lockedServer(3);
    const failures = [];
    for (let attempt = 0; attempt < 3; attempt += 1) failures.push(await passwordGrant(server, { password: `guess-${attempt}` }));
    for (const failure of failures) expectError(failure, 400, 'invalid_grant');

    const right = await passwordGrant(server);
    expectError(right, 400, 'invalid_grant');
    expect(right.body).toBe(failures[0]?.body);
    expect(right.headers).toEqual(failures[0]?.headers);
    expect(right.json).not.toHaveProperty('access_token');
    // Locked: the hook is not even asked, so a slow KDF cannot be used as a timing oracle either.
    expect(hook).toHaveBeenCalledTimes(3);
    expect(locked).toHaveBeenCalledWith({ clientId: 'web', username: 'alice' });
  });

  it('is not locked one failure short of maxAttempts', async () => {
    const { server } = lockedServer(3);
    for (let attempt = 0; attempt < 2; attempt += 1) expectError(await passwordGrant(server, { password: 'nope' }), 400, 'invalid_grant');
    expectTokens(await passwordGrant(server));
  });

  it('a success resets the counter', async () => {
    const { server } = lockedServer(3);
    for (let attempt = 0; attempt < 2; attempt += 1) expectError(await passwordGrant(server, { password: 'nope' }), 400, 'invalid_grant');
    expectTokens(await passwordGrant(server));
    // Without the reset this would be failure 3 and 4 in the window, and the next success would be refused.
    for (let attempt = 0; attempt < 2; attempt += 1) expectError(await passwordGrant(server, { password: 'nope' }), 400, 'invalid_grant');
    expectTokens(await passwordGrant(server));
  });

  it('locks the username, not the spelling: case variants share the counter', async () => {
    const { server } = lockedServer(3);
    for (const username of ['alice', 'ALICE', 'Alice']) expectError(await passwordGrant(server, { username, password: 'nope' }), 400, 'invalid_grant');
    expectError(await passwordGrant(server), 400, 'invalid_grant');
  });

  it('locks one username only', async () => {
    const { server } = lockedServer(3);
    for (let attempt = 0; attempt < 3; attempt += 1) expectError(await passwordGrant(server, { password: 'nope' }), 400, 'invalid_grant');
    expectTokens(await passwordGrant(server, { username: 'bob', password: 'hunter2-hunter2' }));
  });

  it('unlocks when the window has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const { server } = lockedServer(3, 60);
    for (let attempt = 0; attempt < 3; attempt += 1) expectError(await passwordGrant(server, { password: 'nope' }), 400, 'invalid_grant');
    expectError(await passwordGrant(server), 400, 'invalid_grant');
    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    expectTokens(await passwordGrant(server));
  });

  it('locks after 5 failures by default', async () => {
    const server = makeServer();
    for (let attempt = 0; attempt < 5; attempt += 1) expectError(await passwordGrant(server, { password: 'nope' }), 400, 'invalid_grant');
    expectError(await passwordGrant(server), 400, 'invalid_grant');
  });

  it('never locks with lockout: false', async () => {
    const server = makeServer({ password: { authenticateUser, lockout: false } });
    for (let attempt = 0; attempt < 8; attempt += 1) expectError(await passwordGrant(server, { password: 'nope' }), 400, 'invalid_grant');
    expectTokens(await passwordGrant(server));
  });
});
