import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { DEMO_API_KEY } from '../src/auth-server.js';
import { documentJson, jwtPart, listen, memoryLogger, rawRequest, type RawResponse, type Running } from './support.js';

// Seed 000, PrizmDoc Cloud "POST /v1/authTokens", quoted from the document.
const DOC_REQUEST_HEAD = ['POST /v1/authTokens HTTP/1.1', `acs-api-key: ${DEMO_API_KEY}`, 'Content-Type: application/x-www-form-urlencoded'];
const DOC_REQUEST_BODY = 'grant_type=client_credentials&scope=userid:1234 role:admin';
const DOC_ACCESS_TOKEN = 'PrizmDoc Cloud-Hosted-ACCESS-TOKEN';
const DOC_RESPONSE_BODY = `{
     "access_token": "PrizmDoc Cloud-Hosted-ACCESS-TOKEN",
     "token_type": "acs-oauth",
     "expires_in": 3600,
     "scope": "userid:1234 role:admin"
}`;
// "Success returns code 200 - OK • Content-Type: application/json • Cache-Control: no-store • Pragma: no-cache"
const DOC_RESPONSE_HEADERS: [string, string][] = [
  ['Content-Type', 'application/json'],
  ['Cache-Control', 'no-store'],
  ['Pragma', 'no-cache'],
];

const logger = memoryLogger();
let running: Running<ReturnType<typeof createApp>>;

beforeAll(async () => {
  running = await listen((issuer) => createApp({ issuer, apiKeys: [DEMO_API_KEY, 'second-key'], logger }));
});
afterAll(async () => {
  await running.close();
});

function tokenRequest(body: string, headers: Record<string, string> = { 'acs-api-key': DEMO_API_KEY, 'content-type': 'application/x-www-form-urlencoded' }): Promise<Response> {
  return fetch(`${running.base}/v1/authTokens`, { method: 'POST', headers, body });
}

async function verify(token: string): Promise<Record<string, unknown>> {
  const jwks = (await (await fetch(`${running.base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: running.issuer, audience: running.issuer, algorithms: ['EdDSA'] });
  return payload;
}

function expectNoStoreJson(response: RawResponse | Response): void {
  const get = (name: string): string | null | undefined => ('header' in response ? response.header(name) : response.headers.get(name));
  expect(get('content-type')).toBe('application/json');
  expect(get('cache-control')).toBe('no-store');
  expect(get('pragma')).toBe('no-cache');
}

describe('the document\'s example: POST /v1/authTokens', () => {
  it('answers the example request (literal space in the body) exactly as documented', async () => {
    const response = await rawRequest(running.port, DOC_REQUEST_HEAD, DOC_REQUEST_BODY);
    expect(response.statusLine).toBe('HTTP/1.1 200 OK');
    for (const [name, value] of DOC_RESPONSE_HEADERS) expect([name, response.header(name)]).toEqual([name, value]);
    // The documented headers are on the wire with exactly these names.
    expect(response.headers.map(([name]) => name)).toEqual(expect.arrayContaining(DOC_RESPONSE_HEADERS.map(([name]) => name)));

    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'scope']);
    // Line by line against the document, with the token value swapped for the document's placeholder.
    expect(documentJson({ ...body, access_token: DOC_ACCESS_TOKEN }, '     ').split('\n')).toEqual(DOC_RESPONSE_BODY.split('\n'));
    // And the compact bytes on the wire.
    expect(response.body).toBe(`{"access_token":"${String(body.access_token)}","token_type":"acs-oauth","expires_in":3600,"scope":"userid:1234 role:admin"}`);
  });

  it('issues a signed JWT carrying the scope parameters as claims', async () => {
    const response = await rawRequest(running.port, DOC_REQUEST_HEAD, DOC_REQUEST_BODY);
    const { access_token: token } = JSON.parse(response.body) as { access_token: string };
    expect(jwtPart(token, 0)).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    const claims = await verify(token);
    expect(claims).toMatchObject({ userid: '1234', role: 'admin', scope: 'userid:1234 role:admin', client_id: 'prizmdoc-cloud-demo', sub: 'prizmdoc-cloud-demo', iss: running.issuer });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
  });

  it.each([
    ['+', 'grant_type=client_credentials&scope=userid:1234+role:admin'],
    ['%20', 'grant_type=client_credentials&scope=userid%3A1234%20role%3Aadmin'],
    ['URLSearchParams', new URLSearchParams({ grant_type: 'client_credentials', scope: 'userid:1234 role:admin' }).toString()],
  ])('reads the space in the scope written as %s', async (_encoding, body) => {
    const response = await tokenRequest(body);
    expect(response.status).toBe(200);
    expectNoStoreJson(response);
    const json = (await response.json()) as Record<string, unknown>;
    expect(json).toMatchObject({ token_type: 'acs-oauth', expires_in: 3600, scope: 'userid:1234 role:admin' });
    expect(await verify(json.access_token as string)).toMatchObject({ userid: '1234', role: 'admin' });
  });

  it('accepts every configured key (ACS_API_KEYS) and echoes another user and role', async () => {
    const response = await tokenRequest('grant_type=client_credentials&scope=userid:alice@example.com role:viewer', { 'acs-api-key': 'second-key', 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(200);
    const json = (await response.json()) as Record<string, unknown>;
    expect(json.scope).toBe('userid:alice@example.com role:viewer');
    expect(await verify(json.access_token as string)).toMatchObject({ userid: 'alice@example.com', role: 'viewer' });
  });
});

describe('the token protects an API by its claims', () => {
  const token = async (scope: string): Promise<string> => ((await (await tokenRequest(`grant_type=client_credentials&scope=${encodeURIComponent(scope)}`)).json()) as { access_token: string }).access_token;

  it('lets role:admin list documents', async () => {
    const response = await fetch(`${running.base}/v1/documents`, { headers: { authorization: `Bearer ${await token('userid:1234 role:admin')}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ userid: '1234', role: 'admin', documents: expect.any(Array) as unknown });
  });

  it('refuses role:user with 403 insufficient_scope', async () => {
    const response = await fetch(`${running.base}/v1/documents`, { headers: { authorization: `Bearer ${await token('userid:1234 role:user')}` } });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope"/);
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('refuses a request without a token with a bare RFC 6750 challenge', async () => {
    const response = await fetch(`${running.base}/v1/documents`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${running.issuer}"`);
  });
});

describe('errors: "400 Bad Request" for a bad body, "401 Unauthorized" for a wrong or missing key', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  async function expectError(response: Response, status: number, error: string): Promise<void> {
    expect(response.status).toBe(status);
    expectNoStoreJson(response);
    const body = (await response.json()) as Record<string, unknown>;
    // The document's error body is { "error": "<RFC 6749 §5.2 code>" }; error_description is the optional RFC member.
    expect(body.error).toBe(error);
    expect(Object.keys(body).every((key) => key === 'error' || key === 'error_description')).toBe(true);
  }

  it('401 invalid_client without the acs-api-key header', async () => {
    await expectError(await tokenRequest(DOC_REQUEST_BODY, form), 401, 'invalid_client');
  });

  it('401 invalid_client with an empty acs-api-key header', async () => {
    await expectError(await tokenRequest(DOC_REQUEST_BODY, { ...form, 'acs-api-key': '' }), 401, 'invalid_client');
  });

  it('401 invalid_client with a wrong key', async () => {
    await expectError(await tokenRequest(DOC_REQUEST_BODY, { ...form, 'acs-api-key': 'not-the-key' }), 401, 'invalid_client');
  });

  it('401 invalid_client for a key sent as Basic credentials instead of the header', async () => {
    await expectError(await tokenRequest(DOC_REQUEST_BODY, { ...form, authorization: `Basic ${Buffer.from(`prizmdoc-cloud-demo:${DEMO_API_KEY}`).toString('base64')}` }), 401, 'invalid_client');
  });

  it('400 invalid_request without grant_type', async () => {
    await expectError(await tokenRequest('scope=userid:1234 role:admin'), 400, 'invalid_request');
  });

  // Tollgate implements these grants but the account is registered for client_credentials only:
  // RFC 6749 §5.2 "unauthorized_client: the authenticated client is not authorized to use this grant type".
  it.each(['authorization_code', 'refresh_token'])('400 unauthorized_client for grant_type=%s', async (grant) => {
    await expectError(await tokenRequest(`grant_type=${grant}&scope=userid:1234`), 400, 'unauthorized_client');
  });

  // Not enabled on this server at all: RFC 6749 §5.2 "unsupported_grant_type: not supported by the authorization server".
  it.each(['password', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'implicit'])('400 unsupported_grant_type for grant_type=%s', async (grant) => {
    await expectError(await tokenRequest(`grant_type=${encodeURIComponent(grant)}&scope=userid:1234`), 400, 'unsupported_grant_type');
  });

  it.each([
    ['two spaces', 'userid:1234  role:admin'],
    ['an empty value', 'userid: role:admin'],
    ['a value outside the pattern', 'userid:12/34 role:admin'],
    ['a quote', 'userid:"1234" role:admin'],
    ['an unknown scope', 'userid:1234 colour:blue'],
    ['a scope without its parameter', 'userid role:admin'],
    ['a parameter given twice', 'userid:1234 userid:5678'],
    ['a leading space', ' userid:1234'],
  ])('400 invalid_scope for %s', async (_case, scope) => {
    await expectError(await tokenRequest(`grant_type=client_credentials&scope=${encodeURIComponent(scope)}`), 400, 'invalid_scope');
  });

  it('400 invalid_request for a repeated parameter', async () => {
    await expectError(await tokenRequest('grant_type=client_credentials&grant_type=client_credentials&scope=userid:1234'), 400, 'invalid_request');
    await expectError(await tokenRequest('grant_type=client_credentials&scope=userid:1234&scope=role:admin'), 400, 'invalid_request');
  });

  it('400 invalid_request for JSON instead of a form', async () => {
    const response = await tokenRequest(JSON.stringify({ grant_type: 'client_credentials', scope: 'userid:1234 role:admin' }), { 'acs-api-key': DEMO_API_KEY, 'content-type': 'application/json' });
    await expectError(response, 400, 'invalid_request');
  });

  it('400 invalid_request without a Content-Type', async () => {
    const response = await rawRequest(running.port, ['POST /v1/authTokens HTTP/1.1', `acs-api-key: ${DEMO_API_KEY}`], DOC_REQUEST_BODY);
    expect(response.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('405 for GET, with Allow: POST', async () => {
    const response = await fetch(`${running.base}/v1/authTokens`, { headers: { 'acs-api-key': DEMO_API_KEY } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('logged no unexpected errors', () => {
    expect(logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});
