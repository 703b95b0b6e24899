/**
 * The harness: `pnpm bench` (full) or `pnpm --filter @tollgate/bench bench:smoke`.
 *
 * For each run (targets interleaved: run 1 of every target, then run 2 of every target): the crypto ceilings,
 * then for every target its own server child pinned to core 0 (`taskset -c 0`), a pre-flight, and a load child
 * pinned to core 1 (`taskset -c 1`, autocannon: warm-up discarded, then the measured run). A run with any
 * non-2xx answer, socket error, timeout or failed pre-flight is invalid. Results go to bench/results/*.json;
 * the full run also writes BENCHMARKS.md and bench/results/chart.svg. Exits 1 when any run is invalid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig, type BenchConfig } from './config.js';
import { busyBetween, coreTicks } from './cpu.js';
import type { LoadJob, PhaseResult, RefreshChainRequest, StaticRequest } from './load.js';
import { changedBetween, machine, sourceState, versions } from './machine.js';
import { preflight } from './preflight.js';
import { CRYPTO_OPS, TARGETS, type Target } from './registry.js';
import type { CryptoRecord, MemoryRecord, Results, RunRecord, TargetRecord } from './results.js';
import { CC_BODY, CLIENT_ID, CLIENT_SECRET, CLI_ID, CLI_SECRET, FORM, PASSWORD_BODY_PER_USER, basic, mintAccessToken, writeKeys, type Keys } from './shared.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = fileURLToPath(new URL('../..', import.meta.url));
const TS = ['--conditions=@tollgate/source', '--import', 'tsx'];
const SERVER_CORE = '0';
const LOAD_CORE = '1';
const STOP_TIMEOUT_MS = 25_000;
const TAIL = 4000;

const config = readConfig();
const profiling = config.profile.length > 0;
if (profiling && !process.argv.includes('--out') && !process.env.BENCH_OUT) config.out = 'results/profile.json';
if (profiling) config.report = false;
const outPath = join(benchDir, config.out);
const profileDir = join(benchDir, 'results', 'profiles');

const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

function pinned(core: string, nodeArgs: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn('taskset', ['-c', core, process.execPath, ...nodeArgs], { cwd: benchDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function tail(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-TAIL);
  });
  return () => text.trim();
}

/** Run a pinned child to completion and return the line of stdout starting with `marker` (bounded in time). */
function runToLine(core: string, nodeArgs: string[], env: NodeJS.ProcessEnv, marker: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = pinned(core, nodeArgs, env);
    const stderr = tail(child);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms: ${stderr()}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((entry) => entry.startsWith(marker));
      if (code === 0 && line !== undefined) resolve(line.slice(marker.length).trim());
      else reject(new Error(`exited ${code ?? signal}: ${stderr() || out.slice(-TAIL)}`));
    });
  });
}

interface RunningServer {
  child: ChildProcess;
  port: number;
  startMs: number;
  stderr: () => string;
  exited: () => boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A server the bench did not write (next start): pinned the same way, ready once `readyPath` answers 200. */
async function startExternal(target: Target, env: NodeJS.ProcessEnv, extraFlags: string[]): Promise<RunningServer> {
  const external = target.external as NonNullable<Target['external']>;
  const started = performance.now();
  const port = await freePort();
  const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, ...extraFlags, ...external.args(port)], { cwd: external.cwd, env: { ...env, ...external.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = tail(child);
  child.stdout?.resume();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = started + (target.startTimeoutMs ?? 30_000);
  while (performance.now() < deadline && !exited) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${external.readyPath}`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return { child, port, startMs: performance.now() - started, stderr, exited: () => exited };
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`${target.id} did not become ready: ${stderr()}`);
}

async function bearerFor(target: Target, port: number, keys: Keys): Promise<string | undefined> {
  if (target.request.kind !== 'protected') return undefined;
  if (!target.bearerFrom) return mintAccessToken(keys, target.request.alg ?? 'EdDSA');
  const { path, authorization, body } = target.bearerFrom;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization, 'content-type': FORM }, body, signal: AbortSignal.timeout(10_000) });
  const json = (await response.json()) as { access_token?: unknown };
  if (response.status !== 200 || typeof json.access_token !== 'string') throw new Error(`could not get a token from ${target.id}: ${response.status}`);
  return json.access_token;
}

function startServer(target: Target, env: NodeJS.ProcessEnv, extraFlags: string[]): Promise<RunningServer> {
  if (target.external) return startExternal(target, env, extraFlags);
  const started = performance.now();
  const child = pinned(SERVER_CORE, [...extraFlags, ...TS, 'src/serve.ts', target.module, target.variant], { ...env, ...target.env });
  const stderr = tail(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const timeoutMs = target.startTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not listen within ${timeoutMs} ms: ${stderr()}`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /BENCH_LISTENING (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        out = '';
        resolve({ child, port: Number(match[1]), startMs: performance.now() - started, stderr, exited: () => exited });
      }
      if (out.length > TAIL) out = out.slice(-TAIL);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening: ${stderr()}`));
    });
  });
}

function stopServer(server: RunningServer): Promise<void> {
  if (server.exited()) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    server.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.child.kill('SIGTERM');
  });
}

function loadRequest(target: Target, bearer: string | undefined): StaticRequest | RefreshChainRequest {
  const { kind, path } = target.request;
  const form = (authorization: string, body: string): StaticRequest => ({ kind: 'static', method: 'POST', path, headers: { authorization, 'content-type': FORM }, body });
  switch (kind) {
    case 'client-credentials':
    case 'post':
      return form(basic(CLIENT_ID, CLIENT_SECRET), CC_BODY);
    case 'password':
      return { ...form(basic(CLI_ID, CLI_SECRET), PASSWORD_BODY_PER_USER), uniqueIds: true };
    case 'refresh-chain':
      return { kind: 'refresh-chain', path, authorization: basic(CLI_ID, CLI_SECRET), seedBody: PASSWORD_BODY_PER_USER };
    case 'protected':
      return { kind: 'static', method: 'GET', path, headers: { authorization: `Bearer ${bearer ?? ''}` } };
    case 'get':
      return { kind: 'static', method: 'GET', path, headers: {} };
  }
}

function problems(name: string, phase: PhaseResult | undefined): string[] {
  if (!phase) return [];
  const found: string[] = [];
  if (phase.non2xx > 0) found.push(`${name}: ${phase.non2xx} non-2xx (${Object.entries(phase.statusCodes).filter(([code]) => !code.startsWith('2')).map(([code, n]) => `${code}×${n}`).join(', ')})`);
  if (phase.errors > 0) found.push(`${name}: ${phase.errors} socket errors`);
  if (phase.timeouts > 0) found.push(`${name}: ${phase.timeouts} timeouts`);
  if (phase.resets > 0) found.push(`${name}: ${phase.resets} connection resets`);
  if (phase.mismatches > 0) found.push(`${name}: ${phase.mismatches} body mismatches`);
  if ((phase.chainStarved ?? 0) > 0) found.push(`${name}: ${phase.chainStarved} requests without a live refresh token`);
  if ((phase.chainBroken ?? 0) > 0) found.push(`${name}: ${phase.chainBroken} responses without a new refresh token`);
  return found;
}

/**
 * Other work on the machine skews every figure. Before a target starts, wait (bounded by BENCH_QUIET_WAIT
 * seconds) until cores 0 and 1 are nearly idle; report how busy they were either way.
 */
async function waitForQuiet(): Promise<{ waitedMs: number; busy: [number, number] }> {
  const started = performance.now();
  let busy: [number, number] = [0, 0];
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    const before = coreTicks();
    await sleep(500);
    const after = coreTicks();
    busy = [busyBetween(before, after, 0) ?? 0, busyBetween(before, after, 1) ?? 0];
    if (Math.max(...busy) < config.quietThreshold || performance.now() - started >= config.quietWait * 1000) break;
    await sleep(1500);
  }
  return { waitedMs: Math.round(performance.now() - started), busy };
}

async function runTarget(target: Target, run: number, keys: Keys, env: NodeJS.ProcessEnv): Promise<RunRecord> {
  const record: RunRecord = { run, valid: false, invalidReasons: [] };
  const profile = config.profile.some((needle) => target.id.includes(needle));
  const flags: string[] = [];
  if (profile) {
    mkdirSync(profileDir, { recursive: true });
    // One directory per run: Node writes a profile per thread (tsx's loader thread included).
    record.profile = `${target.id.replace(/\//g, '__')}-run${run}`;
    rmSync(join(profileDir, record.profile), { recursive: true, force: true });
    flags.push('--cpu-prof', `--cpu-prof-dir=${join(profileDir, record.profile)}`);
  }
  let server: RunningServer | undefined;
  try {
    record.quiet = await waitForQuiet();
    server = await startServer(target, env, flags);
    record.startMs = Math.round(server.startMs);
    const bearer = await bearerFor(target, server.port, keys);
    record.preflight = await preflight(target, server.port, bearer);
    if (!record.preflight.ok) {
      record.invalidReasons.push(`pre-flight failed: ${record.preflight.checks.filter((check) => !check.ok).map((check) => `${check.name} (${check.detail ?? ''})`).join('; ')}`);
      return record;
    }
    const job: LoadJob = {
      url: `http://127.0.0.1:${server.port}`,
      connections: config.connections,
      warmup: config.warmup,
      duration: config.duration,
      timeout: config.timeout,
      serverPid: server.child.pid ?? 0,
      request: loadRequest(target, bearer),
    };
    const limit = (config.warmup + config.duration) * 1000 + 120_000;
    const line = await runToLine(LOAD_CORE, [...TS, 'src/load.ts'], { ...process.env, BENCH_LOAD: JSON.stringify(job) }, 'BENCH_RESULT', limit);
    const { warmup, measured } = JSON.parse(line) as { warmup?: PhaseResult; measured: PhaseResult };
    if (warmup) record.warmup = warmup;
    record.measured = measured;
    record.invalidReasons.push(...problems('warm-up', warmup), ...problems('measured', measured));
    if (measured.count2xx === 0) record.invalidReasons.push('measured: no 2xx responses');
    if (server.exited()) record.invalidReasons.push(`server exited during the run: ${server.stderr()}`);
  } catch (error) {
    record.invalidReasons.push(error instanceof Error ? error.message : String(error));
  } finally {
    if (server) await stopServer(server);
  }
  record.valid = record.invalidReasons.length === 0;
  return record;
}

async function cryptoRun(op: string, run: number, env: NodeJS.ProcessEnv): Promise<CryptoRecord['runs'][number]> {
  try {
    const line = await runToLine(SERVER_CORE, [...TS, 'src/crypto-ceiling.ts', op, String(config.cryptoSeconds)], env, '{', config.cryptoSeconds * 1000 + 60_000);
    const parsed = JSON.parse(`{${line}`) as { opsPerSec: number; count: number; seconds: number };
    return { run, opsPerSec: parsed.opsPerSec, count: parsed.count, seconds: parsed.seconds };
  } catch (error) {
    return { run, opsPerSec: 0, count: 0, seconds: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

async function memoryRun(env: NodeJS.ProcessEnv): Promise<MemoryRecord> {
  try {
    const line = await runToLine(SERVER_CORE, ['--expose-gc', ...TS, 'src/memory.ts', String(config.memoryTokens)], env, '{', 600_000);
    return JSON.parse(`{${line}`) as MemoryRecord;
  } catch (error) {
    return { count: config.memoryTokens, bytesPerToken: 0, rssDeltaPerToken: 0, heapUsedBefore: 0, heapUsedAfter: 0, seedPerSecond: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

function save(results: Results): void {
  mkdirSync(join(outPath, '..'), { recursive: true });
  writeFileSync(`${outPath}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(`${outPath}.tmp`, outPath);
}

function fill(label: string, cfg: BenchConfig): string {
  return label.replace('{clients}', cfg.growthClients.toLocaleString('en-US')).replace('{refresh}', cfg.growthRefresh.toLocaleString('en-US'));
}

function summary(record: RunRecord): string {
  if (!record.measured) return record.invalidReasons.join('; ');
  const m = record.measured;
  const cpu = m.serverCpu === undefined ? '' : ` server-cpu ${(m.serverCpu * 100).toFixed(0)}% load-cpu ${(m.loadCpu * 100).toFixed(0)}%`;
  return `${m.rps.toFixed(0)} req/s p50 ${m.latency.p50} ms p99 ${m.latency.p99} ms${cpu}${record.valid ? '' : ` INVALID: ${record.invalidReasons.join('; ')}`}`;
}

async function main(): Promise<number> {
  const keyDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const keysPath = join(keyDir, 'keys.json');
  const keys = writeKeys(keysPath);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    BENCH_KEYS: keysPath,
    BENCH_GROWTH_CLIENTS: String(config.growthClients),
    BENCH_GROWTH_REFRESH: String(config.growthRefresh),
  };
  try {
    const selected = TARGETS.filter((target) => config.only.length === 0 || config.only.some((needle) => target.id.includes(needle)));
    const records: TargetRecord[] = [];
    const runnable: { target: Target; record: TargetRecord }[] = [];
    for (const target of selected) {
      const skipped = await target.unavailable?.();
      const record: TargetRecord = {
        id: target.id,
        group: target.group,
        label: fill(target.label, config),
        tollgate: target.tollgate,
        framework: target.framework,
        request: target.request.kind,
        path: target.request.path,
        ...(target.note ? { note: target.note } : {}),
        ...(skipped ? { skipped } : {}),
        runs: [],
      };
      records.push(record);
      if (skipped) log(`skip ${target.id}: ${skipped}`);
      else runnable.push({ target, record });
    }
    const withCrypto = config.only.length === 0 || config.only.some((needle) => 'crypto'.includes(needle) || CRYPTO_OPS.some((op) => op.id.includes(needle)));
    const crypto: CryptoRecord[] = withCrypto ? CRYPTO_OPS.map((op) => ({ id: op.id, label: op.label, runs: [] })) : [];
    const results: Results = {
      meta: {
        startedAt: new Date().toISOString(),
        command: `${process.env.npm_lifecycle_event ? `pnpm ${process.env.npm_lifecycle_event}` : 'node'} → cd bench && node ${process.execArgv.join(' ')} ${relative(benchDir, process.argv[1] ?? 'src/run.ts')} ${process.argv.slice(2).join(' ')}`.trim(),
        mode: config.smoke ? 'smoke' : 'full',
        config,
        machine: machine(),
        versions: versions(),
        pinning: { server: `taskset -c ${SERVER_CORE}`, load: `taskset -c ${LOAD_CORE}` },
        source: { start: sourceState(repoDir) },
      },
      targets: records,
      crypto,
    };
    log(`${config.smoke ? 'smoke' : 'full'} run: ${runnable.length} targets × ${config.runs} runs, warm-up ${config.warmup}s + ${config.duration}s, ${config.connections} connections → ${relative(repoDir, outPath)}`);

    if (withCrypto && config.only.length === 0) {
      log(`memory per live refresh token (${config.memoryTokens.toLocaleString('en-US')} tokens)…`);
      results.memory = await memoryRun(env);
      log(results.memory.error ? `memory: FAILED ${results.memory.error}` : `memory: ${results.memory.bytesPerToken.toFixed(0)} bytes/token`);
      save(results);
    }

    for (let run = 1; run <= config.runs; run += 1) {
      for (const record of crypto) {
        const entry = await cryptoRun(record.id, run, env);
        record.runs.push(entry);
        log(`run ${run} ${record.id}: ${entry.error ? `FAILED ${entry.error}` : `${entry.opsPerSec.toFixed(0)} ops/s`}`);
      }
      for (const { target, record } of runnable) {
        const entry = await runTarget(target, run, keys, env);
        record.runs.push(entry);
        log(`run ${run} ${target.id}: ${summary(entry)}`);
        save(results);
      }
    }
    results.meta.finishedAt = new Date().toISOString();
    if (results.meta.source) {
      const end = sourceState(repoDir);
      results.meta.source.end = end;
      results.meta.source.changed = changedBetween(repoDir, results.meta.source.start.commit, end.commit);
    }
    save(results);

    if (profiling) {
      const { summarizeDir } = await import('./profile.js');
      const files = runnable.flatMap(({ record }) => record.runs.flatMap((entry) => (entry.profile ? [entry.profile] : [])));
      writeFileSync(join(benchDir, 'results', 'profile-summary.md'), `${summarizeDir(profileDir, files, config.duration + 1)}\n`);
      log('wrote bench/results/profile-summary.md');
    }

    if (config.report) {
      const { writeReport } = await import('./report.js');
      writeReport(results, outPath);
      log(`wrote BENCHMARKS.md and bench/results/chart.svg`);
    }

    const invalid = runnable.flatMap(({ record }) => record.runs.filter((entry) => !entry.valid).map((entry) => `${record.id} run ${entry.run}`));
    const failedCrypto = crypto.flatMap((record) => record.runs.filter((entry) => entry.error).map((entry) => `${record.id} run ${entry.run}`));
    if (results.memory?.error) failedCrypto.push('memory per refresh token');
    if (invalid.length + failedCrypto.length > 0) {
      log(`INVALID: ${[...invalid, ...failedCrypto].join(', ')}`);
      return 1;
    }
    log('all runs valid');
    return 0;
  } finally {
    rmSync(keyDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
