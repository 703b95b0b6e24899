import { describe, expect, it } from 'vitest';
import { authParams, authorizeUrl, header, makeServer } from './helpers.js';

describe('methods', () => {
  const server = makeServer();

  it.each(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'HEAD', 'CONNECT', 'FOO'])('%s → 405 with Allow: GET, POST', async (method) => {
    const response = await server.handle({ method, url: authorizeUrl(authParams('spa')), headers: { accept: 'text/html' }, body: new URLSearchParams(authParams('spa')).toString() });
    expect(response.status).toBe(405);
    expect(header(response, 'allow')).toBe('GET, POST');
    expect(header(response, 'location')).toBeUndefined();
    expect(response.cookies ?? []).toEqual([]);
  });

  it.each(['get', 'Get'])('%s is accepted in any case', async (method) => {
    const response = await server.handle({ method, url: authorizeUrl(authParams('spa', { response_type: 'token' })), headers: {} });
    expect(response.status).toBe(302);
  });
});
