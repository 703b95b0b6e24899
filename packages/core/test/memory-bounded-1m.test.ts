import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../src/index.js';
import { sha256 } from '../src/tokens/random.js';

/*
 * Memory is bounded: one million refresh tokens saved through the Store API (each the first of its own
 * family, as a million sign-ins would leave them, with real 43-character SHA-256 hashes and 22-character family ids), expired by moving the
 * store's clock, swept, and collected. Afterwards the store is empty and the heap is back where it started,
 * within a small margin: nothing the store allocated for them survives their expiry.
 *
 * A million takes ~20 s on its own on the 2-core machine (~900 MiB of heap at the peak), too slow for the unit
 * suite that runs beside every other package's tests, so by default this runs 200 000 (~4 s). The million is
 * run by the load harness (`pnpm --filter @tollgate/load-harness load`, which runs this file with
 * TOLLGATE_MEMORY_TOKENS=1000000 and reports the figures in BENCHMARKS.md); set the variable to run it here.
 */

const TOKENS = Number(process.env.TOLLGATE_MEMORY_TOKENS ?? 200_000);
/** Heap that may remain after the sweep: V8's own bookkeeping, vitest's, code compiled during the run. */
const MARGIN_BYTES = 8 * 1024 * 1024;

/** A distinct 22-character family id, shaped like the ones Tollgate generates (cheaper than 1M random ones). */
const familyIdOf = (i: number): string => `f${i.toString(36).padStart(21, '0')}`;

/** `global.gc`, exposed at run time when the worker was not started with --expose-gc. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('memoryStore: a million (200k by default) expired refresh tokens leave nothing behind', () => {
  if (!Number.isSafeInteger(TOKENS) || TOKENS < 1_000 || TOKENS > 5_000_000) throw new RangeError('TOLLGATE_MEMORY_TOKENS must be 1 000..5 000 000');

  it(`saves ${TOKENS.toLocaleString('en')} refresh tokens, expires and sweeps them, and the heap returns to its start`, { timeout: 120_000 }, async () => {
    const gc = collector();
    const settle = (rounds = 3): number => {
      for (let i = 0; i < rounds; i += 1) gc();
      return process.memoryUsage().heapUsed;
    };

    let t = 1_750_000_000;
    const store = memoryStore({ now: () => t, sweepIntervalMs: 3_600_000 });
    // Warm the code paths once, so JIT-compiled code is part of the baseline rather than the difference.
    for (let i = 0; i < 1_000; i += 1) {
      const familyId = familyIdOf(TOKENS + i);
      await store.saveRefreshToken({ hash: sha256(`${familyId}.${i}`), familyId, clientId: 'demo-cli', subject: `user-${i}`, scope: 'orders:read profile', authTime: t, issuedAt: t, expiresAt: t + 60, familyExpiresAt: t + 120 });
    }
    t += 121;
    store.sweep();
    expect(store.size()).toBe(0);

    const before = settle();
    const started = performance.now();
    for (let i = 0; i < TOKENS; i += 1) {
      const familyId = familyIdOf(i);
      await store.saveRefreshToken({
        hash: sha256(familyId),
        familyId,
        clientId: 'demo-cli',
        subject: `user-${i}`,
        scope: 'orders:read profile',
        claims: { name: `User ${i}` },
        authTime: t,
        issuedAt: t,
        // Half expire by the idle lifetime, half by the family's absolute lifetime.
        expiresAt: t + (i % 2 === 0 ? 60 : 600),
        familyExpiresAt: t + 120,
      });
    }
    const saveMs = performance.now() - started;
    // One refresh-token record plus one family per token.
    expect(store.size()).toBe(2 * TOKENS);
    const peak = settle(1);

    // Past every expiry: the store's own sweep removes them all.
    t += 121;
    const sweepStarted = performance.now();
    store.sweep();
    const sweepMs = performance.now() - sweepStarted;
    expect(store.size()).toBe(0);
    const after = settle();

    const figures = {
      tokens: TOKENS,
      heapBeforeMiB: +(before / 2 ** 20).toFixed(1),
      heapPeakMiB: +(peak / 2 ** 20).toFixed(1),
      heapAfterMiB: +(after / 2 ** 20).toFixed(1),
      bytesPerTokenAtPeak: Math.round((peak - before) / TOKENS),
      saveMs: Math.round(saveMs),
      sweepMs: Math.round(sweepMs),
    };
    console.log(`[memory-bounded] ${JSON.stringify(figures)}`);
    // The store really held them (so the comparison below means something)...
    expect(peak - before).toBeGreaterThan(TOKENS * 200);
    // ...and after expiry, sweep and GC the heap is back within the margin.
    expect(after - before).toBeLessThan(MARGIN_BYTES);
    await store.close?.();
  });
});
