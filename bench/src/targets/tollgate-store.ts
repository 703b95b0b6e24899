/**
 * Tollgate's token endpoint on node:http with each store: memory, `@tollgate/redis` (`redisStore({ url })`) and
 * `@tollgate/postgres` (`postgresStore` + `migrate`). The harness drives the store-touching paths against it:
 * the password grant issuing a refresh token (lock-out counter read and reset, refresh token and family saved)
 * and refresh-token rotation. Each run gets its own Redis key prefix / PostgreSQL schema, removed on close.
 */
import { memoryStore, toNodeListener, type Store } from '@tollgate/core';
import { listenNode, type Started, type Variants } from '../listen.js';
import { DATABASE_URL, REDIS_URL } from '../shared.js';
import { tollgateServer } from './tollgate-config.js';

const tag = `bench_${process.pid}_${Date.now().toString(36)}`;
const MAX_CLEANUP_ROUNDS = 10_000;

async function serve(store: Store, cleanup: () => Promise<void>): Promise<Started> {
  const server = tollgateServer({ store });
  return listenNode(toNodeListener(server), async () => {
    try {
      await cleanup();
    } finally {
      await server.close();
    }
  });
}

async function redis(): Promise<Started> {
  const { redisStore } = await import('@tollgate/redis');
  const prefix = tag;
  const store = redisStore({ url: REDIS_URL, prefix });
  const client = store.client as unknown as { scan(...args: (string | number)[]): Promise<[string, string[]]>; unlink(...keys: string[]): Promise<number> };
  return serve(store, async () => {
    // Bounded SCAN + UNLINK of this run's keys only.
    let cursor = '0';
    for (let round = 0; round < MAX_CLEANUP_ROUNDS; round += 1) {
      const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (found.length > 0) await client.unlink(...found);
      cursor = next;
      if (cursor === '0') break;
    }
  });
}

async function postgres(): Promise<Started> {
  const { postgresStore, migrate } = await import('@tollgate/postgres');
  const schema = tag;
  const store = postgresStore({ connectionString: DATABASE_URL, schema });
  await migrate(store.pool, { schema });
  return serve(store, async () => {
    await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
}

export const variants: Variants = {
  memory: () => serve(memoryStore(), async () => undefined),
  redis,
  postgres,
};
