import { createAuthServer, generateKey, type AuthServer, type AuthServerOptions } from '@tollgate/core';
import { listenOnLoopback } from '@tollgate/test-kit/conformance';
import type { RequestListener } from 'node:http';

export const ISSUER = 'https://issuer.express.test';
export const SERVICE = { id: 'service', secret: 'service-secret-0123456789' } as const;
export const FORM = 'application/x-www-form-urlencoded';

/** A logger that keeps what it is told, so tests can assert what was (not) reported. */
export function recordingLogger(): { error(message: string, details?: Record<string, unknown>): void; warn(): void; errors: string[] } {
  const errors: string[] = [];
  return { errors, error: (message) => void errors.push(message), warn: () => undefined };
}

/** A server with one client_credentials client allowed `orders:read` and `orders:write`. */
export function makeServer(overrides: Partial<AuthServerOptions> = {}): AuthServer {
  return createAuthServer({
    issuer: ISSUER,
    keys: [generateKey('EdDSA')],
    clients: [{ id: SERVICE.id, secret: SERVICE.secret, grantTypes: ['client_credentials'], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'] }],
    logger: recordingLogger(),
    ...overrides,
  });
}

export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** An access token for the service client, straight from the core (no HTTP). */
export async function serviceToken(server: AuthServer, scope = 'orders:read'): Promise<string> {
  const response = await server.handle({
    method: 'POST',
    url: server.paths.token,
    headers: { 'content-type': FORM, authorization: basic(SERVICE.id, SERVICE.secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${response.body}`);
  return (JSON.parse(response.body) as { access_token: string }).access_token;
}

/** Listen on 127.0.0.1 and give a URL builder; close it with `await using` or `close()`. */
export async function serve(listener: RequestListener): Promise<{ url(path: string): string; close(): Promise<void> }> {
  const running = await listenOnLoopback(listener);
  return { url: (path) => running.baseUrl + path, close: running.close };
}
