import type { Pool } from 'pg';
import { toStoreError } from './errors.js';
import { DEFAULT_SCHEMA, EXPIRING_TABLES, tables } from './schema.js';

/** Options for {@link cleanupExpired}. */
export interface CleanupOptions {
  /** Schema given to `migrate()`. Default `tollgate`. */
  schema?: string;
  /** Rows deleted per statement. Default 1000. Smaller batches hold their row locks for less time. */
  batchSize?: number;
  /** Stop after this many batches in all (the next run carries on). Default: until nothing expired is left. */
  maxBatches?: number;
  /** Delete rows that expired at or before this time, in seconds since the epoch. Default: now. */
  now?: number;
}

/** What {@link cleanupExpired} did. */
export interface CleanupResult {
  /** Rows deleted, in all. */
  deleted: number;
  /** Statements run. */
  batches: number;
  /** Whether it stopped at `maxBatches` with expired rows possibly left. */
  truncated: boolean;
}

/**
 * Delete expired rows from every Tollgate table, a small batch at a time. Reads already ignore expired rows, so
 * this only keeps the tables small; run it every minute or so from one place (a `setInterval` in one instance,
 * a cron job, `pg_cron`). Running it from several places at once is safe.
 *
 * Each batch is its own short statement, `DELETE … WHERE ctid = ANY(ARRAY(SELECT ctid … LIMIT n FOR UPDATE
 * SKIP LOCKED))`: it uses the `expires_at` indexes, locks at most `batchSize` rows, never waits for a row a
 * live request holds, and never takes a table lock, so hot tables stay writable throughout.
 *
 * @throws StoreUnavailableError when the database cannot be reached.
 */
export async function cleanupExpired(pool: Pool, options: CleanupOptions = {}): Promise<CleanupResult> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const T = tables(schema);
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError('cleanupExpired: batchSize must be a positive integer');
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const result: CleanupResult = { deleted: 0, batches: 0, truncated: false };
  for (const name of EXPIRING_TABLES) {
    const table = T[name];
    for (;;) {
      if (result.batches >= maxBatches) {
        result.truncated = true;
        return result;
      }
      let count: number;
      try {
        const res = await pool.query(
          `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED))`,
          [now, batchSize],
        );
        count = res.rowCount ?? 0;
      } catch (error) {
        throw toStoreError(error, schema);
      }
      result.batches += 1;
      result.deleted += count;
      if (count < batchSize) break;
    }
  }
  return result;
}
