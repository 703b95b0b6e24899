import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, createHash } from 'node:crypto';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Many instances, one truth: two real example processes share one Redis (then one PostgreSQL) through a
 * TCP proxy the test can cut. A code issued by A is redeemed at B, refresh reuse across instances revokes the
 * family, revocations are seen everywhere, and an unreachable store answers 503 quickly and recovers by itself.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const CI = process.env.CI === 'true';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A TCP proxy in front of a service, so a test can make the service vanish and come back. */
class CuttableProxy {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      this.sockets.add(client).add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address && typeof address === 'object') this.port = address.port;
  }
  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

interface Instance {
  base: string;
  child: ChildProcess;
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`instance exited early:\n${output}`);
    try {
      const response = await fetch(`${base}/.well-known/jwks.json`);
      if (response.ok) return { base, child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  child.kill('SIGKILL');
  throw new Error(`instance did not start:\n${output}`);
}

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function token(base: string, auth: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, ms: Date.now() - started };
}

async function post(base: string, path: string, auth: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
}

/** Sign alice in at `base` through the default pages and approve consent; returns the code. */
async function codeFrom(base: string, verifier: string, redirectUri: string): Promise<string> {
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({ response_type: 'code', client_id: 'demo-web', redirect_uri: redirectUri, scope: 'openid orders:read', state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256' });
  const jar = new Map<string, string>();
  const keep = (response: Response): void => {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = (pair ?? '').indexOf('=');
      jar.set((pair ?? '').slice(0, eq), (pair ?? '').slice(eq + 1));
    }
  };
  const cookie = (): string => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const hidden = (html: string): string => /name="tollgate_request" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const page = await fetch(`${base}/oauth/authorize?${query}`, { headers: { accept: 'text/html' } });
  keep(page);
  const signIn = await fetch(`${base}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({ tollgate_action: 'sign-in', tollgate_request: hidden(await page.text()), username: 'alice', password: 'alice-password' }),
  });
  keep(signIn);
  const consent = await fetch(`${base}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({ tollgate_action: 'consent', tollgate_request: hidden(await signIn.text()), decision: 'approve' }),
  });
  const location = new URL(consent.headers.get('location') ?? 'http://invalid/');
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`no code (status ${consent.status}, location ${location.href})`);
  return code;
}

const stores = [
  { kind: 'redis', url: REDIS_URL, env: (proxy: string) => ({ REDIS_URL: proxy, TOLLGATE_REDIS_PREFIX: `tollgate-mi-${randomBytes(4).toString('hex')}` }), scheme: 'redis' },
  { kind: 'postgres', url: DATABASE_URL, env: (proxy: string) => ({ DATABASE_URL: proxy, TOLLGATE_PG_SCHEMA: `tollgate_mi_${randomBytes(4).toString('hex')}` }), scheme: 'postgres' },
] as const;

for (const store of stores) {
  const available = await reachable(store.url);
  if (!available && CI) throw new Error(`${store.kind} at ${store.url} is not reachable and CI=true: these tests must run`);
  if (!available) console.warn(`\n*** ${store.kind} is not reachable at ${store.url}: SKIPPING the many-instance tests for it ***\n`);

  describe.skipIf(!available)(`two instances sharing ${store.kind}`, () => {
    const target = new URL(store.url);
    const proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port) });
    let a: Instance;
    let b: Instance;
    const issuer = 'http://localhost:3999';
    const redirectUri = `${issuer}/client/callback`;
    const cli = basic('demo-cli', 'demo-cli-secret');
    const web = basic('demo-web', 'demo-web-secret');

    beforeAll(async () => {
      await proxy.open();
      const proxied = new URL(store.url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      const { privateKey } = generateKeyPairSync('ed25519');
      const env = {
        TOLLGATE_STORE: store.kind,
        ISSUER: issuer,
        TOLLGATE_SIGNING_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        TOLLGATE_COOKIE_SECRET: randomBytes(32).toString('base64url'),
        ...store.env(proxied.href),
      };
      // A first, alone, so the PostgreSQL migration runs once before B starts.
      a = await startInstance(env);
      b = await startInstance(env);
    }, 90_000);

    afterAll(async () => {
      for (const instance of [a, b]) instance?.child.kill('SIGKILL');
      await proxy.cut();
    });

    it('redeems at B a code issued through A', async () => {
      const verifier = randomBytes(32).toString('base64url');
      const code = await codeFrom(a.base, verifier, redirectUri);
      const redeemed = await token(b.base, web, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
      expect(redeemed.status).toBe(200);
      expect(typeof redeemed.body.refresh_token).toBe('string');
      // ...and only once, whichever instance is asked.
      expect((await token(a.base, web, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier })).body.error).toBe('invalid_grant');
      // The second redemption revoked the family: the refresh token from the first no longer works at B.
      expect((await token(b.base, web, { grant_type: 'refresh_token', refresh_token: redeemed.body.refresh_token as string })).body.error).toBe('invalid_grant');
    });

    it('detects at B the reuse of a refresh token rotated at A, and revokes the family', async () => {
      const first = await token(a.base, cli, { grant_type: 'password', username: 'alice', password: 'alice-password' });
      expect(first.status).toBe(200);
      const rotated = await token(a.base, cli, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string });
      expect(rotated.status).toBe(200);
      const reuse = await token(b.base, cli, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string });
      expect(reuse.status).toBe(400);
      expect(reuse.body.error).toBe('invalid_grant');
      // The newest token of the family died with it, at either instance.
      expect((await token(a.base, cli, { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token as string })).body.error).toBe('invalid_grant');
      // ...and so did the access token issued with it.
      const introspected = await post(b.base, '/oauth/introspect', cli, { token: rotated.body.access_token as string });
      expect(await introspected.json()).toEqual({ active: false });
    });

    it('honours at B a revocation made at A', async () => {
      const issued = await token(b.base, cli, { grant_type: 'password', username: 'bob', password: 'bob-password' });
      expect(issued.status).toBe(200);
      expect((await post(a.base, '/oauth/revoke', cli, { token: issued.body.access_token as string })).status).toBe(200);
      expect(await (await post(b.base, '/oauth/introspect', cli, { token: issued.body.access_token as string })).json()).toEqual({ active: false });
      expect((await fetch(`${b.base}/oauth/userinfo`, { headers: { authorization: `Bearer ${issued.body.access_token as string}` } })).status).toBe(401);
      expect((await post(a.base, '/oauth/revoke', cli, { token: issued.body.refresh_token as string, token_type_hint: 'refresh_token' })).status).toBe(200);
      expect((await token(b.base, cli, { grant_type: 'refresh_token', refresh_token: issued.body.refresh_token as string })).body.error).toBe('invalid_grant');
    });

    it('answers 503 quickly while the store is unreachable, issues nothing it could not record, and recovers without a restart', async () => {
      const before = await token(a.base, cli, { grant_type: 'password', username: 'alice', password: 'alice-password' });
      expect(before.status).toBe(200);
      await proxy.cut();
      for (const instance of [a, b]) {
        const during = await token(instance.base, cli, { grant_type: 'password', username: 'alice', password: 'alice-password' });
        expect(during.status).toBe(503);
        expect(during.body.error).toBe('temporarily_unavailable');
        expect(during.body).not.toHaveProperty('access_token');
        expect(during.ms).toBeLessThan(8_000);
        const refresh = await token(instance.base, cli, { grant_type: 'refresh_token', refresh_token: before.body.refresh_token as string });
        expect(refresh.status).toBe(503);
        expect(refresh.body).not.toHaveProperty('access_token');
      }
      await proxy.open();
      // Same processes, no restart: the first request after the store is back (allowing a reconnect) succeeds.
      let recovered = 0;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        recovered = (await token(b.base, cli, { grant_type: 'refresh_token', refresh_token: before.body.refresh_token as string })).status;
        if (recovered !== 503) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      // The refresh token that was handed out before the outage still works exactly once.
      expect(recovered).toBe(200);
      expect((await token(a.base, cli, { grant_type: 'password', username: 'bob', password: 'bob-password' })).status).toBe(200);
    }, 60_000);
  });
}
