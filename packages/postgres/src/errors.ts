import { StoreUnavailableError } from '@tollgate/core';

/**
 * SQLSTATE classes that mean "the database cannot serve this now", not "this statement is wrong":
 * 08 connection exception, 40 transaction rollback (serialization failure, deadlock), 53 insufficient
 * resources, 57 operator intervention (statement_timeout's query_canceled, shutdown), 58 system error.
 */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)/;

/** SQLSTATEs that mean the schema is not there: migrations were not run. */
const MISSING_SCHEMA = new Set(['42P01', '3F000']);

interface DatabaseErrorLike {
  code: string;
  severity: string;
}

const isDatabaseError = (error: unknown): error is Error & DatabaseErrorLike =>
  error instanceof Error && typeof (error as Partial<DatabaseErrorLike>).code === 'string' && typeof (error as Partial<DatabaseErrorLike>).severity === 'string';

/**
 * Sort an error from `pg`: failures to reach or use the database become {@link StoreUnavailableError} (the
 * endpoints answer 503); errors in what was asked stay as they are, so bugs fail loudly.
 */
export function toStoreError(error: unknown, schema: string): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (isDatabaseError(error)) {
    if (TRANSIENT_SQLSTATE.test(error.code)) return new StoreUnavailableError(`postgres unavailable: ${error.message}`, { cause: error });
    if (MISSING_SCHEMA.has(error.code)) {
      return new Error(`@tollgate/postgres: the tables are missing in schema "${schema}"; run migrate(pool, { schema: '${schema}' }) first`, { cause: error });
    }
    return error;
  }
  // No SQLSTATE: the connection itself failed (refused, reset, terminated, connect or query timeout).
  return new StoreUnavailableError(`postgres unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
