import { describe, expect, it } from 'vitest';
import { createAuthServer } from '@tollgate/core';
import { basic, call, ISSUER, makeServer, SERVICE_SECRET, silentLogger, token } from '../helpers.js';

/**
 * RFC 6749 §5.2: "Values for the "error_description" parameter MUST NOT include characters outside the set
 * %x20-21 / %x23-5B / %x5D-7E" — no double quote, no backslash, nothing beyond ASCII. Descriptions that echo
 * request input must stay inside that set too.
 */
const RFC_6749_DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const HEADERS = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', SERVICE_SECRET) };

const seedServer = () =>
  createAuthServer({
    issuer: ISSUER,
    logger: silentLogger,
    scopes: [{ name: 'userid', parameter: /\d+/ }],
    clients: [{ id: 'service', secret: SERVICE_SECRET, grantTypes: ['client_credentials'], scopes: ['userid'] }],
  });

describe('error_description stays within the RFC 6749 §5.2 character set', () => {
  it.each([
    ['grant_type missing', () => call(makeServer(), { headers: HEADERS, body: '' })],
    ['unsupported grant_type', () => call(makeServer(), { headers: HEADERS, body: 'grant_type=urn%3Afoo%22bar' })],
    ['invalid_client', () => token(makeServer(), { grant_type: 'client_credentials' }, { basic: ['service', 'wrong'] })],
    ['a bad content type', () => call(makeServer(), { headers: { ...HEADERS, 'content-type': 'text/plain' }, body: '' })],
    ['a repeated parameter', () => call(makeServer(), { headers: HEADERS, body: 'grant_type=client_credentials&scope=a&scope=b' })],
    ['a repeated parameter whose name has a quote and a backslash', () => call(makeServer(), { headers: HEADERS, body: 'grant_type=client_credentials&a%22%5Cb=1&a%22%5Cb=2' })],
    ['a repeated parameter with a long name', () => call(makeServer(), { headers: HEADERS, body: `grant_type=client_credentials&${'x'.repeat(60)}=1&${'x'.repeat(60)}=2` })],
    ['a repeated parameter with a non-ASCII name', () => call(makeServer(), { headers: HEADERS, body: 'grant_type=client_credentials&%C3%A9=1&%C3%A9=2' })],
    ['an invalid parameterised scope value', () => token(seedServer(), { grant_type: 'client_credentials', scope: 'userid:abc' }, { basic: ['service', SERVICE_SECRET] })],
    ['a parameterised scope given twice', () => token(seedServer(), { grant_type: 'client_credentials', scope: 'userid:1 userid:2' }, { basic: ['service', SERVICE_SECRET] })],
  ])('%s', async (_label, send) => {
    const result = await send();
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.json.error_description).toBeTypeOf('string');
    expect(result.json.error_description).toMatch(RFC_6749_DESCRIPTION);
  });
});
