import { isOAuthError, OAuthError } from '../errors.js';
import { consoleLogger, type TollgateLogger } from '../events.js';
import { NO_STORE } from '../http/response.js';
import type { TollgateRequest, TollgateResponse } from '../http/types.js';
import { DEFAULT_MAX_TOKEN_LENGTH, extractBearerToken, type BearerMethod, type BearerOptions } from './bearer.js';
import { challengeResponse, missingTokenResponse, type ChallengeOptions } from './challenge.js';
import { parseScope, type TollgateAuth } from './claims.js';
import type { ProtectedResourceMetadata } from './resource-metadata.js';
import { compileScopeRule, type CompiledScopeRule, type ScopeRule } from './scopes.js';
import { createVerifier, type Verifier, type VerifierOptions } from './verifier.js';

/** Options shared by every route a protector guards. */
export interface ProtectOptions {
  /** `realm` of the `WWW-Authenticate` challenge. Default: the verifier's first audience. */
  realm?: string;
  /**
   * RFC 9728 §5.1: the protected resource metadata URL, added to every challenge as `resource_metadata`.
   * Pass the URL or the result of {@link protectedResourceMetadata}.
   */
  resourceMetadata?: string | URL | Pick<ProtectedResourceMetadata, 'url'>;
  /** Which RFC 6750 §2 methods are accepted; only the `Authorization` header by default. */
  bearer?: BearerOptions;
  /** Where unexpected failures (a throwing rule, a bug) are reported. Default `console`. */
  logger?: TollgateLogger;
}

/**
 * The outcome of authenticating a request. Only `ok: true` lets a request through; it is produced only
 * for a verified token that satisfies the rule. Every other path, including any exception, is a refusal
 * with the response to send.
 */
export type AuthenticateResult =
  | {
      ok: true;
      /** The verified claims; adapters expose them as `req.auth`. */
      auth: TollgateAuth;
      /** The granted scopes, parsed from `scope`. */
      scopes: readonly string[];
      /** How the token was sent. */
      method: BearerMethod;
      /**
       * Headers the adapter adds to the app's response as they are (RFC 6750 §2.3: `Cache-Control: private`
       * when the token came in the query). Empty for the usual header method.
       */
      headers: Readonly<Record<string, string>>;
    }
  | {
      ok: false;
      /** The RFC 6750 §3 response to send as is. */
      response: TollgateResponse;
      /** Why, for logs; `undefined` when the request had no credentials. */
      error: OAuthError | undefined;
    };

/** Authenticates requests for one verifier. */
export interface Protector {
  readonly verifier: Verifier;
  /** Authenticate one request against `rule`. Never rejects. */
  authenticate(request: TollgateRequest, rule?: ScopeRule): Promise<AuthenticateResult>;
  /**
   * Validate `rule` now (a bad rule throws `TypeError` at route definition) and return the request check.
   * The returned function never rejects. This is what an adapter's `protect(rule)` wraps:
   *
   * ```ts
   * const protect = (rule?: ScopeRule): RequestHandler => {
   *   const check = protector.guard(rule);
   *   return (req, res, next) => void check(toTollgateRequest(req)).then((result) => {
   *     if (!result.ok) return void res.status(result.response.status).set(result.response.headers).send(result.response.body);
   *     req.auth = result.auth;
   *     next();
   *   });
   * };
   * ```
   */
  guard(rule?: ScopeRule): (request: TollgateRequest) => Promise<AuthenticateResult>;
}

/** Sent when even building a refusal failed: the last line of failing closed. */
const LAST_RESORT: TollgateResponse = Object.freeze({
  status: 500,
  headers: Object.freeze({ 'Content-Type': 'application/json', ...NO_STORE }),
  body: '{"error":"server_error"}',
}) as TollgateResponse;

const PREFIX = 'createProtector: options.';
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const QUERY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'Cache-Control': 'private' });

interface Resolved {
  challenge: ChallengeOptions;
  bearer: BearerOptions;
  logger: TollgateLogger;
}

function resolveProtectOptions(options: ProtectOptions, verifier: Verifier, prefix: string): Resolved {
  if (options === null || typeof options !== 'object') throw new TypeError(`${prefix.slice(0, -1)} must be an object`);
  const realm = options.realm ?? verifier.audience[0];
  if (realm !== undefined && typeof realm !== 'string') throw new TypeError(`${prefix}realm must be a string`);
  let resourceMetadata: string | undefined;
  const metadata = options.resourceMetadata;
  if (metadata !== undefined) {
    const raw = typeof metadata === 'string' || metadata instanceof URL ? metadata : (metadata as { url?: unknown } | null)?.url;
    try {
      resourceMetadata = new URL(raw as string).href;
    } catch {
      throw new TypeError(`${prefix}resourceMetadata must be an absolute URL`);
    }
  }
  if (options.bearer !== undefined && (options.bearer === null || typeof options.bearer !== 'object')) throw new TypeError(`${prefix}bearer must be an object`);
  const bearer: BearerOptions = { ...options.bearer };
  for (const flag of ['body', 'query'] as const) {
    if (bearer[flag] !== undefined && typeof bearer[flag] !== 'boolean') throw new TypeError(`${prefix}bearer.${flag} must be a boolean`);
  }
  for (const limit of ['maxTokenLength', 'bodyLimit'] as const) {
    const value = bearer[limit];
    if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)) throw new TypeError(`${prefix}bearer.${limit} must be a positive integer`);
  }
  bearer.maxTokenLength = Math.min(bearer.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH, DEFAULT_MAX_TOKEN_LENGTH);
  const logger = options.logger ?? consoleLogger;
  if (typeof logger !== 'object' || logger === null || typeof logger.error !== 'function') throw new TypeError(`${prefix}logger must have error() and warn()`);
  return { challenge: { realm, resourceMetadata }, bearer, logger };
}

function isVerifier(value: unknown): value is Verifier {
  return typeof value === 'object' && value !== null && typeof (value as { verify?: unknown }).verify === 'function' && Array.isArray((value as { audience?: unknown }).audience);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

async function run(request: TollgateRequest, verifier: Verifier, rule: CompiledScopeRule, config: Resolved): Promise<AuthenticateResult> {
  const extracted = extractBearerToken(request, config.bearer);
  if (extracted.status === 'none') return { ok: false, response: missingTokenResponse(config.challenge), error: undefined };
  if (extracted.status === 'malformed') {
    const error = new OAuthError('invalid_request', extracted.description, { status: extracted.httpStatus });
    return { ok: false, response: challengeResponse(error, config.challenge), error };
  }
  let auth: TollgateAuth;
  try {
    auth = (await verifier.verify(extracted.token)) as TollgateAuth;
  } catch (error) {
    const failure = isOAuthError(error) ? error : new OAuthError('server_error', 'the server encountered an unexpected condition', { cause: error });
    if (!isOAuthError(error)) config.logger.error('protect: verifier threw a non-OAuth error', { error: describe(error) });
    return { ok: false, response: challengeResponse(failure, config.challenge), error: failure };
  }
  if (auth === null || typeof auth !== 'object') throw new TypeError('verifier resolved without claims');
  const scopes = parseScope(typeof auth.scope === 'string' ? auth.scope : undefined);
  const checked = rule.check(auth, scopes);
  const verdict = checked instanceof Promise ? await checked : checked;
  if (!verdict.ok) return { ok: false, response: challengeResponse(verdict.error, { ...config.challenge, scope: verdict.scope }), error: verdict.error };
  // RFC 6750 §2.3: responses to URI-query-authenticated requests must not be stored by shared caches.
  const headers = extracted.method === 'query' ? QUERY_HEADERS : NO_HEADERS;
  return { ok: true, auth, scopes, method: extracted.method, headers };
}

/** Authenticate, turning every exception into a 500 refusal: fail closed. */
async function safely(request: TollgateRequest, verifier: Verifier, rule: () => CompiledScopeRule, config: Resolved): Promise<AuthenticateResult> {
  try {
    return await run(request, verifier, rule(), config);
  } catch (thrown) {
    try {
      config.logger.error('protect: unexpected error', { error: describe(thrown) });
      const error = new OAuthError('server_error', 'the server encountered an unexpected condition', { cause: thrown });
      return { ok: false, response: challengeResponse(error, config.challenge), error };
    } catch {
      return { ok: false, response: { ...LAST_RESORT, headers: { ...LAST_RESORT.headers } }, error: undefined };
    }
  }
}

/**
 * Create a protector: the framework-free core of every adapter's `protect`. Pass a {@link Verifier} or the
 * options to create one (for an in-process server: `{ server, audience }`). Throws `TypeError` on bad options.
 */
export function createProtector(source: Verifier | VerifierOptions, options: ProtectOptions = {}): Protector {
  const verifier = isVerifier(source) ? source : createVerifier(source);
  const config = resolveProtectOptions(options, verifier, PREFIX);
  const compiled = new WeakMap<ScopeRule, CompiledScopeRule>();
  const any = compileScopeRule({});
  const compile = (rule: ScopeRule | undefined, where: string): CompiledScopeRule => {
    if (rule === undefined) return any;
    let found = compiled.get(rule);
    if (found === undefined) {
      found = compileScopeRule(rule, where);
      compiled.set(rule, found);
    }
    return found;
  };
  return {
    verifier,
    authenticate: (request, rule) => safely(request, verifier, () => compile(rule, 'authenticate: rule'), config),
    guard(rule) {
      const checker = compile(rule, 'guard: rule');
      return (request) => safely(request, verifier, () => checker, config);
    },
  };
}

/**
 * Authenticate one request with a verifier and a rule, without a protector (options are validated on each
 * call; prefer {@link createProtector} for many requests). Never rejects: only a verified token that
 * satisfies `rule` gives `ok: true`.
 */
export async function authenticate(request: TollgateRequest, verifier: Verifier, rule?: ScopeRule, options: ProtectOptions = {}): Promise<AuthenticateResult> {
  let config: Resolved;
  try {
    config = resolveProtectOptions(options, verifier, 'authenticate: options.');
  } catch (error) {
    config = { challenge: {}, bearer: {}, logger: options?.logger ?? consoleLogger };
    return safely(request, verifier, () => {
      throw error;
    }, config);
  }
  return safely(request, verifier, () => compileScopeRule(rule, 'authenticate: rule'), config);
}
