/** Starting and stopping the harness server child, and sampling its resident memory. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export const HARNESS_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface ServerChild {
  child: ChildProcess;
  port: number;
  base: string;
  /** Everything it printed so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawn `src/server.ts` with --expose-gc; resolves once it prints `HARNESS_LISTENING <port>` (bounded). */
export async function startServer(env: Record<string, string>, timeoutMs = 90_000): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--expose-gc', '--conditions=@tollgate/source', '--import', 'tsx', 'src/server.ts'], {
    cwd: HARNESS_DIR,
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the harness server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const found = /HARNESS_LISTENING (\d+)/.exec(output)?.[1];
      if (found !== undefined) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(Number(found));
      }
    }, 50);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`the harness server exited during start-up (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  return { child, port, base: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** VmRSS of a process, in bytes (Linux /proc); undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const kib = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}

/** Whether something accepts TCP connections at host:port (bounded by 1 s). */
export function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}
