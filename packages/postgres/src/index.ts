export { postgresStore, type PostgresStore, type PostgresStoreOptions } from './store.js';
export { migrate, MIGRATIONS, type Migration, type MigrateOptions } from './migrations.js';
export { cleanupExpired, type CleanupOptions, type CleanupResult } from './cleanup.js';
