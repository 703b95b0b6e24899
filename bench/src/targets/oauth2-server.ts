/**
 * @node-oauth/oauth2-server 5 inside Express 5, wired the way `express-oauth-server` does it
 * (`express.urlencoded()` → `OAuth2Server.token()` → copy status, headers and body). The model keeps clients in
 * a Map and tokens in memory. `opaque`: the library's default random access tokens, saved by `saveToken`.
 * `jwt`: `model.generateAccessToken` signs an RFC 9068 token with jose (EdDSA, the bench Ed25519 key) and
 * `saveToken` keeps nothing. `/jwks` and `/protected` (`authenticate()`) let the pre-flight check the tokens.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import OAuth2Server, { Request, Response } from '@node-oauth/oauth2-server';
import express, { type Request as ExpressRequest, type Response as ExpressResponse } from 'express';
import { SignJWT, exportJWK } from 'jose';
import { listenNode, type Started, type Variants } from '../listen.js';
import { AUDIENCE, AS_ISSUER, CLIENT_ID, CLIENT_SECRET, SCOPE, TOKEN_LIFETIME, keys, privateKey, publicKey } from '../shared.js';

interface BenchClient {
  id: string;
  secret: Buffer;
  grants: string[];
  scopes: Set<string>;
}
interface StoredToken {
  accessToken: string;
  accessTokenExpiresAt: Date;
  scope: string[];
  client: { id: string };
  user: { id: string };
}

const MAX_TOKENS = 2_000_000;

function model(format: 'opaque' | 'jwt'): Record<string, unknown> {
  const clients = new Map<string, BenchClient>([[CLIENT_ID, { id: CLIENT_ID, secret: Buffer.from(CLIENT_SECRET), grants: ['client_credentials'], scopes: new Set([SCOPE]) }]]);
  const tokens = new Map<string, StoredToken>();
  const signingKey = privateKey('EdDSA');
  const kid = keys().EdDSA.kid;
  const base = {
    async getClient(clientId: string, clientSecret: string | null) {
      const client = clients.get(clientId);
      if (!client || clientSecret === null) return false;
      const given = Buffer.from(clientSecret);
      if (given.length !== client.secret.length || !timingSafeEqual(given, client.secret)) return false;
      return { id: client.id, grants: client.grants };
    },
    async getUserFromClient(client: { id: string }) {
      return { id: client.id };
    },
    async validateScope(_user: unknown, client: { id: string }, scope: string[] | undefined) {
      const allowed = clients.get(client.id)?.scopes;
      if (!allowed || !scope || scope.length === 0) return false;
      return scope.every((name) => allowed.has(name)) ? scope : false;
    },
    async saveToken(token: StoredToken, client: { id: string }, user: { id: string }) {
      const saved = { ...token, client: { id: client.id }, user };
      // A memory model that cannot grow without bound over a long run.
      if (format === 'opaque') {
        if (tokens.size >= MAX_TOKENS) tokens.delete(tokens.keys().next().value as string);
        tokens.set(token.accessToken, saved);
      }
      return saved;
    },
    async getAccessToken(accessToken: string) {
      return tokens.get(accessToken) ?? false;
    },
    async verifyScope(token: StoredToken, scope: string[]) {
      return scope.every((name) => token.scope.includes(name));
    },
  };
  if (format === 'opaque') return base;
  return {
    ...base,
    async generateAccessToken(client: { id: string }, _user: unknown, scope: string[]) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ client_id: client.id, scope: scope.join(' ') })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
        .setIssuer(AS_ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(client.id)
        .setIssuedAt(now)
        .setExpirationTime(now + TOKEN_LIFETIME)
        .setJti(randomUUID())
        .sign(signingKey);
    },
  };
}

function send(res: ExpressResponse, response: Response): void {
  res.set(response.headers as Record<string, string>);
  res.status(response.status ?? 200).send(response.body);
}

async function app(format: 'opaque' | 'jwt'): Promise<Started> {
  const oauth = new OAuth2Server({ model: model(format) as never, accessTokenLifetime: TOKEN_LIFETIME, allowBearerTokensInQueryString: false });
  const jwks = { keys: [{ ...(await exportJWK(publicKey('EdDSA'))), kid: keys().EdDSA.kid, alg: 'EdDSA', use: 'sig' }] };
  const server = express();
  server.disable('x-powered-by');
  server.post('/token', express.urlencoded({ extended: false }), (req: ExpressRequest, res: ExpressResponse) => {
    const request = new Request(req as never);
    const response = new Response(res as never);
    oauth.token(request, response).then(
      () => send(res, response),
      (error: { code?: number; name?: string; message?: string }) => {
        if (error.code === undefined || error.code >= 500) console.error('[oauth2-server]', error);
        res.set(response.headers as Record<string, string>);
        res.status(error.code ?? 500).json({ error: error.name, error_description: error.message });
      },
    );
  });
  server.get('/jwks', (_req, res) => void res.json(jwks));
  server.get('/protected', (req, res) => {
    const request = new Request(req as never);
    const response = new Response(res as never);
    oauth.authenticate(request, response, { scope: [SCOPE] }).then(
      () => void res.json({ ok: true }),
      (error: { code?: number }) => void res.status(error.code ?? 500).json({ error: 'invalid_token' }),
    );
  });
  return listenNode(server);
}

export const variants: Variants = {
  opaque: () => app('opaque'),
  jwt: () => app('jwt'),
};
