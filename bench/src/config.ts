/** Bench settings from the command line and the environment (command line wins). */
import { parseArgs } from 'node:util';

export interface BenchConfig {
  smoke: boolean;
  runs: number;
  warmup: number;
  duration: number;
  connections: number;
  /** Per-request timeout, seconds. */
  timeout: number;
  cryptoSeconds: number;
  /** Longest wait for cores 0 and 1 to be idle before each target, seconds. */
  quietWait: number;
  /** Busy fraction under which a core counts as idle. */
  quietThreshold: number;
  growthClients: number;
  growthRefresh: number;
  memoryTokens: number;
  /** Only targets whose id contains one of these. */
  only: string[];
  /** Run `node --cpu-prof` on targets whose id contains one of these. */
  profile: string[];
  out: string;
  report: boolean;
}

export function readConfig(argv = process.argv.slice(2), env = process.env): BenchConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      timeout: { type: 'string' },
      'crypto-seconds': { type: 'string' },
      'quiet-wait': { type: 'string' },
      'growth-clients': { type: 'string' },
      'growth-refresh': { type: 'string' },
      'memory-tokens': { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'string' },
      out: { type: 'string' },
      'no-report': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const smoke = values.smoke === true || env.BENCH_SMOKE === '1';
  const num = (flag: string | undefined, envName: string, full: number, quick: number, min: number, max: number): number => {
    const raw = flag ?? env[envName];
    const value = raw === undefined ? (smoke ? quick : full) : Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${envName} / --${envName.slice(6).toLowerCase().replace(/_/g, '-')} must be a number from ${min} to ${max}`);
    return value;
  };
  const list = (flag: string | undefined, envName: string): string[] => (flag ?? env[envName] ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  return {
    smoke,
    runs: Math.round(num(values.runs, 'BENCH_RUNS', 2, 1, 1, 10)),
    warmup: num(values.warmup, 'BENCH_WARMUP', 2, 0.5, 0, 60),
    duration: num(values.duration, 'BENCH_DURATION', 8, 1.5, 0.5, 300),
    connections: Math.round(num(values.connections, 'BENCH_CONNECTIONS', 50, 50, 1, 1000)),
    timeout: num(values.timeout, 'BENCH_TIMEOUT', 10, 10, 1, 60),
    cryptoSeconds: num(values['crypto-seconds'], 'BENCH_CRYPTO_SECONDS', 2, 0.5, 0.1, 60),
    quietWait: num(values['quiet-wait'], 'BENCH_QUIET_WAIT', 20, 0, 0, 600),
    quietThreshold: num(undefined, 'BENCH_QUIET_THRESHOLD', 0.1, 0.1, 0.01, 1),
    growthClients: Math.round(num(values['growth-clients'], 'BENCH_GROWTH_CLIENTS', 100_000, 10_000, 10, 10_000_000)),
    growthRefresh: Math.round(num(values['growth-refresh'], 'BENCH_GROWTH_REFRESH', 1_000_000, 100_000, 0, 10_000_000)),
    memoryTokens: Math.round(num(values['memory-tokens'], 'BENCH_MEMORY_TOKENS', 1_000_000, 100_000, 1, 10_000_000)),
    only: list(values.only, 'BENCH_ONLY'),
    profile: list(values.profile, 'BENCH_PROFILE'),
    out: values.out ?? env.BENCH_OUT ?? (smoke ? 'results/smoke.json' : 'results/latest.json'),
    report: values['no-report'] !== true && !smoke,
  };
}
