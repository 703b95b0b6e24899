/**
 * The harness's authorization server app, on the Express or the Fastify adapter. It is the main example's
 * shape (clients for client_credentials, password + refresh, code + PKCE; a protected `GET /api/orders`;
 * userinfo) plus endpoints that exist ONLY in this harness and must never be copied into an app:
 *
 * - `POST /harness/code`  mints an authorization code through `server.createAuthorizationCode()` for a random
 *   harness user and answers `{ code, verifier, redirect_uri }`, so the load can redeem codes without driving
 *   the sign-in pages;
 * - `GET /harness/stats`  the process's memory, the unhandled-rejection / uncaught-exception / logged-error
 *   counters, and the memory store's size (`?gc=1` collects garbage first when started with --expose-gc);
 * - `GET /harness/slow?ms=` answers after a delay (≤ 5 s), to check that SIGTERM lets a request in flight finish.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthServer, generateKey, s256Challenge, type AuthServer, type Store } from '@tollgate/core';
import { protect as expressProtect, tollgate as expressTollgate } from '@tollgate/express';
import { tollgate as fastifyTollgate } from '@tollgate/fastify';
import express from 'express';
import Fastify from 'fastify';
import { CLIENTS, type Adapter, type Lifetimes } from './config.js';
import { createUsers } from './users.js';

export const REDIRECT_PATH = '/callback';

/** Counters the harness checks after a run: each must stay 0. */
export const counters = { unhandledRejections: 0, uncaughtExceptions: 0, loggedErrors: 0 };

export interface HarnessAppOptions {
  adapter: Adapter;
  store: Store & { size?: () => number };
  lifetimes: Lifetimes;
  users: number;
  /** Fault injection, to prove the harness notices: `leak` keeps 64 KiB per code minted, `unhandled` rejects a promise nobody awaits every 100th mint. */
  inject?: 'leak' | 'unhandled' | undefined;
}

export interface HarnessApp {
  server: AuthServer;
  /** Listen on 127.0.0.1 (port 0: any free port); resolves with the port. */
  listen(port: number): Promise<number>;
  /** Stop accepting, let requests in flight finish, run `beforeStoreClose`, then release the store. */
  close(beforeStoreClose?: () => Promise<void>): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function createHarnessApp(options: HarnessAppOptions): Promise<HarnessApp> {
  const users = await createUsers(options.users);
  let issuer = 'http://127.0.0.1';
  const leaked: Buffer[] = [];
  let minted = 0;

  // The issuer must be known before the server is built; the port is known after listening. Build lazily.
  let server: AuthServer | undefined;
  const build = (base: string): AuthServer =>
    createAuthServer({
      issuer: base,
      keys: [generateKey('EdDSA')],
      store: options.store,
      clients: [
        { id: CLIENTS.service.id, secret: CLIENTS.service.secret, grantTypes: ['client_credentials'], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'] },
        { id: CLIENTS.cli.id, secret: CLIENTS.cli.secret, grantTypes: ['password', 'refresh_token'], scopes: ['orders:read', 'orders:write', 'profile'], defaultScopes: ['orders:read', 'profile'] },
        { id: CLIENTS.web.id, secret: CLIENTS.web.secret, grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [base + REDIRECT_PATH], scopes: ['openid', 'profile', 'orders:read'] },
      ],
      scopes: ['openid', 'profile', 'orders:read', 'orders:write'],
      accessToken: { lifetime: options.lifetimes.access },
      refreshToken: { lifetime: options.lifetimes.refresh, absoluteLifetime: options.lifetimes.absolute },
      userinfo: ({ subject }) => users.profile(subject),
      // The lock-out stays on (its default): the load signs each user in sequentially, as real users do.
      password: { authenticateUser: ({ username, password }) => users.check(username, password) },
      logger: {
        error: (message, details) => {
          counters.loggedErrors += 1;
          console.error(`[tollgate] ${message}`, details ?? '');
        },
        warn: () => undefined,
      },
    });

  const mintCode = async (): Promise<{ code: string; verifier: string; redirect_uri: string }> => {
    const auth = server as AuthServer;
    const verifier = randomBytes(32).toString('base64url');
    const n = Math.floor(Math.random() * options.users);
    const code = await auth.createAuthorizationCode({
      clientId: CLIENTS.web.id,
      redirectUri: issuer + REDIRECT_PATH,
      redirectUriGiven: true,
      subject: `sub-${n}`,
      scope: ['openid', 'orders:read'],
      codeChallenge: s256Challenge(verifier),
      authTime: Math.floor(Date.now() / 1000),
      lifetime: options.lifetimes.access,
    });
    minted += 1;
    if (options.inject === 'leak') leaked.push(Buffer.alloc(64 * 1024, 1));
    if (options.inject === 'unhandled' && minted % 100 === 0) void Promise.reject(new Error('injected unhandled rejection'));
    return { code, verifier, redirect_uri: issuer + REDIRECT_PATH };
  };

  const stats = (gc: boolean): Record<string, unknown> => {
    const collect = (globalThis as { gc?: () => void }).gc;
    if (gc && collect) for (let i = 0; i < 3; i += 1) collect();
    const memory = process.memoryUsage();
    return {
      pid: process.pid,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      external: memory.external,
      collected: gc && collect !== undefined,
      storeSize: typeof options.store.size === 'function' ? options.store.size() : null,
      minted,
      ...counters,
    };
  };

  const slowMs = (raw: unknown): number => Math.min(5_000, Math.max(0, Number(raw) || 0));

  if (options.adapter === 'express') {
    let http: Server | undefined;
    let closing = false;
    const inFlight = new Set<ServerResponse>();
    const app = express();
    app.disable('x-powered-by');
    const ready = (base: string): void => {
      server = build(base);
      app.use(expressTollgate(server));
      app.get('/api/orders', expressProtect(server, { scopes: ['orders:read'] }), (req, res) => {
        res.json({ orders: [{ id: 'ord_1', item: 'Coffee beans', owner: req.auth?.sub }], client: req.auth?.client_id });
      });
      app.post('/harness/code', (_req, res, next) => {
        mintCode().then((body) => res.json(body), next);
      });
      app.get('/harness/stats', (req, res) => {
        res.json(stats(req.query.gc === '1'));
      });
      app.get('/harness/slow', (req, res) => {
        void sleep(slowMs(req.query.ms)).then(() => res.json({ slow: true }));
      });
    };
    return {
      get server() {
        return server as AuthServer;
      },
      async listen(port) {
        http = createServer((req, res) => {
          // While shutting down, every answer closes its connection, so keep-alive clients move on.
          if (closing) res.setHeader('connection', 'close');
          inFlight.add(res);
          res.once('close', () => inFlight.delete(res));
          app(req, res);
        });
        await new Promise<void>((resolve) => http?.listen(port, '127.0.0.1', resolve));
        const actual = (http.address() as AddressInfo).port;
        issuer = `http://127.0.0.1:${actual}`;
        ready(issuer);
        return actual;
      },
      async close(beforeStoreClose) {
        closing = true;
        // Answers already being prepared close their connection too (headers not sent yet).
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        await new Promise<void>((resolve) => {
          if (!http) return resolve();
          http.close(() => resolve());
          // server.close() reaps idle keep-alive connections once; connections busy at that moment become idle
          // later, so keep reaping until every connection is gone.
          const reaper = setInterval(() => http?.closeIdleConnections(), 100);
          http.once('close', () => clearInterval(reaper));
          http.closeIdleConnections();
        });
        await beforeStoreClose?.();
        await server?.close();
      },
    };
  }

  // Fastify: the plugin serves the endpoints; routes are added before listening, so the port is chosen first.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const chosen = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  issuer = `http://127.0.0.1:${chosen}`;
  server = build(issuer);
  const app = Fastify({ logger: false });
  await app.register(fastifyTollgate, { server });
  app.get('/api/orders', { onRequest: app.tollgate.protect({ scopes: ['orders:read'] }) }, async (request) => ({
    orders: [{ id: 'ord_1', item: 'Coffee beans', owner: request.auth?.sub }],
    client: request.auth?.client_id,
  }));
  app.post('/harness/code', async () => mintCode());
  app.get('/harness/stats', async (request) => stats((request.query as { gc?: string }).gc === '1'));
  app.get('/harness/slow', async (request) => {
    await sleep(slowMs((request.query as { ms?: string }).ms));
    return { slow: true };
  });
  // The plugin does not release the store on close (the app owns it): do it in onClose, which Fastify runs
  // after its HTTP server has stopped and the requests in flight have been answered.
  let beforeStoreClose: (() => Promise<void>) | undefined;
  app.addHook('onClose', async () => {
    await beforeStoreClose?.();
    await (server as AuthServer).close();
  });
  return {
    server,
    async listen() {
      await app.listen({ host: '127.0.0.1', port: chosen });
      return chosen;
    },
    async close(hook) {
      beforeStoreClose = hook;
      // Fastify answers requests arriving on kept-alive connections with 503 + Connection: close while closing,
      // but server.close() reaps idle connections only once: a connection whose request was in flight stays
      // open after its answer (Fastify's keepAliveTimeout is 72 s). Keep reaping until the server is closed.
      const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(reaper);
      }
    },
  };
}
