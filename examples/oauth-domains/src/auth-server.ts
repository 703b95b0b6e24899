import { createAuthServer, generateKey, type AuthServer, type ClientConfig, type Store, type TollgateLogger } from '@tollgate/core';
import type { SessionLog } from './sessions.js';
import { checkPassword, permissionsOf } from './users.js';

/** The scopes PrivX tokens carry (the document's example: `privx-user connections-manual`). */
export const PRIVX_SCOPES = ['privx-user', 'privx-admin', 'connections-manual'] as const;

/** The registered redirect URI of privx-ui: the document's `/privx/oauth-callback`, made absolute on the issuer. */
export const callbackUri = (issuer: string): string => new URL('/privx/oauth-callback', issuer).href;

/**
 * The OAuth domains of the document, one client each. "Supported grant types by OAuth domain":
 * privx-ui: authorization_code; privx-external: authorization_code, password; privx-service: client_credentials.
 * The user-facing domains also refresh (the example response carries a refresh_token). All use HTTP Basic.
 */
export function oauthDomains(issuer: string): ClientConfig[] {
  return [
    {
      id: 'privx-ui',
      name: 'PrivX',
      secret: 'privx-ui-secret',
      authMethods: ['client_secret_basic'],
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [callbackUri(issuer)],
      // The document's authorization request has no code_challenge: a confidential first-party client may skip PKCE…
      requirePkce: false,
      // …and the consent page.
      firstParty: true,
      // "aud": "privx-ui"
      audience: 'privx-ui',
      scopes: [...PRIVX_SCOPES],
      defaultScopes: ['privx-user'],
    },
    {
      id: 'privx-external',
      name: 'PrivX external tools',
      secret: 'privx-external-secret',
      authMethods: ['client_secret_basic'],
      grantTypes: ['authorization_code', 'password', 'refresh_token'],
      redirectUris: [new URL('/privx/external-callback', issuer).href],
      audience: 'privx-external',
      scopes: [...PRIVX_SCOPES],
      defaultScopes: ['privx-user'],
    },
    {
      id: 'privx-service',
      name: 'PrivX service',
      secret: 'privx-service-secret',
      authMethods: ['client_secret_basic'],
      grantTypes: ['client_credentials'],
      audience: 'privx-service',
      scopes: ['connections-manual'],
    },
  ];
}

/** Options of the example server. */
export interface PrivxOptions {
  issuer: string;
  sessions: SessionLog;
  store?: Store;
  /** Secret (≥ 32 characters) for the sign-in cookies; random per process when absent. */
  cookieSecret?: string;
  logger?: TollgateLogger;
}

/** The PrivX authorization server. */
export function createPrivxAuthServer(options: PrivxOptions): AuthServer {
  const { sessions } = options;
  return createAuthServer({
    issuer: options.issuer,
    // Ed25519-signed JWTs. Demo only: a fresh key per start; production loads its private key.
    keys: [generateKey('EdDSA')],
    ...(options.store ? { store: options.store } : {}),
    clients: oauthDomains(options.issuer),
    scopes: [...PRIVX_SCOPES],
    // "token_type": "bearer", "expires_in": 300
    accessToken: { tokenType: 'bearer', lifetime: 300 },
    // The password grant (privx-external): a new PrivX session per sign-in.
    password: {
      authenticateUser: async ({ username, password, client }) => {
        const userId = checkPassword(username, password);
        if (userId === undefined) return undefined;
        return { subject: userId, claims: { sessionid: sessions.open({ userId, domain: client.id, grantType: 'password', userAgent: undefined, oidcId: undefined }) } };
      },
    },
    // The document's claims: aud (per-client audience above), exp, iat, iss, domain, permissions, sessionid, userid.
    claims: ({ client, subject, grantType }) => {
      if (grantType === 'client_credentials') return { domain: client.id };
      return { domain: client.id, permissions: permissionsOf(subject).join(','), userid: subject };
    },
    authorize: {
      // "Temporary redirect"
      redirectStatus: 307,
      ...(options.cookieSecret ? { cookieSecrets: [options.cookieSecret] } : {}),
      // The default sign-in page checks the same users (without opening a session: that happens per code, below).
      authenticateUser: async ({ username, password }) => {
        const userId = checkPassword(username, password);
        return userId === undefined ? undefined : { subject: userId };
      },
      // The authorization request's own parameters `user_agent` and `oidc_id` arrive here with the whole request.
      beforeCode: async ({ params, user, client }) => ({
        claims: { sessionid: sessions.open({ userId: user.subject, domain: client.id, grantType: 'authorization_code', userAgent: params.get('user_agent'), oidcId: params.get('oidc_id') }) },
      }),
      scopeDescriptions: { 'privx-user': 'Use PrivX', 'privx-admin': 'Administer PrivX', 'connections-manual': 'Open connections manually' },
    },
    logger: options.logger ?? { error: (message, details) => console.error(`[tollgate] ${message}`, details ?? ''), warn: () => undefined },
  });
}
