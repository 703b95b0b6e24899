import { createAuthServer, generateKey, type AuthServer } from '@tollgate/core';

/** The issuer: `ISSUER`, or `http://localhost:${PORT}` (default port 3002). */
export const issuer = process.env.ISSUER ?? `http://localhost:${process.env.PORT ?? '3002'}`;

// Next bundles the route handlers and proxy.ts separately, so this module can be evaluated more than once
// in one process. Keeping the server on globalThis gives them all one key set and one store.
const KEY = Symbol.for('@tollgate/example-next-app:auth-server');
const shared = globalThis as typeof globalThis & { [KEY]?: AuthServer };

/** The app's authorization server, created on first use and shared by every route and by proxy.ts. */
export function getAuthServer(): AuthServer {
  return (shared[KEY] ??= createAuthServer({
    issuer,
    // Demo only: a fresh key per process. Production loads fixed private keys and uses @tollgate/redis
    // (or @tollgate/postgres) as the store, because every Next.js deployment runs several instances.
    keys: [generateKey('EdDSA')],
    clients: [
      { id: 'demo-service', name: 'Demo service', secret: 'demo-service-secret', grantTypes: ['client_credentials'], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'] },
    ],
    scopes: ['orders:read', 'orders:write'],
    accessToken: { lifetime: 600 },
    logger: { error: (message, details) => console.error(`[tollgate] ${message}`, details ?? ''), warn: () => undefined },
  }));
}
