/** The shape of bench/results/latest.json, and the summaries the report and chart derive from it. */
import type { BenchConfig } from './config.js';
import type { PhaseResult } from './load.js';
import type { Machine } from './machine.js';
import type { PreflightResult } from './preflight.js';
import type { Group, RequestKind } from './registry.js';

export interface RunRecord {
  run: number;
  valid: boolean;
  /** Why the run does not count (non-2xx, socket errors, timeouts, failed pre-flight, crash). */
  invalidReasons: string[];
  preflight?: PreflightResult;
  warmup?: PhaseResult;
  measured?: PhaseResult;
  /** Server start-up time, ms (seeding included for the growth targets). */
  startMs?: number;
  profile?: string;
  /** Idle check before the server started: how long it waited, and cores 0/1 busy fractions then. */
  quiet?: { waitedMs: number; busy: [number, number] };
}

export interface TargetRecord {
  id: string;
  group: Group;
  label: string;
  tollgate: boolean;
  framework: string;
  request: RequestKind;
  path: string;
  note?: string;
  skipped?: string;
  runs: RunRecord[];
}

export interface CryptoRecord {
  id: string;
  label: string;
  runs: { run: number; opsPerSec: number; count: number; seconds: number; error?: string }[];
}

export interface MemoryRecord {
  count: number;
  bytesPerToken: number;
  rssDeltaPerToken: number;
  heapUsedBefore: number;
  heapUsedAfter: number;
  seedPerSecond: number;
  error?: string;
}

export interface Results {
  meta: {
    startedAt: string;
    finishedAt?: string;
    command: string;
    mode: 'full' | 'smoke';
    config: BenchConfig;
    machine: Machine;
    versions: Record<string, string>;
    pinning: { server: string; load: string };
    /** Git state of the code under test at the start and the end of the run. */
    source?: { start: { commit: string; dirty: string[] }; end?: { commit: string; dirty: string[] }; changed?: string[] };
  };
  targets: TargetRecord[];
  crypto: CryptoRecord[];
  memory?: MemoryRecord;
}

/** Mean req/s of a target's valid runs (undefined when none is valid). */
export function meanRps(target: TargetRecord | undefined): number | undefined {
  const valid = (target?.runs ?? []).filter((run) => run.valid && run.measured);
  if (valid.length === 0) return undefined;
  return valid.reduce((sum, run) => sum + (run.measured as PhaseResult).rps, 0) / valid.length;
}

/**
 * The headline figure: req/s of the best valid run. On a shared machine other work only ever takes CPU away, so
 * the best of the interleaved runs is the least disturbed one; the same rule applies to every target.
 */
export function bestRps(target: TargetRecord | undefined): number | undefined {
  const valid = (target?.runs ?? []).filter((run) => run.valid && run.measured).map((run) => (run.measured as PhaseResult).rps);
  return valid.length === 0 ? undefined : Math.max(...valid);
}

export function bestOps(record: CryptoRecord | undefined): number | undefined {
  const ok = (record?.runs ?? []).filter((run) => run.error === undefined && run.opsPerSec > 0).map((run) => run.opsPerSec);
  return ok.length === 0 ? undefined : Math.max(...ok);
}

/** req/s of one run, when valid. */
export function runRps(target: TargetRecord | undefined, run: number): number | undefined {
  const record = target?.runs.find((entry) => entry.run === run);
  return record?.valid && record.measured ? record.measured.rps : undefined;
}

/** CPU taken from cores 0/1 by other processes during the measured run (fractions of a core). */
export function contention(run: RunRecord): { core0: number; core1: number } | undefined {
  const m = run.measured;
  if (!m || m.core0Busy === undefined || m.core1Busy === undefined || m.serverCpu === undefined) return undefined;
  return { core0: Math.max(0, m.core0Busy - m.serverCpu), core1: Math.max(0, m.core1Busy - m.loadCpu) };
}

export function meanOps(record: CryptoRecord | undefined): number | undefined {
  const ok = (record?.runs ?? []).filter((run) => run.error === undefined && run.opsPerSec > 0);
  if (ok.length === 0) return undefined;
  return ok.reduce((sum, run) => sum + run.opsPerSec, 0) / ok.length;
}

export function runOps(record: CryptoRecord | undefined, run: number): number | undefined {
  const entry = record?.runs.find((item) => item.run === run);
  return entry && entry.error === undefined && entry.opsPerSec > 0 ? entry.opsPerSec : undefined;
}
