import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { StoreUnavailableError, type Store } from '@tollgate/core';
import { cleanupExpired, migrate, postgresStore } from '../src/index.js';
import { adminPool, DATABASE_URL, dropSchema, postgresReachable, requireOrSkip, uniqueSchema } from './helpers.js';

const now = (): number => Math.floor(Date.now() / 1000);

/** One call of every Store operation. */
const everyOperation = (store: Store): [string, () => Promise<unknown>][] => {
  const t = now();
  const rt = { hash: 'h', familyId: 'f', clientId: 'c', subject: 's', scope: 'a', issuedAt: t, expiresAt: t + 60, familyExpiresAt: t + 60 };
  return [
    ['saveCode', () => store.saveCode({ hash: 'c', familyId: 'f', clientId: 'c', redirectUri: 'https://a.example', scope: 'a', subject: 's', authTime: t, issuedAt: t, expiresAt: t + 60 })],
    ['consumeCode', () => store.consumeCode('c')],
    ['saveRefreshToken', () => store.saveRefreshToken(rt)],
    ['rotateRefreshToken', () => store.rotateRefreshToken('f', 'h', { ...rt, hash: 'h2' })],
    ['findRefreshToken', () => store.findRefreshToken('f', 'h')],
    ['addFamilyAccessToken', () => store.addFamilyAccessToken('f', 'j', t + 60)],
    ['revokeFamily', () => store.revokeFamily('f', t + 60)],
    ['isFamilyRevoked', () => store.isFamilyRevoked('f')],
    ['revokeAccessToken', () => store.revokeAccessToken('j', t + 60)],
    ['isAccessTokenRevoked', () => store.isAccessTokenRevoked('j')],
    ['saveAccessToken', () => store.saveAccessToken({ hash: 'a', jti: 'j', clientId: 'c', subject: 's', scope: 'a', audience: [], issuedAt: t, expiresAt: t + 60 })],
    ['findAccessToken', () => store.findAccessToken('a')],
    ['increment', () => store.increment('k', 60)],
    ['getCounter', () => store.getCounter('k')],
    ['resetCounter', () => store.resetCounter('k')],
  ];
};

/** Run every operation at once; each must reject with StoreUnavailableError, and all within `withinMs`. */
async function expectAllUnavailable(store: Store, withinMs: number): Promise<void> {
  const started = Date.now();
  const outcomes = await Promise.all(
    everyOperation(store).map(async ([name, call]) => {
      try {
        await call();
      } catch (error) {
        return { name, error, ms: Date.now() - started };
      }
      throw new Error(`${name} resolved although PostgreSQL is unreachable`);
    }),
  );
  for (const outcome of outcomes) {
    expect(outcome.error, outcome.name).toBeInstanceOf(StoreUnavailableError);
    expect(outcome.ms, outcome.name).toBeLessThan(withinMs);
  }
}

describe('postgresStore when PostgreSQL is unreachable', () => {
  let silent: Server;
  let silentPort = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // A loopback server that accepts connections and never answers: a database that hangs.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (typeof address !== 'object' || !address) throw new Error('no port');
    silentPort = address.port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('store-outage-no-hang: a refused connection makes every operation reject with StoreUnavailableError within 2 s', async () => {
    const store = postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    try {
      await expectAllUnavailable(store, 2000);
      await expectAllUnavailable(store, 2000);
    } finally {
      await store.close();
    }
  });

  it('store-outage-no-hang: a server that never answers makes every operation reject within 2 s', async () => {
    const store = postgresStore({ connectionString: `postgres://postgres@127.0.0.1:${silentPort}/test`, queryTimeoutMs: 1000 });
    try {
      await expectAllUnavailable(store, 2000);
    } finally {
      await store.close();
    }
  });

  it('store-outage-no-hang: a given pool without any timeouts still fails within queryTimeoutMs', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${silentPort}/test` });
    pool.on('error', () => {});
    const store = postgresStore({ pool, queryTimeoutMs: 500 });
    try {
      await expectAllUnavailable(store, 1500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await pool.end().catch(() => {});
    }
  });

  it('cleanupExpired reports an unreachable database as StoreUnavailableError', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 1000 });
    try {
      await expect(cleanupExpired(pool)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await pool.end();
    }
  });
});

const skip = requireOrSkip(await postgresReachable(DATABASE_URL), `PostgreSQL at ${DATABASE_URL}`);

describe.skipIf(skip)('postgresStore when a statement hangs', () => {
  const schema = uniqueSchema();
  let admin: pg.Pool;
  beforeAll(async () => {
    admin = adminPool();
    await migrate(admin, { schema });
  });
  afterAll(async () => {
    await dropSchema(admin, schema);
    await admin.end();
  });

  /** Hold a lock in another transaction while `during` runs. */
  const whileLocked = async (lockSql: string, during: () => Promise<void>): Promise<void> => {
    const holder = await admin.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(lockSql);
      await during();
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
  };

  for (const kind of ['own pool', 'given pool'] as const) {
    it(`store-outage-no-hang (${kind}): a blocked statement rejects with StoreUnavailableError after queryTimeoutMs, then the store works`, async () => {
      const pool = kind === 'given pool' ? new pg.Pool({ connectionString: DATABASE_URL, max: 2 }) : undefined;
      const store = pool ? postgresStore({ pool, schema, queryTimeoutMs: 300 }) : postgresStore({ connectionString: DATABASE_URL, schema, queryTimeoutMs: 300 });
      try {
        await store.increment(`k-${kind}`, 60);
        await whileLocked(`LOCK TABLE "${schema}".counters IN ACCESS EXCLUSIVE MODE`, async () => {
          const started = Date.now();
          await expect(store.getCounter(`k-${kind}`)).rejects.toBeInstanceOf(StoreUnavailableError);
          await expect(store.increment(`k-${kind}`, 60)).rejects.toBeInstanceOf(StoreUnavailableError);
          expect(Date.now() - started).toBeLessThan(1500);
        });
        // Timed-out connections were discarded, not handed to the next caller mid-statement.
        await expect(store.getCounter(`k-${kind}`)).resolves.toBeGreaterThanOrEqual(1);
        await expect(store.isFamilyRevoked('nobody')).resolves.toBe(false);
      } finally {
        await store.close();
        await pool?.end();
      }
    });
  }

  it('a rotation that times out changes nothing: the token is not spent and rotates later', async () => {
    const store = postgresStore({ connectionString: DATABASE_URL, schema, queryTimeoutMs: 300 });
    try {
      const t = now();
      const rt = { hash: 'slow-1', familyId: 'slow', clientId: 'c', subject: 's', scope: 'a', issuedAt: t, expiresAt: t + 600, familyExpiresAt: t + 600 };
      await store.saveRefreshToken(rt);
      await whileLocked(`SELECT 1 FROM "${schema}".token_families WHERE family_id = 'slow' FOR UPDATE`, async () => {
        await expect(store.rotateRefreshToken('slow', 'slow-1', { ...rt, hash: 'slow-2' })).rejects.toBeInstanceOf(StoreUnavailableError);
      });
      await expect(store.findRefreshToken('slow', 'slow-1')).resolves.toEqual(rt);
      await expect(store.findRefreshToken('slow', 'slow-2')).resolves.toBeUndefined();
      expect((await store.rotateRefreshToken('slow', 'slow-1', { ...rt, hash: 'slow-3' })).status).toBe('ok');
      await expect(store.isFamilyRevoked('slow')).resolves.toBe(false);
    } finally {
      await store.close();
    }
  });
});
