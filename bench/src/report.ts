/**
 * BENCHMARKS.md and bench/results/chart.svg, generated from a results file (default bench/results/latest.json).
 * `pnpm --filter @tollgate/bench report [results.json]` regenerates them without re-running anything.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChart } from './chart.js';
import { GOALS, GROUP_TITLES, TARGETS, cryptoCeilings, frameworkCeiling, type Group } from './registry.js';
import { bestOps, bestRps, contention, meanOps, meanRps, runOps, runRps, type Results, type RunRecord, type TargetRecord } from './results.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = resolve(benchDir, '..');

const n0 = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? '—' : Math.round(value).toLocaleString('en-US'));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`);
const pct = (value: number | undefined): string => (value === undefined ? '—' : `${Math.round(value * 100)}%`);
const ms = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? '—' : `${value}`);

/** Runs where other processes took more than this share of core 0 or 1 are flagged. */
const CONTENDED = 0.1;

function runRow(target: TargetRecord, run: RunRecord): string {
  const m = run.measured;
  const busy = contention(run);
  const contended = busy && Math.max(busy.core0, busy.core1) > CONTENDED ? ' ⚠' : '';
  const status = run.valid ? 'valid' : `**INVALID**: ${run.invalidReasons.join('; ').replace(/\|/g, '\\|').slice(0, 300)}`;
  return `| ${target.label} | ${run.run} | ${n0(m?.rps)} | ${ms(m?.latency.p50)} | ${ms(m?.latency.p99)} | ${pct(m?.serverCpu)} | ${busy ? `${pct(busy.core0)} / ${pct(busy.core1)}${contended}` : '—'} | ${status} |`;
}

function groupTable(results: Results, group: Group): string[] {
  const targets = results.targets.filter((target) => target.group === group);
  const lines = [`### ${GROUP_TITLES[group]}`, '', '| target | run | req/s | p50 ms | p99 ms | server CPU | other load core 0 / 1 | valid |', '| --- | --: | --: | --: | --: | --: | --: | --- |'];
  for (const target of targets) {
    if (target.skipped) {
      lines.push(`| ${target.label} | — | — | — | — | — | — | skipped: ${target.skipped} |`);
      continue;
    }
    for (const run of target.runs) lines.push(runRow(target, run));
  }
  const notes = targets.filter((target) => target.note).map((target) => `- ${target.label}: ${target.note}`);
  if (notes.length > 0) lines.push('', ...notes);
  lines.push('');
  return lines;
}

interface Comparison {
  subject: TargetRecord;
  against: string;
  label: string;
  kind: 'peer' | 'framework ceiling' | 'crypto ceiling' | 'memory store' | 'small';
  best: number | undefined;
  mean: number | undefined;
  perRun: (number | undefined)[];
  base: number | undefined;
  baseMean: number | undefined;
  basePerRun: (number | undefined)[];
}

function comparisons(results: Results): Comparison[] {
  const byId = new Map(results.targets.map((target) => [target.id, target]));
  const runs = Array.from({ length: results.meta.config.runs }, (_, index) => index + 1);
  const out: Comparison[] = [];
  for (const subject of results.targets.filter((target) => target.tollgate && !target.skipped)) {
    const spec = TARGETS.find((target) => target.id === subject.id);
    if (!spec) continue;
    const add = (kind: Comparison['kind'], other: TargetRecord | undefined): void => {
      if (!other || other.skipped) return;
      out.push({ subject, against: other.id, label: other.label, kind, best: bestRps(subject), mean: meanRps(subject), perRun: runs.map((run) => runRps(subject, run)), base: bestRps(other), baseMean: meanRps(other), basePerRun: runs.map((run) => runRps(other, run)) });
    };
    if (subject.group === 'token' || subject.group.startsWith('protected')) {
      for (const peer of results.targets.filter((target) => target.group === subject.group && !target.tollgate)) add('peer', peer);
    }
    if (subject.group.startsWith('store') && !subject.id.endsWith('/memory')) add('memory store', byId.get(`${subject.group}/memory`));
    if (subject.id === 'growth/clients-large' || subject.id === 'growth/cc-refresh-seeded') add('small', byId.get('growth/clients-small'));
    if (subject.id === 'growth/rotate-refresh-seeded') add('small', byId.get('store-refresh/memory'));
    const ceiling = frameworkCeiling(spec);
    if (ceiling) add('framework ceiling', byId.get(ceiling));
    for (const op of cryptoCeilings(spec)) {
      const record = results.crypto.find((entry) => entry.id === op);
      if (!record) continue;
      out.push({ subject, against: op, label: `${record.label} (ops/s)`, kind: 'crypto ceiling', best: bestRps(subject), mean: meanRps(subject), perRun: runs.map((run) => runRps(subject, run)), base: bestOps(record), baseMean: meanOps(record), basePerRun: runs.map((run) => runOps(record, run)) });
    }
  }
  return out;
}

function comparisonTable(items: Comparison[]): string[] {
  const lines = ['| Tollgate target | compared with | kind | Tollgate req/s (best) | other (best) | ratio (best runs) | ratio (means) | ratio per run |', '| --- | --- | --- | --: | --: | --: | --: | --- |'];
  for (const item of items) {
    const perRun = item.perRun.map((value, index) => `run ${index + 1}: ${ratio(value, item.basePerRun[index])}`).join(', ');
    lines.push(`| ${item.subject.label} (${item.subject.group}) | ${item.label} | ${item.kind} | ${n0(item.best)} | ${n0(item.base)} | **${ratio(item.best, item.base)}** | ${ratio(item.mean, item.baseMean)} | ${perRun} |`);
  }
  return lines;
}

function goalsTable(results: Results): string[] {
  const byId = new Map(results.targets.map((target) => [target.id, target]));
  const lines = ['| goal | Tollgate req/s | peer req/s | ratio | ratio of means | needed | verdict |', '| --- | --: | --: | --: | --: | --: | --- |'];
  for (const goal of GOALS) {
    const subject = byId.get(goal.subject);
    const against = byId.get(goal.against);
    const name = `${subject?.label ?? goal.subject} (${subject?.group ?? ''}) vs ${against?.label ?? goal.against}`;
    if (!subject || subject.skipped || !against || against.skipped) {
      lines.push(`| ${name} | — | — | — | — | ≥ ${goal.factor}× | not measured: ${subject?.skipped ?? against?.skipped ?? 'not in this run'} |`);
      continue;
    }
    const a = bestRps(subject);
    const b = bestRps(against);
    const verdict = a === undefined || b === undefined ? 'no valid runs' : a / b >= goal.factor ? '**met**' : '**not met**';
    lines.push(`| ${goal.informational ? '(informational, not a goal) ' : ''}${name} | ${n0(a)} | ${n0(b)} | ${ratio(a, b)} | ${ratio(meanRps(subject), meanRps(against))} | ≥ ${goal.factor}× | ${goal.informational ? verdict.replace(/\*\*/g, '') : verdict} |`);
  }
  return lines;
}

function sourceLines(results: Results): string[] {
  const source = results.meta.source;
  if (!source) return [];
  const list = (files: string[]): string => `${files.slice(0, 8).join(', ')}${files.length > 8 ? ', …' : ''}`;
  const describe = (state: { commit: string; dirty: string[] }): string =>
    `commit ${state.commit}${state.dirty.length === 0 ? ', no uncommitted changes under packages/ or examples/next-app/' : ` with ${state.dirty.length} uncommitted change(s) under packages/ or examples/next-app/ (${list(state.dirty)})`}`;
  let end = '';
  if (source.end) {
    const changed = [...new Set([...(source.changed ?? []), ...source.end.dirty.filter((file) => !source.start.dirty.includes(file))])];
    const moved = source.end.commit !== source.start.commit ? ` (HEAD moved to ${source.end.commit}, with no change to the code under test)` : '';
    end = changed.length === 0 && source.end.dirty.join('\n') === source.start.dirty.join('\n')
      ? ` The code under test was unchanged at the end${moved}.`
      : ` **At the end: ${describe(source.end)}; changed during the run: ${list(changed)}** — targets started later may run different code.`;
  }
  return ['## Code under test', '', `Packages and examples/next-app at the start: ${describe(source.start)}.${end}`, ''];
}

function profileSection(): string[] {
  const path = join(benchDir, 'results', 'profile-summary.md');
  if (!existsSync(path)) return [];
  return ['## Profile of the Tollgate targets', '', readFileSync(path, 'utf8').trim(), ''];
}

export function renderReport(results: Results, resultsPath: string): string {
  const { meta } = results;
  const cfg = meta.config;
  const m = meta.machine;
  const invalid = results.targets.flatMap((target) => target.runs.filter((run) => !run.valid).map((run) => `- ${target.id} run ${run.run}: ${run.invalidReasons.join('; ')}`));
  const contended = results.targets.flatMap((target) =>
    target.runs.filter((run) => {
      const busy = contention(run);
      return busy !== undefined && Math.max(busy.core0, busy.core1) > CONTENDED;
    }).map((run) => `${target.id} run ${run.run}`),
  );
  const groups = [...new Set(results.targets.map((target) => target.group))] as Group[];
  const chartPath = relative(repoDir, join(benchDir, 'results', 'chart.svg'));
  const mem = results.memory;
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`bench/src/report.ts\` from \`${relative(repoDir, resultsPath)}\` (${meta.mode} run, ${meta.startedAt} → ${meta.finishedAt ?? 'unfinished'}). Do not edit by hand: run \`pnpm bench\` again.`,
    '',
    '## Goals',
    '',
    ...goalsTable(results),
    '',
    'Each figure is the best valid run of the target (req/s); on a shared machine other work only ever takes CPU away, so the best of the interleaved runs is the least disturbed, and the same rule applies to every target. The ratio of the means over all valid runs and the per-run ratios are shown too. A goal counts as met only on this machine and this run.',
    '',
    "The protected-route goals use `protect()` as shipped: its verified-token cache (10 000 entries, on by default) answers every request after the first from the cache, because this load sends one token over and over. The peers have no such cache and verify the signature on every request. The `cache: false` rows show Tollgate doing the same work as the peers; with many distinct tokens in real traffic the figure lies between the two.",
    '',
    `![req/s per target](${chartPath})`,
    '',
    '## Machine and method',
    '',
    `- CPU: ${m.cpuModel}, ${m.cpus} CPU(s)${m.lscpu['Hypervisor vendor'] ? ` (virtual machine, ${m.lscpu['Hypervisor vendor']})` : ''}; memory ${m.memoryGiB} GiB; Linux ${m.kernel}.`,
    `- Each target server runs in its own child process pinned to core 0 (\`${meta.pinning.server} node …\`); the load generator (autocannon, \`pipelining 1\`) runs in its own process pinned to core 1 (\`${meta.pinning.load} node …\`). Everything listens on 127.0.0.1. \`NODE_ENV=production\`; TypeScript sources run through tsx (compiled once at start-up).`,
    `- ${cfg.connections} connections; ${cfg.warmup} s warm-up (discarded) then ${cfg.duration} s measured; ${cfg.runs} run(s) per target, interleaved (run 1 of every target, then run 2 of every target). req/s = 2xx responses / measured seconds. Crypto ceilings: ${cfg.cryptoSeconds} s per operation per run, pinned to core 0.`,
    '- A run is **invalid** when its warm-up or measured phase saw any non-2xx answer, socket error, timeout, connection reset or (refresh chains) a request without a live refresh token, or when its pre-flight failed. Invalid runs are listed and left out of every figure and ratio.',
    '- Pre-flight, before each run of each target: token targets refuse a wrong client secret and issue a token that verifies with jose against the target\'s own JWKS (EdDSA, issuer, audience, scope) — opaque tokens are checked through the target\'s introspection or protected route; protected routes refuse no token and a tampered token and accept the valid one; store targets also refuse a wrong password, rotate a refresh token and refuse the spent one.',
    '- "server CPU" is the server process\'s CPU time over the measured wall time (100% = core 0 saturated). "other load" is CPU taken from cores 0 and 1 by processes outside the bench during the measured run; ⚠ marks more than 10% — those figures are depressed by other work on the machine.',
    '- Redis and PostgreSQL run unpinned on the same machine, so the store targets share the two cores with them.',
    '',
    ...sourceLines(results),
    '## Exact command',
    '',
    '```sh',
    meta.mode === 'smoke' ? 'pnpm --filter @tollgate/bench bench:smoke' : 'pnpm bench',
    '```',
    '',
    `(at the repository root; \`pnpm bench\` is \`pnpm --filter @tollgate/bench bench\`), which runs \`${meta.command.replace(/^.*→ /, '')}\` with ${Object.entries({ BENCH_RUNS: cfg.runs, BENCH_WARMUP: cfg.warmup, BENCH_DURATION: cfg.duration, BENCH_CONNECTIONS: cfg.connections, BENCH_GROWTH_CLIENTS: cfg.growthClients, BENCH_GROWTH_REFRESH: cfg.growthRefresh })
      .map(([key, value]) => `${key}=${value}`)
      .join(', ')}.`,
    '',
    '## Versions',
    '',
    '| package | version |',
    '| --- | --- |',
    ...Object.entries(meta.versions).map(([name, version]) => `| ${name} | ${version} |`),
    '',
    '## Tollgate as a ratio of peers and ceilings',
    '',
    'Framework ceiling: the same framework answering a hello-world GET (protected routes) or parsing the same urlencoded POST body (token endpoint) with no auth work. Crypto ceiling: the signing or verification each request needs, done back to back on the same core.',
    '',
    ...comparisonTable(comparisons(results)),
    '',
    '## Results',
    '',
    ...groups.flatMap((group) => groupTable(results, group)),
    '### Crypto ceilings (ops/s, one core)',
    '',
    '| operation | ' + Array.from({ length: cfg.runs }, (_, index) => `run ${index + 1}`).join(' | ') + ' | best |',
    '| --- | ' + Array.from({ length: cfg.runs }, () => '--:').join(' | ') + ' | --: |',
    ...results.crypto.map((record) => `| ${record.label} | ${Array.from({ length: cfg.runs }, (_, index) => n0(runOps(record, index + 1))).join(' | ')} | ${n0(bestOps(record))} |`),
    '',
    '### Memory per live refresh token (memory store)',
    '',
    mem
      ? mem.error
        ? `Failed: ${mem.error}`
        : `${mem.count.toLocaleString('en-US')} refresh tokens saved through \`saveRefreshToken\` (each its own family, as after one sign-in each): **${Math.round(mem.bytesPerToken)} bytes of heap per token** (heapUsed after GC, \`node --expose-gc\`), ${Math.round(mem.rssDeltaPerToken)} bytes RSS; heap ${(mem.heapUsedBefore / 2 ** 20).toFixed(1)} → ${(mem.heapUsedAfter / 2 ** 20).toFixed(1)} MiB; seeded at ${n0(mem.seedPerSecond)} tokens/s.`
      : 'Not measured in this run.',
    '',
    '## Invalid runs',
    '',
    ...(invalid.length > 0 ? invalid : ['None.']),
    '',
    ...(contended.length > 0 ? ['## Runs disturbed by other work on the machine', '', `More than ${CONTENDED * 100}% of core 0 or 1 was taken by other processes during: ${contended.join(', ')}.`, ''] : []),
    ...profileSection(),
  ];
  return `${lines.join('\n')}\n`;
}

export function writeReport(results: Results, resultsPath: string): void {
  writeFileSync(join(benchDir, 'results', 'chart.svg'), renderChart(results));
  // Keep the sustained-load section, which examples/load-harness writes between its own markers.
  const target = join(repoDir, 'BENCHMARKS.md');
  const previous = existsSync(target) ? readFileSync(target, 'utf8') : '';
  const load = /<!-- load:start -->[\s\S]*?<!-- load:end -->/.exec(previous)?.[0];
  writeFileSync(target, renderReport(results, resultsPath) + (load ? `\n${load}\n` : ''));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const path = resolve(process.argv[2] ?? join(benchDir, 'results', 'latest.json'));
  writeReport(JSON.parse(readFileSync(path, 'utf8')) as Results, path);
  process.stderr.write(`[bench] wrote BENCHMARKS.md and bench/results/chart.svg from ${relative(repoDir, path)}\n`);
}
