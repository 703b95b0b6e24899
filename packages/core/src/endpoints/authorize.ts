import { randomBytes } from 'node:crypto';
import type { Client } from '../clients.js';
import { OAuthError, StoreUnavailableError } from '../errors.js';
import type { AuthenticatedUser, PasswordCredentials } from '../grants/password.js';
import { printable, readFormText } from '../http/form.js';
import { errorResponse, methodNotAllowed } from '../http/response.js';
import { getHeader, requestUrl, type TollgateRequest, type TollgateResponse } from '../http/types.js';
import { readCookie, serializeCookie } from '../interaction/cookies.js';
import { defaultPages, type PageRenderers } from '../interaction/pages.js';
import { createSigner, type Signer } from '../interaction/signed.js';
import { createLockout, type LockoutOptions } from '../lockout.js';
import { isValidS256Challenge } from '../pkce.js';
import type { GrantedScope } from '../scopes.js';
import { safeEqual, sha256 } from '../tokens/random.js';
import { DEFAULT_CODE_LIFETIME, MAX_CODE_LIFETIME, storeAuthorizationCode } from '../codes.js';
import type { ServerContext } from './context.js';

/** A signed-in user, as the authorization endpoint needs it. */
export interface AuthorizeUser {
  /** The user id: the `sub` of the tokens. */
  subject: string;
  /** When the user signed in, seconds since the epoch. Default: now. */
  authTime?: number;
  /** Claims for the access token (kept in the code and across refreshes). */
  claims?: Record<string, unknown>;
  /** A display name for the consent page. */
  name?: string;
}

/** What hooks of the authorization endpoint receive. */
export interface AuthorizeHookContext {
  request: TollgateRequest;
  client: Client;
  /** Every parameter of the authorization request, the non-standard ones too (seed 001's `user_agent`, `oidc_id`). */
  params: ReadonlyMap<string, string>;
}

/** Options of the authorization endpoint (RFC 6749 §3.1, §4.1). */
export interface AuthorizeOptions {
  /** Secrets (≥ 32 characters) signing the sign-in session, consent and form state; the first signs, all verify. Default: random per process. */
  cookieSecrets?: readonly string[];
  /** Status of redirects answering a GET: 302 (default), 303 or 307 (seed 001). A POST is always answered with 303 (RFC 9700 §4.12). */
  redirectStatus?: 302 | 303 | 307;
  /** Authorization code lifetime in seconds: default 60, at most 600. */
  codeLifetime?: number;
  /** How long the default sign-in session lasts, in seconds. Default 8 hours. */
  sessionLifetime?: number;
  /** How long remembered consent lasts, in seconds. Default 30 days. */
  consentLifetime?: number;
  /** Find the signed-in user in the app's own session. When it answers nothing, the default sign-in page (or `signInUrl`) is used. */
  resolveUser?: (context: AuthorizeHookContext) => Promise<AuthorizeUser | null | undefined>;
  /** The app's own sign-in page: users without a session are redirected there with `return_to` (the authorization URL). */
  signInUrl?: string;
  /** Check credentials posted to the default sign-in page. Default: `password.authenticateUser`. */
  authenticateUser?: (credentials: PasswordCredentials) => Promise<AuthenticatedUser | null | undefined>;
  /** Lock-out for the default sign-in page (shared counters with the password grant). */
  lockout?: LockoutOptions | false;
  /** Replace the default sign-in, consent or error pages. */
  pages?: Partial<PageRenderers>;
  /** Called with the whole request right before a code is issued: add claims, or throw `OAuthError('access_denied')`. */
  beforeCode?: (context: AuthorizeHookContext & { user: AuthorizeUser; scope: readonly string[] }) => Promise<{ claims?: Record<string, unknown> } | void>;
  /** Descriptions shown on the consent page, by scope name. */
  scopeDescriptions?: Readonly<Record<string, string>>;
}

/** A validated authorization request. */
interface AuthorizationRequest {
  client: Client;
  redirectUri: string;
  state: string | undefined;
  params: Map<string, string>;
  scope: GrantedScope;
  codeChallenge: string | undefined;
  prompt: Set<string>;
}

const SESSION_COOKIE = 'tollgate_session';
const CONSENT_COOKIE = 'tollgate_consent';
const CSRF_COOKIE = 'tollgate_csrf';
const ACTION = 'tollgate_action';
const STATE_FIELD = 'tollgate_request';
const MAX_REMEMBERED = 20;

/** Errors before the redirect URI is trusted: shown to the user, never redirected (RFC 6749 §4.1.2.1). */
class UntrustedRequestError extends Error {
  constructor(readonly oauth: OAuthError) {
    super(oauth.message);
  }
}
const untrusted = (description: string): UntrustedRequestError => new UntrustedRequestError(new OAuthError('invalid_request', description));

/** The resolved authorization endpoint settings. */
export interface AuthorizeSettings {
  signer: Signer;
  redirectStatus: 302 | 303 | 307;
  codeLifetime: number;
  sessionLifetime: number;
  consentLifetime: number;
  options: AuthorizeOptions;
  pages: PageRenderers;
}

/** Validate `authorize` options at start-up (TypeError naming the option). */
export function resolveAuthorizeOptions(options: AuthorizeOptions | undefined, warn: (message: string) => void): AuthorizeSettings {
  const where = 'createAuthServer: options.authorize.';
  const value = options ?? {};
  let secrets = value.cookieSecrets;
  if (secrets === undefined) {
    secrets = [randomBytes(32).toString('base64url')];
    warn('authorize.cookieSecrets not set: using a random secret, so sign-in sessions end when the process restarts and are not shared between instances');
  } else if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret.length < 32)) {
    throw new TypeError(`${where}cookieSecrets must be a non-empty array of strings of at least 32 characters`);
  }
  const redirectStatus = value.redirectStatus ?? 302;
  if (![302, 303, 307].includes(redirectStatus)) throw new TypeError(`${where}redirectStatus must be 302, 303 or 307`);
  const seconds = (name: 'codeLifetime' | 'sessionLifetime' | 'consentLifetime', fallback: number, max = Infinity): number => {
    const raw = value[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw <= 0 || raw > max) throw new TypeError(`${where}${name} must be a whole number of seconds from 1 to ${max}`);
    return raw;
  };
  if (value.signInUrl !== undefined) {
    try {
      new URL(value.signInUrl, 'http://x.invalid');
    } catch {
      throw new TypeError(`${where}signInUrl must be a URL or path`);
    }
  }
  for (const hook of ['resolveUser', 'authenticateUser', 'beforeCode'] as const) {
    if (value[hook] !== undefined && typeof value[hook] !== 'function') throw new TypeError(`${where}${hook} must be a function`);
  }
  return {
    signer: createSigner(secrets),
    redirectStatus,
    codeLifetime: seconds('codeLifetime', DEFAULT_CODE_LIFETIME, MAX_CODE_LIFETIME),
    sessionLifetime: seconds('sessionLifetime', 8 * 3600),
    consentLifetime: seconds('consentLifetime', 30 * 86400),
    options: { ...value },
    pages: { ...defaultPages, ...value.pages },
  };
}

/** Parse a query or form string keeping duplicates visible, so we can tell which parameter repeated. */
function collect(text: string): { params: Map<string, string>; repeated: Set<string> } {
  const params = new Map<string, string>();
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
    if (value !== '') params.set(key, value);
  }
  return { params, repeated };
}

// RFC 8252 §7.3: only the port of a loopback IP literal may differ; everything else is compared exactly.
const LOOPBACK_PORT = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]))(?::(\d{1,5}))?(?=[/?]|$)/;

/** A native client's loopback redirect URI may use any port (RFC 8252 §7.3), and differ in nothing else. */
function loopbackMatch(registered: string, presented: string): boolean {
  const a = LOOPBACK_PORT.exec(registered);
  const b = LOOPBACK_PORT.exec(presented);
  if (!a || !b || a[1] !== b[1]) return false;
  if (b[2] !== undefined && Number(b[2]) > 65535) return false;
  return registered.slice(a[0].length) === presented.slice(b[0].length);
}

async function validateRequest(params: Map<string, string>, repeated: Set<string>, context: ServerContext): Promise<AuthorizationRequest> {
  // RFC 6749 §4.1.2.1 / RFC 9700 §4.1.3: client and redirect URI are checked before anything is redirected.
  if (repeated.has('client_id') || repeated.has('redirect_uri')) throw untrusted('client_id and redirect_uri must not be repeated');
  const clientId = params.get('client_id');
  if (clientId === undefined) throw untrusted('client_id is required');
  const client = await context.clients.find(clientId);
  if (!client) throw untrusted('unknown client');
  // A client without the code grant and without a registered redirect URI has nowhere to be told: tell the user.
  if (!client.grantTypes.has('authorization_code') && client.redirectUris.length === 0) {
    throw new UntrustedRequestError(new OAuthError('unauthorized_client', 'this client may not use the authorization code grant'));
  }
  const presented = params.get('redirect_uri');
  let redirectUri: string | undefined;
  if (presented === undefined) {
    if (client.redirectUris.length === 1) redirectUri = client.redirectUris[0];
    else throw untrusted('redirect_uri is required');
  } else if (client.redirectUris.includes(presented) || (client.native && client.redirectUris.some((uri) => loopbackMatch(uri, presented)))) {
    redirectUri = presented;
  }
  if (redirectUri === undefined) throw untrusted('redirect_uri is not registered for this client');

  const state = repeated.has('state') ? undefined : params.get('state');
  const request: AuthorizationRequest = { client, redirectUri, state, params, scope: { tokens: [], claims: {} }, codeChallenge: undefined, prompt: new Set() };
  const fail = (code: ConstructorParameters<typeof OAuthError>[0], description: string): RedirectError => new RedirectError(request, new OAuthError(code, description));
  if (repeated.size > 0) throw fail('invalid_request', `parameter ${printable([...repeated][0] ?? '')} is repeated`);
  const responseType = params.get('response_type');
  if (responseType === undefined) throw fail('invalid_request', 'response_type is required');
  // RFC 9700 §2.1.2: only the code flow; the implicit grant is gone.
  if (responseType !== 'code') throw fail('unsupported_response_type', 'only response_type=code is supported');
  if (!client.grantTypes.has('authorization_code')) throw fail('unauthorized_client', 'this client may not use the authorization code grant');
  const challenge = params.get('code_challenge');
  const method = params.get('code_challenge_method');
  if (method !== undefined && method !== 'S256') throw fail('invalid_request', 'code_challenge_method must be S256');
  if (challenge === undefined) {
    if (method !== undefined) throw fail('invalid_request', 'code_challenge is required with code_challenge_method');
    // RFC 9700 §2.1.1: PKCE for every client; only a confidential client may be configured without it.
    if (client.requirePkce || !client.confidential) throw fail('invalid_request', 'code_challenge (PKCE, S256) is required');
  } else {
    if (method === undefined) throw fail('invalid_request', 'code_challenge_method=S256 is required (plain is not accepted)');
    if (!isValidS256Challenge(challenge)) throw fail('invalid_request', 'code_challenge is malformed');
  }
  request.codeChallenge = challenge;
  try {
    request.scope = context.scopes.check(params.get('scope'), client.scopes, client.defaultScopes);
  } catch (error) {
    if (error instanceof OAuthError) throw new RedirectError(request, error);
    throw error;
  }
  request.prompt = new Set((params.get('prompt') ?? '').split(' ').filter(Boolean));
  return request;
}

/** An error that goes back to the (trusted) redirect URI. */
class RedirectError extends Error {
  constructor(readonly request: AuthorizationRequest, readonly oauth: OAuthError) {
    super(oauth.message);
  }
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

function pageHeaders(formTarget: string | undefined): Record<string, string> {
  // RFC 6749 §10.13: no framing of the sign-in and consent pages. form-action covers the redirect after the POST.
  const target = formTarget === undefined ? undefined : new URL(formTarget);
  // Private-use schemes (RFC 8252 §7.1) have an opaque origin: allow the scheme itself.
  const source = target === undefined ? '' : target.origin === 'null' ? ` ${target.protocol}` : ` ${target.origin}`;
  const formAction = `'self'${source}`;
  return { ...PAGE_HEADERS, 'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'` };
}

function wantsHtml(request: TollgateRequest): boolean {
  return /text\/html/i.test(getHeader(request.headers, 'accept') ?? '');
}

/** The authorization endpoint. */
export function authorizeEndpoint(settings: AuthorizeSettings) {
  const { signer, options, pages } = settings;

  return async function authorize(request: TollgateRequest, context: ServerContext): Promise<TollgateResponse> {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'POST') throw methodNotAllowed(['GET', 'POST']);
    const secure = context.issuerUrl.protocol === 'https:';
    const url = requestUrl(request.url);
    if (!url) throw new OAuthError('invalid_request', 'malformed request URL');
    const cookies: string[] = [];
    const redirectStatus = method === 'POST' ? 303 : settings.redirectStatus;

    const redirect = (target: AuthorizationRequest, values: Record<string, string | undefined>): TollgateResponse => {
      // Build the Location with the URL API so any state, long or unicode, comes back exactly.
      const location = new URL(target.redirectUri);
      for (const [name, value] of Object.entries(values)) if (value !== undefined) location.searchParams.append(name, value);
      if (target.state !== undefined) location.searchParams.append('state', target.state);
      location.searchParams.append('iss', context.issuer); // RFC 9207
      return { status: redirectStatus, headers: { Location: location.href, 'Cache-Control': 'no-store', Pragma: 'no-cache', 'Referrer-Policy': 'no-referrer' }, body: '', cookies };
    };
    const page = (status: number, html: string, target?: AuthorizationRequest): TollgateResponse => ({ status, headers: pageHeaders(target?.redirectUri), body: html, cookies });

    let csrfSecret: string | undefined;
    const csrfToken = (): string => {
      if (csrfSecret !== undefined) return csrfSecret;
      const token = readCookie(request.headers, CSRF_COOKIE);
      if (token !== undefined && /^[A-Za-z0-9_-]{43}$/.test(token)) return (csrfSecret = token);
      csrfSecret = randomBytes(32).toString('base64url');
      cookies.push(serializeCookie(CSRF_COOKIE, csrfSecret, { secure }));
      return csrfSecret;
    };
    const formState = (target: AuthorizationRequest, action: string): Record<string, string> => ({
      [ACTION]: action,
      [STATE_FIELD]: signer.seal('authorize-request', { p: [...target.params], c: sha256(csrfToken()), a: action }, 900),
    });

    const sessionUser = (): AuthorizeUser | undefined => {
      const value = signer.open<{ s: string; t: number; c?: Record<string, unknown>; n?: string }>('session', readCookie(request.headers, SESSION_COOKIE));
      if (!value || typeof value.s !== 'string') return undefined;
      return { subject: value.s, authTime: value.t, ...(value.c ? { claims: value.c } : {}), ...(value.n ? { name: value.n } : {}) };
    };
    const remembered = (): Record<string, string[]> => signer.open<Record<string, string[]>>('consent', readCookie(request.headers, CONSENT_COOKIE)) ?? {};
    const consentKey = (user: AuthorizeUser, client: Client): string => sha256(`${user.subject}\0${client.id}`);

    const issueCode = async (target: AuthorizationRequest, user: AuthorizeUser): Promise<TollgateResponse> => {
      const hookContext = { request, client: target.client, params: target.params };
      let extra: { claims?: Record<string, unknown> } | void;
      try {
        extra = options.beforeCode ? await options.beforeCode({ ...hookContext, user, scope: target.scope.tokens }) : undefined;
      } catch (error) {
        // After the redirect URI is trusted, a refusal from the app goes back to the client.
        if (error instanceof OAuthError) return redirect(target, { error: error.code, error_description: error.description });
        throw error;
      }
      const code = await storeAuthorizationCode(context.store, {
        clientId: target.client.id,
        redirectUri: target.redirectUri,
        redirectUriGiven: target.params.has('redirect_uri'),
        subject: user.subject,
        scope: target.scope.tokens,
        codeChallenge: target.codeChallenge,
        authTime: user.authTime ?? context.now(),
        claims: { ...user.claims, ...extra?.claims },
        nonce: target.params.get('nonce'),
        lifetime: settings.codeLifetime,
      });
      return redirect(target, { code });
    };

    const continueWith = async (target: AuthorizationRequest, user: AuthorizeUser): Promise<TollgateResponse> => {
      const granted = remembered()[consentKey(user, target.client)] ?? [];
      const covered = target.scope.tokens.every((scope) => granted.includes(scope));
      if (target.client.firstParty || (covered && !target.prompt.has('consent'))) return issueCode(target, user);
      if (target.prompt.has('none')) return redirect(target, { error: 'consent_required', error_description: 'the user has not approved this client' });
      return page(200, pages.consent({
        action: url.pathname,
        hidden: formState(target, 'consent'),
        clientName: target.client.name,
        userName: user.name ?? user.subject,
        scopes: target.scope.tokens.map((name) => ({ name, description: options.scopeDescriptions?.[context.scopes.nameOf(name)] })),
      }), target);
    };

    const signIn = (target: AuthorizationRequest, status = 200, error?: string, username?: string): TollgateResponse => {
      if (options.signInUrl !== undefined && error === undefined) {
        const location = new URL(options.signInUrl, context.issuer);
        location.searchParams.set('return_to', `${url.pathname}?${new URLSearchParams([...target.params]).toString()}`);
        return { status: redirectStatus, headers: { Location: location.href, 'Cache-Control': 'no-store' }, body: '', cookies };
      }
      return page(status, pages.signIn({ action: url.pathname, hidden: formState(target, 'sign-in'), clientName: target.client.name, ...(error ? { error } : {}), ...(username ? { username } : {}) }), target);
    };

    const currentUser = async (target: AuthorizationRequest): Promise<AuthorizeUser | undefined> => {
      if (target.prompt.has('login')) return undefined;
      const resolved = options.resolveUser ? await options.resolveUser({ request, client: target.client, params: target.params }) : undefined;
      return resolved ?? sessionUser();
    };

    try {
      // A form posted by our own sign-in or consent page.
      if (method === 'POST') {
        let text: string;
        try {
          text = readFormText(request, context.bodyLimit);
        } catch (error) {
          throw error instanceof OAuthError && error.status !== 413 ? new UntrustedRequestError(error) : error;
        }
        const { params: form, repeated } = collect(text);
        const action = form.get(ACTION);
        if (action !== undefined) {
          if (repeated.size > 0) throw untrusted('a form field is repeated');
          const saved = signer.open<{ p: [string, string][]; c: string; a: string }>('authorize-request', form.get(STATE_FIELD), context.bodyLimit);
          const csrf = readCookie(request.headers, CSRF_COOKIE);
          // CSRF: the signed form state is bound to this browser's CSRF cookie and to the form it was made for.
          if (!saved || csrf === undefined || !safeEqual(saved.c, sha256(csrf)) || saved.a !== action) throw untrusted('this form has expired or did not come from this site; start again from the application');
          const target = await validateRequest(new Map(saved.p), new Set(), context);
          if (action === 'sign-in') {
            const username = form.get('username');
            const password = form.get('password');
            const authenticateUser = options.authenticateUser ?? context.password?.authenticateUser;
            if (!authenticateUser) throw new Error('authorize: no authenticateUser hook is configured for the sign-in page');
            if (username === undefined || password === undefined) return signIn(target, 400, 'Enter your username and password.', username);
            const lockout = createLockout(context.store, options.lockout ?? context.password?.lockout);
            const subject = { username, clientId: target.client.id, params: target.params, query: new Map<string, string>() };
            const found = (await lockout.reserve(subject)) ? await authenticateUser({ username, password, client: target.client, params: target.params, query: subject.query, request }) : undefined;
            if (!found) {
              // 400, not 401: a form sign-in is no HTTP authentication scheme, and a 401 needs a challenge (RFC 9110 §15.5.2).
              return signIn(target, 400, 'The username or password is not correct.', username);
            }
            await lockout.succeeded(subject);
            const user: AuthorizeUser = { subject: found.subject, authTime: context.now(), ...(found.claims ? { claims: found.claims } : {}), name: username };
            cookies.push(serializeCookie(SESSION_COOKIE, signer.seal('session', { s: user.subject, t: user.authTime, c: user.claims, n: user.name }, settings.sessionLifetime), { secure, maxAge: settings.sessionLifetime }));
            // A new CSRF secret with the new session: forms made before sign-in stop working (no fixation).
            csrfSecret = randomBytes(32).toString('base64url');
            cookies.push(serializeCookie(CSRF_COOKIE, csrfSecret, { secure }));
            // prompt=login is now satisfied: drop it from what the consent form carries, or approval would loop.
            target.prompt.delete('login');
            if (target.prompt.size > 0) target.params.set('prompt', [...target.prompt].join(' '));
            else target.params.delete('prompt');
            return continueWith(target, user);
          }
          if (action === 'consent') {
            const user = await currentUser(target);
            if (!user) return signIn(target);
            if (form.get('decision') !== 'approve') return redirect(target, { error: 'access_denied', error_description: 'the user denied the request' });
            const consent = remembered();
            const key = consentKey(user, target.client);
            consent[key] = [...new Set([...(consent[key] ?? []), ...target.scope.tokens])];
            const kept = Object.fromEntries(Object.entries(consent).slice(-MAX_REMEMBERED));
            cookies.push(serializeCookie(CONSENT_COOKIE, signer.seal('consent', kept, settings.consentLifetime), { secure, maxAge: settings.consentLifetime }));
            return issueCode(target, user);
          }
          throw untrusted('unknown form action');
        }
        const target = await validateRequest(form, repeated, context);
        return await proceed(target).catch((error: unknown) => trustedFailure(target, error));
      }
      const { params, repeated } = collect(url.search.slice(1));
      const target = await validateRequest(params, repeated, context);
      return await proceed(target).catch((error: unknown) => trustedFailure(target, error));
    } catch (error) {
      if (error instanceof UntrustedRequestError) {
        if (wantsHtml(request)) return page(400, pages.error({ error: error.oauth.code, description: error.oauth.description ?? '' }));
        return errorResponse(error.oauth);
      }
      if (error instanceof RedirectError) return redirect(error.request, { error: error.oauth.code, error_description: error.oauth.description });
      throw error;
    }

    async function proceed(target: AuthorizationRequest): Promise<TollgateResponse> {
      const user = await currentUser(target);
      if (!user) {
        if (target.prompt.has('none')) return redirect(target, { error: 'login_required', error_description: 'the user is not signed in' });
        return signIn(target);
      }
      return continueWith(target, user);
    }

    /** RFC 6749 §4.1.2.1: once the redirect URI is trusted, even server errors go back to the client. */
    function trustedFailure(target: AuthorizationRequest, error: unknown): TollgateResponse {
      if (error instanceof StoreUnavailableError) {
        context.logger.error('authorize endpoint: store unavailable', { cause: error.message });
        return redirect(target, { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable, try again shortly' });
      }
      context.logger.error('authorize endpoint: unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      return redirect(target, { error: 'server_error', error_description: 'the server encountered an unexpected condition' });
    }
  };
}
