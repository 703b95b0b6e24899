import { describe, expect, it } from 'vitest';
import type { TollgateRequest } from '../../src/http/types.js';
import { extractBearerToken, type BearerOptions } from '../../src/verify/bearer.js';

const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';

function request(parts: Partial<TollgateRequest> = {}): TollgateRequest {
  return { method: 'GET', url: '/orders', headers: {}, ...parts };
}
const withAuth = (value: string | string[]): TollgateRequest => request({ headers: { authorization: value } });
const form = (body: string | Uint8Array, extra: Partial<TollgateRequest> = {}): TollgateRequest =>
  request({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, ...extra });

describe('RFC 6750 §2.1 Authorization header', () => {
  it('finds a token', () => {
    expect(extractBearerToken(withAuth(`Bearer ${TOKEN}`))).toEqual({ status: 'token', token: TOKEN, method: 'header' });
  });

  it('matches the scheme case-insensitively', () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) expect(extractBearerToken(withAuth(`${scheme} ${TOKEN}`))).toMatchObject({ status: 'token', token: TOKEN });
  });

  it('accepts every b64token character and trailing "="', () => {
    const token = 'AZaz09-._~+/abc==';
    expect(extractBearerToken(withAuth(`Bearer ${token}`))).toMatchObject({ status: 'token', token });
  });

  it('reads a Fetch Headers object and any header-name case', () => {
    expect(extractBearerToken(request({ headers: new Headers({ Authorization: `Bearer ${TOKEN}` }) }))).toMatchObject({ status: 'token' });
    expect(extractBearerToken(request({ headers: { AUTHORIZATION: `Bearer ${TOKEN}` } }))).toMatchObject({ status: 'token' });
  });

  it('ignores surrounding whitespace of the field value', () => {
    expect(extractBearerToken(withAuth(`  Bearer ${TOKEN}\t`))).toMatchObject({ status: 'token', token: TOKEN });
  });

  it('no header is "none" (401 without an error code)', () => {
    expect(extractBearerToken(request())).toEqual({ status: 'none' });
    expect(extractBearerToken(withAuth(''))).toEqual({ status: 'none' });
    expect(extractBearerToken(request({ headers: { authorization: undefined } }))).toEqual({ status: 'none' });
  });

  it('another scheme is "none"', () => {
    for (const value of ['Basic xyz', 'Basic dXNlcjpwYXNz', 'DPoP abc', 'Digest username="a", realm="b"', 'Bearerx abc', 'Token abc', '%%%' /* a scheme named "%%%" */]) {
      expect(extractBearerToken(withAuth(value))).toEqual({ status: 'none' });
    }
  });

  it.each([
    ['"Bearer" alone', 'Bearer'],
    ['"Bearer " with nothing after', 'Bearer    '],
    ['two tokens', 'Bearer a b'],
    ['two spaces', `Bearer  ${TOKEN}`],
    ['a tab separator', `Bearer\t${TOKEN}`],
    ['a comma list', `Bearer ${TOKEN}, Bearer ${TOKEN}`],
    ['%-garbage', 'Bearer %E0%A4%A'],
    ['a lone %', 'Bearer %'],
    ['non-ASCII', 'Bearer tökén'],
    ['an emoji', 'Bearer 🔑'],
    ['control characters', 'Bearer abc\u0000def'],
    ['a newline', 'Bearer abc\r\nX-Injected: 1'],
    ['"=" inside', 'Bearer ab=c'],
    ['quotes', 'Bearer "abc"'],
    ['auth-params', 'Bearer token="abc"'],
    ['a non-token scheme', 'Bé@rer abc'],
    ['only separators', '()<>'],
    ['a 100 KB token', `Bearer ${'a'.repeat(100 * 1024)}`],
    ['a 100 KB garbage header', `Bearer ${'%'.repeat(100 * 1024)}`],
  ])('a malformed Bearer header (%s) is 400 invalid_request, never a throw', (_name, value) => {
    const result = extractBearerToken(withAuth(value));
    expect(result).toMatchObject({ status: 'malformed', httpStatus: 400 });
    if (result.status === 'malformed') expect(result.description).not.toContain(value.slice(7, 40) || '\u0000');
  });

  it('a 100 KB header of another scheme is "none"', () => {
    expect(extractBearerToken(withAuth(`Basic ${'a'.repeat(100 * 1024)}`))).toEqual({ status: 'none' });
  });

  it('repeated Node headers (an array) are malformed', () => {
    expect(extractBearerToken(withAuth([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]))).toMatchObject({ status: 'malformed' });
  });

  it('honours maxTokenLength', () => {
    expect(extractBearerToken(withAuth(`Bearer ${'a'.repeat(101)}`), { maxTokenLength: 100 })).toMatchObject({ status: 'malformed' });
    expect(extractBearerToken(withAuth(`Bearer ${'a'.repeat(100)}`), { maxTokenLength: 100 })).toMatchObject({ status: 'token' });
  });

  it('a headers object that throws is malformed, not a crash', () => {
    const headers = { get: (): string | null => { throw new Error('boom'); } };
    expect(extractBearerToken(request({ headers }))).toMatchObject({ status: 'malformed' });
  });
});

describe('RFC 6750 §2.3 query parameter', () => {
  const query = (url: string, headers: Record<string, string> = {}): TollgateRequest => request({ url, headers });

  it('is off by default', () => {
    expect(extractBearerToken(query(`/orders?access_token=${TOKEN}`))).toEqual({ status: 'none' });
  });

  it('is used when enabled', () => {
    expect(extractBearerToken(query(`/orders?access_token=${TOKEN}&x=1`), { query: true })).toEqual({ status: 'token', token: TOKEN, method: 'query' });
    expect(extractBearerToken(request({ url: new URL(`https://api.example.com/o?access_token=${TOKEN}`) }), { query: true })).toMatchObject({ method: 'query' });
  });

  it('a repeated access_token is malformed', () => {
    expect(extractBearerToken(query(`/o?access_token=${TOKEN}&access_token=${TOKEN}`), { query: true })).toMatchObject({ status: 'malformed' });
  });

  it('repeated unrelated parameters are the app’s business', () => {
    expect(extractBearerToken(query(`/o?tag=a&tag=b&access_token=${TOKEN}`), { query: true })).toMatchObject({ status: 'token' });
  });

  it('an empty access_token is treated as absent', () => {
    expect(extractBearerToken(query('/o?access_token='), { query: true })).toEqual({ status: 'none' });
  });

  it('a malformed value is malformed', () => {
    for (const value of ['a%20b', '%E0%A4%A', 't%C3%B6k', 'a"b']) {
      expect(extractBearerToken(query(`/o?access_token=${value}`), { query: true })).toMatchObject({ status: 'malformed' });
    }
  });

  it('header and query at once is 400', () => {
    expect(extractBearerToken(query(`/o?access_token=${TOKEN}`, { authorization: `Bearer ${TOKEN}` }), { query: true })).toMatchObject({ status: 'malformed', description: 'the access token was sent in more than one way' });
  });

  it('another scheme in the header and a query token is fine', () => {
    expect(extractBearerToken(query(`/o?access_token=${TOKEN}`, { authorization: 'Basic xyz' }), { query: true })).toMatchObject({ status: 'token', method: 'query' });
  });
});

describe('RFC 6750 §2.2 form body', () => {
  const on: BearerOptions = { body: true };

  it('is off by default', () => {
    expect(extractBearerToken(form(`access_token=${TOKEN}`))).toEqual({ status: 'none' });
  });

  it('is used when enabled, for string and byte bodies', () => {
    expect(extractBearerToken(form(`access_token=${encodeURIComponent(TOKEN)}&item=1`), on)).toEqual({ status: 'token', token: TOKEN, method: 'body' });
    expect(extractBearerToken(form(new TextEncoder().encode(`access_token=${TOKEN}`)), on)).toMatchObject({ status: 'token', method: 'body' });
  });

  it('never with GET', () => {
    expect(extractBearerToken(form(`access_token=${TOKEN}`, { method: 'GET' }), on)).toEqual({ status: 'none' });
    expect(extractBearerToken(form(`access_token=${TOKEN}`, { method: 'get' }), on)).toEqual({ status: 'none' });
  });

  it('only for application/x-www-form-urlencoded', () => {
    for (const type of ['application/json', 'multipart/form-data; boundary=x', 'text/plain', 'application/x-www-form-urlencoded; charset=latin1']) {
      expect(extractBearerToken(form(`access_token=${TOKEN}`, { headers: { 'content-type': type } }), on)).toEqual({ status: 'none' });
    }
    expect(extractBearerToken(form(`access_token=${TOKEN}`, { headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' } }), on)).toMatchObject({ status: 'token' });
  });

  it('a repeated access_token is malformed', () => {
    expect(extractBearerToken(form(`access_token=${TOKEN}&access_token=${TOKEN}`), on)).toMatchObject({ status: 'malformed' });
  });

  it('invalid UTF-8 is malformed', () => {
    expect(extractBearerToken(form(new Uint8Array([0x61, 0x3d, 0xff, 0xfe])), on)).toMatchObject({ status: 'malformed' });
  });

  it('an oversize body is 413', () => {
    expect(extractBearerToken(form(`access_token=${TOKEN}&pad=${'x'.repeat(200)}`), { body: true, bodyLimit: 100 })).toMatchObject({ status: 'malformed', httpStatus: 413 });
  });

  it('header and body at once is 400', () => {
    expect(extractBearerToken(form(`access_token=${TOKEN}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKEN}` } }), on)).toMatchObject({ status: 'malformed' });
  });

  it('body and query at once is 400', () => {
    expect(extractBearerToken(form(`access_token=${TOKEN}`, { url: `/o?access_token=${TOKEN}` }), { body: true, query: true })).toMatchObject({ status: 'malformed' });
  });

  it('a malformed body token is malformed', () => {
    expect(extractBearerToken(form('access_token=a%20b'), on)).toMatchObject({ status: 'malformed' });
  });
});
