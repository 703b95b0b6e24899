/**
 * Memory per live refresh token in `memoryStore()`: heapUsed after GC, before and after saving N tokens
 * (each its own family) through `saveRefreshToken`. Run with `node --expose-gc`; prints one JSON line.
 */
import { memoryStore } from '@tollgate/core';
import { seedRefreshTokens } from './seed.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('memory.ts needs node --expose-gc');
  process.exit(2);
}
const count = Number(process.argv[2] ?? 1_000_000);
if (!Number.isSafeInteger(count) || count < 1 || count > 10_000_000) throw new Error('count must be 1..10 000 000');

const settle = (): void => {
  for (let i = 0; i < 3; i += 1) gc();
};
const store = memoryStore({ sweepIntervalMs: 3_600_000 });
settle();
const before = process.memoryUsage();
const started = performance.now();
await seedRefreshTokens(store, count);
const seedMs = performance.now() - started;
settle();
const after = process.memoryUsage();
// Keep the store reachable until after the measurement.
const size = store.size();
await store.close?.();
process.stdout.write(
  `${JSON.stringify({
    count,
    entries: size,
    heapUsedBefore: before.heapUsed,
    heapUsedAfter: after.heapUsed,
    bytesPerToken: (after.heapUsed - before.heapUsed) / count,
    rssDeltaPerToken: (after.rss - before.rss) / count,
    seedMs,
    seedPerSecond: count / (seedMs / 1000),
  })}\n`,
);
