import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { PARTNER_CLIENT_ID } from '../src/auth-server.js';
import { documentJson, listen, memoryLogger, rawRequest, type RawResponse, type Running } from './support.js';

// Seed 002 (Comm100 Partner OAuth API), quoted from the document; the password is the demo one.
const DOC_TOKEN_REQUEST_HEAD = ['POST /oauth/token?partnerId=10000 HTTP/1.1', 'Content-Type: application/x-www-form-urlencoded'];
const DOC_TOKEN_REQUEST_BODY = `client_id=${PARTNER_CLIENT_ID}&grant_type=password&email=client1@company.com&password=partner-demo-password`;
const DOC_ACCESS_TOKEN =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJuYmYiOjE2NTI5MzkzOTEsImV4cCI6MTY1Mjk4MjU5MSwiaXNzIjoiaHR0cDovL2ludGVybmFscGFydG5lci50ZXN0aW5nLmNvbW0xMDBkZXYuaW8iLCJhdWQiOiJpZHMucmVzb3VyY2UuMSIsImNsaWVudF9pZCI6ImRhdGFzeW5jIDEwMDAwIiwic3ViIjoiYmZlYjQ1ZDctNTBkYy00MTZkLWIzYzgtMzVkYjY0ZDI4OGYzIiwiYXV0aF90aW1lIjoxNjUyOTM5MzkxLCJpZHAiOiJsb2NhbCIsInVzZXJJZCI6ImJmZWI0NWQ3LTUwZGMtNDE2ZC1iM2M4LTM1ZGI2NGQyODhmMyIsInBhcnRuZXJJZCI6IjEwMDAwIiwidGh1bWJwcmludCI6Ijk2MTY2Q0EzQjM0QUJGMkQwNERGOTZBMDE1QkJEREQwOUIwQTdDNTkiLCJzdWNjZXNzIjoiVHJ1ZSIsInJvbGUiOiJVc2VyIiwianRpIjoiODVFNzUzQTYwRDY4MzI4MjlEMkU4MDEwNUU3NTAwNjIiLCJpYXQiOjE2NTI5MzkzOTEsInNjb3BlIjpbImlkcy5zY29wZSIsIm9wZW5pZCIsInByb2ZpbGUiLCJvZmZsaW5lX2FjY2VzcyJdLCJhbXIiOlsicHdkIl19.ADZQq2R3-zJl_Bg9jOUREvrXvvmLc669iZSUZhU6oRmd6vu1UXU8VkXgxQZSk4pFxCW7j2UGuDi0jTF27e5W4PzyGWmE-qj9gE-iY9b7PSOPwYENS8rylFwB3dL7f_qlQCbzQ2kUoCoAlIPLqVbQHN76ftMoo57Ge9rg0xOw-BJT4GBKiflgE6dz8ikQhlg7_DAM-JY51Vk7bmsvny356P5Rv5cdJnBvrCCqAJeV-Y5jzUblAKx61HSZE9gBoRhYOprYgK37pw3XMqG9H5BvCr32DSufA0U91rA1sOX945yNLrYAAsDHlMO2-nmEHgOMFrnIOvzsgjnMktcxkR0NQG';
const DOC_TOKEN_RESPONSE = `HTTP/1.1 200 OK
Content-Type: application/json
{
"access_token": "${DOC_ACCESS_TOKEN}",
"token_type": "Bearer",
"expires_in": 43200
}`;
const DOC_USERINFO_RESPONSE = `HTTP/1.1 200 OK
Content-Type: application/json
{
"agentId": "f9683b7b-e332-4864-b725-ac6cdc207dbd",
"siteId": 10115,
"role": "AGENT"
}`;
const AGENT_ID = 'f9683b7b-e332-4864-b725-ac6cdc207dbd';

const logger = memoryLogger();
let running: Running<ReturnType<typeof createApp>>;

beforeAll(async () => {
  running = await listen((issuer) => createApp({ issuer, logger }));
});
afterAll(async () => {
  await running.close();
});

/** The document's way of printing a response: status line, Content-Type, then the JSON one key per line. */
const asDocument = (response: RawResponse, body: Record<string, unknown>): string => `${response.statusLine}\nContent-Type: ${response.header('content-type') ?? ''}\n${documentJson(body)}`;

function tokenRequest(query: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${running.base}/oauth/token${query}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
}
const documentForm = (overrides: Record<string, string> = {}): Record<string, string> => ({ client_id: PARTNER_CLIENT_ID, grant_type: 'password', email: 'client1@company.com', password: 'partner-demo-password', ...overrides });

async function documentToken(): Promise<string> {
  const response = await rawRequest(running.port, DOC_TOKEN_REQUEST_HEAD, DOC_TOKEN_REQUEST_BODY);
  return (JSON.parse(response.body) as { access_token: string }).access_token;
}

async function expectError(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(await response.json()).toMatchObject({ error });
}

describe('the document\'s "Request token by Password"', () => {
  it('answers the sample request exactly as the sample response', async () => {
    const response = await rawRequest(running.port, DOC_TOKEN_REQUEST_HEAD, DOC_TOKEN_REQUEST_BODY);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    // EXACTLY the three keys of the Token JSON Format: no scope, no refresh_token.
    expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in']);
    expect(asDocument(response, { ...body, access_token: DOC_ACCESS_TOKEN }).split('\n')).toEqual(DOC_TOKEN_RESPONSE.split('\n'));
    expect(response.body).toBe(`{"access_token":"${String(body.access_token)}","token_type":"Bearer","expires_in":43200}`);
    // RFC 6749 §5.1 on top of the document.
    expect(response.header('cache-control')).toBe('no-store');
    expect(response.header('pragma')).toBe('no-cache');
  });

  it('issues a JWT for the agent, naming the partner', async () => {
    const token = await documentToken();
    const jwks = (await (await fetch(`${running.base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: running.issuer, audience: running.issuer });
    // The document's token has the same header type (RFC 9068).
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub: AGENT_ID, client_id: PARTNER_CLIENT_ID, partnerId: '10000' });
    expect(payload).not.toHaveProperty('scope');
    expect((payload.exp as number) - (payload.iat as number)).toBe(43200);
  });

  it('accepts the email case-insensitively and the form encoded by a browser', async () => {
    const response = await tokenRequest('?partnerId=10000', documentForm({ email: 'Client1@Company.com' }));
    expect(response.status).toBe(200);
    expect(Object.keys((await response.json()) as object)).toEqual(['access_token', 'token_type', 'expires_in']);
  });
});

describe('the document\'s "Get user info"', () => {
  it('answers the sample request (Authorization:Bearer without a space) exactly as the sample response', async () => {
    const token = await documentToken();
    const response = await rawRequest(running.port, ['GET /oauth/userinfo HTTP/1.1', `Authorization:Bearer ${token}`]);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(asDocument(response, body).split('\n')).toEqual(DOC_USERINFO_RESPONSE.split('\n'));
    // siteId is a number, and nothing else is in the object.
    expect(response.body).toBe('{"agentId":"f9683b7b-e332-4864-b725-ac6cdc207dbd","siteId":10115,"role":"AGENT"}');
  });

  it('401 with a bare RFC 6750 challenge without a token', async () => {
    const response = await fetch(`${running.base}/oauth/userinfo`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${running.issuer}"`);
    expect(await response.text()).toBe('');
  });

  it('401 invalid_token with a bad or tampered token', async () => {
    const token = await documentToken();
    for (const bad of ['not-a-token', `${token.slice(0, -4)}AAAA`, DOC_ACCESS_TOKEN]) {
      const response = await fetch(`${running.base}/oauth/userinfo`, { headers: { authorization: `Bearer ${bad}` } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer realm="${running.issuer}", error="invalid_token", error_description="[^"]+"$`));
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    }
  });

  it('400 invalid_request for a malformed Authorization header', async () => {
    const response = await fetch(`${running.base}/oauth/userinfo`, { headers: { authorization: 'Bearer a b' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+", error="invalid_request"/);
  });
});

describe('errors', () => {
  it('400 invalid_request without the required partnerId query parameter', async () => {
    const response = await tokenRequest('', documentForm());
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'partnerId is required' });
  });

  it('400 invalid_request when partnerId is sent in the form instead of the query', async () => {
    await expectError(await tokenRequest('', documentForm({ partnerId: '10000' })), 400, 'invalid_request');
  });

  it('400 invalid_request when the resource owner is named by username instead of email', async () => {
    const form = documentForm();
    delete form.email;
    const response = await tokenRequest('?partnerId=10000', { ...form, username: 'client1@company.com' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'email is required' });
  });

  it('400 invalid_request for the password in the query string', async () => {
    await expectError(await tokenRequest('?partnerId=10000&password=partner-demo-password', documentForm()), 400, 'invalid_request');
  });

  it('400 invalid_grant for a wrong password', async () => {
    await expectError(await tokenRequest('?partnerId=10000', documentForm({ password: 'wrong-password' })), 400, 'invalid_grant');
  });

  it('400 invalid_grant for the right password under another partner', async () => {
    await expectError(await tokenRequest('?partnerId=10001', documentForm()), 400, 'invalid_grant');
  });

  it('401 invalid_client for an unknown client_id or none', async () => {
    await expectError(await tokenRequest('?partnerId=10000', documentForm({ client_id: '00000000-0000-4000-8000-000000000000' })), 401, 'invalid_client');
    const form = documentForm();
    delete form.client_id;
    await expectError(await tokenRequest('?partnerId=10000', form), 401, 'invalid_client');
  });

  it('400 unauthorized_client for the refresh_token grant (the client does not list it)', async () => {
    await expectError(await tokenRequest('?partnerId=10000', { client_id: PARTNER_CLIENT_ID, grant_type: 'refresh_token', refresh_token: 'x' }), 400, 'unauthorized_client');
  });

  it('400 invalid_scope for a scope (the API has none)', async () => {
    await expectError(await tokenRequest('?partnerId=10000', documentForm({ scope: 'openid' })), 400, 'invalid_scope');
  });

  it('logged no unexpected errors', () => {
    expect(logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});
