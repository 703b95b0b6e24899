import { createAuthServer, generateKey, type AuthServer, type ClientConfig, type ScopeDefinition, type Store, type TollgateLogger } from '@tollgate/core';

/** The demo API key, printed at start-up and used in the README's curl commands. */
export const DEMO_API_KEY = 'demo-acs-api-key';

/** The PrizmDoc Cloud account the API keys belong to (the `client_id` and `sub` of its tokens). */
export const ACCOUNT_ID = 'prizmdoc-cloud-demo';

/**
 * The scope of `POST /v1/authTokens` is `{client customer user id} {client custom role}`, e.g.
 * `userid:1234 role:admin`: two parameterised scopes whose values become the access-token claims
 * `userid: "1234"` and `role: "admin"`.
 */
export const ACS_SCOPES: readonly ScopeDefinition[] = [
  { name: 'userid', parameter: /[A-Za-z0-9._@-]{1,128}/, description: "the customer's user id" },
  { name: 'role', parameter: /[A-Za-z0-9_-]{1,64}/, description: "the customer's own role name" },
];

/** Options of the example server. */
export interface AcsOptions {
  issuer: string;
  /** Accepted `acs-api-key` values. Default: the demo key. */
  apiKeys?: readonly string[];
  store?: Store;
  logger?: TollgateLogger;
}

/** The account, as a Tollgate client authenticated by its API keys only. */
export function acsClient(apiKeys: readonly string[]): ClientConfig {
  return {
    id: ACCOUNT_ID,
    name: 'PrizmDoc Cloud demo account',
    apiKeys,
    authMethods: ['api_key'],
    grantTypes: ['client_credentials'],
    scopes: ['userid', 'role'],
  };
}

/** The authorization server behind `POST /v1/authTokens`. */
export function createAcsAuthServer(options: AcsOptions): AuthServer {
  const apiKeys = options.apiKeys?.length ? options.apiKeys : [DEMO_API_KEY];
  return createAuthServer({
    issuer: options.issuer,
    // Demo only: a fresh key per start. Production apps load their private keys.
    keys: [generateKey('EdDSA')],
    ...(options.store ? { store: options.store } : {}),
    // "POST /v1/authTokens"
    paths: { token: '/v1/authTokens' },
    // "acs-api-key  Required  {{api-key}}"; a missing or wrong key is 401 invalid_client.
    clientAuthentication: { apiKeyHeader: 'acs-api-key' },
    clients: [acsClient(apiKeys)],
    // "scope": "userid:1234 role:admin"
    scopes: ACS_SCOPES,
    // "token_type": "acs-oauth", "expires_in": 3600
    accessToken: { tokenType: 'acs-oauth', lifetime: 3600 },
    logger: options.logger ?? { error: (message, details) => console.error(`[tollgate] ${message}`, details ?? ''), warn: () => undefined },
  });
}
