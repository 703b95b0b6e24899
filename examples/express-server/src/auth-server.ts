import { createAuthServer, generateKey, type AuthServer, type ClientConfig, type KeyInput, type Store } from '@tollgate/core';
import { checkPassword, profile } from './users.js';

/** The demo clients, as printed at start-up and documented in the README. */
export function demoClients(issuer: string): ClientConfig[] {
  return [
    { id: 'demo-service', name: 'Demo service', secret: 'demo-service-secret', grantTypes: ['client_credentials'], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'] },
    {
      id: 'demo-web',
      name: 'Demo web app',
      secret: 'demo-web-secret',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [new URL('/client/callback', issuer).href],
      scopes: ['openid', 'profile', 'orders:read'],
    },
    { id: 'demo-cli', name: 'Demo CLI', secret: 'demo-cli-secret', grantTypes: ['password', 'refresh_token'], scopes: ['orders:read', 'orders:write', 'profile'], defaultScopes: ['orders:read'] },
    {
      id: 'demo-spa',
      name: 'Demo single-page app',
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['http://localhost:5173/callback', new URL('/spa/callback', issuer).href],
      scopes: ['openid', 'profile', 'orders:read'],
    },
  ];
}

/** Options the example takes from its environment. */
export interface ExampleOptions {
  issuer: string;
  store?: Store;
  cookieSecret?: string;
  /** Signing keys; every instance behind one issuer must share them. Default: a fresh Ed25519 key (demo only). */
  keys?: KeyInput[];
}

/** The example's authorization server. */
export function createExampleAuthServer(options: ExampleOptions): AuthServer {
  return createAuthServer({
    issuer: options.issuer,
    // Demo default: a fresh key per start. Production apps load their private keys (TOLLGATE_SIGNING_KEY).
    keys: options.keys ?? [generateKey('EdDSA')],
    ...(options.store ? { store: options.store } : {}),
    clients: demoClients(options.issuer),
    scopes: ['openid', 'profile', 'orders:read', 'orders:write'],
    accessToken: { lifetime: 600 },
    userinfo: ({ subject }) => profile(subject),
    password: { authenticateUser: ({ username, password }) => checkPassword(username, password) },
    authorize: {
      ...(options.cookieSecret ? { cookieSecrets: [options.cookieSecret] } : {}),
      scopeDescriptions: { openid: 'Know who you are', profile: 'See your name and username', 'orders:read': 'See your orders', 'orders:write': 'Create and change your orders' },
    },
    logger: { error: (message, details) => console.error(`[tollgate] ${message}`, details ?? ''), warn: () => undefined },
  });
}
