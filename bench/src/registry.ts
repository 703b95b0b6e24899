/**
 * Every benchmark target: which server to start (module + variant under src/targets), what request to load it
 * with, how to prove it works before loading it, and what each Tollgate figure is compared with.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DATABASE_URL, REDIS_URL, basic, type Alg } from './shared.js';

export type Group = 'token' | 'protected-eddsa' | 'protected-rs256' | 'ceiling-get' | 'ceiling-post' | 'store-issue' | 'store-refresh' | 'growth';

export const GROUP_TITLES: Record<Group, string> = {
  token: 'Token endpoint — client_credentials, client_secret_basic, EdDSA JWT access token, memory store',
  'protected-eddsa': 'Protected route — GET /protected with one EdDSA at+jwt bearer token',
  'protected-rs256': 'Protected route — GET /protected with one RS256 at+jwt bearer token',
  'ceiling-get': 'Ceiling — hello-world GET',
  'ceiling-post': 'Ceiling — urlencoded POST (body read and parsed)',
  'store-issue': 'Stores — password grant issuing a refresh token (store-touching issuance)',
  'store-refresh': 'Stores — refresh-token rotation, one chain per connection',
  growth: 'Cost growth — Tollgate on node:http, memory store',
};

export type RequestKind = 'client-credentials' | 'password' | 'refresh-chain' | 'protected' | 'get' | 'post';

export type Preflight =
  | { kind: 'token-jwt'; jwksPath: string }
  | { kind: 'token-opaque'; proof: { kind: 'introspect'; path: string } | { kind: 'protected'; path: string } }
  | { kind: 'protected'; anyBody?: boolean }
  | { kind: 'get' }
  | { kind: 'post' }
  | { kind: 'password'; jwksPath: string }
  | { kind: 'refresh'; jwksPath: string };

export interface Target {
  id: string;
  group: Group;
  label: string;
  tollgate: boolean;
  framework: 'node:http' | 'express' | 'fastify' | 'koa' | 'next';
  module: string;
  variant: string;
  request: { kind: RequestKind; path: string; alg?: Alg };
  preflight: Preflight;
  /** Extra environment for the server child. */
  env?: Record<string, string>;
  /** Longest time to wait for the server to listen, ms. */
  startTimeoutMs?: number;
  /** Why the target cannot run here (package or service missing); checked before each run. */
  unavailable?: () => Promise<string | undefined>;
  /** Shown under the table. */
  note?: string;
  /** A server the bench does not write: started with `taskset -c 0 node <args>` in `cwd`, ready when `readyPath` answers 200. */
  external?: { cwd: string; args: (port: number) => string[]; readyPath: string; env?: Record<string, string> };
  /** Get the bearer token from the target's own token endpoint (its keys are its own) instead of minting one. */
  bearerFrom?: { path: string; authorization: string; body: string };
}

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = fileURLToPath(new URL('../..', import.meta.url));

const NEXT_APP = `${repoDir}examples/next-app/`;
const TOLLGATE_TOKEN = { path: '/oauth/token' };
const TOLLGATE_JWKS = '/.well-known/jwks.json';

function tcpReachable(url: string, defaultPort: number): () => Promise<string | undefined> {
  return () =>
    new Promise((resolve) => {
      const parsed = new URL(url);
      const socket = connect({ host: parsed.hostname, port: Number(parsed.port || defaultPort) });
      const done = (reason: string | undefined): void => {
        socket.destroy();
        resolve(reason);
      };
      socket.setTimeout(2000, () => done(`${parsed.host} did not answer`));
      socket.once('connect', () => done(undefined));
      socket.once('error', (error) => done(`${parsed.host} unreachable (${error.message})`));
    });
}

/** A workspace package the bench can import (present, and listed in bench/package.json). */
function workspacePackage(dir: string, name: string): () => Promise<string | undefined> {
  return async () => {
    if (!existsSync(`${repoDir}packages/${dir}/package.json`)) return `packages/${dir} is not in the repository yet`;
    if (!existsSync(`${benchDir}node_modules/${name}/package.json`)) return `${name} is not linked into bench (add it to bench/package.json and pnpm install)`;
    return undefined;
  };
}

const both = (...checks: (() => Promise<string | undefined>)[]) => async (): Promise<string | undefined> => {
  for (const check of checks) {
    const reason = await check();
    if (reason) return reason;
  }
  return undefined;
};

const fastifyAdapter = workspacePackage('fastify', '@tollgate/fastify');
const redis = both(workspacePackage('redis', '@tollgate/redis'), tcpReachable(REDIS_URL, 6379));
const postgres = both(workspacePackage('postgres', '@tollgate/postgres'), tcpReachable(DATABASE_URL, 5432));

const protectedTargets = (alg: Alg): Target[] => {
  const group: Group = alg === 'EdDSA' ? 'protected-eddsa' : 'protected-rs256';
  const a = alg === 'EdDSA' ? 'eddsa' : 'rs256';
  const request = { kind: 'protected' as const, path: '/protected', alg };
  const targets: Target[] = [
    { id: `${group}/tollgate-fastify`, group, label: 'Tollgate · Fastify', tollgate: true, framework: 'fastify', module: 'tollgate-fastify', variant: `protect-${a}`, request, preflight: { kind: 'protected' }, unavailable: fastifyAdapter },
    { id: `${group}/tollgate-express`, group, label: 'Tollgate · Express', tollgate: true, framework: 'express', module: 'tollgate-express', variant: `protect-${a}`, request, preflight: { kind: 'protected' } },
  ];
  if (alg === 'EdDSA') {
    targets.push(
      {
        id: `${group}/tollgate-fastify-nocache`,
        group,
        label: 'Tollgate · Fastify (cache: false)',
        tollgate: true,
        framework: 'fastify',
        module: 'tollgate-fastify',
        variant: 'protect-eddsa-nocache',
        request,
        preflight: { kind: 'protected' },
        unavailable: fastifyAdapter,
        note: 'verified-token cache off: every request verifies the signature, as the peers do',
      },
      {
        id: `${group}/tollgate-express-nocache`,
        group,
        label: 'Tollgate · Express (cache: false)',
        tollgate: true,
        framework: 'express',
        module: 'tollgate-express',
        variant: 'protect-eddsa-nocache',
        request,
        preflight: { kind: 'protected' },
        note: 'verified-token cache off: every request verifies the signature, as the peers do',
      },
      {
        id: `${group}/tollgate-next`,
        group,
        label: 'Tollgate · Next (next start, withAuth)',
        tollgate: true,
        framework: 'next',
        module: 'next-app',
        variant: 'api-orders',
        request: { kind: 'protected', path: '/api/orders', alg },
        preflight: { kind: 'protected', anyBody: true },
        startTimeoutMs: 60_000,
        external: {
          cwd: NEXT_APP,
          args: (port) => [`${NEXT_APP}node_modules/next/dist/bin/next`, 'start', '-p', String(port), '-H', '127.0.0.1'],
          readyPath: '/.well-known/jwks.json',
          env: { NEXT_TELEMETRY_DISABLED: '1', ISSUER: 'http://127.0.0.1' },
        },
        bearerFrom: { path: '/oauth/token', authorization: basic('demo-service', 'demo-service-secret'), body: 'grant_type=client_credentials&scope=orders%3Aread' },
        unavailable: async () => {
          if (!existsSync(`${NEXT_APP}package.json`)) return 'examples/next-app is not in the repository';
          if (!existsSync(`${NEXT_APP}.next/BUILD_ID`)) return 'examples/next-app is not built (pnpm turbo run build --filter=@tollgate/example-next-app)';
          if (!existsSync(`${NEXT_APP}node_modules/next/dist/bin/next`)) return 'next is not installed in examples/next-app';
          return undefined;
        },
        note: "examples/next-app as built (`next start`, its proxy.ts runs on every request too), GET /api/orders behind `withAuth`; the token comes from the app's own token endpoint (its key is generated per process); no Next hello-world ceiling is measured",
      },
    );
  }
  targets.push(
    { id: `${group}/fastify-jwt`, group, label: '@fastify/jwt · Fastify', tollgate: false, framework: 'fastify', module: 'fastify-jwt', variant: a, request, preflight: { kind: 'protected' } },
    { id: `${group}/express-oauth2-jwt-bearer`, group, label: 'express-oauth2-jwt-bearer · Express', tollgate: false, framework: 'express', module: 'express-jwt-bearer', variant: a, request, preflight: { kind: 'protected' } },
  );
  return targets;
};

const cc = (path: string) => ({ kind: 'client-credentials' as const, path });

export const TARGETS: Target[] = [
  // Token endpoint.
  { id: 'token/tollgate-fastify', group: 'token', label: 'Tollgate · Fastify', tollgate: true, framework: 'fastify', module: 'tollgate-fastify', variant: 'token', request: cc(TOLLGATE_TOKEN.path), preflight: { kind: 'token-jwt', jwksPath: TOLLGATE_JWKS }, unavailable: fastifyAdapter },
  { id: 'token/tollgate-express', group: 'token', label: 'Tollgate · Express', tollgate: true, framework: 'express', module: 'tollgate-express', variant: 'token', request: cc(TOLLGATE_TOKEN.path), preflight: { kind: 'token-jwt', jwksPath: TOLLGATE_JWKS } },
  { id: 'token/tollgate-node', group: 'token', label: 'Tollgate · node:http (toNodeListener)', tollgate: true, framework: 'node:http', module: 'tollgate-node', variant: 'token', request: cc(TOLLGATE_TOKEN.path), preflight: { kind: 'token-jwt', jwksPath: TOLLGATE_JWKS } },
  { id: 'token/oidc-provider-jwt', group: 'token', label: 'oidc-provider · JWT (resourceIndicators)', tollgate: false, framework: 'koa', module: 'oidc-provider', variant: 'jwt', request: cc('/token'), preflight: { kind: 'token-jwt', jwksPath: '/jwks' } },
  { id: 'token/oidc-provider-opaque', group: 'token', label: 'oidc-provider · opaque (default)', tollgate: false, framework: 'koa', module: 'oidc-provider', variant: 'opaque', request: cc('/token'), preflight: { kind: 'token-opaque', proof: { kind: 'introspect', path: '/token/introspection' } } },
  { id: 'token/oauth2-server-jwt', group: 'token', label: '@node-oauth/oauth2-server · JWT · Express', tollgate: false, framework: 'express', module: 'oauth2-server', variant: 'jwt', request: cc('/token'), preflight: { kind: 'token-jwt', jwksPath: '/jwks' } },
  { id: 'token/oauth2-server-opaque', group: 'token', label: '@node-oauth/oauth2-server · opaque (default) · Express', tollgate: false, framework: 'express', module: 'oauth2-server', variant: 'opaque', request: cc('/token'), preflight: { kind: 'token-opaque', proof: { kind: 'protected', path: '/protected' } } },

  ...protectedTargets('EdDSA'),
  ...protectedTargets('RS256'),

  // Ceilings: the same frameworks doing no auth work.
  { id: 'ceiling-get/fastify', group: 'ceiling-get', label: 'Fastify hello-world GET', tollgate: false, framework: 'fastify', module: 'ceiling-fastify', variant: 'get', request: { kind: 'get', path: '/hello' }, preflight: { kind: 'get' } },
  { id: 'ceiling-get/express', group: 'ceiling-get', label: 'Express hello-world GET', tollgate: false, framework: 'express', module: 'ceiling-express', variant: 'get', request: { kind: 'get', path: '/hello' }, preflight: { kind: 'get' } },
  { id: 'ceiling-get/node', group: 'ceiling-get', label: 'node:http hello-world GET', tollgate: false, framework: 'node:http', module: 'ceiling-node', variant: 'get', request: { kind: 'get', path: '/hello' }, preflight: { kind: 'get' } },
  { id: 'ceiling-post/fastify', group: 'ceiling-post', label: 'Fastify urlencoded POST', tollgate: false, framework: 'fastify', module: 'ceiling-fastify', variant: 'post', request: { kind: 'post', path: '/form' }, preflight: { kind: 'post' } },
  { id: 'ceiling-post/express', group: 'ceiling-post', label: 'Express urlencoded POST', tollgate: false, framework: 'express', module: 'ceiling-express', variant: 'post', request: { kind: 'post', path: '/form' }, preflight: { kind: 'post' } },
  { id: 'ceiling-post/node', group: 'ceiling-post', label: 'node:http urlencoded POST', tollgate: false, framework: 'node:http', module: 'ceiling-node', variant: 'post', request: { kind: 'post', path: '/form' }, preflight: { kind: 'post' } },

  // Stores.
  { id: 'store-issue/memory', group: 'store-issue', label: 'Tollgate · memory store', tollgate: true, framework: 'node:http', module: 'tollgate-store', variant: 'memory', request: { kind: 'password', path: TOLLGATE_TOKEN.path }, preflight: { kind: 'password', jwksPath: TOLLGATE_JWKS } },
  { id: 'store-issue/redis', group: 'store-issue', label: 'Tollgate · @tollgate/redis', tollgate: true, framework: 'node:http', module: 'tollgate-store', variant: 'redis', request: { kind: 'password', path: TOLLGATE_TOKEN.path }, preflight: { kind: 'password', jwksPath: TOLLGATE_JWKS }, unavailable: redis },
  { id: 'store-issue/postgres', group: 'store-issue', label: 'Tollgate · @tollgate/postgres', tollgate: true, framework: 'node:http', module: 'tollgate-store', variant: 'postgres', request: { kind: 'password', path: TOLLGATE_TOKEN.path }, preflight: { kind: 'password', jwksPath: TOLLGATE_JWKS }, unavailable: postgres },
  { id: 'store-refresh/memory', group: 'store-refresh', label: 'Tollgate · memory store', tollgate: true, framework: 'node:http', module: 'tollgate-store', variant: 'memory', request: { kind: 'refresh-chain', path: TOLLGATE_TOKEN.path }, preflight: { kind: 'refresh', jwksPath: TOLLGATE_JWKS } },
  { id: 'store-refresh/redis', group: 'store-refresh', label: 'Tollgate · @tollgate/redis', tollgate: true, framework: 'node:http', module: 'tollgate-store', variant: 'redis', request: { kind: 'refresh-chain', path: TOLLGATE_TOKEN.path }, preflight: { kind: 'refresh', jwksPath: TOLLGATE_JWKS }, unavailable: redis },
  { id: 'store-refresh/postgres', group: 'store-refresh', label: 'Tollgate · @tollgate/postgres', tollgate: true, framework: 'node:http', module: 'tollgate-store', variant: 'postgres', request: { kind: 'refresh-chain', path: TOLLGATE_TOKEN.path }, preflight: { kind: 'refresh', jwksPath: TOLLGATE_JWKS }, unavailable: postgres },

  // Cost growth.
  { id: 'growth/clients-small', group: 'growth', label: 'client_credentials · 10 clients', tollgate: true, framework: 'node:http', module: 'tollgate-growth', variant: 'clients-small', request: cc(TOLLGATE_TOKEN.path), preflight: { kind: 'token-jwt', jwksPath: TOLLGATE_JWKS } },
  { id: 'growth/clients-large', group: 'growth', label: 'client_credentials · {clients} clients', tollgate: true, framework: 'node:http', module: 'tollgate-growth', variant: 'clients-large', request: cc(TOLLGATE_TOKEN.path), preflight: { kind: 'token-jwt', jwksPath: TOLLGATE_JWKS }, startTimeoutMs: 120_000 },
  { id: 'growth/cc-refresh-seeded', group: 'growth', label: 'client_credentials · {refresh} live refresh tokens', tollgate: true, framework: 'node:http', module: 'tollgate-growth', variant: 'refresh-seeded', request: cc(TOLLGATE_TOKEN.path), preflight: { kind: 'token-jwt', jwksPath: TOLLGATE_JWKS }, startTimeoutMs: 180_000 },
  { id: 'growth/rotate-refresh-seeded', group: 'growth', label: 'refresh rotation · {refresh} live refresh tokens', tollgate: true, framework: 'node:http', module: 'tollgate-growth', variant: 'refresh-seeded', request: { kind: 'refresh-chain', path: TOLLGATE_TOKEN.path }, preflight: { kind: 'refresh', jwksPath: TOLLGATE_JWKS }, startTimeoutMs: 180_000 },
];

/** Crypto ceilings: ops/s of the signing work alone, pinned to the server core. */
export const CRYPTO_OPS = [
  { id: 'jose-eddsa-sign', label: 'jose SignJWT EdDSA' },
  { id: 'node-ed25519-sign', label: 'node:crypto Ed25519 sign' },
  { id: 'jose-eddsa-verify', label: 'jose jwtVerify EdDSA' },
  { id: 'node-ed25519-verify', label: 'node:crypto Ed25519 verify' },
  { id: 'jose-rs256-sign', label: 'jose SignJWT RS256' },
  { id: 'jose-rs256-verify', label: 'jose jwtVerify RS256' },
] as const;

export interface Goal {
  subject: string;
  against: string;
  factor: number;
  /** Not a goal of the issue: the same comparison with Tollgate's verified-token cache off. */
  informational?: boolean;
}

/** The targets the issue sets. */
export const GOALS: Goal[] = [
  { subject: 'token/tollgate-fastify', against: 'token/oidc-provider-jwt', factor: 3 },
  { subject: 'token/tollgate-express', against: 'token/oauth2-server-jwt', factor: 1.3 },
  { subject: 'protected-eddsa/tollgate-fastify', against: 'protected-eddsa/fastify-jwt', factor: 3 },
  { subject: 'protected-eddsa/tollgate-express', against: 'protected-eddsa/express-oauth2-jwt-bearer', factor: 1.5 },
  { subject: 'protected-eddsa/tollgate-fastify-nocache', against: 'protected-eddsa/fastify-jwt', factor: 3, informational: true },
  { subject: 'protected-eddsa/tollgate-express-nocache', against: 'protected-eddsa/express-oauth2-jwt-bearer', factor: 1.5, informational: true },
];

/** The framework ceiling of a target: the same framework's hello-world GET or urlencoded POST. */
export function frameworkCeiling(target: Target): string | undefined {
  const fw = target.framework === 'node:http' ? 'node' : target.framework;
  if (fw === 'koa' || fw === 'next') return undefined;
  if (target.request.kind === 'protected') return `ceiling-get/${fw}`;
  if (target.request.kind === 'client-credentials' || target.request.kind === 'password' || target.request.kind === 'refresh-chain') return `ceiling-post/${fw}`;
  return undefined;
}

/** The crypto ceiling of a target: the signature operation each request needs at least once. */
export function cryptoCeilings(target: Target): string[] {
  if (target.request.kind === 'protected') return target.request.alg === 'RS256' ? ['jose-rs256-verify'] : ['jose-eddsa-verify', 'node-ed25519-verify'];
  if (target.request.kind === 'client-credentials' || target.request.kind === 'password' || target.request.kind === 'refresh-chain') return ['jose-eddsa-sign', 'node-ed25519-sign'];
  return [];
}
