import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer, toNodeListener, type AuthServer } from '@tollgate/core';

/**
 * An independent, strict OAuth 2.0 client (oauth4webapi v3) against Tollgate on a real node:http server:
 * discovery, client_credentials, password, refresh, and RFC 9068 verification through the discovered jwks_uri.
 */
// oauth4webapi form-urlencodes id and secret for Basic; these characters prove Tollgate decodes them.
const SERVICE_SECRET = 'svc-secret:with%special+chars ü/=';
const WEB_SECRET = 'web-secret-0123456789-abcdefghijklmnop';
const PASSWORD = 'correct horse battery staple';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

let http: Server;
let auth: AuthServer;
let issuer: string;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  const mounted: { listener?: (request: IncomingMessage, response: ServerResponse) => void } = {};
  http = createServer((request, response) => {
    if (mounted.listener) mounted.listener(request, response);
    else response.writeHead(503).end();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  // The issuer needs the port, so the authorization server is created once the socket listens.
  issuer = `http://127.0.0.1:${port}`;
  auth = createAuthServer({
    issuer,
    logger: { warn: () => undefined, error: () => undefined },
    scopes: ['orders:read', 'orders:write'],
    clients: [
      { id: 'service', secret: SERVICE_SECRET, grantTypes: ['client_credentials'], scopes: ['orders:read', 'orders:write'] },
      { id: 'web', secret: WEB_SECRET, grantTypes: ['password', 'refresh_token'], scopes: ['orders:read', 'orders:write'] },
    ],
    password: { authenticateUser: async ({ username, password }) => (username === 'alice' && password === PASSWORD ? { subject: 'user-alice', claims: { role: 'agent' } } : undefined) },
  });
  mounted.listener = toNodeListener(auth);

  const issuerUrl = new URL(issuer);
  const response = await oauth.discoveryRequest(issuerUrl, { algorithm: 'oauth2', ...insecure });
  as = await oauth.processDiscoveryResponse(issuerUrl, response);
});

afterAll(async () => {
  await auth?.close();
  await new Promise((resolve) => {
    http.close(resolve);
    http.closeAllConnections();
  });
});

async function verify(accessToken: string) {
  expect(as.jwks_uri).toBeTypeOf('string');
  const jwks = createRemoteJWKSet(new URL(as.jwks_uri as string));
  return jwtVerify(accessToken, jwks, { typ: 'at+jwt', issuer, audience: issuer });
}

describe('oauth4webapi against Tollgate over HTTP', () => {
  it('discovers the metadata (RFC 8414)', () => {
    expect(as.issuer).toBe(issuer);
    expect(as.token_endpoint).toBe(`${issuer}/oauth/token`);
    expect(as.jwks_uri).toBe(`${issuer}/.well-known/jwks.json`);
    expect(as.grant_types_supported).toEqual(expect.arrayContaining(['client_credentials', 'password', 'refresh_token']));
    expect(as.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
    expect(as.scopes_supported).toEqual(['orders:read', 'orders:write']);
  });

  it('gets a client_credentials token with client_secret_basic and verifies it with the remote JWKS', async () => {
    const client: oauth.Client = { client_id: 'service' };
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(SERVICE_SECRET), { scope: 'orders:read' }, insecure);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    expect(result.token_type).toBe('bearer');
    expect(result.expires_in).toBe(3600);
    expect(result.scope).toBe('orders:read');
    expect(result.refresh_token).toBeUndefined();

    const { payload, protectedHeader } = await verify(result.access_token);
    expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'EdDSA' });
    expect(payload).toMatchObject({ iss: issuer, aud: issuer, sub: 'service', client_id: 'service', scope: 'orders:read' });
  });

  it('gets a client_credentials token with client_secret_post', async () => {
    const client: oauth.Client = { client_id: 'service' };
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(SERVICE_SECRET), { scope: 'orders:write' }, insecure);
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    expect(result.scope).toBe('orders:write');
  });

  it('gets a password-grant token, refreshes it, and both verify', async () => {
    const client: oauth.Client = { client_id: 'web' };
    const clientAuth = oauth.ClientSecretBasic(WEB_SECRET);
    const first = await oauth.processGenericTokenEndpointResponse(
      as,
      client,
      await oauth.genericTokenEndpointRequest(as, client, clientAuth, 'password', { username: 'alice', password: PASSWORD, scope: 'orders:read orders:write' }, insecure),
    );
    expect(first.token_type).toBe('bearer');
    expect(first.refresh_token).toBeTypeOf('string');
    expect((await verify(first.access_token)).payload).toMatchObject({ sub: 'user-alice', client_id: 'web', role: 'agent', scope: 'orders:read orders:write' });

    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, clientAuth, first.refresh_token as string, insecure));
    expect(refreshed.refresh_token).toBeTypeOf('string');
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    const { payload } = await verify(refreshed.access_token);
    expect(payload).toMatchObject({ sub: 'user-alice', client_id: 'web', scope: 'orders:read orders:write' });

    // oauth4webapi's own RFC 9068 validation agrees.
    const claims = await oauth.validateJwtAccessToken(as, new Request(`${issuer}/api/orders`, { headers: { authorization: `Bearer ${refreshed.access_token}` } }), issuer, insecure);
    expect(claims.sub).toBe('user-alice');

    // Replaying the spent refresh token is an invalid_grant the client library surfaces as such.
    const replay = await oauth.refreshTokenGrantRequest(as, client, clientAuth, first.refresh_token as string, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, replay)).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('surfaces a wrong secret as invalid_client 401', async () => {
    const client: oauth.Client = { client_id: 'service' };
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost('wrong-secret'), {}, insecure);
    // RFC 9110 §15.5.2: the 401 carries a Basic challenge, which oauth4webapi surfaces as a challenge error.
    const error: unknown = await oauth.processClientCredentialsResponse(as, client, response).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    expect(error).toMatchObject({ status: 401 });
    expect((error as oauth.WWWAuthenticateChallengeError).cause[0]?.scheme).toBe('basic');
    expect(await (error as oauth.WWWAuthenticateChallengeError).response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('surfaces a wrong password as invalid_grant', async () => {
    const client: oauth.Client = { client_id: 'web' };
    const response = await oauth.genericTokenEndpointRequest(as, client, oauth.ClientSecretBasic(WEB_SECRET), 'password', { username: 'alice', password: 'wrong' }, insecure);
    await expect(oauth.processGenericTokenEndpointResponse(as, client, response)).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
  });
});
