import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import * as oauth from 'oauth4webapi';

/**
 * A small confidential web client ("demo-web") that signs in with this server through oauth4webapi:
 * authorization code + PKCE, shows the claims, calls the protected API and refreshes. It lives in the same
 * process only for the demo; it talks to the server over HTTP like any other client.
 */
export interface ClientAppOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

interface Session {
  state?: string;
  verifier?: string;
  tokens?: { access_token: string; refresh_token?: string | undefined; scope?: string | undefined; expires_in?: number | undefined };
  claims?: Record<string, unknown>;
  apiResult?: string;
}

const esc = (value: string): string => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:720px;margin:40px auto;padding:0 20px;color:#1d2330}h1{font-size:1.4rem}
pre{background:#f4f5f7;border:1px solid #d9dde5;border-radius:8px;padding:12px;overflow:auto;font-size:.85rem;white-space:pre-wrap;overflow-wrap:anywhere}
button,a.button{font:inherit;font-weight:600;background:#2f5bea;color:#fff;border:0;border-radius:8px;padding:9px 16px;cursor:pointer;text-decoration:none;display:inline-block}
form{display:inline-block;margin:0 8px 8px 0}.muted{color:#5b6475}</style></head><body>${body}</body></html>`;
}

export function clientApp(options: ClientAppOptions): Router {
  const router = Router();
  const sessions = new Map<string, Session>();
  const redirectUri = new URL('/client/callback', options.issuer).href;
  const client: oauth.Client = { client_id: options.clientId };
  const clientAuth = oauth.ClientSecretBasic(options.clientSecret);
  const http = { [oauth.allowInsecureRequests]: new URL(options.issuer).protocol === 'http:' };
  let discovered: Promise<oauth.AuthorizationServer> | undefined;
  const server = (): Promise<oauth.AuthorizationServer> => {
    discovered ??= oauth
      .discoveryRequest(new URL(options.issuer), { ...http, algorithm: 'oauth2' })
      .then((response) => oauth.processDiscoveryResponse(new URL(options.issuer), response))
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };

  const session = (req: Request, res: Response): Session => {
    const id = /(?:^|;\s*)demo_client=([A-Za-z0-9_-]{43})/.exec(req.headers.cookie ?? '')?.[1];
    let found = id ? sessions.get(id) : undefined;
    if (!found || !id) {
      const fresh = randomBytes(32).toString('base64url');
      found = {};
      sessions.set(fresh, found);
      res.setHeader('Set-Cookie', `demo_client=${fresh}; Path=/client; HttpOnly; SameSite=Lax`);
    }
    return found;
  };

  router.use(express.urlencoded({ extended: false, limit: '4kb' }));

  router.get('/', (req, res) => {
    const s = session(req, res);
    if (!s.tokens) {
      res.send(page('Demo client', `<h1>Demo web client</h1><p class="muted">A confidential client signing in with code + PKCE.</p><a class="button" id="sign-in" href="/client/login">Sign in with Tollgate</a>`));
      return;
    }
    res.send(page('Signed in', `<h1 id="signed-in">Signed in</h1>
<h2>Access token claims</h2><pre id="claims">${esc(JSON.stringify(s.claims, null, 2))}</pre>
<form method="post" action="/client/api"><button id="call-api">Call the API</button></form>
<form method="post" action="/client/refresh"><button id="refresh">Refresh tokens</button></form>
<form method="post" action="/client/logout"><button id="sign-out">Sign out</button></form>
${s.apiResult ? `<h2>API answer</h2><pre id="api-result">${esc(s.apiResult)}</pre>` : ''}
<p class="muted" id="token-info">scope: ${esc(s.tokens.scope ?? '')} · refresh token: ${s.tokens.refresh_token ? 'yes' : 'no'}</p>`));
  });

  router.get('/login', async (req, res, next) => {
    try {
      const as = await server();
      const s = session(req, res);
      s.verifier = oauth.generateRandomCodeVerifier();
      s.state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint as string);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', client.client_id);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', 'openid profile orders:read');
      url.searchParams.set('state', s.state);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(s.verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      res.redirect(303, url.href);
    } catch (error) {
      next(error);
    }
  });

  router.get('/callback', async (req, res, next) => {
    try {
      const as = await server();
      const s = session(req, res);
      const current = new URL(req.originalUrl, options.issuer);
      let params: URLSearchParams;
      try {
        // Checks state and the RFC 9207 iss parameter.
        params = oauth.validateAuthResponse(as, client, current, s.state ?? oauth.expectNoState);
      } catch (error) {
        const code = error instanceof oauth.AuthorizationResponseError ? error.error : 'invalid_response';
        const description = error instanceof oauth.AuthorizationResponseError ? (error.error_description ?? '') : '';
        res.status(400).send(page('Sign-in failed', `<h1 id="error">Sign-in failed</h1><p>The server answered <code id="error-code">${esc(code)}</code>${description ? `: ${esc(description)}` : ''}.</p><a class="button" href="/client">Back</a>`));
        return;
      }
      const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, s.verifier as string, http);
      const result = await oauth.processAuthorizationCodeResponse(as, client, response);
      delete s.state;
      delete s.verifier;
      await remember(s, result);
      res.redirect(303, '/client');
    } catch (error) {
      next(error);
    }
  });

  router.post('/api', async (req, res, next) => {
    try {
      const s = session(req, res);
      if (!s.tokens) return void res.redirect(303, '/client');
      const answer = await fetch(new URL('/api/orders', options.issuer), { headers: { authorization: `Bearer ${s.tokens.access_token}` } });
      s.apiResult = `${answer.status} ${await answer.text()}`;
      res.redirect(303, '/client');
    } catch (error) {
      next(error);
    }
  });

  router.post('/refresh', async (req, res, next) => {
    try {
      const as = await server();
      const s = session(req, res);
      if (!s.tokens?.refresh_token) return void res.redirect(303, '/client');
      const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, s.tokens.refresh_token, http);
      await remember(s, await oauth.processRefreshTokenResponse(as, client, response));
      s.apiResult = 'tokens refreshed';
      res.redirect(303, '/client');
    } catch (error) {
      next(error);
    }
  });

  router.post('/logout', (req, res) => {
    const s = session(req, res);
    delete s.tokens;
    delete s.claims;
    delete s.apiResult;
    res.redirect(303, '/client');
  });

  async function remember(s: Session, result: oauth.TokenEndpointResponse): Promise<void> {
    s.tokens = { access_token: result.access_token, refresh_token: result.refresh_token, scope: result.scope, expires_in: result.expires_in };
    // Show the claims by asking the server (introspection needs no JWT parsing here).
    const answer = await fetch(new URL('/oauth/introspect', options.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ token: result.access_token }),
    });
    s.claims = (await answer.json()) as Record<string, unknown>;
  }

  return router;
}
