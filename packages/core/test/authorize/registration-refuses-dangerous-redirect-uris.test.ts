import { describe, expect, it } from 'vitest';
import { createAuthServer, type ClientConfig } from '@tollgate/core';
import { authenticateUser, ISSUER, silentLogger } from './helpers.js';

const build = (client: Partial<ClientConfig>, authorize: Record<string, unknown> = {}) => () =>
  createAuthServer({
    issuer: ISSUER,
    logger: silentLogger,
    clients: [{ id: 'c', grantTypes: ['authorization_code'], scopes: ['openid'], redirectUris: ['https://app.example.com/callback'], ...client }],
    authorize: { cookieSecrets: ['x'.repeat(32)], authenticateUser, ...authorize },
  });

// RFC 6749 §3.1.2, RFC 9700 §4.1: a bad registration is a programming error, refused at start-up.
describe('createAuthServer refuses dangerous redirect URIs', () => {
  it.each([
    ['a fragment', 'https://app.example.com/callback#frag'],
    ['an empty fragment', 'https://app.example.com/callback#'],
    ['a javascript: URI', 'javascript:alert(document.cookie)'],
    ['an upper-case JAVASCRIPT: URI', 'JAVASCRIPT:alert(1)'],
    ['a javascript: URI dressed as a path', 'javascript://app.example.com/%0aalert(1)'],
    ['a data: URI', 'data:text/html,<script>alert(1)</script>'],
    ['a vbscript: URI', 'vbscript:msgbox(1)'],
    ['a file: URI', 'file:///etc/passwd'],
    ['plain http on a public host', 'http://app.example.com/callback'],
    ['plain HTTP in upper case', 'HTTP://app.example.com/callback'],
    ['plain http on a host that starts like a loopback IP', 'http://127.0.0.1.evil.com/callback'],
    ['plain http on a host that starts like localhost', 'http://localhost.evil.com/callback'],
    ['a relative URI', '/callback'],
    ['a scheme-relative URI', '//app.example.com/callback'],
    ['an empty string', ''],
  ])('%s: %j → TypeError naming redirectUris', (_, uri) => {
    expect(build({ redirectUris: [uri] })).toThrow(TypeError);
    expect(build({ redirectUris: [uri] })).toThrow(/redirectUris/);
  });

  it('refuses a bad URI even among good ones, naming its index', () => {
    expect(build({ redirectUris: ['https://app.example.com/callback', 'https://app.example.com/cb#x'] })).toThrow(/redirectUris\[1\]/);
  });

  it('refuses a client with the authorization code grant and no redirect URI', () => {
    expect(build({ redirectUris: [] })).toThrow(TypeError);
  });

  it.each(['http://127.0.0.1/callback', 'http://127.0.0.1:8080/callback', 'http://[::1]/callback', 'http://localhost/callback', 'https://app.example.com/callback?tenant=1', 'com.example.app:/oauth2redirect'])('accepts %s', (uri) => {
    expect(build({ redirectUris: [uri] })).not.toThrow();
  });

  it('refuses requirePkce: false on a public client (it can never opt out of PKCE)', () => {
    expect(build({ requirePkce: false })).toThrow(TypeError);
    expect(build({ requirePkce: false })).toThrow(/requirePkce/);
  });

  it('allows requirePkce: false on a confidential client', () => {
    expect(build({ requirePkce: false, secret: 's'.repeat(32) })).not.toThrow();
  });

  it.each([601, 3600, 0, -1, 1.5])('refuses authorize.codeLifetime %s (at most 10 minutes, RFC 6749 §4.1.2)', (codeLifetime) => {
    expect(build({}, { codeLifetime })).toThrow(TypeError);
    expect(build({}, { codeLifetime })).toThrow(/codeLifetime/);
  });

  it.each([1, 60, 600])('accepts authorize.codeLifetime %s', (codeLifetime) => {
    expect(build({}, { codeLifetime })).not.toThrow();
  });

  it.each([301, 200, 308])('refuses authorize.redirectStatus %s', (redirectStatus) => {
    expect(build({}, { redirectStatus })).toThrow(/redirectStatus/);
  });

  it('never mutates the caller’s client configuration', () => {
    const redirectUris = ['https://app.example.com/callback'];
    const client = { id: 'c', grantTypes: ['authorization_code'], scopes: ['openid'], redirectUris };
    const frozen = JSON.stringify(client);
    createAuthServer({ issuer: ISSUER, logger: silentLogger, clients: [client], authorize: { cookieSecrets: ['x'.repeat(32)], authenticateUser } });
    expect(JSON.stringify(client)).toBe(frozen);
  });
});
