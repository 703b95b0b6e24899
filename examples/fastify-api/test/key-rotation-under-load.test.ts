import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, type AuthServer } from '@tollgate/core';
import { createApp } from '@tollgate/example-express-server/app';

/*
 * Key rotation under load. The express-server example runs in-process as the issuer; this API runs for real
 * (`src/main.ts`, a child process) with JWKS_COOLDOWN_MS=200. A bounded load of requests carries tokens signed
 * with every key the issuer has had, while the issuer rotates its key twice: no valid token may get a 401 —
 * old tokens keep verifying (the old keys stay in the JWKS), new ones verify after the refetch on an unknown kid.
 *
 * Also: the API's graceful shutdown (a request in flight at SIGTERM is answered, new connections are refused,
 * exit 0), and how long new-key tokens are refused when a rotation falls inside the refetch cooldown.
 */

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
const COOLDOWN_MS = 200;
/** Load bounds. */
const WORKERS = 16;
const LOAD_MS = 6_000;
const MAX_REQUESTS_PER_WORKER = 5_000;

interface Api {
  child: ChildProcess;
  base: string;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

async function startApi(issuer: string, cooldownMs: number): Promise<Api> {
  const child = spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', 'src/main.ts'], {
    cwd: EXAMPLE_DIR,
    env: { ...process.env, PORT: '0', ISSUER: issuer, JWKS_COOLDOWN_MS: String(cooldownMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 45_000;
  for (;;) {
    const address = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(output);
    if (address?.[1] !== undefined) return { child, base: address[1], port: Number(address[2]), exited, output: () => output };
    if (child.exitCode !== null) throw new Error(`the API exited during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the API did not start:\n${output}`);
    }
    await sleep(50);
  }
}

async function stopApi(api: Api | undefined): Promise<void> {
  if (api && api.child.exitCode === null && api.child.signalCode === null) {
    api.child.kill('SIGKILL');
    await api.exited;
  }
}

const kidOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;

/** Whether something accepts TCP connections on 127.0.0.1:port (bounded by 1 s). */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('key rotation under load: the Fastify API against the Express example issuer', () => {
  let issuerHttp: Server;
  let issuer: string;
  let server: AuthServer;
  /** JWKS requests the issuer answered, and a delay it may add to them. */
  const jwks = { served: 0, delayMs: 0 };
  const apis: Api[] = [];

  beforeAll(async () => {
    issuerHttp = createServer();
    await new Promise<void>((resolve) => issuerHttp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(issuerHttp.address() as AddressInfo).port}`;
    const example = createApp({ issuer });
    server = example.server;
    issuerHttp.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/.well-known/jwks.json') {
        jwks.served += 1;
        if (jwks.delayMs > 0) {
          const delay = jwks.delayMs;
          setTimeout(() => example.app(req, res), delay);
          return;
        }
      }
      example.app(req, res);
    });
  });

  afterAll(async () => {
    for (const api of apis) await stopApi(api);
    await new Promise<void>((resolve) => {
      issuerHttp.close(() => resolve());
      issuerHttp.closeAllConnections();
    });
    await server.close();
  });

  const serviceToken = async (): Promise<string> => {
    const response = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo-service:demo-service-secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read' }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const userToken = async (username: string): Promise<string> => {
    const response = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo-cli:demo-cli-secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'password', username, password: `${username}-password` }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  it('answers 200 to every valid token, signed with the old keys or the new, while the issuer rotates twice', { timeout: 90_000 }, async () => {
    const api = await startApi(issuer, COOLDOWN_MS);
    apis.push(api);
    // Tokens of the first key: machine tokens and user tokens.
    const pool: { token: string; generation: number }[] = [];
    for (let i = 0; i < 30; i += 1) pool.push({ token: await serviceToken(), generation: 0 });
    for (const user of ['alice', 'bob']) pool.push({ token: await userToken(user), generation: 0 });
    // The API has fetched the JWKS once it has seen a token.
    expect((await fetch(`${api.base}/orders`, { headers: { authorization: `Bearer ${pool[0]?.token}` } })).status).toBe(200);
    const servedBefore = jwks.served;

    let generation = 0;
    const results = new Map<string, number>(); // "generation status" → count
    const failures: string[] = [];
    const started = Date.now();
    const deadline = started + LOAD_MS;
    const rotations: { at: number; kid: string }[] = [];

    // The issuer keeps minting tokens with whatever key is active, and rotates at 1/4 and 3/5 of the load.
    const minting = (async () => {
      const rotateAt = [started + LOAD_MS / 4, started + (LOAD_MS * 3) / 5];
      while (Date.now() < deadline - 300) {
        if (rotateAt[0] !== undefined && Date.now() >= rotateAt[0]) {
          rotateAt.shift();
          const entry = server.keys.rotate(generateKey());
          generation += 1;
          rotations.push({ at: Date.now() - started, kid: entry.kid });
          // A user token right after the rotation too (the password grant is slower: scrypt).
          pool.push({ token: await userToken(generation % 2 === 0 ? 'alice' : 'bob'), generation });
        }
        const token = await serviceToken();
        pool.push({ token, generation });
        await sleep(20);
      }
    })();

    const worker = async (): Promise<void> => {
      for (let n = 0; n < MAX_REQUESTS_PER_WORKER && Date.now() < deadline; n += 1) {
        // Often the newest token (so a fresh kid meets many concurrent requests), otherwise any.
        const pick = Math.random() < 0.3 ? pool[pool.length - 1] : pool[Math.floor(Math.random() * pool.length)];
        if (!pick) continue;
        const path = n % 3 === 0 ? '/me' : '/orders';
        try {
          const response = await fetch(api.base + path, { headers: { authorization: `Bearer ${pick.token}` }, signal: AbortSignal.timeout(10_000) });
          await response.arrayBuffer();
          const key = `${pick.generation} ${response.status}`;
          results.set(key, (results.get(key) ?? 0) + 1);
          if (response.status !== 200 && failures.length < 20) {
            failures.push(`${path} with a generation-${pick.generation} token (kid ${kidOf(pick.token)}) at +${Date.now() - started} ms: ${response.status} ${response.headers.get('www-authenticate') ?? ''}`);
          }
        } catch (error) {
          const key = `${pick.generation} error`;
          results.set(key, (results.get(key) ?? 0) + 1);
          if (failures.length < 20) failures.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    await Promise.all([minting, ...Array.from({ length: WORKERS }, worker)]);
    const elapsed = (Date.now() - started) / 1000;

    const total = [...results.values()].reduce((sum, n) => sum + n, 0);
    console.log(
      `[key rotation] ${total} requests in ${elapsed.toFixed(1)} s (${Math.round(total / elapsed)} req/s) by ${WORKERS} workers; rotations ${JSON.stringify(rotations)}; ` +
        `JWKS fetched ${jwks.served - servedBefore} times during the load; by "generation status": ${JSON.stringify(Object.fromEntries(results))}`,
    );
    expect(failures, api.output()).toEqual([]);
    expect(rotations).toHaveLength(2);
    // Every key's tokens were verified (how often depends on the machine's speed: throughput is the load
    // harness's business, not this test's; zero refusals above is the property).
    for (const g of [0, 1, 2]) expect(results.get(`${g} 200`) ?? 0).toBeGreaterThan(0);
    // One refetch per rotation (single flight, however many requests met the new kid at once); a few at most.
    expect(jwks.served - servedBefore).toBeGreaterThanOrEqual(2);
    expect(jwks.served - servedBefore).toBeLessThanOrEqual(6);
    await stopApi(api);
  });

  it('a rotation right after a refetch: new-key tokens are refused for at most the cooldown, then accepted', { timeout: 60_000 }, async () => {
    const cooldown = 1_000;
    const api = await startApi(issuer, cooldown);
    apis.push(api);
    const before = await serviceToken();
    expect((await fetch(`${api.base}/orders`, { headers: { authorization: `Bearer ${before}` } })).status).toBe(200);
    await sleep(cooldown + 100);
    // A token naming a kid nobody published makes the API refetch the JWKS (and starts its cooldown)...
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt', kid: 'not-a-published-kid' })).toString('base64url');
    const forged = `${header}.${Buffer.from('{}').toString('base64url')}.${Buffer.alloc(64).toString('base64url')}`;
    const refetchAt = Date.now();
    expect((await fetch(`${api.base}/orders`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    // ...then the issuer rotates: its new tokens name a kid the API's fresh copy does not have yet.
    server.keys.rotate(generateKey());
    const after = await serviceToken();
    let refused = 0;
    let acceptedAt: number | undefined;
    while (Date.now() - refetchAt < cooldown + 3_000) {
      const status = (await fetch(`${api.base}/orders`, { headers: { authorization: `Bearer ${after}` } })).status;
      if (status === 200) {
        acceptedAt = Date.now() - refetchAt;
        break;
      }
      expect(status).toBe(401);
      refused += 1;
      await sleep(25);
    }
    console.log(`[key rotation] rotation ${cooldown} ms cooldown after a refetch: the new key's token was refused ${refused} times, accepted ${acceptedAt} ms after the refetch`);
    expect(acceptedAt).toBeDefined();
    // Refused only while the cooldown lasted (plus scheduling slack); the old key's tokens were never affected.
    expect(acceptedAt as number).toBeLessThan(cooldown + 1_000);
    expect((await fetch(`${api.base}/orders`, { headers: { authorization: `Bearer ${before}` } })).status).toBe(200);
    await stopApi(api);
  });

  describe('graceful shutdown of the API (src/main.ts)', () => {
    /** Send a full GET over a raw socket; resolves the socket and a function returning what was received. */
    const rawGet = async (api: Api, path: string, token: string, connection: 'keep-alive' | 'close'): Promise<{ socket: Socket; received: () => string }> => {
      const socket = connect(api.port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      let received = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
      socket.on('error', () => undefined);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${api.port}\r\nAuthorization: Bearer ${token}\r\nConnection: ${connection}\r\n\r\n`);
      return { socket, received: () => received };
    };
    const complete = async (received: () => string, timeoutMs: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!/\r\n\r\n[\s\S]*\}$/.test(received()) && Date.now() < deadline) await sleep(20);
    };

    it('SIGTERM: a request in flight (waiting for the JWKS) is answered 200, new connections are refused, exit 0', { timeout: 60_000 }, async () => {
      const api = await startApi(issuer, COOLDOWN_MS);
      apis.push(api);
      const token = await serviceToken();
      // The API's first request fetches the JWKS: hold that answer so the request stays in flight.
      jwks.delayMs = 1_500;
      try {
        const { socket, received } = await rawGet(api, '/orders', token, 'close');
        await sleep(300);
        const signalled = Date.now();
        expect(api.child.kill('SIGTERM')).toBe(true);
        await sleep(300);
        expect(await accepting(api.port)).toBe(false);
        await complete(received, 10_000);
        expect(received()).toMatch(/^HTTP\/1\.1 200 /);
        expect(received()).toContain('"orders"');
        const exit = await Promise.race([api.exited, sleep(15_000).then(() => 'timeout' as const)]);
        console.log(`[graceful] fastify-api: in-flight request answered; exit ${JSON.stringify(exit)} ${Date.now() - signalled} ms after SIGTERM`);
        socket.destroy();
        expect(exit, api.output()).toEqual({ code: 0, signal: null });
      } finally {
        jwks.delayMs = 0;
      }
    });

    /*
     * A keep-alive client whose request was in flight at SIGTERM keeps its connection after the answer; the
     * example reaps idle connections until app.close() resolves, instead of waiting out Fastify's 72 s keep-alive.
     */
    it('SIGTERM with a keep-alive client that keeps its connection: exits 0 promptly', { timeout: 60_000 }, async () => {
      const api = await startApi(issuer, COOLDOWN_MS);
      apis.push(api);
      const token = await serviceToken();
      jwks.delayMs = 1_000;
      try {
        const { socket, received } = await rawGet(api, '/orders', token, 'keep-alive');
        await sleep(300);
        const signalled = Date.now();
        api.child.kill('SIGTERM');
        await complete(received, 10_000);
        expect(received()).toMatch(/^HTTP\/1\.1 200 /);
        // The client keeps the connection, idle, as keep-alive clients and proxies do.
        const exit = await Promise.race([api.exited, sleep(12_000).then(() => 'timeout' as const)]);
        const ms = Date.now() - signalled;
        socket.destroy();
        console.log(`[graceful] fastify-api with an idle keep-alive connection: exit ${JSON.stringify(exit)} ${ms} ms after SIGTERM`);
        expect(exit).toEqual({ code: 0, signal: null });
        expect(ms).toBeLessThan(5_000);
      } finally {
        jwks.delayMs = 0;
      }
    });
  });
});
