import type { Store } from '@tollgate/core';
import { memoryStore } from '@tollgate/core';

/**
 * The store named by `TOLLGATE_STORE`:
 * - `memory` (default): one process; state is lost on restart.
 * - `redis`: `REDIS_URL` (default redis://127.0.0.1:6379), keys under `TOLLGATE_REDIS_PREFIX` (default `tollgate`).
 * - `postgres`: `DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test), tables in `TOLLGATE_PG_SCHEMA`
 *   (default `tollgate`), created by `migrate()` at start.
 */
export async function storeFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<{ store: Store; kind: string }> {
  const kind = env.TOLLGATE_STORE ?? 'memory';
  if (kind === 'memory') return { store: memoryStore(), kind };
  if (kind === 'redis') {
    const { redisStore } = await import('@tollgate/redis');
    return { store: redisStore({ url: env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: env.TOLLGATE_REDIS_PREFIX ?? 'tollgate' }), kind };
  }
  if (kind === 'postgres') {
    const { postgresStore, migrate } = await import('@tollgate/postgres');
    const schema = env.TOLLGATE_PG_SCHEMA ?? 'tollgate';
    const store = postgresStore({ connectionString: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', schema });
    await migrate(store.pool, { schema });
    return { store, kind };
  }
  throw new TypeError(`TOLLGATE_STORE must be memory, redis or postgres (got "${kind}")`);
}
