import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const app = fileURLToPath(new URL('..', import.meta.url));
const root = join(app, '../..');
const require = createRequire(join(app, 'package.json'));
const nextBin = require.resolve('next/dist/bin/next');
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const ADMIN_TEXT = 'Only callers whose token grants orders:write';

/** Newest modification time under `path` (0 when missing), skipping build output and dependencies. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === '.next') continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

function run(args: string[], cwd: string): void {
  const result = spawnSync(process.execPath, args, { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed in ${cwd} (exit ${String(result.status)})`);
}

/**
 * Build what the app runs on, if missing or older than its sources: the packages' `dist` (Next resolves
 * @tollgate/* there) and `.next`. Under `pnpm test` turbo has already built everything, so this is a no-op.
 */
function ensureBuilt(): void {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  let packagesChanged = 0;
  for (const name of ['core', 'next']) {
    const dir = join(root, 'packages', name);
    const built = newest(join(dir, 'dist'));
    if (built === 0 || built < Math.max(newest(join(dir, 'src')), newest(join(dir, 'tsconfig.build.json')))) {
      run([tsc, '-p', 'tsconfig.build.json'], dir);
    }
    packagesChanged = Math.max(packagesChanged, newest(join(dir, 'dist')));
  }
  const buildId = newest(join(app, '.next', 'BUILD_ID'));
  const sources = Math.max(packagesChanged, ...['app', 'lib', 'proxy.ts', 'next.config.ts', 'tsconfig.json', 'package.json'].map((entry) => newest(join(app, entry))));
  if (buildId === 0 || buildId < sources) run([nextBin, 'build'], app);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request whose path goes on the wire exactly as written (fetch would resolve `/./admin` first). */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let server: ChildProcess | undefined;
let port = 0;
let base = '';
const output: string[] = [];

async function waitUntilReady(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server?.exitCode !== null) throw new Error(`next start exited early:\n${output.join('')}`);
    try {
      if ((await fetch(`${base}/.well-known/jwks.json`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`next start did not answer within 60 s:\n${output.join('')}`);
}

async function token(scope: string): Promise<string> {
  const response = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string; token_type: string; scope: string };
  expect(body.token_type).toBe('Bearer');
  expect(body.scope).toBe(scope);
  return body.access_token;
}

beforeAll(async () => {
  ensureBuilt();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Own process group, so afterAll ends exactly what this test started.
  server = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], { cwd: app, env: { ...env, ISSUER: base, PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  await waitUntilReady();
}, 300_000);

afterAll(async () => {
  const child = server;
  if (child?.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
});

describe('hosting the endpoints', () => {
  it('serves RFC 8414 metadata for the configured issuer', async () => {
    const response = await fetch(`${base}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ issuer: base, token_endpoint: `${base}/oauth/token`, jwks_uri: `${base}/.well-known/jwks.json` });
  });

  it('serves the public JWKS from the dotted jwks.json route folder', async () => {
    const response = await fetch(`${base}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
  });

  it('issues client_credentials tokens through the catch-all route', async () => {
    expect(await token('orders:read')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('lets the core answer unknown paths and methods itself (404, 405)', async () => {
    expect((await fetch(`${base}/oauth/nope`)).status).toBe(404);
    expect((await fetch(`${base}/oauth/token`)).status).toBe(405);
    expect((await fetch(`${base}/.well-known/jwks.json`, { method: 'DELETE' })).status).toBe(405);
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const response = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo-service:wrong').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });
});

describe('withAuth on /api/orders (scope orders:read)', () => {
  it('answers 200 with the orders for a token with orders:read', async () => {
    const response = await fetch(`${base}/api/orders`, { headers: { authorization: `Bearer ${await token('orders:read')}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ client: 'demo-service', orders: [{ id: 'A-1001' }] });
  });

  it('answers 401 with a Bearer challenge without a token', async () => {
    const response = await fetch(`${base}/api/orders`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('answers 401 invalid_token for a forged token', async () => {
    const real = await token('orders:read');
    const forged = `${real.slice(0, real.lastIndexOf('.'))}.${'A'.repeat(86)}`;
    const response = await fetch(`${base}/api/orders`, { headers: { authorization: `Bearer ${forged}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers 403 insufficient_scope for a token without orders:read', async () => {
    const response = await fetch(`${base}/api/orders`, { headers: { authorization: `Bearer ${await token('orders:write')}` } });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });
});

describe('proxy.ts on /admin (scope orders:write)', () => {
  it('answers 401 without a token', async () => {
    const response = await raw('/admin');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(response.body).not.toContain(ADMIN_TEXT);
  });

  it('answers 403 for a token with orders:read only', async () => {
    const response = await raw('/admin', { authorization: `Bearer ${await token('orders:read')}` });
    expect(response.status).toBe(403);
    expect(response.body).not.toContain(ADMIN_TEXT);
  });

  it('serves the page for a token with orders:write', async () => {
    const response = await raw('/admin', { authorization: `Bearer ${await token('orders:write')}` });
    expect(response.status).toBe(200);
    expect(response.body).toContain(ADMIN_TEXT);
  });

  it('refuses HEAD and OPTIONS without a token too', async () => {
    expect((await raw('/admin', {}, 'HEAD')).status).toBe(401);
    expect((await raw('/admin', {}, 'OPTIONS')).status).toBe(401);
  });

  it.each([
    'middleware:middleware:middleware:middleware:middleware',
    'proxy:proxy:proxy:proxy:proxy',
    'src/middleware:src/middleware:src/middleware:src/middleware:src/middleware',
    'src/proxy:src/proxy:src/proxy:src/proxy:src/proxy',
  ])('ignores a crafted x-middleware-subrequest header (CVE-2025-29927): %s', async (value) => {
    const response = await raw('/admin', { 'x-middleware-subrequest': value });
    expect(response.status).toBe(401);
    expect(response.body).not.toContain(ADMIN_TEXT);
  });

  // Next.js answers some spellings itself with a redirect to the canonical path; the rest reach the proxy.
  it.each([
    ['/Admin', 401],
    ['/ADMIN', 401],
    ['/%61dmin', 401],
    ['/%2561dmin', 401],
    ['//admin', 308],
    ['/admin/', 308],
    ['/./admin', 401],
    ['/x/../admin', 401],
    ['/admin;x', 401],
    ['/ADMIN/%2e%2e/admin', 401],
    ['/admin/%2e', 308],
    ['/admin%2fx', 401],
    ['/admin/x', 401],
    ['/admin/%', 400],
    ['/%zz/admin', 400],
  ])('refuses the path spelling %s without a token (%i)', async (path, status) => {
    const response = await raw(path);
    expect(response.status).toBe(status);
    expect(response.body).not.toContain(ADMIN_TEXT);
    if (status === 308) {
      expect(response.headers.location).toMatch(/^\/admin\/?$/i);
      expect((await raw(String(response.headers.location))).status).toBe(401);
    }
    // With a token lacking orders:write, no spelling reaches the page either.
    const reader = await raw(path, { authorization: `Bearer ${await token('orders:read')}` });
    expect(reader.status).not.toBe(200);
    expect(reader.body).not.toContain(ADMIN_TEXT);
  });

  it('passes unprotected paths through', async () => {
    const response = await raw('/');
    expect(response.status).toBe(200);
    expect(response.body).toContain('Tollgate Next.js example');
  });
});
