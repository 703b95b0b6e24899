import { createAuthServer, generateKey, type AuthServer } from '@tollgate/core';
import { handlers } from '../src/index.js';

export const ISSUER = 'https://issuer.example';

/** Collects what the code under test logs, instead of printing it. */
export function quietLogger(): { error: (message: string) => void; warn: (message: string) => void; errors: string[] } {
  const errors: string[] = [];
  return { errors, error: (message) => errors.push(message), warn: () => undefined };
}

/** An in-process server with one client_credentials client, `svc` / `svc-secret`. */
export function testServer(): AuthServer {
  return createAuthServer({
    issuer: ISSUER,
    keys: [generateKey('EdDSA')],
    clients: [{ id: 'svc', secret: 'svc-secret', grantTypes: ['client_credentials'], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'] }],
    scopes: ['orders:read', 'orders:write'],
    logger: quietLogger(),
  });
}

/** A `client_credentials` token request, as a route handler receives it. */
export function tokenRequest(scope: string, secret = 'svc-secret'): Request {
  return new Request(`${ISSUER}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${btoa(`svc:${secret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
}

/** Issue an access token through the adapter's own handlers. */
export async function issueToken(server: AuthServer, scope: string): Promise<string> {
  const response = await handlers(server).POST(tokenRequest(scope));
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
