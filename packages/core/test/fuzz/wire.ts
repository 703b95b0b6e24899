/**
 * Real HTTP for the adapter fuzz suites: requests written byte for byte on a raw `node:net` socket (so odd
 * header values, repeated lines, invalid UTF-8 and chunked bodies go out exactly as generated), answers
 * parsed off the wire, and the *effective* request — what Tollgate sees behind Node's HTTP parser — for the
 * oracles in generators.ts.
 */
import { connect } from 'node:net';
import type { TollgateRequest } from '../../src/index.js';
import type { Answer, Effective } from './generators.js';

/** A request as bytes on the wire. */
export interface Wire {
  method: string;
  target: string;
  headers: [string, string][];
  body: Uint8Array | undefined;
  /** Send the body with `Transfer-Encoding: chunked` instead of `Content-Length`. */
  chunked: boolean;
}

const utf8 = new TextEncoder();

/** Characters a request line cannot carry are percent-encoded (a client library would do the same). */
function wireTarget(url: string | URL): string {
  const text = typeof url === 'string' ? url : url.href;
  let out = '';
  for (const char of text === '' ? '/' : text) {
    const code = char.codePointAt(0) as number;
    out += code > 0x20 && code < 0x7f ? char : [...utf8.encode(char)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** A header value as Node will read it: UTF-8 bytes taken as latin1; CR/LF (which would end the line) become spaces. */
function wireValue(value: string): string {
  return value.replace(/[\r\n]/g, ' ');
}

/** Framing headers are the transport's: the generated ones are dropped, not sent twice. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'host']);

/** Turn a built request (core shape plus the header pairs as generated) into wire bytes. */
export function toWire(request: TollgateRequest, headerPairs: readonly [string, string | string[]][], chunked: boolean): Wire {
  const headers: [string, string][] = [];
  for (const [name, value] of headerPairs) {
    if (FRAMING.has(name.toLowerCase())) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.push([name, wireValue(item)]);
  }
  const body = request.body === undefined ? undefined : typeof request.body === 'string' ? utf8.encode(request.body) : request.body;
  return { method: request.method, target: wireTarget(request.url), headers, body, chunked };
}

/** The raw bytes of a request. */
export function wireBytes(wire: Wire): Buffer {
  const lines = [`${wire.method} ${wire.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of wire.headers) lines.push(`${name}: ${value}`);
  const body = wire.body ?? new Uint8Array();
  if (wire.chunked) lines.push('Transfer-Encoding: chunked');
  else if (wire.body !== undefined) lines.push(`Content-Length: ${body.byteLength}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8');
  if (!wire.chunked) return Buffer.concat([head, body]);
  const parts: Buffer[] = [head];
  for (let offset = 0; offset < body.byteLength; offset += 8192) {
    const chunk = body.subarray(offset, offset + 8192);
    parts.push(Buffer.from(`${chunk.byteLength.toString(16)}\r\n`), Buffer.from(chunk), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** Parse an HTTP/1.1 answer (Content-Length, chunked, or up to close). */
export function parseAnswer(raw: Buffer, method: string): Answer {
  // The connection closed without a byte: status 0 (Node drops CONNECT when no 'connect' listener exists).
  if (raw.byteLength === 0) return { status: 0, headers: {}, body: '', cookies: [] };
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`incomplete HTTP answer: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'set-cookie') cookies.push(value);
    else headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = raw.subarray(end + 4);
  if (method.toUpperCase() === 'HEAD' || status === 204 || status === 304) body = Buffer.alloc(0);
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const out: Buffer[] = [];
    let rest = body;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (!(size > 0)) break;
      out.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    body = Buffer.concat(out);
  } else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: body.toString('utf8'), cookies };
}

/**
 * Send one request and read the whole answer. The server may close early (a 413 before the body is read):
 * whatever answer arrived counts. Rejects only when no complete answer came.
 */
export function sendWire(port: number, wire: Wire): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const raw = Buffer.concat(chunks);
      try {
        resolve(parseAnswer(raw, wire.method));
      } catch (parseError) {
        reject(error ?? parseError);
      }
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (error) => finish(error));
    socket.write(wireBytes(wire));
  });
}

/** Headers Node keeps only once (the first line wins): RFC 9110 singletons in Node's `IncomingMessage`. */
const FIRST_WINS = new Set(['age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent']);

/** Read a header as Node gives it to the app: latin1, trimmed, first-wins singletons, `; `-joined cookies. */
export function nodeHeader(wire: Wire, name: string): string | undefined {
  const values = wire.headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => Buffer.from(value, 'utf8').toString('latin1').replace(/^[ \t]+|[ \t]+$/g, ''));
  if (values.length === 0) return undefined;
  if (FIRST_WINS.has(name)) return values[0];
  return values.join(name === 'cookie' ? '; ' : ', ');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** What a Node adapter hands to the core for this wire request (when the framework lets it through). */
export function effectiveOfWire(wire: Wire): Effective {
  let url: URL | undefined;
  try {
    url = new URL(wire.target, 'http://tollgate.invalid');
  } catch {
    url = undefined;
  }
  const method = wire.method.toUpperCase();
  const bytes = method === 'GET' || method === 'HEAD' || wire.body === undefined || wire.body.byteLength === 0 ? undefined : wire.body;
  let body: Effective['body'];
  if (bytes !== undefined) {
    try {
      body = strictUtf8.decode(bytes);
    } catch {
      body = { invalid: true };
    }
  }
  return { method: wire.method, url, authorization: nodeHeader(wire, 'authorization'), contentType: nodeHeader(wire, 'content-type'), accept: nodeHeader(wire, 'accept'), body, bodyBytes: bytes?.byteLength ?? 0 };
}

/** The same wire request as a core request, so core helpers (presentedTokens) read it as the adapter does. */
export function coreRequestOfWire(wire: Wire): TollgateRequest {
  const headers: Record<string, string> = {};
  for (const name of new Set(wire.headers.map(([key]) => key.toLowerCase()))) headers[name] = nodeHeader(wire, name) as string;
  const effective = effectiveOfWire(wire);
  const body = effective.body === undefined ? undefined : wire.body;
  return body === undefined ? { method: wire.method, url: wire.target, headers } : { method: wire.method, url: wire.target, headers, body };
}

/** Node's own refusals of what is not HTTP (bad request line, bad header bytes, headers too large). */
export function isNodeParserAnswer(answer: Answer): boolean {
  return [400, 414, 431].includes(answer.status) && answer.body === '' && answer.headers['content-type'] === undefined;
}

/** Methods Node's HTTP parser accepts (RFC 9110 plus WebDAV and friends); anything else never reaches an app. */
export const NODE_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND', 'UNBIND', 'ACL', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PATCH', 'PURGE', 'MKCALENDAR', 'LINK', 'UNLINK', 'QUERY']);
