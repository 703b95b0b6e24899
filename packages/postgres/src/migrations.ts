import type { Pool } from 'pg';
import { DEFAULT_SCHEMA, quoteSchema } from './schema.js';

/** One schema migration, shipped with the package as SQL text. */
export interface Migration {
  /** Increasing version; recorded in `<schema>.tollgate_migrations`. */
  version: number;
  /** File-style name, e.g. `001_init`. */
  name: string;
  /** Runs with `search_path` set to the target schema, so table names are unqualified. */
  sql: string;
}

/*
 * Times are bigint seconds since the epoch, as the Store interface speaks. Records are `json` (kept exactly as
 * written: key order, numbers, any string). There are no foreign keys on purpose: rows of different tables
 * expire and are cleaned up independently, and no cleanup batch has to lock a second table.
 */
const INIT = `
CREATE TABLE codes (
  hash text PRIMARY KEY,
  record json NOT NULL,
  uses integer NOT NULL DEFAULT 0,
  expires_at bigint NOT NULL
);
CREATE INDEX codes_expires_at_idx ON codes (expires_at);

CREATE TABLE token_families (
  family_id text PRIMARY KEY,
  expires_at bigint NOT NULL,
  revoked_at bigint
);
CREATE INDEX token_families_expires_at_idx ON token_families (expires_at);

CREATE TABLE refresh_tokens (
  hash text PRIMARY KEY,
  family_id text NOT NULL,
  record json NOT NULL,
  spent_at bigint,
  expires_at bigint NOT NULL
);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

CREATE TABLE family_access_tokens (
  family_id text NOT NULL,
  jti text NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (family_id, jti)
);
CREATE INDEX family_access_tokens_expires_at_idx ON family_access_tokens (expires_at);

CREATE TABLE revoked_access_tokens (
  jti text PRIMARY KEY,
  expires_at bigint NOT NULL
);
CREATE INDEX revoked_access_tokens_expires_at_idx ON revoked_access_tokens (expires_at);

CREATE TABLE access_tokens (
  hash text PRIMARY KEY,
  record json NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX access_tokens_expires_at_idx ON access_tokens (expires_at);

CREATE TABLE counters (
  key text PRIMARY KEY,
  count integer NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX counters_expires_at_idx ON counters (expires_at);
`;

/** Every migration the package ships, oldest first. Kept as TypeScript strings so the built package needs no extra files. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: '001_init', sql: INIT }];

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** Schema to create the tables in (created if missing). Default `tollgate`. */
  schema?: string;
}

/**
 * Bring a schema up to date: create it if needed and apply, in one transaction, every shipped migration not yet
 * recorded in `<schema>.tollgate_migrations`. Safe to run from several instances at once (an advisory lock
 * serialises them) and on every start-up (already-applied migrations are skipped).
 *
 * @returns The versions applied by this call (empty when the schema was already current).
 * @throws TypeError when `schema` is not a plain identifier.
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<number[]> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = quoteSchema(schema);
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tollgate:migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`SET LOCAL search_path TO ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS tollgate_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM tollgate_migrations');
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO tollgate_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    failed = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release(failed);
  }
}
