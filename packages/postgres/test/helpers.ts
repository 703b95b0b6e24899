import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const IN_CI = process.env.CI === 'true';

/** A schema name no other run uses. */
export const uniqueSchema = (): string => `tollgate_test_${process.pid}_${randomBytes(4).toString('hex')}`;

/** Whether PostgreSQL accepts a connection at `url` within two seconds. */
export async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Decide whether a suite that needs `what` runs: it runs when available; otherwise CI fails loudly and a
 * developer machine skips with a warning. Returns true when the suite must be skipped.
 */
export function requireOrSkip(available: boolean, what: string): boolean {
  if (available) return false;
  if (IN_CI) throw new Error(`${what} is not available, and CI=true: these tests must run in CI`);
  console.warn(`\n⚠️  SKIPPING: ${what} is not available. Set DATABASE_URL or start PostgreSQL to run these tests.\n`);
  return true;
}

/** A pool for test set-up and inspection. */
export const adminPool = (): pg.Pool => new pg.Pool({ connectionString: DATABASE_URL, max: 3 });

export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
