import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { callbackUri } from '../src/auth-server.js';
import { authorizeUrl, basic, signIn, tokenRequest, UUID } from './flows.js';
import { documentJson, jwtPart, listen, memoryLogger, rawRequest, type Running } from './support.js';

// Seed 001 (PrivX), quoted from the document.
const DOC_ACCESS_TOKEN =
  'eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0=.eyJhdWQiOiJwcml2eC11aSIsImV4cCI6MTUyMjgzNjAxNSwiaWF0IjoxNTIyODM1NzE1LCJpc3MiOiJvYW0uYXV0aC5zc2guY29tIiwiZG9tYWluIjoicHJpdngtdWkiLCJwZXJtaXNzaW9ucyI6InByaXZ4LWFkbWluLHByaXZ4LXVzZXIiLCJzZXNzaW9uaWQiOiI4MWI2NjNiOC02Zjc5LTQ3ZjctNzY0Yy03MTdmMGEwNjk0MjYiLCJ1c2VyaWQiOiJhOGMyNjM5NS0zMmZjLTQxMjctYmRiNy04MDllZThhMjAzZjIifQ==.JM6RrCYg9djDnoJtRkAMAKvkM2Zm9dYuxgN1zZA7G1-XTCc4Iub_y6lKdhHnoRm_hUwW6QtRWm8IlAUayqs4Aw';
const DOC_REFRESH_TOKEN =
  'I7SNNZH4GLZNCOIV7D6DKULPFXBWBD4TTZJ5KQDCO3N2W7D562WSE5QWSNQFO7OTG5VRGPDU73SEUR5NVTXLPNDV6TQD6OH6V7S3JNWNFSPZ3ARSSJKJO6MSPVHRY3OFFXN4YLRDZPODQCDW6UL27PLR2YWUOUHF5WBIKZVDR4H5R4VQSPPKBBJC4GWJ3XAPWZL4DBVT6YH6PVBWMOKJHDO66577OBJVOOKWAVY7JEFQTTZNRTNDXPHI42AGHMCNWHFBSG63PXSMO67YQJBC55CHAQQI3XS3ZUCQ';
const DOC_RESPONSE = `{
"access_token": "${DOC_ACCESS_TOKEN}",
"token_type": "bearer",
"expires_in": 300,
"refresh_token": "${DOC_REFRESH_TOKEN}",
"scope": "privx-user connections-manual"
}`;
/** The claims of the document's example access token, decoded. */
const DOC_CLAIMS = JSON.parse(Buffer.from(DOC_ACCESS_TOKEN.split('.')[1] ?? '', 'base64').toString('utf8')) as Record<string, unknown>;
const ALICE_ID = 'a8c26395-32fc-4127-bdb7-809ee8a203f2';
/** RFC 6749 §5.2: the document's error enum. */
const SIX_CODES = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'];

const logger = memoryLogger();
let running: Running<ReturnType<typeof createApp>>;
let jwks: JSONWebKeySet;

beforeAll(async () => {
  running = await listen((issuer) => createApp({ issuer, logger }));
  jwks = (await (await fetch(`${running.base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
});
afterAll(async () => {
  await running.close();
});

const verify = async (token: string, audience: string): Promise<JWTPayload> =>
  (await jwtVerify(token, createLocalJWKSet(jwks), { issuer: running.issuer, audience, algorithms: ['EdDSA'] })).payload;

/** The document's authorization request parameters for privx-ui. */
const documentAuthorizeParams = (state: string): Record<string, string> => ({
  response_type: 'code',
  client_id: 'privx-ui',
  state,
  redirect_uri: callbackUri(running.issuer),
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) PrivX-UI/test',
  oidc_id: 'oidc-4711',
  scope: 'privx-user connections-manual',
});

/** Sign alice in and get a code with the document's GET /oauth/authorize (307). */
async function aliceCode(state = 'af0ifjsldkj'): Promise<{ code: string; location: URL; cookies: string }> {
  const url = authorizeUrl(running.base, documentAuthorizeParams(state));
  const { cookies } = await signIn(running.base, url, 'alice', 'alice-password');
  const response = await fetch(url, { redirect: 'manual', headers: { cookie: cookies } });
  expect(response.status).toBe(307);
  const location = new URL(response.headers.get('location') ?? '');
  return { code: location.searchParams.get('code') ?? '', location, cookies };
}

async function expectError(response: Response, status: number, error: string): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const body = (await response.json()) as Record<string, unknown>;
  // The document's error schema: { "error": <code>, "error_description": "string" }.
  expect(Object.keys(body)).toEqual(['error', 'error_description']);
  expect(body.error).toBe(error);
  // One of the document's six codes, except server_error for a 500 (which the document's enum does not list).
  if (status !== 500) expect(SIX_CODES).toContain(body.error);
  expect(typeof body.error_description).toBe('string');
  return body;
}

describe('GET /oauth/authorize: the documented parameters, answered with a temporary redirect', () => {
  it('signs alice in on the default page (POST answered 303), then answers the documented GET with 307 + code + state', async () => {
    const url = authorizeUrl(running.base, documentAuthorizeParams('state-303-307'));
    const { post, cookies } = await signIn(running.base, url, 'alice', 'alice-password');
    // RFC 9700 §4.12: the redirect answering a POST is 303, never 307 (which would re-post the password).
    expect(post.status).toBe(303);
    expect(cookies).toMatch(/tollgate_session=/);

    // The document's request, replayed on the wire with the session cookie.
    const target = new URL(url);
    const response = await rawRequest(running.port, [`GET ${target.pathname}${target.search} HTTP/1.1`, `Cookie: ${cookies}`]);
    expect(response.statusLine).toBe('HTTP/1.1 307 Temporary Redirect');
    // "Empty response"
    expect(response.body).toBe('');
    expect(response.header('content-length')).toBe('0');
    expect(response.header('cache-control')).toBe('no-store');
    const location = new URL(response.header('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(callbackUri(running.issuer));
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(location.searchParams.get('state')).toBe('state-303-307');
    // RFC 9207 identifies the issuer in the response.
    expect(location.searchParams.get('iss')).toBe(running.issuer);
  });

  it('passes user_agent and oidc_id to beforeCode, which records the session the token names', async () => {
    const { code } = await aliceCode();
    const response = await tokenRequest(running.base, 'privx-ui', { client_id: 'privx-ui', grant_type: 'authorization_code', code, redirect_uri: callbackUri(running.issuer) });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const claims = await verify(token, 'privx-ui');
    const session = running.created.sessions.get(String(claims.sessionid));
    expect(session).toMatchObject({ userId: ALICE_ID, domain: 'privx-ui', grantType: 'authorization_code', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) PrivX-UI/test', oidcId: 'oidc-4711' });
  });

  it('a wrong password re-renders the sign-in page with 400 and issues nothing', async () => {
    const url = authorizeUrl(running.base, documentAuthorizeParams('s'));
    const { post, cookies } = await signIn(running.base, url, 'alice', 'wrong-password');
    expect(post.status).toBe(400);
    expect(post.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(cookies).not.toMatch(/tollgate_session=/);
  });

  it('redirects protocol errors with 307 once the client and redirect URI are trusted', async () => {
    const response = await fetch(authorizeUrl(running.base, { ...documentAuthorizeParams('err'), response_type: 'token' }), { redirect: 'manual' });
    expect(response.status).toBe(307);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.get('state')).toBe('err');
  });

  it('answers 400 { error, error_description } for an unknown client or redirect URI, without redirecting', async () => {
    await expectError(await fetch(authorizeUrl(running.base, { ...documentAuthorizeParams('x'), client_id: 'privx-nobody' }), { redirect: 'manual' }), 400, 'invalid_request');
    await expectError(await fetch(authorizeUrl(running.base, { ...documentAuthorizeParams('x'), redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' }), 400, 'invalid_request');
  });

  // The privx-service domain has no authorization_code grant: RFC 6749 §4.1.2.1 unauthorized_client. It has no
  // redirect URI either, so the error cannot be redirected and is shown directly.
  it('answers unauthorized_client for a domain without authorization_code (privx-service)', async () => {
    const response = await fetch(authorizeUrl(running.base, { response_type: 'code', client_id: 'privx-service', state: 's', scope: 'connections-manual' }), { redirect: 'manual' });
    await expectError(response, 400, 'unauthorized_client');
  });
});

describe('POST /oauth/token: the document\'s successful response', () => {
  it('redeems the code as documented: bearer, 300 s, refresh token, scope — line by line', async () => {
    const { code } = await aliceCode();
    const body = new URLSearchParams({ client_id: 'privx-ui', grant_type: 'authorization_code', code, redirect_uri: callbackUri(running.issuer) }).toString();
    const response = await rawRequest(running.port, ['POST /oauth/token HTTP/1.1', `Authorization: ${basic('privx-ui', 'privx-ui-secret')}`, 'Content-Type: application/x-www-form-urlencoded'], body);
    expect(response.statusLine).toBe('HTTP/1.1 200 OK');
    expect(response.header('content-type')).toBe('application/json');
    expect(response.header('cache-control')).toBe('no-store');
    expect(response.header('pragma')).toBe('no-cache');
    const json = JSON.parse(response.body) as Record<string, unknown>;
    expect(documentJson({ ...json, access_token: DOC_ACCESS_TOKEN, refresh_token: DOC_REFRESH_TOKEN }).split('\n')).toEqual(DOC_RESPONSE.split('\n'));
  });

  it('signs the access token with Ed25519 and carries the document\'s claims', async () => {
    const { code } = await aliceCode();
    const response = await tokenRequest(running.base, 'privx-ui', { client_id: 'privx-ui', grant_type: 'authorization_code', code, redirect_uri: callbackUri(running.issuer) });
    const { access_token: token } = (await response.json()) as { access_token: string };

    const key = jwks.keys[0];
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwtPart(token, 0)).toMatchObject({ alg: 'EdDSA', kid: key?.kid });
    const claims = await verify(token, 'privx-ui');
    // Every claim of the document's token is there…
    expect(Object.keys(claims)).toEqual(expect.arrayContaining(Object.keys(DOC_CLAIMS)));
    // …with the document's values where they are not per-deployment or per-session.
    expect(claims).toMatchObject({ aud: DOC_CLAIMS.aud, domain: DOC_CLAIMS.domain, permissions: DOC_CLAIMS.permissions, userid: DOC_CLAIMS.userid, iss: running.issuer, scope: 'privx-user connections-manual' });
    expect(claims.sessionid).toMatch(UUID);
    expect((claims.exp as number) - (claims.iat as number)).toBe((DOC_CLAIMS.exp as number) - (DOC_CLAIMS.iat as number));
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
  });

  it('refreshes (rotating the refresh token) and keeps the session', async () => {
    const { code } = await aliceCode();
    const first = (await (await tokenRequest(running.base, 'privx-ui', { client_id: 'privx-ui', grant_type: 'authorization_code', code, redirect_uri: callbackUri(running.issuer) })).json()) as Record<string, string>;
    const response = await tokenRequest(running.base, 'privx-ui', { client_id: 'privx-ui', grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' });
    expect(response.status).toBe(200);
    const second = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(second)).toEqual(['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope']);
    expect(second).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'privx-user connections-manual' });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const before = await verify(first.access_token ?? '', 'privx-ui');
    const after = await verify(second.access_token as string, 'privx-ui');
    expect(after.sessionid).toBe(before.sessionid);
    expect(after).toMatchObject({ domain: 'privx-ui', userid: ALICE_ID, permissions: 'privx-admin,privx-user' });
    // Presenting the spent refresh token again is refused (and revokes the family).
    await expectError(await tokenRequest(running.base, 'privx-ui', { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' }), 400, 'invalid_grant');
  });

  it('password grant for privx-external: a token for that domain and a new session', async () => {
    const response = await tokenRequest(running.base, 'privx-external', { client_id: 'privx-external', grant_type: 'password', username: 'alice', password: 'alice-password', scope: 'privx-user connections-manual' });
    expect(response.status).toBe(200);
    const json = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope']);
    expect(json).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'privx-user connections-manual' });
    const claims = await verify(json.access_token as string, 'privx-external');
    expect(claims).toMatchObject({ aud: 'privx-external', domain: 'privx-external', permissions: 'privx-admin,privx-user', userid: ALICE_ID });
    expect(running.created.sessions.get(String(claims.sessionid))).toMatchObject({ domain: 'privx-external', grantType: 'password' });
  });

  it('client_credentials for privx-service: no refresh token, no user claims', async () => {
    const response = await tokenRequest(running.base, 'privx-service', { grant_type: 'client_credentials', scope: 'connections-manual' });
    expect(response.status).toBe(200);
    const json = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['access_token', 'token_type', 'expires_in', 'scope']);
    const claims = await verify(json.access_token as string, 'privx-service');
    expect(claims).toMatchObject({ aud: 'privx-service', domain: 'privx-service', sub: 'privx-service' });
    expect(claims).not.toHaveProperty('permissions');
    expect(claims).not.toHaveProperty('userid');
  });

  it('the tokens open the PrivX API for the user-facing domains only', async () => {
    const user = (await (await tokenRequest(running.base, 'privx-external', { grant_type: 'password', username: 'alice', password: 'alice-password' })).json()) as { access_token: string };
    const ok = await fetch(`${running.base}/privx/api/me`, { headers: { authorization: `Bearer ${user.access_token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ userid: ALICE_ID, domain: 'privx-external', permissions: ['privx-admin', 'privx-user'] });
    const service = (await (await tokenRequest(running.base, 'privx-service', { grant_type: 'client_credentials' })).json()) as { access_token: string };
    const refused = await fetch(`${running.base}/privx/api/me`, { headers: { authorization: `Bearer ${service.access_token}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm=".*", error="invalid_token"/);
  });
});

describe('"Supported grant types by OAuth domain": anything else is unauthorized_client', () => {
  it.each([
    ['privx-ui', 'password', { username: 'alice', password: 'alice-password' }],
    ['privx-ui', 'client_credentials', {}],
    ['privx-external', 'client_credentials', {}],
    ['privx-service', 'authorization_code', { code: 'x', redirect_uri: 'http://localhost/cb' }],
    ['privx-service', 'password', { username: 'alice', password: 'alice-password' }],
    ['privx-service', 'refresh_token', { refresh_token: 'x' }],
  ] as const)('%s may not use %s', async (client, grant, extra) => {
    await expectError(await tokenRequest(running.base, client, { grant_type: grant, ...extra }), 400, 'unauthorized_client');
  });
});

describe('errors: { error, error_description } with the standard codes on 400, 401, 404 and 500', () => {
  it('400 invalid_request: no grant_type, a repeated parameter, no code, a form that is JSON', async () => {
    await expectError(await tokenRequest(running.base, 'privx-ui', { client_id: 'privx-ui' }), 400, 'invalid_request');
    const repeated = await fetch(`${running.base}/oauth/token`, { method: 'POST', headers: { authorization: basic('privx-service', 'privx-service-secret'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&grant_type=client_credentials' });
    await expectError(repeated, 400, 'invalid_request');
    await expectError(await tokenRequest(running.base, 'privx-ui', { grant_type: 'authorization_code', redirect_uri: callbackUri(running.issuer) }), 400, 'invalid_request');
    const json = await fetch(`${running.base}/oauth/token`, { method: 'POST', headers: { authorization: basic('privx-service', 'privx-service-secret'), 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' });
    await expectError(json, 400, 'invalid_request');
  });

  it('401 invalid_client: a wrong secret (with a Basic challenge), no authentication, client_secret_post', async () => {
    const wrong = await tokenRequest(running.base, 'privx-ui', { grant_type: 'refresh_token', refresh_token: 'x' }, 'not-the-secret');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    await expectError(wrong, 401, 'invalid_client');
    const none = await fetch(`${running.base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    await expectError(none, 401, 'invalid_client');
    const post = await fetch(`${running.base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=privx-service&client_secret=privx-service-secret' });
    await expectError(post, 401, 'invalid_client');
  });

  it('400 invalid_grant: an unknown code, a replayed code, a wrong password', async () => {
    await expectError(await tokenRequest(running.base, 'privx-ui', { grant_type: 'authorization_code', code: 'NOT-A-CODE', redirect_uri: callbackUri(running.issuer) }), 400, 'invalid_grant');
    const { code } = await aliceCode();
    const form = { grant_type: 'authorization_code', code, redirect_uri: callbackUri(running.issuer) };
    expect((await tokenRequest(running.base, 'privx-ui', form)).status).toBe(200);
    await expectError(await tokenRequest(running.base, 'privx-ui', form), 400, 'invalid_grant');
    await expectError(await tokenRequest(running.base, 'privx-external', { grant_type: 'password', username: 'alice', password: 'wrong' }), 400, 'invalid_grant');
  });

  it('400 unsupported_grant_type', async () => {
    await expectError(await tokenRequest(running.base, 'privx-ui', { grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }), 400, 'unsupported_grant_type');
  });

  it('400 invalid_scope', async () => {
    await expectError(await tokenRequest(running.base, 'privx-external', { grant_type: 'password', username: 'alice', password: 'alice-password', scope: 'privx-user root' }), 400, 'invalid_scope');
    await expectError(await tokenRequest(running.base, 'privx-service', { grant_type: 'client_credentials', scope: 'privx-admin' }), 400, 'invalid_scope');
  });

  it('404 { error, error_description } for an unknown path under /oauth', async () => {
    const response = await rawRequest(running.port, ['GET /oauth/tokens HTTP/1.1']);
    expect(response.statusLine).toBe('HTTP/1.1 404 Not Found');
    expect(response.header('content-type')).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ error: 'invalid_request', error_description: 'no such endpoint' });
    await expectError(await fetch(`${running.base}/oauth/nothing-here`, { method: 'POST' }), 404, 'invalid_request');
  });

  it('500 server_error when a hook fails (the permission lookup for user "broken"), the cause only logged', async () => {
    const before = logger.lines.length;
    const response = await tokenRequest(running.base, 'privx-external', { grant_type: 'password', username: 'broken', password: 'broken-password' });
    const body = await expectError(response, 500, 'server_error');
    expect(body.error_description).toBe('the server encountered an unexpected condition');
    expect(JSON.stringify(body)).not.toContain('permission');
    expect(logger.lines.slice(before).join('\n')).toContain('no permission record for user broken');
  });
});
