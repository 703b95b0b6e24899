import { describe, expect, it } from 'vitest';
import { basic, call, expectError, expectTokens, makeServer, SERVICE_SECRET, WEB_SECRET } from '../helpers.js';

const HEADERS = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) };

describe('unknown and empty parameters (RFC 6749 §3.1)', () => {
  it('ignores unknown parameters', async () => {
    const server = makeServer();
    const body = expectTokens(await call(server, { headers: HEADERS, body: 'grant_type=client_credentials&foo=bar&audience=x&resource=https%3A%2F%2Fapi.example.com' }));
    expect(body.scope).toBe('orders:read');
  });

  it('treats scope= like no scope (the client’s defaults)', async () => {
    const server = makeServer();
    const without = expectTokens(await call(server, { headers: HEADERS, body: 'grant_type=client_credentials' }));
    const empty = expectTokens(await call(server, { headers: HEADERS, body: 'grant_type=client_credentials&scope=' }));
    expect(empty.scope).toBe(without.scope);
    expect(empty.scope).toBe('orders:read');
  });

  it('treats grant_type= as missing', async () => {
    const server = makeServer();
    expectError(await call(server, { headers: HEADERS, body: 'grant_type=' }), 400, 'invalid_request', 'grant_type is required');
    expectError(await call(server, { headers: HEADERS, body: 'grant_type' }), 400, 'invalid_request', 'grant_type is required');
  });

  it('treats an empty body as no parameters', async () => {
    const server = makeServer();
    expectError(await call(server, { headers: HEADERS, body: '' }), 400, 'invalid_request', 'grant_type is required');
    expectError(await call(server, { headers: HEADERS }), 400, 'invalid_request', 'grant_type is required');
    expectError(await call(server, { headers: HEADERS, body: '&&&' }), 400, 'invalid_request', 'grant_type is required');
  });

  it('treats client_id= with Basic as absent', async () => {
    const server = makeServer();
    expectTokens(await call(server, { headers: HEADERS, body: 'grant_type=client_credentials&client_id=' }));
  });

  it('accepts a string body and a Uint8Array body alike', async () => {
    const server = makeServer();
    const text = 'grant_type=client_credentials&scope=orders%3Aread+profile';
    const fromString = expectTokens(await call(server, { headers: HEADERS, body: text }));
    const fromBytes = expectTokens(await call(server, { headers: HEADERS, body: new TextEncoder().encode(text) }));
    const fromBuffer = expectTokens(await call(server, { headers: HEADERS, body: Buffer.from(text) }));
    expect(fromString.scope).toBe('orders:read profile');
    expect(fromBytes.scope).toBe(fromString.scope);
    expect(fromBuffer.scope).toBe(fromString.scope);
  });

  it('decodes UTF-8 bytes in a Uint8Array body', async () => {
    const server = makeServer({ password: { authenticateUser: async ({ username, password }) => (username === 'zoë' && password === 'pässwörd✓' ? { subject: 'user-zoe' } : undefined) } });
    const text = `grant_type=password&username=zoë&password=pässwörd✓`;
    const result = await call(server, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('web', WEB_SECRET) }, body: new TextEncoder().encode(text) });
    expectTokens(result);
  });
});
