/** Default schema for Tollgate's tables. */
export const DEFAULT_SCHEMA = 'tollgate';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Validate a schema name and return it double-quoted for SQL. Only plain identifiers are accepted, so a schema
 * name taken from configuration can never inject SQL.
 *
 * @throws TypeError for anything but `[A-Za-z_][A-Za-z0-9_]*` (at most 63 characters).
 */
export function quoteSchema(schema: string): string {
  if (!IDENTIFIER.test(schema)) throw new TypeError(`schema must be a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(schema)}`);
  return `"${schema}"`;
}

/** The store's tables, schema-qualified and quoted. */
export interface Tables {
  codes: string;
  families: string;
  refreshTokens: string;
  familyAccessTokens: string;
  revokedAccessTokens: string;
  accessTokens: string;
  counters: string;
}

/** Every table that holds expiring rows, in the order the cleanup job visits them. */
export const EXPIRING_TABLES = ['codes', 'refreshTokens', 'familyAccessTokens', 'revokedAccessTokens', 'accessTokens', 'counters', 'families'] as const satisfies readonly (keyof Tables)[];

/** The quoted, schema-qualified table names for a schema. */
export function tables(schema: string): Tables {
  const s = quoteSchema(schema);
  return {
    codes: `${s}.codes`,
    families: `${s}.token_families`,
    refreshTokens: `${s}.refresh_tokens`,
    familyAccessTokens: `${s}.family_access_tokens`,
    revokedAccessTokens: `${s}.revoked_access_tokens`,
    accessTokens: `${s}.access_tokens`,
    counters: `${s}.counters`,
  };
}
