import { afterEach, describe, expect, it } from 'vitest';
import { basic, call, expectTokens, makeServer, SERVICE_SECRET, verifyAccessToken } from '../helpers.js';

/**
 * Prevents prototype pollution and qs-style nested parsing: `__proto__`, `constructor`, `prototype`, `a[b]`
 * and `grant_type[]` are ordinary unknown parameter names. A request with them succeeds or fails exactly as
 * it does without them, and Object.prototype is untouched.
 */
const HOSTILE_PAIRS = [
  '__proto__[polluted]=yes',
  '__proto__=polluted',
  'constructor[prototype][polluted]=yes',
  'constructor=x',
  'prototype=x',
  'prototype[polluted]=yes',
  'a[b]=c',
  'grant_type[]=password',
  'scope[]=admin',
  'client_id[]=web',
  'toString=x',
  'hasOwnProperty=x',
].join('&');

const HEADERS = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) };

function expectPrototypeClean(): void {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(typeof probe.toString).toBe('function');
}

describe('hostile parameter names', () => {
  afterEach(() => {
    expectPrototypeClean();
  });

  it('do not change a successful request', async () => {
    const server = makeServer();
    const plain = expectTokens(await call(server, { headers: HEADERS, body: 'grant_type=client_credentials&scope=orders:read' }));
    const hostile = expectTokens(await call(server, { headers: HEADERS, body: `${HOSTILE_PAIRS}&grant_type=client_credentials&scope=orders:read` }));
    expect(hostile.scope).toBe(plain.scope);
    expect(hostile.token_type).toBe(plain.token_type);
    const { payload } = await verifyAccessToken(server, hostile.access_token);
    expect(payload).not.toHaveProperty('polluted');
    expect(payload.client_id).toBe('service');
  });

  it('do not change a failing request', async () => {
    const server = makeServer();
    const plain = await call(server, { headers: HEADERS, body: 'scope=orders:read' });
    const hostile = await call(server, { headers: HEADERS, body: `${HOSTILE_PAIRS}&scope=orders:read` });
    expect(plain.status).toBe(400);
    expect(hostile.status).toBe(plain.status);
    expect(hostile.body).toBe(plain.body);
    expect(hostile.json.error_description).toBe('grant_type is required');
  });

  it('grant_type[] is not grant_type', async () => {
    const server = makeServer();
    const result = await call(server, { headers: HEADERS, body: 'grant_type[]=client_credentials' });
    expect(result.status).toBe(400);
    expect(result.json).toEqual({ error: 'invalid_request', error_description: 'grant_type is required' });
  });

  it('do nothing in the query either', async () => {
    const server = makeServer();
    const result = await call(server, { url: `/oauth/token?${HOSTILE_PAIRS}`, headers: HEADERS, body: 'grant_type=client_credentials' });
    expect(result.status, result.body).toBe(200);
  });

  it('as parameter values, are just values', async () => {
    const server = makeServer();
    const result = await call(server, { headers: HEADERS, body: 'grant_type=client_credentials&scope=__proto__' });
    expect(result.status).toBe(400);
    expect(result.json.error).toBe('invalid_scope');
  });

  it('as a client id, are an unknown client', async () => {
    const server = makeServer();
    for (const clientId of ['__proto__', 'constructor', 'hasOwnProperty']) {
      const result = await call(server, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, 'x') }, body: 'grant_type=client_credentials' });
      expect(result.status).toBe(401);
      expect(result.json.error).toBe('invalid_client');
      const post = await call(server, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&client_id=${clientId}` });
      expect(post.status).toBe(401);
    }
  });
});
