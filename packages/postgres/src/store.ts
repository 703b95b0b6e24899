import pg from 'pg';
import type { Pool, PoolClient, PoolConfig, QueryConfig } from 'pg';
import { StoreUnavailableError } from '@tollgate/core';
import type { AccessTokenRecord, CodeRecord, ConsumeCodeResult, RefreshTokenRecord, RotateResult, Store } from '@tollgate/core';
import { toStoreError } from './errors.js';
import { DEFAULT_SCHEMA, tables } from './schema.js';

/** Options for {@link postgresStore}. Give either `pool` or `connectionString`. */
export interface PostgresStoreOptions {
  /** A `pg` Pool. The store never ends a pool it was given. */
  pool?: Pool;
  /** A `postgres://` URL; the store then creates, configures and owns its pool. */
  connectionString?: string;
  /** Schema holding the tables created by `migrate()`. Default `tollgate`. */
  schema?: string;
  /**
   * Longest time one store operation may take, from waiting for a pooled connection to the last statement,
   * in milliseconds. Past it the operation rejects with `StoreUnavailableError`. Default 2500.
   */
  queryTimeoutMs?: number;
  /** Extra `pg` Pool settings for the pool created from `connectionString` (e.g. `max`, `ssl`). */
  poolConfig?: PoolConfig;
  /** Told about errors of idle connections in the pool created from `connectionString` (otherwise ignored). */
  onError?: (error: Error) => void;
}

/** A {@link Store} on PostgreSQL, plus the pool it uses. */
export interface PostgresStore extends Store {
  /** The pool in use (the one given, or the one created from `connectionString`). */
  readonly pool: Pool;
  /** End the pool if the store created it; a pool that was given is left open. */
  close(): Promise<void>;
}

interface Session {
  query<R>(text: string, values?: unknown[]): Promise<R[]>;
}

type TimedQuery = QueryConfig & { query_timeout: number };

/** bigint columns arrive as strings. */
const num = (value: unknown): number => Number(value);
const seconds = (value: number, name: string): number => {
  if (!Number.isFinite(value)) throw new TypeError(`${name} must be a finite number of seconds`);
  return Math.floor(value);
};

/**
 * A {@link Store} on PostgreSQL through `pg`, no ORM. Run {@link migrate} once before use, and
 * {@link cleanupExpired} on a schedule to delete expired rows.
 *
 * Atomicity: a code is consumed by one `UPDATE … RETURNING` (the row lock makes concurrent redemptions queue
 * and see the first one's write); a refresh token is rotated in a transaction that first locks its family row
 * (`SELECT … FOR UPDATE`), so rotations, revocations and saves within a family are serialised and a replay is
 * always seen; counters and revocations are single `INSERT … ON CONFLICT` statements.
 *
 * When the database cannot be reached, or an operation takes longer than `queryTimeoutMs`, the operation rejects
 * with `StoreUnavailableError` and the connection it was using is discarded.
 *
 * @throws TypeError when neither `pool` nor `connectionString` is given, or `schema` is not a plain identifier.
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const T = tables(schema);
  const timeoutMs = options.queryTimeoutMs ?? 2500;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('postgresStore: queryTimeoutMs must be a positive number');
  if (options.pool && options.connectionString) throw new TypeError('postgresStore: give either pool or connectionString, not both');

  let pool: Pool;
  const owned = !options.pool;
  if (options.pool) {
    pool = options.pool;
  } else if (options.connectionString) {
    pool = new pg.Pool({
      connectionString: options.connectionString,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      // The server gives up too, so a statement we stopped waiting for does not hold locks on.
      statement_timeout: timeoutMs,
      idle_in_transaction_session_timeout: Math.max(timeoutMs * 5, 5000),
      ...options.poolConfig,
    });
    pool.on('error', options.onError ?? ((): void => {}));
  } else {
    throw new TypeError('postgresStore: give a pool or a connectionString');
  }

  let closed = false;
  const timedOut = (op: string): StoreUnavailableError => new StoreUnavailableError(`postgres: ${op} did not complete within ${timeoutMs} ms`);

  /** Check a connection out, giving up (and returning it later) when the pool cannot provide one in time. */
  const connect = (op: string): Promise<PoolClient> =>
    new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(timedOut(op));
      }, timeoutMs);
      pool.connect().then(
        (client) => {
          if (settled) client.release();
          else {
            settled = true;
            clearTimeout(timer);
            resolve(client);
          }
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(toStoreError(error, schema));
        },
      );
    });

  /**
   * Run one store operation on one connection within the time budget, optionally as a transaction. A connection
   * that failed or timed out mid-statement is destroyed rather than returned to the pool.
   */
  const run = async <R>(op: string, body: (session: Session) => Promise<R>, transaction = false): Promise<R> => {
    if (closed) throw new StoreUnavailableError('postgres store closed');
    const deadline = Date.now() + timeoutMs;
    const client = await connect(op);
    let broken: Error | undefined;
    // A checked-out client whose socket dies between statements emits 'error' on itself, not on the pool;
    // unheard, that event would crash the process. Note it; the next statement fails and the client is destroyed.
    const onClientError = (error: Error): void => {
      broken = error;
      options.onError?.(error);
    };
    client.on('error', onClientError);
    const session: Session = {
      async query<Row>(text: string, values: unknown[] = []): Promise<Row[]> {
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          broken = timedOut(op);
          throw broken;
        }
        const config: TimedQuery = { text, values, query_timeout: remaining };
        try {
          return (await client.query(config)).rows as Row[];
        } catch (error) {
          const mapped = toStoreError(error, schema);
          if (mapped instanceof StoreUnavailableError) broken = mapped;
          throw mapped;
        }
      },
    };
    try {
      if (transaction) await session.query('BEGIN');
      const result = await body(session);
      if (transaction) await session.query('COMMIT');
      return result;
    } catch (error) {
      if (transaction && !broken) {
        const rollback: TimedQuery = { text: 'ROLLBACK', query_timeout: timeoutMs };
        await client.query(rollback).catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
      }
      throw error;
    } finally {
      client.off('error', onClientError);
      client.release(broken);
    }
  };

  const now = (): number => Math.floor(Date.now() / 1000);

  const recordJson = (record: RefreshTokenRecord): string => {
    const { spentAt: _spentAt, ...rest } = record;
    return JSON.stringify(rest);
  };
  const tokenRecord = (row: { record: RefreshTokenRecord; spent_at: string | null }): RefreshTokenRecord =>
    row.spent_at === null ? row.record : { ...row.record, spentAt: num(row.spent_at) };

  const insertToken = async (session: Session, record: RefreshTokenRecord): Promise<void> => {
    await session.query(
      `WITH f AS (UPDATE ${T.families} SET expires_at = GREATEST(expires_at, $2::bigint) WHERE family_id = $1::text)
       INSERT INTO ${T.refreshTokens} (hash, family_id, record, spent_at, expires_at) VALUES ($3, $1, $4, $5, $6)
       ON CONFLICT (hash) DO UPDATE SET family_id = EXCLUDED.family_id, record = EXCLUDED.record, spent_at = EXCLUDED.spent_at, expires_at = EXCLUDED.expires_at`,
      [record.familyId, seconds(record.familyExpiresAt, 'familyExpiresAt'), record.hash, recordJson(record), record.spentAt ?? null, seconds(Math.min(record.expiresAt, record.familyExpiresAt), 'expiresAt')],
    );
  };

  /** Revoke a family inside a transaction: mark it (taking its row lock), drop its refresh tokens, list its access tokens. */
  const revokeIn = async (session: Session, familyId: string, expiresAt: number, t: number): Promise<void> => {
    await session.query(
      `INSERT INTO ${T.families} AS fam (family_id, expires_at, revoked_at) VALUES ($1, $2, $3)
       ON CONFLICT (family_id) DO UPDATE SET revoked_at = COALESCE(fam.revoked_at, EXCLUDED.revoked_at), expires_at = GREATEST(fam.expires_at, EXCLUDED.expires_at)`,
      [familyId, seconds(expiresAt, 'expiresAt'), t],
    );
    // A new statement, so a new snapshot: it sees every access token recorded before we took the family lock.
    await session.query(
      `WITH d AS (DELETE FROM ${T.refreshTokens} WHERE family_id = $1)
       INSERT INTO ${T.revokedAccessTokens} AS r (jti, expires_at)
       SELECT jti, expires_at FROM ${T.familyAccessTokens} WHERE family_id = $1 AND expires_at > $2
       ON CONFLICT (jti) DO UPDATE SET expires_at = GREATEST(r.expires_at, EXCLUDED.expires_at)`,
      [familyId, t],
    );
  };

  return {
    pool,

    saveCode: (record: CodeRecord) =>
      run('saveCode', async (s) => {
        await s.query(
          `INSERT INTO ${T.codes} (hash, record, uses, expires_at) VALUES ($1, $2, 0, $3)
           ON CONFLICT (hash) DO UPDATE SET record = EXCLUDED.record, uses = 0, expires_at = EXCLUDED.expires_at`,
          [record.hash, JSON.stringify(record), seconds(record.expiresAt, 'expiresAt')],
        );
      }),

    consumeCode: (hash) =>
      run('consumeCode', async (s): Promise<ConsumeCodeResult> => {
        // The row lock queues concurrent redemptions; each re-reads `uses` after the previous one committed.
        const [row] = await s.query<{ uses: number; record: CodeRecord }>(
          `UPDATE ${T.codes} SET uses = LEAST(uses + 1, 2) WHERE hash = $1 AND expires_at > $2 RETURNING uses, record`,
          [hash, now()],
        );
        if (!row) return { status: 'missing' };
        return row.uses === 1 ? { status: 'ok', record: row.record } : { status: 'reused', record: row.record };
      }),

    saveRefreshToken: (record) =>
      run('saveRefreshToken', async (s) => {
        await s.query(
          `WITH f AS (
             INSERT INTO ${T.families} AS fam (family_id, expires_at) VALUES ($1::text, $2::bigint)
             ON CONFLICT (family_id) DO UPDATE SET expires_at = GREATEST(fam.expires_at, EXCLUDED.expires_at)
             RETURNING revoked_at
           )
           INSERT INTO ${T.refreshTokens} (hash, family_id, record, spent_at, expires_at)
           SELECT $3::text, $1::text, $4::json, $5::bigint, $6::bigint FROM f WHERE f.revoked_at IS NULL
           ON CONFLICT (hash) DO UPDATE SET family_id = EXCLUDED.family_id, record = EXCLUDED.record, spent_at = EXCLUDED.spent_at, expires_at = EXCLUDED.expires_at`,
          [record.familyId, seconds(record.familyExpiresAt, 'familyExpiresAt'), record.hash, recordJson(record), record.spentAt ?? null, seconds(Math.min(record.expiresAt, record.familyExpiresAt), 'expiresAt')],
        );
      }),

    rotateRefreshToken: (familyId, oldHash, next, rotateOptions = {}) => {
      if (next.familyId !== familyId) return Promise.reject(new TypeError('rotateRefreshToken: next.familyId must equal familyId'));
      return run(
        'rotateRefreshToken',
        async (s): Promise<RotateResult> => {
          const t = rotateOptions.now ?? now();
          // Lock the family first: rotations, revocations and saves of one family queue up behind it.
          const [family] = await s.query<{ revoked_at: string | null }>(`SELECT revoked_at FROM ${T.families} WHERE family_id = $1 FOR UPDATE`, [familyId]);
          if (!family || family.revoked_at !== null) return { status: 'invalid' };
          const [old] = await s.query<{ record: RefreshTokenRecord; spent_at: string | null; expires_at: string }>(
            `SELECT record, spent_at, expires_at FROM ${T.refreshTokens} WHERE hash = $1 AND family_id = $2`,
            [oldHash, familyId],
          );
          if (!old || num(old.expires_at) <= t) return { status: 'invalid' };
          const previous = tokenRecord(old);
          if (old.spent_at !== null) {
            const grace = rotateOptions.graceSeconds ?? 0;
            if (grace > 0 && t - num(old.spent_at) < grace) {
              await insertToken(s, next);
              return { status: 'ok', previous };
            }
            await revokeIn(s, familyId, previous.familyExpiresAt, t);
            return { status: 'reused', previous };
          }
          await s.query(`UPDATE ${T.refreshTokens} SET spent_at = $1 WHERE hash = $2`, [t, oldHash]);
          await insertToken(s, next);
          return { status: 'ok', previous };
        },
        true,
      );
    },

    findRefreshToken: (familyId, hash) =>
      run('findRefreshToken', async (s) => {
        const [row] = await s.query<{ record: RefreshTokenRecord; spent_at: string | null }>(
          `SELECT t.record, t.spent_at FROM ${T.refreshTokens} t JOIN ${T.families} f ON f.family_id = t.family_id
           WHERE t.hash = $1 AND t.family_id = $2 AND t.expires_at > $3 AND f.revoked_at IS NULL`,
          [hash, familyId, now()],
        );
        return row ? tokenRecord(row) : undefined;
      }),

    addFamilyAccessToken: (familyId, jti, expiresAt) =>
      run('addFamilyAccessToken', async (s) => {
        // One statement: the family upsert takes the family's row lock and returns its state as of after any
        // revocation that held it, so the jti lands either in the family (and a later revocation sees it) or
        // straight on the revocation list.
        await s.query(
          `WITH f AS (
             INSERT INTO ${T.families} AS fam (family_id, expires_at) VALUES ($1::text, $3::bigint)
             ON CONFLICT (family_id) DO UPDATE SET expires_at = GREATEST(fam.expires_at, EXCLUDED.expires_at)
             RETURNING revoked_at
           ), a AS (
             INSERT INTO ${T.familyAccessTokens} AS fat (family_id, jti, expires_at)
             SELECT $1::text, $2::text, $3::bigint FROM f WHERE f.revoked_at IS NULL
             ON CONFLICT (family_id, jti) DO UPDATE SET expires_at = GREATEST(fat.expires_at, EXCLUDED.expires_at)
           )
           INSERT INTO ${T.revokedAccessTokens} AS r (jti, expires_at)
           SELECT $2::text, $3::bigint FROM f WHERE f.revoked_at IS NOT NULL AND $3::bigint > $4::bigint
           ON CONFLICT (jti) DO UPDATE SET expires_at = GREATEST(r.expires_at, EXCLUDED.expires_at)`,
          [familyId, jti, seconds(expiresAt, 'expiresAt'), now()],
        );
      }),

    revokeFamily: (familyId, expiresAt) =>
      run(
        'revokeFamily',
        async (s) => {
          await revokeIn(s, familyId, expiresAt, now());
        },
        true,
      ),

    isFamilyRevoked: (familyId) =>
      run('isFamilyRevoked', async (s) => {
        const rows = await s.query(`SELECT 1 FROM ${T.families} WHERE family_id = $1 AND revoked_at IS NOT NULL`, [familyId]);
        return rows.length > 0;
      }),

    revokeAccessToken: (jti, expiresAt) =>
      run('revokeAccessToken', async (s) => {
        await s.query(
          `INSERT INTO ${T.revokedAccessTokens} AS r (jti, expires_at) SELECT $1::text, $2::bigint WHERE $2::bigint > $3::bigint
           ON CONFLICT (jti) DO UPDATE SET expires_at = GREATEST(r.expires_at, EXCLUDED.expires_at)`,
          [jti, seconds(expiresAt, 'expiresAt'), now()],
        );
      }),

    isAccessTokenRevoked: (jti) =>
      run('isAccessTokenRevoked', async (s) => {
        const rows = await s.query(`SELECT 1 FROM ${T.revokedAccessTokens} WHERE jti = $1 AND expires_at > $2`, [jti, now()]);
        return rows.length > 0;
      }),

    saveAccessToken: (record: AccessTokenRecord) =>
      run('saveAccessToken', async (s) => {
        await s.query(
          `INSERT INTO ${T.accessTokens} (hash, record, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT (hash) DO UPDATE SET record = EXCLUDED.record, expires_at = EXCLUDED.expires_at`,
          [record.hash, JSON.stringify(record), seconds(record.expiresAt, 'expiresAt')],
        );
      }),

    findAccessToken: (hash) =>
      run('findAccessToken', async (s) => {
        const [row] = await s.query<{ record: AccessTokenRecord }>(`SELECT record FROM ${T.accessTokens} WHERE hash = $1 AND expires_at > $2`, [hash, now()]);
        return row?.record;
      }),

    increment: (key, windowSeconds) =>
      run('increment', async (s) => {
        if (!Number.isFinite(windowSeconds)) throw new TypeError('increment: windowSeconds must be a finite number');
        const [row] = await s.query<{ count: number }>(
          `INSERT INTO ${T.counters} AS c (key, count, expires_at) VALUES ($1, 1, $2::bigint + $3::bigint)
           ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN c.expires_at <= $2::bigint THEN 1 ELSE c.count + 1 END,
             expires_at = CASE WHEN c.expires_at <= $2::bigint THEN EXCLUDED.expires_at ELSE c.expires_at END
           RETURNING count`,
          [key, now(), Math.ceil(windowSeconds)],
        );
        if (!row) throw new Error('increment returned no row');
        return row.count;
      }),

    getCounter: (key) =>
      run('getCounter', async (s) => {
        const [row] = await s.query<{ count: number }>(`SELECT count FROM ${T.counters} WHERE key = $1 AND expires_at > $2`, [key, now()]);
        return row?.count ?? 0;
      }),

    resetCounter: (key) =>
      run('resetCounter', async (s) => {
        await s.query(`DELETE FROM ${T.counters} WHERE key = $1`, [key]);
      }),

    async close() {
      closed = true;
      if (owned) await pool.end();
    },
  };
}
