import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { bearerChallenge, challengeResponse, missingTokenResponse, quoted, restrictedValue } from '../../src/verify/challenge.js';

describe('RFC 6750 §3 WWW-Authenticate', () => {
  it('no credentials: realm only, no error', () => {
    const response = missingTokenResponse({ realm: 'api' });
    expect(response.status).toBe(401);
    expect(response.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(response.body).toBe('');
  });

  it('invalid_token: 401 with error and description', () => {
    const response = challengeResponse(new OAuthError('invalid_token', 'the access token expired'), { realm: 'api' });
    expect(response.status).toBe(401);
    expect(response.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="the access token expired"');
    expect(response.headers['Content-Type']).toBe('application/json');
    expect(response.headers['Cache-Control']).toBe('no-store');
    expect(JSON.parse(response.body)).toEqual({ error: 'invalid_token', error_description: 'the access token expired' });
  });

  it('insufficient_scope: 403 with the needed scope', () => {
    const response = challengeResponse(new OAuthError('insufficient_scope', 'needs more'), { realm: 'api', scope: ['orders:read', 'orders:write'] });
    expect(response.status).toBe(403);
    expect(response.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="insufficient_scope", error_description="needs more", scope="orders:read orders:write"');
  });

  it('invalid_request: 400', () => {
    const response = challengeResponse(new OAuthError('invalid_request', 'malformed'), {});
    expect(response.status).toBe(400);
    expect(response.headers['WWW-Authenticate']).toBe('Bearer error="invalid_request", error_description="malformed"');
  });

  it('adds RFC 9728 resource_metadata to every challenge', () => {
    const resourceMetadata = 'https://api.example.com/.well-known/oauth-protected-resource';
    expect(missingTokenResponse({ realm: 'api', resourceMetadata }).headers['WWW-Authenticate']).toBe(`Bearer realm="api", resource_metadata="${resourceMetadata}"`);
    for (const code of ['invalid_request', 'invalid_token', 'insufficient_scope'] as const) {
      expect(challengeResponse(new OAuthError(code, 'x'), { resourceMetadata }).headers['WWW-Authenticate']).toContain(`resource_metadata="${resourceMetadata}"`);
    }
  });

  it('a 503 or 500 carries no Bearer challenge but keeps Retry-After', () => {
    const unavailable = challengeResponse(new OAuthError('temporarily_unavailable', 'later', { headers: { 'Retry-After': '1', 'WWW-Authenticate': 'Basic' } }), { realm: 'api' });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers['Retry-After']).toBe('1');
    expect(unavailable.headers['WWW-Authenticate']).toBeUndefined();
    expect(challengeResponse(new OAuthError('server_error', 'oops')).status).toBe(500);
  });

  it('error_description drops characters outside %x20-21 / %x23-5B / %x5D-7E', () => {
    expect(restrictedValue('a"b\\c\u0000d\ne\u00e9f\u{1f511}g')).toBe('abcdefg');
    const header = bearerChallenge({ error: 'invalid_token', errorDescription: 'say "hi" \\ now\r\nX-Evil: 1' });
    expect(header).toBe('Bearer error="invalid_token", error_description="say hi  nowX-Evil: 1"');
  });

  it('realm and resource_metadata are escaped quoted-strings', () => {
    expect(quoted('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(bearerChallenge({ realm: 'my "api"\r\n' })).toBe('Bearer realm="my \\"api\\""');
    expect(bearerChallenge({ realm: 'caf\u00e9' })).toBe('Bearer realm="caf"');
  });

  it('scope tokens are restricted too', () => {
    expect(bearerChallenge({ error: 'insufficient_scope', scope: ['a"b', 'c d', '\u00e9'] })).toBe('Bearer error="insufficient_scope", scope="ab cd"');
  });

  it('every header value is safe to set on a Node response', async () => {
    const { validateHeaderValue } = await import('node:http');
    const nasty = 'x"\\\r\n\u0000\u00ff\u{1f511}';
    const response = challengeResponse(new OAuthError('insufficient_scope', nasty), { realm: nasty, resourceMetadata: nasty, scope: [nasty] });
    for (const [name, value] of Object.entries(response.headers)) expect(() => validateHeaderValue(name, value)).not.toThrow();
  });
});
