import { describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError, type Store } from '@tollgate/core';
import { clientCredentials, expectError, makeServer, passwordGrant, recordingLogger, spyStore } from '../helpers.js';

/**
 * Prevents internal details leaking to clients: an unexpected exception becomes a bare 500 server_error whose
 * body carries nothing of the exception (message, stack, secrets in it); only the logger hook sees it.
 */
const FAKE_SECRET = 'db-password=Sup3rS3cret!-7f3a9c';

describe('unexpected exceptions', () => {
  it('become 500 server_error without the exception in the body, and reach the logger', async () => {
    const logger = recordingLogger();
    const server = makeServer({
      logger,
      password: {
        authenticateUser: async () => {
          throw new Error(`could not connect: ${FAKE_SECRET}`);
        },
      },
    });
    const result = await passwordGrant(server);
    expectError(result, 500, 'server_error');
    expect(result.body).not.toContain(FAKE_SECRET);
    expect(result.body).not.toContain('could not connect');
    expect(result.body).not.toMatch(/at .*\.ts:\d+/);
    expect(JSON.stringify(result.headers)).not.toContain(FAKE_SECRET);

    expect(logger.errors).toHaveLength(1);
    expect(JSON.stringify(logger.errors[0])).toContain(FAKE_SECRET);
  });

  it('the same for a non-Error thrown value', async () => {
    const logger = recordingLogger();
    const server = makeServer({
      logger,
      password: {
        authenticateUser: async () => {
          throw FAKE_SECRET;
        },
      },
    });
    const result = await passwordGrant(server);
    expectError(result, 500, 'server_error');
    expect(result.body).not.toContain(FAKE_SECRET);
    expect(JSON.stringify(logger.errors)).toContain(FAKE_SECRET);
  });

  it('the same for an exception from the claims hook', async () => {
    const logger = recordingLogger();
    const server = makeServer({
      logger,
      claims: () => {
        throw new TypeError(FAKE_SECRET);
      },
    });
    const result = await clientCredentials(server);
    expectError(result, 500, 'server_error');
    expect(result.body).not.toContain(FAKE_SECRET);
    expect(JSON.stringify(logger.errors)).toContain(FAKE_SECRET);
  });

  it('a store that cannot be reached is 503 temporarily_unavailable, not a token and not its message', async () => {
    const logger = recordingLogger();
    const { store } = spyStore();
    const broken: Store = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'saveRefreshToken') return async () => Promise.reject(new StoreUnavailableError(`redis://:${FAKE_SECRET}@cache:6379 timed out`));
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const server = makeServer({ logger, store: broken });
    const result = await passwordGrant(server);
    expect(result.status).toBe(503);
    expect(result.json.error).toBe('temporarily_unavailable');
    expect(result.json).not.toHaveProperty('access_token');
    expect(result.body).not.toContain(FAKE_SECRET);
  });

  it('an event listener that throws is logged and does not break issuing', async () => {
    const logger = recordingLogger();
    const listener = vi.fn(() => {
      throw new Error('listener failed');
    });
    const server = makeServer({ logger, events: { 'token.issued': listener } });
    const result = await clientCredentials(server);
    expect(result.status).toBe(200);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(logger.errors.length).toBeGreaterThan(0);
  });
});
