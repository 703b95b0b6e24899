import { describe, expect, it } from 'vitest';
import { basic, call, expectError, makeServer, SERVICE_SECRET } from '../helpers.js';

const HEADERS = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) };

/** A valid client_credentials body padded with an unknown parameter to exactly `bytes` bytes. */
function padded(bytes: number): string {
  const prefix = 'grant_type=client_credentials&pad=';
  return prefix + 'a'.repeat(bytes - prefix.length);
}

describe('request body limit', () => {
  it('accepts a body of exactly 64 KiB by default', async () => {
    const server = makeServer();
    expect(server.bodyLimit).toBe(64 * 1024);
    const result = await call(server, { headers: HEADERS, body: padded(64 * 1024) });
    expect(result.status, result.body.slice(0, 200)).toBe(200);
  });

  it('answers 413 JSON for one byte more', async () => {
    const server = makeServer();
    expectError(await call(server, { headers: HEADERS, body: padded(64 * 1024 + 1) }), 413, 'invalid_request');
  });

  it('answers 413 for an oversize Uint8Array body', async () => {
    const server = makeServer();
    expectError(await call(server, { headers: HEADERS, body: new TextEncoder().encode(padded(64 * 1024 + 1)) }), 413, 'invalid_request');
  });

  it('counts bytes, not characters', async () => {
    const server = makeServer({ bodyLimit: 100 });
    const body = `grant_type=client_credentials&pad=${'é'.repeat(40)}`; // 34 + 80 bytes, 74 characters
    expect(body.length).toBeLessThan(100);
    expectError(await call(server, { headers: HEADERS, body }), 413, 'invalid_request');
  });

  it('honours a custom bodyLimit', async () => {
    const server = makeServer({ bodyLimit: 256 });
    expect(server.bodyLimit).toBe(256);
    expect((await call(server, { headers: HEADERS, body: padded(256) })).status).toBe(200);
    expectError(await call(server, { headers: HEADERS, body: padded(257) }), 413, 'invalid_request');
  });

  it('a larger custom bodyLimit lets bigger bodies through', async () => {
    const server = makeServer({ bodyLimit: 256 * 1024 });
    expect((await call(server, { headers: HEADERS, body: padded(100 * 1024) })).status).toBe(200);
  });
});
