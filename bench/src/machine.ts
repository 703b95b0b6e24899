/** The machine and the versions a result was measured with. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createRequire } from 'node:module';

export interface Machine {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  kernel: string;
  lscpu: Record<string, string>;
}

export function machine(): Machine {
  const lscpu: Record<string, string> = {};
  try {
    for (const line of execFileSync('lscpu', { encoding: 'utf8', timeout: 5000 }).split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) lscpu[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  } catch {
    // lscpu missing: fall back to os.cpus().
  }
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = 'unknown';
  }
  const keep = ['Model name', 'CPU(s)', 'Thread(s) per core', 'Core(s) per socket', 'Socket(s)', 'Hypervisor vendor', 'L2 cache', 'L3 cache', 'CPU max MHz'];
  return {
    cpuModel: lscpu['Model name'] ?? cpus()[0]?.model ?? 'unknown',
    cpus: Number(lscpu['CPU(s)'] ?? cpus().length),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel,
    lscpu: Object.fromEntries(keep.filter((key) => lscpu[key] !== undefined).map((key) => [key, lscpu[key] as string])),
  };
}

const require = createRequire(import.meta.url);
const PACKAGES = [
  '@tollgate/core',
  '@tollgate/express',
  '@tollgate/fastify',
  '@tollgate/redis',
  '@tollgate/postgres',
  'express',
  'fastify',
  'oidc-provider',
  '@node-oauth/oauth2-server',
  'express-oauth2-jwt-bearer',
  '@fastify/jwt',
  'jose',
  'autocannon',
  'tsx',
];

function versionOf(name: string, from = require): string | undefined {
  try {
    return (from(`${name}/package.json`) as { version: string }).version;
  } catch {
    try {
      // Packages whose exports hide package.json: find it next to the entry point.
      const entry = from.resolve(name);
      const at = entry.lastIndexOf(`/node_modules/${name}/`);
      if (at < 0) return undefined;
      return (JSON.parse(readFileSync(`${entry.slice(0, at)}/node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
    } catch {
      return undefined;
    }
  }
}

export function versions(): Record<string, string> {
  const found: Record<string, string> = { node: process.version };
  for (const name of PACKAGES) {
    const version = versionOf(name);
    if (version) found[name] = version;
  }
  try {
    const fastJwt = versionOf('fast-jwt', createRequire(require.resolve('@fastify/jwt')));
    if (fastJwt) found['fast-jwt'] = fastJwt;
  } catch {
    // @fastify/jwt missing
  }
  try {
    found['redis-server'] = execFileSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 5000 }).match(/v=([\d.]+)/)?.[1] ?? 'unknown';
  } catch {
    // not installed here
  }
  try {
    found.postgres = execFileSync('psql', ['--version'], { encoding: 'utf8', timeout: 5000 }).match(/\(PostgreSQL\) ([\d.]+)/)?.[1] ?? 'unknown';
  } catch {
    // not installed here
  }
  return found;
}

/** What the targets run: the workspace packages and the Next example. */
const CODE_PATHS = ['packages', 'examples/next-app'];

function git(repoDir: string, ...args: string[]): string {
  try {
    return execFileSync('git', ['-C', repoDir, ...args], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return '';
  }
}

/** The commit the workspace is at and the uncommitted changes to the code under test. */
export function sourceState(repoDir: string): { commit: string; dirty: string[] } {
  const dirty = git(repoDir, 'status', '--porcelain', '--', ...CODE_PATHS)
    .split('\n')
    .filter((line) => line.length > 0 && !/\/(dist|\.next|results|test-output)\//.test(line))
    .map((line) => line.slice(3));
  return { commit: git(repoDir, 'rev-parse', '--short', 'HEAD') || 'unknown', dirty };
}

/** Files of the code under test that differ between two commits. */
export function changedBetween(repoDir: string, from: string, to: string): string[] {
  if (from === to) return [];
  return git(repoDir, 'diff', '--name-only', from, to, '--', ...CODE_PATHS)
    .split('\n')
    .filter((line) => line.length > 0);
}
