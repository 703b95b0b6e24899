import { expect } from 'vitest';

/** HTTP Basic credentials as RFC 6749 §2.3.1 encodes them. */
export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const SECRETS: Readonly<Record<string, string>> = { 'privx-ui': 'privx-ui-secret', 'privx-external': 'privx-external-secret', 'privx-service': 'privx-service-secret' };

/** POST /oauth/token with HTTP Basic for `clientId`. */
export function tokenRequest(base: string, clientId: string, form: Record<string, string>, secret = SECRETS[clientId] ?? ''): Promise<Response> {
  return fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
}

const decodeEntities = (value: string): string => value.replace(/&#(\d+);/g, (_match, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');

/** The `name=value` part of the named cookie among `Set-Cookie` headers. */
export function cookieFrom(response: Response, name: string): string | undefined {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0] ?? '')
    .find((pair) => pair.startsWith(`${name}=`));
}

/**
 * Sign in through Tollgate's default sign-in page, as a browser would: GET the authorization URL (HTML form
 * with hidden `tollgate_request` and a `tollgate_csrf` cookie), then POST the form with username and password.
 * Answers the POST's response (RFC 9700 §4.12: 303) and the cookies to send from now on.
 */
export async function signIn(base: string, authorizeUrl: string, username: string, password: string): Promise<{ post: Response; cookies: string }> {
  const page = await fetch(authorizeUrl, { redirect: 'manual', headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const html = await page.text();
  const csrf = cookieFrom(page, 'tollgate_csrf');
  expect(csrf).toBeDefined();
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
  expect(action).toBe('/oauth/authorize');
  const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [decodeEntities(match[1] ?? ''), decodeEntities(match[2] ?? '')]));
  expect(Object.keys(hidden).sort()).toEqual(['tollgate_action', 'tollgate_request']);
  expect(hidden.tollgate_action).toBe('sign-in');
  const post = await fetch(new URL(decodeEntities(action ?? ''), base), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: csrf ?? '', 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ ...hidden, username, password }),
  });
  const session = cookieFrom(post, 'tollgate_session');
  return { post, cookies: [csrf, session].filter(Boolean).join('; ') };
}

/** The parameters of the document's authorization request. */
export function authorizeUrl(base: string, params: Record<string, string>): string {
  const url = new URL('/oauth/authorize', base);
  url.search = new URLSearchParams(params).toString();
  return url.href;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
