import { createAuthServer, generateKey, type AuthServer, type AuthServerOptions } from '../../src/index.js';

export const ISSUER = 'https://auth.example.com';
export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
export const AUTH = {
  cli: basic('cli', 'cli-secret'),
  other: basic('other', 'other-secret'),
  api: basic('orders-api', 'api-secret'),
  service: basic('service', 'service-secret'),
};

/** A server with two user clients, a machine client and a resource server that may introspect tokens for it. */
export function makeServer(extra: Partial<AuthServerOptions> = {}): AuthServer {
  return createAuthServer({
    issuer: ISSUER,
    keys: [generateKey()],
    clients: [
      { id: 'cli', secret: 'cli-secret', grantTypes: ['password', 'refresh_token'], scopes: ['orders:read', 'profile'], audience: 'https://orders.example.com' },
      { id: 'other', secret: 'other-secret', grantTypes: ['password', 'refresh_token'], scopes: ['orders:read'] },
      { id: 'service', secret: 'service-secret', grantTypes: ['client_credentials'], scopes: ['orders:read'] },
      { id: 'orders-api', secret: 'api-secret', grantTypes: ['client_credentials'], resourceServer: { audience: 'https://orders.example.com' } },
    ],
    password: { authenticateUser: async ({ username, password }) => (password === `${username}-password` ? { subject: `user-${username}` } : undefined), lockout: false },
    userinfo: ({ subject, scopes }) => (subject === 'user-ghost' ? undefined : { sub: subject, scopes: [...scopes] }),
    logger: { error: () => undefined, warn: () => undefined },
    ...extra,
  });
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  json: Record<string, unknown>;
  text: string;
}

export async function post(server: AuthServer, path: string, auth: string | undefined, form: Record<string, string>): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth) headers.authorization = auth;
  const response = await server.handle({ method: 'POST', url: path, headers, body: new URLSearchParams(form).toString() });
  return { status: response.status, headers: response.headers, json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {}, text: response.body };
}

export async function get(server: AuthServer, path: string, headers: Record<string, string>): Promise<Answer> {
  const response = await server.handle({ method: 'GET', url: path, headers });
  return { status: response.status, headers: response.headers, json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {}, text: response.body };
}

export async function passwordTokens(server: AuthServer, client: 'cli' | 'other', username = 'alice', scope?: string): Promise<{ access: string; refresh: string }> {
  const answer = await post(server, '/oauth/token', AUTH[client], { grant_type: 'password', username, password: `${username}-password`, ...(scope ? { scope } : {}) });
  if (answer.status !== 200) throw new Error(`password grant failed: ${answer.text}`);
  return { access: answer.json.access_token as string, refresh: answer.json.refresh_token as string };
}
