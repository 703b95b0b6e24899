/**
 * Child-process entry of the harness server: `node --expose-gc … src/server.ts`, configured by environment:
 * HARNESS_ADAPTER (express|fastify), HARNESS_STORE (memory|redis), REDIS_URL, HARNESS_REDIS_PREFIX,
 * HARNESS_LIFETIMES (JSON {access, refresh, absolute}), HARNESS_USERS, HARNESS_INJECT (leak|unhandled).
 *
 * Prints `HARNESS_LISTENING <port>` once ready. On SIGTERM: stops accepting, lets requests in flight finish,
 * removes its Redis keys, closes the store, prints `HARNESS_EXIT <json counters>` and exits 0 (1 when the
 * shutdown fails or takes longer than 15 s).
 */
import { memoryStore, type Store } from '@tollgate/core';
import { counters, createHarnessApp } from './app.js';
import type { Adapter, Lifetimes, StoreKind } from './config.js';

process.on('unhandledRejection', (reason) => {
  counters.unhandledRejections += 1;
  console.error('[harness] unhandledRejection', reason);
});
process.on('uncaughtException', (error) => {
  counters.uncaughtExceptions += 1;
  console.error('[harness] uncaughtException', error);
});

const adapter = (process.env.HARNESS_ADAPTER ?? 'express') as Adapter;
const kind = (process.env.HARNESS_STORE ?? 'memory') as StoreKind;
const lifetimes = JSON.parse(process.env.HARNESS_LIFETIMES ?? '{"access":60,"refresh":60,"absolute":120}') as Lifetimes;
const users = Number(process.env.HARNESS_USERS ?? 128);
const inject = process.env.HARNESS_INJECT === 'leak' || process.env.HARNESS_INJECT === 'unhandled' ? process.env.HARNESS_INJECT : undefined;
if (adapter !== 'express' && adapter !== 'fastify') throw new TypeError(`HARNESS_ADAPTER must be express or fastify (got ${adapter})`);

let store: Store & { size?: () => number };
let cleanup = async (): Promise<void> => undefined;
if (kind === 'memory') {
  // Sweep every second, so expired entries go as soon as they expire (the default is every 30 s).
  store = memoryStore({ sweepIntervalMs: 1_000 });
} else if (kind === 'redis') {
  const { redisStore } = await import('@tollgate/redis');
  const prefix = process.env.HARNESS_REDIS_PREFIX ?? `tollgate-load-${process.pid}`;
  const redis = redisStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix, onError: (error) => console.error('[harness] redis', error.message) });
  store = redis;
  cleanup = async () => {
    const client = redis.client;
    let cursor = '0';
    const deadline = Date.now() + 10_000;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0' && Date.now() < deadline);
  };
} else {
  throw new TypeError(`HARNESS_STORE must be memory or redis (got ${String(kind)})`);
}

const app = await createHarnessApp({ adapter, store, lifetimes, users, inject });
const port = await app.listen(Number(process.env.PORT ?? 0));
process.stdout.write(`HARNESS_LISTENING ${port}\n`);

let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  setTimeout(() => {
    console.error('[harness] shutdown took longer than 15 s');
    process.exit(1);
  }, 15_000).unref();
  // Requests in flight finish first; then the Redis keys go (the store's client is still open); then the store.
  const removeKeys = (): Promise<void> => cleanup().catch((error: unknown) => console.error('[harness] cleanup failed', error));
  app.close(removeKeys).then(
    () => {
      process.stdout.write(`HARNESS_EXIT ${JSON.stringify({ ...counters, rss: process.memoryUsage().rss })}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error('[harness] close failed', error);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
