import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer, generateKey, type AuthServer } from '@tollgate/core';
import { createApp } from '@tollgate/example-express-server/app';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The issuer (the express-server example) in-process, and this API started for real, as `pnpm start` does. */
describe('the Fastify API against the Express example issuer', () => {
  let issuerHttp: Server;
  let issuer: string;
  let server: AuthServer;
  let child: ChildProcess | undefined;
  let api: string;
  const output: string[] = [];

  beforeAll(async () => {
    issuerHttp = createServer();
    await new Promise<void>((resolve) => issuerHttp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(issuerHttp.address() as AddressInfo).port}`;
    const example = createApp({ issuer });
    server = example.server;
    issuerHttp.on('request', example.app);

    // The documented command, with the port chosen by the OS and no refetch cooldown so the rotation test is quick.
    child = spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', 'src/main.ts'], {
      cwd: EXAMPLE_DIR,
      env: { ...process.env, PORT: '0', ISSUER: issuer, JWKS_COOLDOWN_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = child;
    api = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the API did not start:\n${output.join('')}`)), 45_000);
      const onData = (chunk: Buffer): void => {
        output.push(chunk.toString());
        const address = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(''))?.[1];
        if (address !== undefined) {
          clearTimeout(timer);
          resolve(address);
        }
      };
      started.stdout?.on('data', onData);
      started.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the API exited with ${code}:\n${output.join('')}`));
      });
    });
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise<void>((resolve) => {
      issuerHttp.close(() => resolve());
      issuerHttp.closeAllConnections();
    });
    await server.close();
  });

  const tokenFor = async (scope: string): Promise<string> => {
    const response = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const kidOf = (token: string): unknown => (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid?: unknown }).kid;
  const call = (path: string, token?: string): Promise<Response> => fetch(api + path, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  it('answers 200 for a token with orders:read', async () => {
    const response = await call('/orders', await tokenFor('orders:read'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ orders: [{ id: 'ord_1', item: 'Coffee beans' }], owner: 'demo-service' });
  });

  it('answers 401 with a Bearer challenge without a token', async () => {
    const response = await call('/orders');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="/);
  });

  it('answers 403 insufficient_scope for a token without orders:read', async () => {
    const response = await call('/orders', await tokenFor('orders:write'));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="orders:read"/);
  });

  it('answers /me with the claims of any valid token', async () => {
    const response = await call('/me', await tokenFor('orders:write'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'demo-service', client_id: 'demo-service', scope: 'orders:write' });
  });

  it('refuses a token signed by a key the issuer never published', async () => {
    const impostor = createAuthServer({
      issuer,
      keys: [generateKey()],
      clients: [{ id: 'demo-service', secret: 'demo-service-secret', grantTypes: ['client_credentials'], scopes: ['orders:read'] }],
      logger: { error: () => undefined, warn: () => undefined },
    });
    const forged = await impostor.handle({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=demo-service&client_secret=demo-service-secret&scope=orders:read',
    });
    const response = await call('/orders', (JSON.parse(forged.body) as { access_token: string }).access_token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    await impostor.close();
  });

  it('verifies tokens signed with a rotated key (JWKS refetched on an unknown kid), and the old ones still', async () => {
    const before = await tokenFor('orders:read');
    expect((await call('/orders', before)).status).toBe(200);

    server.keys.rotate(generateKey());
    const after = await tokenFor('orders:read');
    expect(kidOf(after)).not.toBe(kidOf(before));
    expect((await call('/orders', after)).status).toBe(200);
    expect((await call('/orders', before)).status).toBe(200);
  });
});
