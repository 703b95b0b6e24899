import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * Restarts and faults, nothing lost. Instance A (the example, as `pnpm start` runs it) serves a bounded
 * concurrent load of password grants, refresh rotations and revocations on Redis (then PostgreSQL); every
 * ACKNOWLEDGED result is recorded (each refresh token handed out in a 200, each revocation answered 200). A is
 * SIGKILLed mid-load; B starts on the same store with the same signing key and cookie secret. Then, at B:
 * every refresh token handed out and not yet presented works exactly once (a second use is invalid_grant),
 * every revoked refresh token is invalid_grant, every revoked access token (and every access token of a family
 * whose refresh token was revoked) introspects as inactive, and every rotated token stays spent. Requests in
 * flight at the kill may have gone either way: their tokens are left out.
 *
 * Graceful shutdown: a token request in flight at SIGTERM (headers and half its body sent) is answered 200 after
 * the signal, new connections are refused, the process closes its store connections (Redis QUIT, PostgreSQL
 * Terminate, seen on the wire through a proxy) and exits 0.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const CI = process.env.CI === 'true';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Load bounds: workers, per-worker operations, and wall time. */
const WORKERS = 8;
const MAX_OPS_PER_WORKER = 1_500;
const LOAD_DEADLINE_MS = 30_000;
/** A is killed once the load has run this long and this many rotations were acknowledged (bounded by the deadline). */
const KILL_AFTER_MS = 2_500;
const KILL_AFTER_ROTATIONS = 150;

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

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * A pass-through TCP proxy in front of the store that keeps, per connection, the last bytes the client sent and
 * whether the client ended it: so a test can see a graceful goodbye (Redis QUIT, PostgreSQL Terminate).
 */
class SniffingProxy {
  private server: Server | undefined;
  readonly connections: { tail: Buffer; clientEnded: boolean; open: boolean }[] = [];
  private sockets = new Set<Socket>();
  port = 0;
  /** Hold every answer from the store back this long (ms). */
  delayMs = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async open(): Promise<void> {
    this.server = createServer((client) => {
      const record = { tail: Buffer.alloc(0), clientEnded: false, open: true };
      this.connections.push(record);
      const upstream = connect(this.target.port, this.target.host);
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        record.tail = Buffer.concat([record.tail, chunk]).subarray(-64);
        upstream.write(chunk);
      });
      client.on('end', () => {
        record.clientEnded = true;
        upstream.end();
      });
      // Answers from the store may be held back (`delayMs`), so a request waiting on the store stays in flight.
      upstream.on('data', (chunk: Buffer) => (this.delayMs > 0 ? setTimeout(() => client.write(chunk), this.delayMs) : client.write(chunk)));
      upstream.on('end', () => (this.delayMs > 0 ? setTimeout(() => client.end(), this.delayMs) : client.end()));
      const drop = (): void => {
        record.open = false;
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address && typeof address === 'object') this.port = address.port;
  }
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

interface Instance {
  base: string;
  port: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
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
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`instance exited early:\n${output}`);
    try {
      const response = await fetch(`${base}/.well-known/jwks.json`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return { base, port, child, exited, output: () => output };
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  child.kill('SIGKILL');
  throw new Error(`instance did not start:\n${output}`);
}

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const cli = basic('demo-cli', 'demo-cli-secret');

async function post(base: string, path: string, form: Record<string, string>, timeoutMs = 10_000): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: cli, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = { raw: text };
  }
  return { status: response.status, body };
}

/** Run `work` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
}

/** Everything acknowledged during the load. */
interface Ledger {
  /** Refresh tokens handed out in a 200 and not presented since. */
  live: Set<string>;
  /** Refresh tokens rotated with a 200 (spent). */
  spent: Set<string>;
  /** Refresh tokens presented without an answer (in flight at the kill): left out of every check. */
  unknown: Set<string>;
  /** Refresh tokens whose revocation was answered 200. */
  revokedRefresh: Set<string>;
  /** Access tokens issued in a family whose refresh-token revocation was answered 200. */
  revokedFamilyAccess: Set<string>;
  /** Access tokens whose revocation was answered 200. */
  revokedAccess: Set<string>;
  /** Answers that were wrong while A was up (must stay empty). */
  unexpected: string[];
  /** Requests that failed at the transport level (the kill). */
  failed: number;
  rotations: number;
  signIns: number;
}

interface Chain {
  refresh: string;
  accesses: string[];
}

/** One worker: sign-ins, rotations, refresh-token and access-token revocations on its own chains, sequentially. */
async function worker(base: string, user: { username: string; password: string }, ledger: Ledger, stop: { now: boolean }, deadline: number): Promise<void> {
  const chains: Chain[] = [];
  for (let ops = 0; ops < MAX_OPS_PER_WORKER && !stop.now && Date.now() < deadline; ops += 1) {
    const roll = Math.random();
    const chain = chains[Math.floor(Math.random() * chains.length)];
    try {
      if (!chain || (roll < 0.12 && chains.length < 8)) {
        const answer = await post(base, '/oauth/token', { grant_type: 'password', username: user.username, password: user.password });
        if (answer.status !== 200 || typeof answer.body.refresh_token !== 'string') {
          if (!stop.now) ledger.unexpected.push(`password grant answered ${answer.status} ${JSON.stringify(answer.body)}`);
          continue;
        }
        chains.push({ refresh: answer.body.refresh_token, accesses: [answer.body.access_token as string] });
        ledger.live.add(answer.body.refresh_token);
        ledger.signIns += 1;
      } else if (roll < 0.75) {
        const presented = chain.refresh;
        ledger.live.delete(presented);
        ledger.unknown.add(presented);
        chains.splice(chains.indexOf(chain), 1);
        const answer = await post(base, '/oauth/token', { grant_type: 'refresh_token', refresh_token: presented });
        ledger.unknown.delete(presented);
        if (answer.status !== 200 || typeof answer.body.refresh_token !== 'string') {
          ledger.unexpected.push(`rotation answered ${answer.status} ${JSON.stringify(answer.body)}`);
          continue;
        }
        ledger.spent.add(presented);
        ledger.live.add(answer.body.refresh_token);
        ledger.rotations += 1;
        chains.push({ refresh: answer.body.refresh_token, accesses: [...chain.accesses, answer.body.access_token as string] });
      } else if (roll < 0.9) {
        // Sign-out: revoke the chain's refresh token (RFC 7009 §2.1: its family's access tokens go too).
        const presented = chain.refresh;
        ledger.live.delete(presented);
        ledger.unknown.add(presented);
        chains.splice(chains.indexOf(chain), 1);
        const answer = await post(base, '/oauth/revoke', { token: presented, token_type_hint: 'refresh_token' });
        ledger.unknown.delete(presented);
        if (answer.status !== 200) {
          ledger.unexpected.push(`refresh-token revocation answered ${answer.status} ${JSON.stringify(answer.body)}`);
          continue;
        }
        ledger.revokedRefresh.add(presented);
        for (const access of chain.accesses) ledger.revokedFamilyAccess.add(access);
      } else {
        const access = chain.accesses[chain.accesses.length - 1] as string;
        const answer = await post(base, '/oauth/revoke', { token: access, token_type_hint: 'access_token' });
        if (answer.status !== 200) {
          ledger.unexpected.push(`access-token revocation answered ${answer.status} ${JSON.stringify(answer.body)}`);
          continue;
        }
        ledger.revokedAccess.add(access);
      }
    } catch {
      // Transport failure: A is gone (or going). Whatever was presented stays "unknown".
      ledger.failed += 1;
      if (stop.now) return;
    }
  }
}

const stores = [
  {
    kind: 'redis',
    url: REDIS_URL,
    env: (proxied: string, tag: string) => ({ REDIS_URL: proxied, TOLLGATE_REDIS_PREFIX: `tollgate-rn-${tag}` }),
    /** ioredis's QUIT (RESP array, command name in any case). */
    saidGoodbye: (tail: Buffer) => /\*1\r\n\$4\r\nquit\r\n$/i.test(tail.toString('latin1')),
    cleanup: async (tag: string) => {
      const { redisStore } = await import('@tollgate/redis');
      const store = redisStore({ url: REDIS_URL, prefix: `tollgate-rn-${tag}`, redisOptions: { enableOfflineQueue: true } });
      const client = store.client;
      let cursor = '0';
      const deadline = Date.now() + 10_000;
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `tollgate-rn-${tag}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await client.unlink(...keys);
      } while (cursor !== '0' && Date.now() < deadline);
      await store.close();
    },
  },
  {
    kind: 'postgres',
    url: DATABASE_URL,
    env: (proxied: string, tag: string) => ({ DATABASE_URL: proxied, TOLLGATE_PG_SCHEMA: `tollgate_rn_${tag}` }),
    /** The frontend Terminate message: 'X' and the length 4. */
    saidGoodbye: (tail: Buffer) => tail.length >= 5 && tail.subarray(-5).equals(Buffer.from([0x58, 0, 0, 0, 4])),
    cleanup: async (tag: string) => {
      const { postgresStore } = await import('@tollgate/postgres');
      const store = postgresStore({ connectionString: DATABASE_URL });
      await store.pool.query(`DROP SCHEMA IF EXISTS tollgate_rn_${tag} CASCADE`);
      await store.close();
    },
  },
] as const;

for (const store of stores) {
  const available = await reachable(store.url);
  if (!available && CI) throw new Error(`${store.kind} at ${store.url} is not reachable and CI=true: these tests must run`);
  if (!available) console.warn(`\n*** ${store.kind} is not reachable at ${store.url}: SKIPPING the restart tests for it ***\n`);

  describe.skipIf(!available)(`restarts on ${store.kind}: nothing acknowledged is lost`, () => {
    const target = new URL(store.url);
    const proxy = new SniffingProxy({ host: target.hostname, port: Number(target.port) });
    const tag = randomBytes(4).toString('hex');
    const issuer = 'http://localhost:3998';
    let env: Record<string, string>;
    const started: Instance[] = [];
    const start = async (): Promise<Instance> => {
      const instance = await startInstance(env);
      started.push(instance);
      return instance;
    };

    beforeAll(async () => {
      await proxy.open();
      const proxied = new URL(store.url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      const { privateKey } = generateKeyPairSync('ed25519');
      env = {
        TOLLGATE_STORE: store.kind,
        ISSUER: issuer,
        TOLLGATE_SIGNING_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        TOLLGATE_COOKIE_SECRET: randomBytes(32).toString('base64url'),
        ...store.env(proxied.href, tag),
      };
    });

    afterAll(async () => {
      for (const instance of started) if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill('SIGKILL');
      await Promise.all(started.map((instance) => instance.exited));
      await proxy.close();
      await store.cleanup(tag).catch((error: unknown) => console.warn(`cleanup of ${store.kind} failed:`, error));
    });

    it('SIGKILL mid-load, restart on the same store: every acknowledged token and revocation holds', { timeout: 120_000 }, async () => {
      const a = await start();
      const ledger: Ledger = { live: new Set(), spent: new Set(), unknown: new Set(), revokedRefresh: new Set(), revokedFamilyAccess: new Set(), revokedAccess: new Set(), unexpected: [], failed: 0, rotations: 0, signIns: 0 };
      const stop = { now: false };
      const loadStarted = Date.now();
      const deadline = loadStarted + LOAD_DEADLINE_MS;
      // Half the workers sign in as alice, half as bob: at most 4 sign-ins per user overlap (the lock-out allows 5).
      const users = [
        { username: 'alice', password: 'alice-password' },
        { username: 'bob', password: 'bob-password' },
      ];
      const workers = Array.from({ length: WORKERS }, (_, i) => worker(a.base, users[i % 2] as (typeof users)[number], ledger, stop, deadline));

      // Kill A mid-load, while requests are in flight.
      while (Date.now() < deadline - 5_000 && (Date.now() - loadStarted < KILL_AFTER_MS || ledger.rotations < KILL_AFTER_ROTATIONS)) await sleep(50);
      await sleep(Math.floor(Math.random() * 200));
      stop.now = true;
      a.child.kill('SIGKILL');
      const killed = await a.exited;
      expect(killed.signal).toBe('SIGKILL');
      await Promise.all(workers);

      console.log(
        `[restart ${store.kind}] before the kill: ${ledger.signIns} sign-ins, ${ledger.rotations} rotations, ${ledger.revokedRefresh.size} refresh-token and ${ledger.revokedAccess.size} access-token revocations acknowledged; ` +
          `at the kill: ${ledger.live.size} live refresh tokens, ${ledger.unknown.size} in flight, ${ledger.failed} requests failed`,
      );
      expect(ledger.unexpected, 'wrong answers while A was up').toEqual([]);
      expect(ledger.live.size).toBeGreaterThan(0);
      expect(ledger.revokedRefresh.size).toBeGreaterThan(0);
      expect(ledger.revokedAccess.size).toBeGreaterThan(0);

      const b = await start();
      const problems: string[] = [];

      // Every live refresh token works exactly once at B.
      await pool([...ledger.live], 8, async (token) => {
        const first = await post(b.base, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token });
        if (first.status !== 200 || typeof first.body.refresh_token !== 'string') {
          problems.push(`live refresh token refused at B: ${first.status} ${JSON.stringify(first.body)}`);
          return;
        }
        const second = await post(b.base, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token });
        if (second.status !== 400 || second.body.error !== 'invalid_grant') problems.push(`live refresh token worked twice at B: ${second.status} ${JSON.stringify(second.body)}`);
      });
      // Every revoked refresh token stays revoked.
      await pool([...ledger.revokedRefresh], 8, async (token) => {
        const answer = await post(b.base, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token });
        if (answer.status !== 400 || answer.body.error !== 'invalid_grant') problems.push(`revoked refresh token answered ${answer.status} ${JSON.stringify(answer.body)} at B`);
      });
      // Every revoked access token, and every access token of a revoked family, introspects as inactive.
      await pool([...new Set([...ledger.revokedAccess, ...ledger.revokedFamilyAccess])], 8, async (token) => {
        const answer = await post(b.base, '/oauth/introspect', { token });
        if (answer.status !== 200 || answer.body.active !== false) problems.push(`revoked access token introspected ${answer.status} ${JSON.stringify(answer.body)} at B`);
      });
      // Every rotated token stays spent (last: presenting one revokes its family).
      await pool([...ledger.spent], 8, async (token) => {
        const answer = await post(b.base, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token });
        if (answer.status !== 400 || answer.body.error !== 'invalid_grant') problems.push(`spent refresh token answered ${answer.status} ${JSON.stringify(answer.body)} at B`);
      });
      console.log(
        `[restart ${store.kind}] at B: checked ${ledger.live.size} live, ${ledger.revokedRefresh.size} revoked refresh, ${new Set([...ledger.revokedAccess, ...ledger.revokedFamilyAccess]).size} revoked access and ${ledger.spent.size} spent tokens: ${problems.length} problems`,
      );
      expect(problems).toEqual([]);
    });

    it('SIGTERM: a token request in flight is answered, new connections are refused, store connections close, exit 0', { timeout: 60_000 }, async () => {
      const firstConnection = proxy.connections.length;
      const c = await start();
      const body = new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read' }).toString();
      const half = Math.floor(body.length / 2);
      const socket = connect(c.port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      let received = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
      // Headers and half the body: the request is in flight (the token endpoint is reading its body).
      socket.write(
        `POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1:${c.port}\r\nAuthorization: ${basic('demo-service', 'demo-service-secret')}\r\n` +
          `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`,
      );
      await sleep(300);
      const signalled = Date.now();
      expect(c.child.kill('SIGTERM')).toBe(true);
      await sleep(300);
      // No longer accepting.
      expect(await reachable(`http://127.0.0.1:${c.port}`)).toBe(false);
      // The rest of the body: the request in flight is answered in full.
      socket.write(body.slice(half));
      const deadline = Date.now() + 10_000;
      while (!/\r\n\r\n[\s\S]*\}/.test(received) && Date.now() < deadline) await sleep(20);
      expect(received).toMatch(/^HTTP\/1\.1 200 /);
      expect(received).toMatch(/"access_token":"/);
      // Like a keep-alive client, keep the connection open: the server must still exit by itself (bounded).
      const exit = await Promise.race([c.exited, sleep(15_000).then(() => 'timeout' as const)]);
      const exitMs = Date.now() - signalled;
      socket.destroy();
      console.log(`[restart ${store.kind}] SIGTERM with a request in flight: exit ${JSON.stringify(exit)} after ${exitMs} ms; answer headers: ${JSON.stringify(received.split('\r\n\r\n')[0])}`);
      expect(exit, c.output()).toEqual({ code: 0, signal: null });
      // Every store connection this instance opened said goodbye (QUIT / Terminate) before the process ended.
      const mine = proxy.connections.slice(firstConnection);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.map((connection) => store.saidGoodbye(connection.tail))).toEqual(mine.map(() => true));
    });

    /*
     * A keep-alive client that keeps sending (a reverse proxy, a load balancer) must not hold the example up:
     * during shutdown every answer says `Connection: close` and idle connections are reaped until the server
     * has closed. Without that, http.close() never completes and the request in flight is cut at the 10 s fallback.
     */
    it('SIGTERM under a busy keep-alive client: answers close the connection and the process exits 0 promptly', { timeout: 60_000 }, async () => {
      const c = await start();
      const { request, Agent } = await import('node:http');
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const signIn = await post(c.base, '/oauth/token', { grant_type: 'password', username: 'alice', password: 'alice-password' });
      expect(signIn.status).toBe(200);
      const form = new URLSearchParams({ token: signIn.body.access_token as string }).toString();
      // Introspection reads the revocation list from the store: an answer that awaits I/O, like most.
      const introspect = (): Promise<string> =>
        new Promise((resolve) => {
          const req = request(
            { method: 'POST', host: '127.0.0.1', port: c.port, path: '/oauth/introspect', agent, headers: { authorization: cli, 'content-type': 'application/x-www-form-urlencoded', 'content-length': form.length }, timeout: 5_000 },
            (res) => {
              res.resume();
              res.on('end', () => resolve(`${res.statusCode} ${res.headers.connection}`));
            },
          );
          req.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
          req.end(form);
        });
      let exited = false;
      void c.exited.then(() => (exited = true));
      let signalled = 0;
      const answers = new Map<string, number>();
      const begun = Date.now();
      // Every store answer takes 150 ms: each request is in flight that long, and the client sends the next one
      // as soon as an answer arrives, so the connection is busy when the signal comes (sent mid-request).
      proxy.delayMs = 150;
      try {
        while (!exited && Date.now() - begun < 14_000) {
          const pending = introspect();
          if (signalled === 0 && Date.now() - begun > 500) {
            await sleep(50);
            signalled = Date.now();
            c.child.kill('SIGTERM');
          }
          const answer = await pending;
          if (signalled !== 0) answers.set(answer, (answers.get(answer) ?? 0) + 1);
        }
      } finally {
        proxy.delayMs = 0;
        agent.destroy();
      }
      const exit = await Promise.race([c.exited, sleep(5_000).then(() => 'timeout' as const)]);
      const ms = Date.now() - signalled;
      console.log(`[restart ${store.kind}] SIGTERM under a busy keep-alive client: exit ${JSON.stringify(exit)} ${ms} ms after the signal; answers after it: ${JSON.stringify(Object.fromEntries(answers))}`);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(5_000);
      // Nothing in flight was cut: after the signal, answers (each closing its connection) or refused connections.
      expect([...answers.keys()].filter((answer) => !/^(200 close|error ECONNREFUSED)$/.test(answer))).toEqual([]);
    });
  });
}
