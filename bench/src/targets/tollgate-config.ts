/** The Tollgate configuration every Tollgate token target shares (so frameworks are the only difference). */
import { createAuthServer, memoryStore, type AuthServer, type AuthServerOptions, type ClientConfig, type Store } from '@tollgate/core';
import { AUDIENCE, AS_ISSUER, CLIENT_ID, CLIENT_SECRET, CLI_ID, CLI_SECRET, PASSWORD, SCOPE, TOKEN_LIFETIME, USERNAME, USER_SUBJECT, isBenchUser, keys } from '../shared.js';

const quietLogger = { error: (message: string, details?: unknown) => console.error(`[tollgate] ${message}`, details ?? ''), warn: () => undefined };

/** The client_credentials client of the token-endpoint targets. */
export const benchClient: ClientConfig = { id: CLIENT_ID, secret: CLIENT_SECRET, grantTypes: ['client_credentials'], scopes: [SCOPE], authMethods: ['client_secret_basic'] };
/** The password + refresh client of the store targets. */
export const cliClient: ClientConfig = { id: CLI_ID, secret: CLI_SECRET, grantTypes: ['password', 'refresh_token'], scopes: [SCOPE], authMethods: ['client_secret_basic'] };

/**
 * A Tollgate server issuing EdDSA JWT access tokens (RFC 9068) with the bench key. `extraClients` grow the
 * static client list (cost-growth targets); `store` defaults to `memoryStore()`.
 */
export function tollgateServer(options: { store?: Store; extraClients?: readonly ClientConfig[] } = {}): AuthServer {
  const config: AuthServerOptions = {
    issuer: AS_ISSUER,
    keys: [{ key: keys().EdDSA.privatePem, alg: 'EdDSA', kid: keys().EdDSA.kid }],
    store: options.store ?? memoryStore(),
    clients: [benchClient, cliClient, ...(options.extraClients ?? [])],
    scopes: [SCOPE],
    accessToken: { format: 'jwt', lifetime: TOKEN_LIFETIME, audience: AUDIENCE },
    // A constant-time comparison of a fixed password: the store, not a password KDF, is what the store targets measure.
    password: { authenticateUser: async ({ username, password }) => (isBenchUser(username) && password === PASSWORD ? { subject: username === USERNAME ? USER_SUBJECT : `${USER_SUBJECT}${username.slice(USERNAME.length)}` } : undefined) },
    logger: quietLogger,
  };
  return createAuthServer(config);
}
