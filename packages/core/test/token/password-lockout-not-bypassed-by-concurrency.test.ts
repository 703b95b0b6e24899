import { describe, expect, it, vi } from 'vitest';
import { authenticateUser, makeServer, passwordGrant } from '../helpers.js';

/**
 * Prevents parallel password guessing: the lock-out must bound the number of guesses that are evaluated, not
 * only the number of sequential ones. A real authenticateUser hook is slow (a password KDF), so concurrent
 * requests that all pass a "not locked yet" check before any failure is counted would get one guess each.
 */
const slowHook = () =>
  vi.fn(async (credentials: { username: string; password: string }) => {
    await new Promise((resolve) => setTimeout(resolve, 10)); // a KDF
    return authenticateUser(credentials);
  });

describe('password lock-out under concurrency', () => {
  it('evaluates at most maxAttempts guesses from a concurrent burst', async () => {
    const hook = slowHook();
    const server = makeServer({ password: { authenticateUser: hook, lockout: { maxAttempts: 3 } } });
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => passwordGrant(server, { password: `guess-${index}` })));
    for (const result of results) expect(result.json.error).toBe('invalid_grant');
    expect(hook.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('does not let the right password through at the end of a concurrent burst of wrong guesses', async () => {
    const server = makeServer({ password: { authenticateUser: slowHook(), lockout: { maxAttempts: 3 } } });
    const guesses = Array.from({ length: 19 }, (_, index) => `guess-${index}`);
    const results = await Promise.all([...guesses.map((password) => passwordGrant(server, { password })), passwordGrant(server)]);
    expect(results.filter((result) => result.status === 200)).toHaveLength(0);
  });
});
