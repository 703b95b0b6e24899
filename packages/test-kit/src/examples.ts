import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type RequestListener, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';

// Helpers for the examples' wire-level tests: listen on loopback, replay raw HTTP, start an example for real.

/** A running app on 127.0.0.1, on a port the OS chose. */
export interface Running<T> {
  port: number;
  issuer: string;
  /** `http://127.0.0.1:<port>` */
  base: string;
  created: T;
  close(): Promise<void>;
}

/**
 * Listen on an ephemeral loopback port first, then build the app with an issuer naming that port
 * (redirect URIs and `iss` are derived from it), and serve it over real HTTP.
 */
export async function listen<T extends { app: RequestListener }>(create: (issuer: string) => T): Promise<Running<T>> {
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const issuer = `http://localhost:${port}`;
  const created = create(issuer);
  http.on('request', created.app);
  return {
    port,
    issuer,
    base: `http://127.0.0.1:${port}`,
    created,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

/** A response exactly as it came off the wire. */
export interface RawResponse {
  statusLine: string;
  /** Header lines in wire order, as `[name, value]`. */
  headers: [string, string][];
  body: string;
  /** Header value by case-insensitive name. */
  header(name: string): string | undefined;
}

/**
 * Send one request as raw bytes (exactly what the document shows, plus the `Host`, `Content-Length` and
 * `Connection: close` lines curl would add) and return the raw response.
 */
export function rawRequest(port: number, head: readonly string[], body = ''): Promise<RawResponse> {
  const lines = [...head, `Host: 127.0.0.1:${port}`];
  if (body.length > 0 || /^(POST|PUT|PATCH) /.test(head[0] ?? '')) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  lines.push('Connection: close');
  const payload = `${lines.join('\r\n')}\r\n\r\n${body}`;
  return new Promise((resolve, reject) => {
    // Like curl: write the request and keep our side open; `Connection: close` makes the server end the exchange.
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(payload));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
      const headers = headerLines.map((line): [string, string] => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon), line.slice(colon + 1).trim()];
      });
      resolve({
        statusLine,
        headers,
        body: text.slice(split + 4),
        header: (name) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1],
      });
    });
  });
}

/**
 * Render a flat JSON object the way the vendor documents print their examples: one `"key": value` per line,
 * in order, with the given indentation. Comparing this with the document's text compares keys, order and
 * values line by line.
 */
export function documentJson(value: Record<string, unknown>, indent = ''): string {
  const lines = Object.entries(value).map(([key, item]) => `${indent}${JSON.stringify(key)}: ${JSON.stringify(item)}`);
  return `{\n${lines.join(',\n')}\n}`;
}

/** Decode a JWT part (header or payload) without verifying it. */
export function jwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The example started as `pnpm --filter <name> start` starts it. */
export interface Child {
  process: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `node --conditions=@tollgate/source --import tsx src/main.ts` in `dir` (the example's folder, where
 * `pnpm --filter <name> start` runs), with `env`; resolves once its output matches `ready`.
 */
export async function startExample(dir: string, env: Record<string, string>, ready: RegExp): Promise<Child> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.ISSUER;
  delete childEnv.NODE_OPTIONS;
  for (const [key, value] of Object.entries(env)) childEnv[key] = value;
  const child = spawn(process.execPath, ['--conditions=@tollgate/source', '--import', 'tsx', 'src/main.ts'], { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example did not start in time:\n${output}`)), 45_000);
    const check = (): void => {
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the example exited with ${String(code)}:\n${output}`));
    });
  });
  return {
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A logger that keeps what it is told, so tests can check it and keep their output clean. */
export function memoryLogger(): { lines: string[]; error(message: string, details?: unknown): void; warn(message: string, details?: unknown): void } {
  const lines: string[] = [];
  return {
    lines,
    error: (message, details) => lines.push(`error ${message} ${JSON.stringify(details ?? {})}`),
    warn: (message, details) => lines.push(`warn ${message} ${JSON.stringify(details ?? {})}`),
  };
}
