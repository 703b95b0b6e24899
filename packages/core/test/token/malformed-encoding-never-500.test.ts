import { describe, expect, it } from 'vitest';
import { basic, call, expectError, expectTokens, makeServer, SERVICE_SECRET } from '../helpers.js';

/**
 * Prevents crashes on hostile encodings (Auth.js once threw on a lone `%`): invalid percent-encoding and
 * invalid UTF-8 are client errors or ignored, never a 500.
 */
const HEADERS = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) };

describe('malformed encodings', () => {
  it.each(['%zz', '%', '%%', '%e', '%C3', '%FF%FE', '%ED%A0%80'])('an unknown parameter with value %s does not stop the request', async (value) => {
    const server = makeServer();
    expectTokens(await call(server, { headers: HEADERS, body: `grant_type=client_credentials&junk=${value}` }));
  });

  it.each(['%zz', '%', '%C3'])('grant_type=%s is a 400, not a 500', async (value) => {
    const server = makeServer();
    expectError(await call(server, { headers: HEADERS, body: `grant_type=${value}` }), 400, 'unsupported_grant_type');
  });

  it.each(['%zz', '%', '%%41'])('a parameter name of %s is just a name', async (name) => {
    const server = makeServer();
    expectTokens(await call(server, { headers: HEADERS, body: `${name}=1&grant_type=client_credentials` }));
  });

  it('scope=%zz is invalid_scope', async () => {
    const server = makeServer();
    expectError(await call(server, { headers: HEADERS, body: 'grant_type=client_credentials&scope=%zz' }), 400, 'invalid_scope');
  });

  it.each(['/oauth/token?x=%', '/oauth/token?%zz=%zz', '/oauth/token?x=%FF'])('a query of %s is not a 500', async (url) => {
    const server = makeServer();
    const result = await call(server, { url, headers: HEADERS, body: 'grant_type=client_credentials' });
    expect(result.status).not.toBe(500);
    expect(result.status).toBe(200);
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['0xff', [0xff, 0xfe]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ])('invalid UTF-8 bytes (%s) in a Uint8Array body → 400 invalid_request', async (_label, bytes) => {
    const server = makeServer();
    const prefix = new TextEncoder().encode('grant_type=client_credentials&junk=');
    const body = new Uint8Array([...prefix, ...bytes]);
    expectError(await call(server, { headers: HEADERS, body }), 400, 'invalid_request', /UTF-8/);
  });

  it('a client secret with invalid percent-encoding in the body is invalid_client', async () => {
    const server = makeServer();
    expectError(await call(server, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=service&client_secret=%' }), 401, 'invalid_client');
  });
});
