/**
 * Summarise `node --cpu-prof` profiles of target servers (bench/results/profiles/*.cpuprofile): self time by
 * function and by module, as Markdown (bench/results/profile-summary.md, included in BENCHMARKS.md).
 * `pnpm --filter @tollgate/bench bench:profile` records and summarises them; this file alone re-summarises.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = resolve(benchDir, '..');
const TOP = 25;

/** Where a frame lives: a workspace file, a dependency, Node's internals, or V8 itself. */
export function moduleOf(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*$/, 'node:internal/$1');
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1] as string;
  if (url.startsWith(repoDir)) return url.slice(repoDir.length + 1);
  return url;
}

const where = (frame: CallFrame): string => {
  const url = frame.url.replace(/^file:\/\//, '');
  const short = url.startsWith(repoDir) ? url.slice(repoDir.length + 1) : url.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '');
  return short ? `${short}:${frame.lineNumber + 1}` : '';
};

/**
 * Self time by function and module. With `windowSeconds`, only the samples of the last that many seconds before
 * the profile ended count (the server is stopped right after the load, so start-up is left out).
 */
export function summarize(profile: CpuProfile, windowSeconds?: number): { totalMs: number; functions: [string, number][]; modules: [string, number][] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  const from = windowSeconds === undefined ? -Infinity : profile.endTime - windowSeconds * 1e6;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at >= from) self.set(id, (self.get(id) ?? 0) + delta);
  });
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') continue;
    total += micros;
    const name = `${frame.functionName || '(anonymous)'} ${where(frame)}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + micros);
    const module = moduleOf(frame);
    modules.set(module, (modules.get(module) ?? 0) + micros);
  }
  const sorted = (map: Map<string, number>): [string, number][] => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMs: total / 1000, functions: sorted(functions), modules: sorted(modules) };
}

/** The main thread's profile in a run's directory: the one with the most samples. */
function mainThread(dir: string): CpuProfile | undefined {
  let best: CpuProfile | undefined;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    if (!best || profile.samples.length > best.samples.length) best = profile;
  }
  return best;
}

export function summarizeDir(dir = join(benchDir, 'results', 'profiles'), only?: readonly string[], windowSeconds?: number): string {
  const runs = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && (!only || only.includes(entry.name)))
    .map((entry) => entry.name)
    .sort();
  const window = windowSeconds === undefined ? '' : ` (the last ${windowSeconds} s before the server stopped: the measured run, not start-up)`;
  const sections = [
    `Self time of the busy (non-idle) samples of the server's main thread, recorded with \`node --cpu-prof\` under load${window} by \`pnpm --filter @tollgate/bench bench:profile\`. Profiling slows the server; these runs are not in the results above.`,
    '',
  ];
  for (const run of runs) {
    const profile = mainThread(join(dir, run));
    if (!profile) continue;
    const { totalMs, functions, modules } = summarize(profile, windowSeconds);
    const pct = (micros: number): string => `${((micros / 1000 / totalMs) * 100).toFixed(1)}%`;
    sections.push(`### ${run.replace(/__/g, '/')}`, '', `${(totalMs / 1000).toFixed(1)} s busy.`, '');
    sections.push('| self | module |', '| --: | --- |', ...modules.slice(0, 12).map(([name, micros]) => `| ${pct(micros)} | ${name} |`), '');
    sections.push('| self | function |', '| --: | --- |', ...functions.slice(0, TOP).map(([name, micros]) => `| ${pct(micros)} | \`${name.replace(/\|/g, '\\|')}\` |`), '');
  }
  return sections.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const markdown = summarizeDir();
  writeFileSync(join(benchDir, 'results', 'profile-summary.md'), `${markdown}\n`);
  process.stdout.write(markdown);
}
