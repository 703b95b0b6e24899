/**
 * The load generator, one child process per target run (the harness pins it with `taskset -c 1`): autocannon
 * for the warm-up (reported, never measured) and then the measured run. Reads its job from BENCH_LOAD (JSON),
 * prints one JSON line. Also samples the server's CPU time from /proc during the measured run.
 *
 * `refresh-chain` requests rotate refresh tokens: every response's new refresh token goes on a stack and the
 * next request (of the same connection, which asks right after its response arrives) takes it, so each
 * connection rotates its own chain and no token is presented twice. Chains are seeded with password grants
 * before each phase; an empty stack sends a token the server must refuse, which invalidates the run.
 */
import autocannon, { type Options, type Result } from 'autocannon';
import { CLK_TCK, busyBetween, coreTicks, cpuTicks } from './cpu.js';

export interface StaticRequest {
  kind: 'static';
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Replace `[<id>]` in the body with a fresh number on every request. */
  uniqueIds?: boolean;
}
export interface RefreshChainRequest {
  kind: 'refresh-chain';
  path: string;
  authorization: string;
  /** Body of the password grant that starts each chain; `[<id>]` becomes the chain number. */
  seedBody: string;
}
export interface LoadJob {
  url: string;
  connections: number;
  warmup: number;
  duration: number;
  /** Per-request timeout, seconds. */
  timeout: number;
  serverPid: number;
  request: StaticRequest | RefreshChainRequest;
}

export interface PhaseResult {
  seconds: number;
  count2xx: number;
  rps: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  resets: number;
  mismatches: number;
  statusCodes: Record<string, number>;
  latency: { p50: number; p90: number; p99: number; avg: number; max: number };
  /** Server CPU time / wall time (1.0 = one core saturated). */
  serverCpu: number | undefined;
  /** This process's CPU time / wall time. */
  loadCpu: number;
  /** Busy fraction of the server core (0) and load core (1) from /proc/stat, whoever used them. */
  core0Busy: number | undefined;
  core1Busy: number | undefined;
  /** Refresh chains: requests sent with no live token left (each answers 4xx). */
  chainStarved?: number;
  /** Refresh chains: responses without a new refresh token. */
  chainBroken?: number;
}

const FORM = 'application/x-www-form-urlencoded';
const SEED_CONCURRENCY = 8;


let seeded = 0;

async function seedChains(job: LoadJob, request: RefreshChainRequest, count: number): Promise<string[]> {
  const tokens: string[] = [];
  seeded += 1;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const response = await fetch(job.url + request.path, {
        method: 'POST',
        headers: { authorization: request.authorization, 'content-type': FORM },
        body: request.seedBody.replace('[<id>]', `chain${seeded}-${next}`),
        signal: AbortSignal.timeout(job.timeout * 1000),
      });
      const body = (await response.json()) as { refresh_token?: unknown };
      if (response.status !== 200 || typeof body.refresh_token !== 'string') throw new Error(`seeding a refresh chain answered ${response.status} ${JSON.stringify(body)}`);
      tokens.push(body.refresh_token);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, worker));
  return tokens;
}

async function phase(job: LoadJob, seconds: number): Promise<PhaseResult> {
  const base: Options = {
    url: job.url,
    connections: job.connections,
    pipelining: 1,
    duration: seconds,
    timeout: job.timeout,
  };
  let chain: { stack: string[]; starved: number; broken: number } | undefined;
  if (job.request.kind === 'static') {
    const { method, path, headers, body, uniqueIds } = job.request;
    if (uniqueIds && body !== undefined) {
      // Built per request so Content-Length matches (autocannon's own idReplacement assumes a fixed id length).
      let counter = 0;
      const prefix = `${process.pid}-${Math.round(performance.now())}-`;
      base.requests = [{ method, path, headers, setupRequest: (req) => ({ ...req, body: body.replace('[<id>]', `${prefix}${(counter += 1)}`) }) }];
    } else {
      Object.assign(base, { method, headers, ...(body === undefined ? {} : { body }) });
      base.url = job.url + path;
    }
  } else {
    const request = job.request;
    const state = { stack: await seedChains(job, request, job.connections), starved: 0, broken: 0 };
    chain = state;
    base.requests = [
      {
        method: 'POST',
        path: request.path,
        headers: { authorization: request.authorization, 'content-type': FORM },
        setupRequest: (req) => {
          const token = state.stack.pop();
          if (token === undefined) state.starved += 1;
          return { ...req, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token ?? 'starved.none')}` };
        },
        onResponse: (status, body) => {
          let token: unknown;
          if (status === 200) {
            try {
              token = (JSON.parse(body) as { refresh_token?: unknown }).refresh_token;
            } catch {
              token = undefined;
            }
          }
          if (typeof token === 'string') state.stack.push(token);
          else state.broken += 1;
        },
      },
    ];
  }

  const cpu0 = process.cpuUsage();
  const ticks0 = cpuTicks(job.serverPid);
  const cores0 = coreTicks();
  const wall0 = performance.now();
  const result: Result = await autocannon(base);
  const wall = (performance.now() - wall0) / 1000;
  const ticks1 = cpuTicks(job.serverPid);
  const cores1 = coreTicks();
  const cpu = process.cpuUsage(cpu0);

  const latency = result.latency as unknown as Record<string, number>;
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries((result as unknown as { statusCodeStats: Record<string, { count: number }> }).statusCodeStats ?? {})) statusCodes[code] = stats.count;
  const count2xx = result['2xx'];
  return {
    seconds: result.duration,
    count2xx,
    rps: count2xx / result.duration,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    resets: (result as unknown as { resets?: number }).resets ?? 0,
    mismatches: result.mismatches,
    statusCodes,
    latency: { p50: latency.p50 ?? NaN, p90: latency.p90 ?? NaN, p99: latency.p99 ?? NaN, avg: latency.average ?? NaN, max: latency.max ?? NaN },
    serverCpu: ticks0 === undefined || ticks1 === undefined ? undefined : (ticks1 - ticks0) / CLK_TCK / wall,
    loadCpu: (cpu.user + cpu.system) / 1e6 / wall,
    core0Busy: busyBetween(cores0, cores1, 0),
    core1Busy: busyBetween(cores0, cores1, 1),
    ...(chain ? { chainStarved: chain.starved, chainBroken: chain.broken } : {}),
  };
}

const job = JSON.parse(process.env.BENCH_LOAD ?? 'null') as LoadJob | null;
if (!job) {
  console.error('load.ts: BENCH_LOAD is not set (started by src/run.ts)');
  process.exit(2);
}
const warmup = job.warmup > 0 ? await phase(job, job.warmup) : undefined;
const measured = await phase(job, job.duration);
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ warmup, measured })}\n`);
