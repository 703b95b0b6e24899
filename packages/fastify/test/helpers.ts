import { createAuthServer, generateKey, type AuthServer, type AuthServerOptions } from '@tollgate/core';
import type { FastifyInstance } from 'fastify';

export const ISSUER = 'https://issuer.fastify.test';
export const SERVICE = { id: 'service', secret: 'service-secret-0123456789' } as const;
export const FORM = 'application/x-www-form-urlencoded';
export const silent = { error: (): void => undefined, warn: (): void => undefined };

/** A server with one client_credentials client allowed `orders:read` and `orders:write`. */
export function makeServer(overrides: Partial<AuthServerOptions> = {}): AuthServer {
  return createAuthServer({
    issuer: ISSUER,
    keys: [generateKey('EdDSA')],
    clients: [{ id: SERVICE.id, secret: SERVICE.secret, grantTypes: ['client_credentials'], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'] }],
    logger: silent,
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

/** Listen on 127.0.0.1 (ephemeral port) and build URLs. */
export async function serve(app: FastifyInstance): Promise<{ url(path: string): string; close(): Promise<void> }> {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: (path) => address + path, close: () => app.close() };
}

/** Log lines a Fastify logger wrote, parsed. */
export function logCapture(): { stream: { write(line: string): void }; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, stream: { write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) } };
}
