import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { runStoreContract } from '@tollgate/test-kit/store-contract';
import { cleanupExpired, migrate, MIGRATIONS, postgresStore, type PostgresStore } from '../src/index.js';
import { adminPool, DATABASE_URL, dropSchema, postgresReachable, requireOrSkip, uniqueSchema } from './helpers.js';

const skip = requireOrSkip(await postgresReachable(DATABASE_URL), `PostgreSQL at ${DATABASE_URL}`);

describe.skipIf(skip)('postgresStore', () => {
  runStoreContract('postgresStore', async () => {
    const admin = adminPool();
    const schema = uniqueSchema();
    await migrate(admin, { schema });
    // Generous: 50 row-lock-serialised rotations on a busy 2-core CI machine; the fault tests use short timeouts.
    const store = postgresStore({ connectionString: DATABASE_URL, schema, queryTimeoutMs: 10_000 });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(admin, schema);
        await admin.end();
      },
    };
  });

  describe('PostgreSQL specifics', () => {
    const schema = uniqueSchema();
    let admin: pg.Pool;
    let store: PostgresStore;
    beforeAll(async () => {
      admin = adminPool();
      await migrate(admin, { schema });
      store = postgresStore({ pool: admin, schema });
    });
    afterAll(async () => {
      await store?.close();
      await dropSchema(admin, schema);
      await admin.end();
    });

    const now = (): number => Math.floor(Date.now() / 1000);
    const count = async (table: string): Promise<number> => Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table}`)).rows[0]?.n);

    it('migrate is idempotent and records its versions', async () => {
      await expect(migrate(admin, { schema })).resolves.toEqual([]);
      const { rows } = await admin.query<{ version: number; name: string }>(`SELECT version, name FROM "${schema}".tollgate_migrations ORDER BY version`);
      expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    });

    it('migrate from several instances at once applies each migration exactly once', async () => {
      const fresh = uniqueSchema();
      try {
        const results = await Promise.all([migrate(admin, { schema: fresh }), migrate(admin, { schema: fresh }), migrate(admin, { schema: fresh })]);
        expect(results.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await dropSchema(admin, fresh);
      }
    });

    it('sql-injection: schema names must be plain identifiers', async () => {
      expect(() => postgresStore({ pool: admin, schema: 'x"; DROP TABLE y; --' })).toThrow(TypeError);
      await expect(migrate(admin, { schema: 'a.b' })).rejects.toBeInstanceOf(TypeError);
      await expect(cleanupExpired(admin, { schema: 'bad-name' })).rejects.toBeInstanceOf(TypeError);
      expect(() => postgresStore({})).toThrow(TypeError);
    });

    it('a store given a pool leaves it open on close()', async () => {
      const other = postgresStore({ pool: admin, schema });
      await other.close();
      await expect(admin.query('SELECT 1')).resolves.toBeDefined();
      await expect(other.getCounter('x')).rejects.toThrow('closed');
    });

    it('missing migrations fail loudly, not as "unavailable"', async () => {
      const unmigrated = postgresStore({ pool: admin, schema: uniqueSchema() });
      const error: unknown = await unmigrated.getCounter('x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('Error');
      expect((error as Error).message).toMatch(/run migrate/);
    });

    it('memory-exhaustion: cleanupExpired deletes every expired row in small batches and keeps live ones', async () => {
      const t = now();
      const past = t - 10;
      await admin.query(`INSERT INTO "${schema}".codes (hash, record, expires_at) SELECT 'c' || i, '{}', $1 FROM generate_series(1, 2500) i`, [past]);
      await admin.query(`INSERT INTO "${schema}".refresh_tokens (hash, family_id, record, expires_at) SELECT 'r' || i, 'f', '{}', $1 FROM generate_series(1, 1200) i`, [past]);
      await admin.query(`INSERT INTO "${schema}".token_families (family_id, expires_at) SELECT 'gone' || i, $1 FROM generate_series(1, 10) i`, [past]);
      await admin.query(`INSERT INTO "${schema}".revoked_access_tokens (jti, expires_at) SELECT 'j' || i, $1 FROM generate_series(1, 10) i`, [past]);
      await admin.query(`INSERT INTO "${schema}".access_tokens (hash, record, expires_at) SELECT 'a' || i, '{}', $1 FROM generate_series(1, 10) i`, [past]);
      await admin.query(`INSERT INTO "${schema}".counters (key, count, expires_at) SELECT 'k' || i, 1, $1 FROM generate_series(1, 10) i`, [past]);
      await admin.query(`INSERT INTO "${schema}".family_access_tokens (family_id, jti, expires_at) SELECT 'f', 'x' || i, $1 FROM generate_series(1, 10) i`, [past]);
      const live = { hash: 'live-code', familyId: 'live', clientId: 'c', redirectUri: 'https://a.example', scope: 'a', subject: 's', authTime: t, issuedAt: t, expiresAt: t + 600 };
      await store.saveCode(live);
      await store.saveRefreshToken({ hash: 'live-rt', familyId: 'live', clientId: 'c', subject: 's', scope: 'a', issuedAt: t, expiresAt: t + 600, familyExpiresAt: t + 600 });

      const limited = await cleanupExpired(admin, { schema, batchSize: 500, maxBatches: 2 });
      expect(limited).toEqual({ deleted: 1000, batches: 2, truncated: true });

      const result = await cleanupExpired(admin, { schema, batchSize: 500 });
      expect(result.truncated).toBe(false);
      expect(result.deleted).toBe(2500 + 1200 + 5 * 10 - 1000);
      for (const table of ['codes', 'refresh_tokens', 'token_families', 'revoked_access_tokens', 'access_tokens', 'counters', 'family_access_tokens']) {
        const expired = Number((await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table} WHERE expires_at <= $1`, [t])).rows[0]?.n);
        expect(expired, table).toBe(0);
      }
      expect(await count('codes')).toBe(1);
      await expect(store.consumeCode('live-code')).resolves.toMatchObject({ status: 'ok' });
      await expect(store.findRefreshToken('live', 'live-rt')).resolves.toMatchObject({ hash: 'live-rt' });
    });

    it('cleanupExpired skips rows a live transaction holds instead of waiting for them', async () => {
      const t = now();
      await admin.query(`INSERT INTO "${schema}".counters (key, count, expires_at) VALUES ('held', 1, $1), ('free', 1, $1)`, [t - 5]);
      const holder = await admin.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM "${schema}".counters WHERE key = 'held' FOR UPDATE`);
        const started = Date.now();
        await cleanupExpired(admin, { schema, batchSize: 10 });
        // Waiting for the lock would hang until the holder commits; any bound well short of that proves it skipped.
        expect(Date.now() - started).toBeLessThan(5000);
        const { rows } = await admin.query<{ key: string }>(`SELECT key FROM "${schema}".counters WHERE key IN ('held', 'free')`);
        expect(rows.map((r) => r.key)).toEqual(['held']);
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
      }
      await cleanupExpired(admin, { schema });
      expect(await count('counters')).toBe(0);
    });

    it('stores hashes and records only: the refresh token row is keyed by the hash it was given', async () => {
      const t = now();
      await store.saveRefreshToken({ hash: 'hash-only', familyId: 'fam-h', clientId: 'c', subject: 's', scope: 'a', issuedAt: t, expiresAt: t + 60, familyExpiresAt: t + 60 });
      const { rows } = await admin.query<{ hash: string; family_id: string }>(`SELECT hash, family_id FROM "${schema}".refresh_tokens WHERE family_id = 'fam-h'`);
      expect(rows).toEqual([{ hash: 'hash-only', family_id: 'fam-h' }]);
    });

    it('rejects a next token of another family with a TypeError', async () => {
      const t = now();
      const rt = { hash: 'tf1', familyId: 'fam-t', clientId: 'c', subject: 's', scope: 'a', issuedAt: t, expiresAt: t + 60, familyExpiresAt: t + 60 };
      await store.saveRefreshToken(rt);
      await expect(store.rotateRefreshToken('fam-t', 'tf1', { ...rt, hash: 'tf2', familyId: 'other' })).rejects.toBeInstanceOf(TypeError);
    });
  });
});
