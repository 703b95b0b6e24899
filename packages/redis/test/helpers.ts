import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const IN_CI = process.env.CI === 'true';

/** A key prefix no other run uses. */
export const uniquePrefix = (): string => `tollgate_test_${process.pid}_${randomBytes(4).toString('hex')}`;

/** Whether a Redis answers PING at `url` within a second. */
export async function redisReachable(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Decide whether a suite that needs `what` runs: it runs when available; otherwise CI fails loudly and a
 * developer machine skips with a warning. Returns true when the suite must be skipped.
 */
export function requireOrSkip(available: boolean, what: string): boolean {
  if (available) return false;
  if (IN_CI) throw new Error(`${what} is not available, and CI=true: these tests must run in CI`);
  console.warn(`\n⚠️  SKIPPING: ${what} is not available. Set REDIS_URL or start Redis to run these tests.\n`);
  return true;
}

/** Whether the `redis-server` and `redis-cli` binaries are on PATH. */
export const redisBinariesAvailable = (): boolean =>
  spawnSync('redis-server', ['--version']).status === 0 && spawnSync('redis-cli', ['--version']).status === 0;

/** Delete every key under a prefix (on every master of a cluster). */
export async function dropPrefix(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes: Redis[] = 'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client as Redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of found) await node.unlink(key);
    } while (cursor !== '0');
  }
}

/** A free loopback TCP port (and, when asked, with port + 10000 free too, for a cluster bus). */
export async function freePort(withBus = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = withBus ? 20_000 + Math.floor(Math.random() * 25_000) : await ephemeral();
    if ((await isFree(port)) && (!withBus || (await isFree(port + 10_000)))) return port;
  }
  throw new Error('no free port found');
}

function ephemeral(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A redis-server this test started on a loopback port, with no persistence. */
export interface LocalRedis {
  port: number;
  url: string;
  /** Start (or restart) the server and wait until it answers. */
  start(): Promise<void>;
  /** Kill the server (SIGKILL) and wait for it to exit. */
  kill(): Promise<void>;
  /** Kill it and remove its directory. */
  dispose(): Promise<void>;
}

export async function localRedis(options: { port?: number; args?: string[] } = {}): Promise<LocalRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-redis-'));
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;

  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  return {
    port,
    url,
    async start() {
      await kill();
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, ...(options.args ?? [])], {
        stdio: 'ignore',
      });
      const deadline = Date.now() + 10_000;
      while (!(await redisReachable(url))) {
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      }
    },
    kill,
    async dispose() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll `fn` until it resolves, or throw its last error after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}
