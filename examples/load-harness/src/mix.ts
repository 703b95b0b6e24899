/**
 * The request mix, as an autocannon request sequence. Every connection runs the sequence in a loop, one
 * request at a time (pipelining 1), so per loop it sends:
 *
 *  1. client_credentials                      POST /oauth/token            → 200 (its access token: step 2)
 *  2. protected route, service token          GET  /api/orders             → 200
 *  3. chain step: password or refresh         POST /oauth/token            → 200 (its access token: steps 4, 5)
 *  4. userinfo                                GET  /oauth/userinfo         → 200
 *  5. protected route, user token             GET  /api/orders             → 200
 *  6. chain step: refresh                     POST /oauth/token            → 200
 *  7. mint a code (harness-only endpoint)     POST /harness/code           → 200
 *  8. authorization_code + PKCE               POST /oauth/token            → 200
 *  9. revocation of a refresh token           POST /oauth/revoke           → 200
 * 10. protected route without a token         GET  /api/orders             → 401 (the one expected non-2xx)
 *
 * Refresh chains: a chain is one user's refresh-token family. A chain step takes the chain that waited longest
 * (FIFO), sends its newest refresh token and puts the chain back with the token from the answer, so no
 * token is ever presented twice and each rotation continues the chain. When no chain is waiting the step signs
 * a free user in (password grant); when a chain nears its family's absolute lifetime the step signs its user in
 * again and queues the old chain's refresh token for revocation (step 9, "sign-out"; otherwise step 9 revokes
 * the refresh token from step 8's code redemption). Each user belongs to at most one chain at a time, so
 * sign-ins per user are sequential and never trip the password lock-out.
 *
 * autocannon clears a connection's context at the end of each loop; chains live in the shared queue instead.
 */
import type { Request } from 'autocannon';
import { CLIENTS, basic, passwordOf } from './config.js';

export type Kind =
  | 'client_credentials'
  | 'protected (service)'
  | 'password'
  | 'refresh'
  | 'userinfo'
  | 'protected (user)'
  | 'code mint (harness)'
  | 'authorization_code'
  | 'revoke'
  | 'protected (no token)';

export const KINDS: readonly Kind[] = ['client_credentials', 'protected (service)', 'password', 'refresh', 'userinfo', 'protected (user)', 'code mint (harness)', 'authorization_code', 'revoke', 'protected (no token)'];
const EXPECTED: Record<Kind, number> = {
  client_credentials: 200,
  'protected (service)': 200,
  password: 200,
  refresh: 200,
  userinfo: 200,
  'protected (user)': 200,
  'code mint (harness)': 200,
  authorization_code: 200,
  revoke: 200,
  'protected (no token)': 401,
};
export const expectedStatus = (kind: Kind): number => EXPECTED[kind];

interface Chain {
  user: number;
  refresh: string;
  /** When its family began (ms). */
  startedAt: number;
}

/** Latency samples per kind, kept bounded by reservoir sampling. */
class Reservoir {
  readonly samples: number[] = [];
  seen = 0;
  constructor(private readonly size: number) {}
  add(value: number): void {
    this.seen += 1;
    if (this.samples.length < this.size) this.samples.push(value);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < this.size) this.samples[slot] = value;
    }
  }
  percentile(p: number): number {
    if (this.samples.length === 0) return Number.NaN;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
  }
}

export interface KindStats {
  /** Responses per status code, measured window only. */
  statuses: Record<string, number>;
  /** Responses during the warm-up (any status). */
  warmup: number;
  /** Responses during the warm-up with an unexpected status. */
  warmupUnexpected: number;
  latency: Reservoir;
}

export interface MixState {
  stats: Record<Kind, KindStats>;
  /** Chain steps whose 200 carried no refresh token, or chains lost to a failed step. */
  chainsLost: number;
  /** Sign-ins that found no free user (would risk the lock-out). */
  usersExhausted: number;
  /** Set when the measured window begins (ms since the epoch); responses before it count as warm-up. */
  measuredFrom: number;
  chainsLive(): number;
}

const FORM = 'application/x-www-form-urlencoded';
type Ctx = Record<string, unknown> & { sentAt?: number; kind?: Kind };

/** Build the request sequence and the state it records into. */
export function createMix(options: { users: number; chainMaxAgeMs: number }): { requests: Request[]; state: MixState } {
  const chains: Chain[] = [];
  const freeUsers = Array.from({ length: options.users }, (_, n) => n);
  const retired: string[] = [];
  const stats = Object.fromEntries(KINDS.map((kind) => [kind, { statuses: {}, warmup: 0, warmupUnexpected: 0, latency: new Reservoir(20_000) }])) as unknown as Record<Kind, KindStats>;
  const state: MixState = {
    stats,
    chainsLost: 0,
    usersExhausted: 0,
    measuredFrom: Number.POSITIVE_INFINITY,
    chainsLive: () => chains.length,
  };

  const sent = (ctx: Ctx, kind: Kind): void => {
    ctx.kind = kind;
    ctx.sentAt = performance.now();
  };
  const record = (ctx: Ctx, status: number): void => {
    const kind = ctx.kind as Kind;
    const entry = stats[kind];
    if (Date.now() < state.measuredFrom) {
      entry.warmup += 1;
      if (status !== EXPECTED[kind]) entry.warmupUnexpected += 1;
      return;
    }
    entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
    if (ctx.sentAt !== undefined) entry.latency.add(performance.now() - ctx.sentAt);
  };
  const json = (body: string): Record<string, unknown> => {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const bearer = (token: unknown): Record<string, string> => ({ authorization: `Bearer ${typeof token === 'string' ? token : 'missing'}` });
  const cli = basic(CLIENTS.cli.id, CLIENTS.cli.secret);
  const web = basic(CLIENTS.web.id, CLIENTS.web.secret);
  const service = basic(CLIENTS.service.id, CLIENTS.service.secret);

  /** A chain step: refresh the chain that waited longest, or sign a user in. */
  const chainStep: Request = {
    method: 'POST',
    path: '/oauth/token',
    setupRequest: (req, context) => {
      const ctx = context as Ctx;
      let chain = chains.shift();
      if (chain && Date.now() - chain.startedAt > options.chainMaxAgeMs) {
        // Near the family's absolute lifetime: sign out (step 9 revokes it) and sign the same user in again.
        retired.push(chain.refresh);
        ctx.user = chain.user;
        chain = undefined;
      }
      if (chain) {
        ctx.chain = chain;
        sent(ctx, 'refresh');
        return { ...req, headers: { authorization: cli, 'content-type': FORM }, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(chain.refresh)}` };
      }
      let user = ctx.user as number | undefined;
      if (user === undefined) {
        user = freeUsers.shift();
        if (user === undefined) {
          state.usersExhausted += 1;
          user = Math.floor(Math.random() * options.users);
        }
      }
      ctx.chain = { user, refresh: '', startedAt: Date.now() } satisfies Chain;
      delete ctx.user;
      sent(ctx, 'password');
      return { ...req, headers: { authorization: cli, 'content-type': FORM }, body: `grant_type=password&username=user-${user}&password=${encodeURIComponent(passwordOf(user))}` };
    },
    onResponse: (status, body, context) => {
      const ctx = context as Ctx;
      record(ctx, status);
      const chain = ctx.chain as Chain;
      const answer = status === 200 ? json(body) : {};
      if (typeof answer.refresh_token === 'string') {
        chains.push({ ...chain, refresh: answer.refresh_token });
        ctx.userToken = answer.access_token;
      } else {
        state.chainsLost += 1;
        freeUsers.push(chain.user);
        delete ctx.userToken;
      }
    },
  };

  const step = (kind: Kind, build: (ctx: Ctx) => Pick<Request, 'method' | 'path' | 'headers' | 'body'>, after?: (ctx: Ctx, answer: Record<string, unknown>) => void): Request => ({
    method: 'GET',
    path: '/',
    setupRequest: (req, context) => {
      const ctx = context as Ctx;
      sent(ctx, kind);
      return { ...req, ...build(ctx) };
    },
    onResponse: (status, body, context) => {
      const ctx = context as Ctx;
      record(ctx, status);
      if (after) after(ctx, status === 200 ? json(body) : {});
    },
  });

  const requests: Request[] = [
    step('client_credentials', () => ({ method: 'POST', path: '/oauth/token', headers: { authorization: service, 'content-type': FORM }, body: 'grant_type=client_credentials&scope=orders%3Aread' }), (ctx, answer) => {
      ctx.serviceToken = answer.access_token;
    }),
    step('protected (service)', (ctx) => ({ method: 'GET', path: '/api/orders', headers: bearer(ctx.serviceToken) })),
    chainStep,
    step('userinfo', (ctx) => ({ method: 'GET', path: '/oauth/userinfo', headers: bearer(ctx.userToken) })),
    step('protected (user)', (ctx) => ({ method: 'GET', path: '/api/orders', headers: bearer(ctx.userToken) })),
    chainStep,
    step('code mint (harness)', () => ({ method: 'POST', path: '/harness/code', headers: {}, body: '' }), (ctx, answer) => {
      ctx.code = answer;
    }),
    step(
      'authorization_code',
      (ctx) => {
        const minted = (ctx.code ?? {}) as { code?: string; verifier?: string; redirect_uri?: string };
        const form = new URLSearchParams({ grant_type: 'authorization_code', code: minted.code ?? 'missing', code_verifier: minted.verifier ?? 'missing', redirect_uri: minted.redirect_uri ?? 'missing' });
        return { method: 'POST', path: '/oauth/token', headers: { authorization: web, 'content-type': FORM }, body: form.toString() };
      },
      (ctx, answer) => {
        ctx.webRefresh = answer.refresh_token;
      },
    ),
    step('revoke', (ctx) => {
      const old = retired.shift();
      const [auth, token] = old !== undefined ? [cli, old] : [web, typeof ctx.webRefresh === 'string' ? ctx.webRefresh : 'missing'];
      return { method: 'POST', path: '/oauth/revoke', headers: { authorization: auth, 'content-type': FORM }, body: `token=${encodeURIComponent(token)}&token_type_hint=refresh_token` };
    }),
    step('protected (no token)', () => ({ method: 'GET', path: '/api/orders', headers: {} })),
  ];
  return { requests, state };
}

/** Summary of one kind over the measured window. */
export function summarize(state: MixState, seconds: number): Record<Kind, { count: number; rps: number; expected: number; unexpected: number; statuses: Record<string, number>; p50: number; p99: number; max: number }> {
  return Object.fromEntries(
    KINDS.map((kind) => {
      const entry = state.stats[kind];
      const count = Object.values(entry.statuses).reduce((sum, n) => sum + n, 0);
      const expected = entry.statuses[EXPECTED[kind]] ?? 0;
      const round = (n: number): number => Math.round(n * 100) / 100;
      return [
        kind,
        {
          count,
          rps: round(count / seconds),
          expected: EXPECTED[kind],
          unexpected: count - expected + entry.warmupUnexpected,
          statuses: entry.statuses,
          p50: round(entry.latency.percentile(50)),
          p99: round(entry.latency.percentile(99)),
          max: round(entry.latency.samples.reduce((m, v) => Math.max(m, v), 0)),
        },
      ];
    }),
  ) as ReturnType<typeof summarize>;
}
