import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The example started for real, as the README documents it (`node --conditions=@tollgate/source --import tsx src/main.ts`),
 * in a child process on a free port, and used over HTTP like any client would.
 */

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT = 20_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('the example, started as documented', () => {
  let child: ChildProcess | undefined;
  let exited: Promise<Exit> | undefined;
  let output = '';
  let issuer = '';

  const token = async (auth: string, form: Record<string, string>): Promise<globalThis.Response> =>
    fetch(`${issuer}/oauth/token`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    // process.execPath: the same Node that runs the tests (CI runs a Node 20 and a Node 24 pass).
    child = spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', 'src/main.ts'], {
      cwd: EXAMPLE_DIR,
      env: { ...process.env, PORT: String(port), ISSUER: issuer },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const started = child;
    exited = new Promise<Exit>((resolve) => started.once('exit', (code, signal) => resolve({ code, signal })));
    let early: Exit | undefined;
    void exited.then((exit) => (early = exit));

    // Wait until it answers its metadata, bounded; fail with its output if it dies or never answers.
    const deadline = Date.now() + START_TIMEOUT;
    for (;;) {
      if (early) throw new Error(`the example exited during start-up (code ${early.code}, signal ${early.signal}):\n${output}`);
      try {
        const response = await fetch(`${issuer}/.well-known/oauth-authorization-server`, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`the example did not answer on ${issuer} within ${START_TIMEOUT} ms:\n${output}`);
      await sleep(100);
    }
  }, START_TIMEOUT + 10_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('prints how to use it', () => {
    expect(output).toContain(`Tollgate example listening on ${issuer}`);
    expect(output).toContain('demo-service  demo-service-secret');
    expect(output).toContain('alice / alice-password');
  });

  it('publishes its metadata with every endpoint under the issuer', async () => {
    const response = await fetch(`${issuer}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      userinfo_endpoint: `${issuer}/oauth/userinfo`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials', 'refresh_token', 'password']));

    const jwks = (await (await fetch(metadata.jwks_uri as string)).json()) as { keys: { kty: string; d?: string }[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    // Public keys only.
    for (const key of jwks.keys) expect(key.d).toBeUndefined();

    const openid = await fetch(`${issuer}/.well-known/openid-configuration`);
    expect(openid.status).toBe(200);
    expect(((await openid.json()) as { issuer: string }).issuer).toBe(issuer);
  });

  it('issues a client_credentials token to demo-service that the protected API accepts', async () => {
    const response = await token(basic('demo-service', 'demo-service-secret'), { grant_type: 'client_credentials', scope: 'orders:read' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(typeof body.access_token).toBe('string');
    expect(body.access_token.length).toBeGreaterThan(20);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(600);
    expect(body.scope).toBe('orders:read');

    const api = await fetch(`${issuer}/api/orders`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual({ orders: [{ id: 'ord_1', item: 'Coffee beans', owner: 'demo-service' }], client: 'demo-service' });

    // orders:read does not allow writing.
    const write = await fetch(`${issuer}/api/orders`, { method: 'POST', headers: { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/json' }, body: '{"item":"tea"}' });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toMatch(/^Bearer\b.*error="insufficient_scope"/);
  });

  it('refuses a wrong client secret', async () => {
    const response = await token(basic('demo-service', 'not-the-secret'), { grant_type: 'client_credentials' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('answers the API without a token with 401 and a Bearer challenge', async () => {
    const response = await fetch(`${issuer}/api/orders`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);

    const forged = await fetch(`${issuer}/api/orders`, { headers: { authorization: 'Bearer not-a-real-token' } });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/^Bearer\b.*error="invalid_token"/);
  });

  it('signs alice in with the password grant for demo-cli: refresh token, refresh, userinfo', async () => {
    const wrong = await token(basic('demo-cli', 'demo-cli-secret'), { grant_type: 'password', username: 'alice', password: 'bob-password' });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant');

    const response = await token(basic('demo-cli', 'demo-cli-secret'), { grant_type: 'password', username: 'alice', password: 'alice-password', scope: 'orders:read profile' });
    expect(response.status).toBe(200);
    const first = (await response.json()) as { access_token: string; refresh_token?: string; token_type: string; scope: string };
    expect(first.token_type).toBe('Bearer');
    expect(first.scope).toBe('orders:read profile');
    expect(typeof first.refresh_token).toBe('string');

    const userinfo = await fetch(`${issuer}/oauth/userinfo`, { headers: { authorization: `Bearer ${first.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: 'user-alice', name: 'Alice Example', preferred_username: 'alice' });

    const api = await fetch(`${issuer}/api/orders`, { headers: { authorization: `Bearer ${first.access_token}` } });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { orders: { owner: string }[] }).orders[0]?.owner).toBe('user-alice');

    const refreshed = await token(basic('demo-cli', 'demo-cli-secret'), { grant_type: 'refresh_token', refresh_token: first.refresh_token as string });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as { access_token: string; refresh_token?: string };
    expect(second.access_token).not.toBe(first.access_token);
    const again = await fetch(`${issuer}/oauth/userinfo`, { headers: { authorization: `Bearer ${second.access_token}` } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { sub: string }).sub).toBe('user-alice');
  });

  it('shuts down gracefully on SIGTERM: exit code 0 within a few seconds', async () => {
    if (!child || !exited) throw new Error('not started');
    const started = Date.now();
    expect(child.kill('SIGTERM')).toBe(true);
    const exit = await Promise.race([exited, sleep(5_000).then(() => 'timeout' as const)]);
    expect(exit, `the example did not exit within 5 s of SIGTERM:\n${output}`).not.toBe('timeout');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5_000);
    // Nothing listens any more.
    await expect(fetch(`${issuer}/.well-known/oauth-authorization-server`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  });
});
