import type { JsonWebKey } from 'node:crypto';
import { jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { isOAuthError, OAuthError, StoreUnavailableError } from '../errors.js';
import { consoleLogger, type TollgateLogger } from '../events.js';
import type { AccessTokenRecord, Store } from '../store/types.js';
import { importKey, SIGNING_ALGORITHMS, type Jwks, type KeyEntry, type KeyInput, type KeySet, type SigningAlgorithm } from '../tokens/keys.js';
import { sha256 } from '../tokens/random.js';
import { isCanonicalBase64url } from '../tokens/base64url.js';
import type { AccessTokenClaims } from './claims.js';
import { DEFAULT_MAX_TOKEN_LENGTH } from './bearer.js';
import { createRemoteJwks, type RemoteJwks } from './remote-jwks.js';
import { createTokenCache, DEFAULT_CACHE_ENTRIES } from './token-cache.js';

/**
 * The parts of an in-process authorization server the verifier uses (an `AuthServer` fits): its keys
 * (no HTTP), its issuer, and its store for opaque access tokens and the revocation list.
 */
export interface VerifierServer {
  readonly issuer: string;
  readonly keys: KeySet;
  readonly store: Pick<Store, 'findAccessToken' | 'isAccessTokenRevoked'>;
  /** Default for the verifier's `audience`. */
  readonly audience?: string | readonly string[] | undefined;
}

/** Where the revocation list lives. */
export type RevocationStore = Pick<Store, 'isAccessTokenRevoked'>;

/** A JWKS document of public keys, as published by an issuer. */
export interface JwksInput {
  readonly keys: readonly JsonWebKey[];
}

/** Freeze a JSON value and everything in it (claims from a verified payload: plain objects and arrays). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Options of {@link createVerifier}. Validated once; the object is never modified. */
export interface VerifierOptions {
  /** Expected `iss`, compared exactly. Required unless `server` is given (then defaults to `server.issuer`). */
  issuer?: string;
  /** Accepted audiences: a token's `aud` must contain one (RFC 9068 §4). Required unless `server.audience` is set. */
  audience?: string | readonly string[];
  /** Verification keys: key inputs, a key set (followed through its rotations) or a JWKS. One key source only. */
  keys?: readonly KeyInput[] | KeySet | Jwks | JwksInput;
  /** The issuer's JWKS URL (https, or http on loopback), fetched and cached. One key source only. */
  jwksUri?: string | URL;
  /** An in-process authorization server: its keys, issuer and store (opaque tokens, revocation). One key source only. */
  server?: VerifierServer;
  /** Allowed JWS algorithms; never taken from a token. Default: EdDSA, ES256 and RS256 that the keys use. */
  algorithms?: readonly SigningAlgorithm[];
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default 5, at most 300. */
  clockTolerance?: number;
  /**
   * Refuse JWTs whose `jti` is on the revocation list. `true` uses `server.store`. Opaque tokens are
   * always checked. Applied on cache hits too.
   */
  checkRevocation?: boolean | { store: RevocationStore };
  /** Least time between two JWKS fetches caused by unknown `kid`s, in ms. Default 30 000. */
  jwksCooldownMs?: number;
  /** JWKS fetch timeout, in ms. Default 5 000. */
  jwksTimeoutMs?: number;
  /** Refetch a cached JWKS older than this, in ms (a failed refetch keeps the old keys). Default 600 000. */
  jwksMaxAgeMs?: number;
  /** `fetch` used for the JWKS (tests, proxies). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Cache of verified tokens; `false` or `maxEntries: 0` disables it. Default 10 000 entries. */
  cache?: { maxEntries?: number } | false;
  /** Where JWKS fetch failures and store errors are reported. Default `console`. */
  logger?: TollgateLogger;
}

/** Verifies access tokens. */
export interface Verifier {
  /**
   * Verify an access token: signature first, then claims (RFC 9068 §4). Resolves with its claims or rejects
   * with an {@link OAuthError}: `invalid_token` (401) for any bad token, `temporarily_unavailable` (503)
   * when keys or store cannot be reached, `server_error` (500) otherwise. Never resolves for a bad token.
   */
  verify(token: string): Promise<AccessTokenClaims>;
  /** The expected issuer. */
  readonly issuer: string;
  /** The accepted audiences. */
  readonly audience: readonly string[];
  /** The allowed algorithms. */
  readonly algorithms: readonly SigningAlgorithm[];
  /** Drop every cached verification. */
  clearCache(): void;
  /** Stop following the key set's changes (for verifiers that do not live as long as the process). */
  close(): void;
}

const PREFIX = 'createVerifier: options.';
const DEFAULT_TOLERANCE = 5;
const MAX_TOLERANCE = 300;
const JWKS_MAX_BYTES = 512 * 1024;
const JWKS_MAX_KEYS = 100;
/** RFC 7515 §4.1: headers that would let a token pick its own key; Tollgate only looks keys up. */
const REFUSED_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'crit'] as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const seconds = (): number => Math.floor(Date.now() / 1000);

type KeyLookup = (kid: string | undefined, alg: SigningAlgorithm) => Promise<KeyEntry | undefined> | KeyEntry | undefined;

interface KeySource {
  lookup: KeyLookup;
  /** Algorithms of a fixed key list; `undefined` when the set can change. */
  fixedAlgorithms: readonly SigningAlgorithm[] | undefined;
  /** For a remote set: refetch it when too old, so a removed key also stops cached tokens. */
  refreshIfStale?: () => Promise<void> | undefined;
  subscribe(listener: () => void): () => void;
}

function invalid(detail: string, description = 'the access token is invalid', cause?: unknown): OAuthError {
  return new OAuthError('invalid_token', description, { detail, cause });
}

function storeFailure(error: unknown, logger: TollgateLogger): OAuthError {
  if (isOAuthError(error)) return error;
  if (error instanceof StoreUnavailableError || (error instanceof Error && error.name === 'StoreUnavailableError')) {
    logger.error('verifier: store unavailable', { cause: error.message });
    return new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, try again shortly', { headers: { 'Retry-After': '1' }, cause: error });
  }
  logger.error('verifier: store error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return new OAuthError('server_error', 'the server encountered an unexpected condition', { cause: error });
}

function isKeySet(value: unknown): value is KeySet {
  const candidate = value as Partial<Record<keyof KeySet, unknown>> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.get === 'function' && typeof candidate.all === 'function' && typeof candidate.onChange === 'function';
}

/** Select by kid and alg in a fixed list; without a kid, only an unambiguous key matches. */
function pick(entries: readonly KeyEntry[], kid: string | undefined, alg: SigningAlgorithm): KeyEntry | undefined {
  const matches = entries.filter((entry) => entry.alg === alg && (kid === undefined || entry.kid === kid));
  return matches.length === 1 ? matches[0] : undefined;
}

function fixedSource(entries: readonly KeyEntry[]): KeySource {
  return { lookup: (kid, alg) => pick(entries, kid, alg), fixedAlgorithms: [...new Set(entries.map((entry) => entry.alg))], subscribe: () => () => undefined };
}

function keySetSource(keys: KeySet): KeySource {
  return {
    lookup(kid, alg) {
      if (kid === undefined) return pick(keys.all(), undefined, alg);
      // A Map lookup: a kid like "../../etc/passwd" simply matches nothing.
      const entry = keys.get(kid);
      return entry !== undefined && entry.alg === alg ? entry : undefined;
    },
    fixedAlgorithms: undefined,
    subscribe: (listener) => {
      const unsubscribe = keys.onChange(listener);
      return () => {
        unsubscribe();
      };
    },
  };
}

function importJwks(document: Jwks | JwksInput, where: string): KeyEntry[] {
  if (!Array.isArray(document.keys) || document.keys.length === 0) throw new TypeError(`${where}.keys must be a non-empty array of public JWKs`);
  const entries = (document.keys as unknown as readonly JsonWebKey[]).map((jwk, index) => {
    const at = `${where}.keys[${index}]`;
    if (jwk === null || typeof jwk !== 'object') throw new TypeError(`${at} must be a JWK`);
    if (typeof jwk.d === 'string') throw new TypeError(`${at} is a private key; pass public keys only`);
    if (jwk.use !== undefined && jwk.use !== 'sig') throw new TypeError(`${at}.use must be "sig"`);
    const alg = jwk.alg as unknown;
    if (alg !== undefined && !(SIGNING_ALGORITHMS as readonly unknown[]).includes(alg)) throw new TypeError(`${at}.alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
    const input: KeyInput = { key: jwk };
    if (alg !== undefined) input.alg = alg as SigningAlgorithm;
    if (typeof jwk.kid === 'string') input.kid = jwk.kid;
    return importKey(input, at);
  });
  return entries;
}

function checkUnique(entries: readonly KeyEntry[], where: string): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = `${entry.kid}\u0000${entry.alg}`;
    if (seen.has(id)) throw new TypeError(`${where}: kid "${entry.kid}" appears twice`);
    seen.add(id);
  }
}

function jwksUrl(value: unknown): URL {
  let url: URL;
  try {
    url = value instanceof URL ? new URL(value.href) : new URL(String(value));
  } catch {
    throw new TypeError(`${PREFIX}jwksUri must be an absolute URL`);
  }
  if (typeof value !== 'string' && !(value instanceof URL)) throw new TypeError(`${PREFIX}jwksUri must be a string or URL`);
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(url.hostname);
  // Keys fetched over plain HTTP could be swapped by anyone on the path.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new TypeError(`${PREFIX}jwksUri must be an https URL (http only on localhost)`);
  if (url.username !== '' || url.password !== '') throw new TypeError(`${PREFIX}jwksUri must not carry credentials`);
  return url;
}

function milliseconds(value: unknown, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new TypeError(`${PREFIX}${name} must be a number of milliseconds ≥ ${min}`);
  return value;
}

function audienceList(value: unknown, name: string): string[] {
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? [...(value as unknown[])] : undefined;
  if (list === undefined || list.length === 0 || list.some((item) => typeof item !== 'string' || item.length === 0)) {
    throw new TypeError(`${PREFIX}${name} must be a non-empty string or a non-empty array of non-empty strings`);
  }
  return list as string[];
}

interface Resolved {
  issuer: string;
  audience: readonly string[];
  algorithms: readonly SigningAlgorithm[];
  tolerance: number;
  source: KeySource;
  opaqueStore: VerifierServer['store'] | undefined;
  revocation: RevocationStore | undefined;
  cacheEntries: number;
  logger: TollgateLogger;
}

function resolveOptions(options: VerifierOptions): Resolved {
  if (options === null || typeof options !== 'object') throw new TypeError('createVerifier: options must be an object');
  const { server } = options;
  if (server !== undefined) {
    if (server === null || typeof server !== 'object') throw new TypeError(`${PREFIX}server must be an authorization server`);
    if (typeof server.issuer !== 'string' || server.issuer.length === 0) throw new TypeError(`${PREFIX}server.issuer must be a non-empty string`);
    if (!isKeySet(server.keys)) throw new TypeError(`${PREFIX}server.keys must be a key set`);
    const store = server.store as Partial<Record<string, unknown>> | null;
    if (typeof store !== 'object' || store === null || typeof store.findAccessToken !== 'function' || typeof store.isAccessTokenRevoked !== 'function') {
      throw new TypeError(`${PREFIX}server.store must be a Store`);
    }
  }
  const logger = options.logger ?? consoleLogger;
  if (typeof logger !== 'object' || logger === null || typeof logger.error !== 'function' || typeof logger.warn !== 'function') throw new TypeError(`${PREFIX}logger must have error() and warn()`);

  const issuer = options.issuer ?? server?.issuer;
  if (typeof issuer !== 'string' || issuer.length === 0) throw new TypeError(`${PREFIX}issuer must be a non-empty string (the expected "iss")`);
  const audienceValue = options.audience ?? server?.audience;
  if (audienceValue === undefined) throw new TypeError(`${PREFIX}audience is required (RFC 9068 §4: the "aud" claim must be checked)`);
  const audience = audienceList(audienceValue, 'audience');

  const tolerance = options.clockTolerance ?? DEFAULT_TOLERANCE;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_TOLERANCE) {
    throw new TypeError(`${PREFIX}clockTolerance must be a number of seconds between 0 and ${MAX_TOLERANCE}`);
  }

  let allowed: readonly SigningAlgorithm[] = SIGNING_ALGORITHMS;
  if (options.algorithms !== undefined) {
    const list = options.algorithms as unknown;
    if (!Array.isArray(list) || list.length === 0 || list.some((alg) => !(SIGNING_ALGORITHMS as readonly unknown[]).includes(alg))) {
      throw new TypeError(`${PREFIX}algorithms must be a non-empty array of ${SIGNING_ALGORITHMS.join(', ')}`);
    }
    allowed = [...new Set(list as SigningAlgorithm[])];
  }

  const sources = [options.keys !== undefined, options.jwksUri !== undefined, server !== undefined].filter(Boolean).length;
  if (sources === 0) throw new TypeError(`${PREFIX}keys, options.jwksUri or options.server is required`);
  if (sources > 1) throw new TypeError(`${PREFIX}keys, options.jwksUri and options.server are exclusive: pass one key source`);

  const cooldownMs = milliseconds(options.jwksCooldownMs, 'jwksCooldownMs', 30_000);
  const timeoutMs = milliseconds(options.jwksTimeoutMs, 'jwksTimeoutMs', 5_000, 1);
  const maxAgeMs = milliseconds(options.jwksMaxAgeMs, 'jwksMaxAgeMs', 600_000, 1);
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') throw new TypeError(`${PREFIX}fetch must be a function`);

  let source: KeySource;
  const { keys } = options;
  if (server !== undefined) {
    source = keySetSource(server.keys);
  } else if (options.jwksUri !== undefined) {
    const url = jwksUrl(options.jwksUri);
    let listener: (() => void) | undefined;
    const remote: RemoteJwks = createRemoteJwks({
      url,
      fetch: fetchFn,
      timeoutMs,
      cooldownMs,
      maxAgeMs,
      maxBytes: JWKS_MAX_BYTES,
      maxKeys: JWKS_MAX_KEYS,
      onChange: () => listener?.(),
      onError: (error) => logger.warn('verifier: JWKS fetch failed', { url: url.href, error: error instanceof Error ? error.message : String(error) }),
    });
    source = {
      lookup: (kid, alg) => remote.resolve(kid, alg),
      refreshIfStale: () => remote.refreshIfStale(),
      fixedAlgorithms: undefined,
      subscribe: (next) => {
        listener = next;
        return () => {
          listener = undefined;
        };
      },
    };
  } else if (Array.isArray(keys)) {
    if (keys.length === 0) throw new TypeError(`${PREFIX}keys must not be empty`);
    const entries = (keys as readonly KeyInput[]).map((input, index) => importKey(input, `${PREFIX}keys[${index}]`));
    checkUnique(entries, `${PREFIX}keys`);
    source = fixedSource(entries);
  } else if (isKeySet(keys)) {
    source = keySetSource(keys);
  } else if (typeof keys === 'object' && keys !== null && 'keys' in keys) {
    const entries = importJwks(keys as Jwks | JwksInput, `${PREFIX}keys`);
    checkUnique(entries, `${PREFIX}keys`);
    source = fixedSource(entries);
  } else {
    throw new TypeError(`${PREFIX}keys must be an array of keys, a key set or a JWKS`);
  }

  // Default allow-list: the supported algorithms the configured keys actually use.
  const algorithms = source.fixedAlgorithms === undefined ? allowed : allowed.filter((alg) => source.fixedAlgorithms?.includes(alg));
  if (algorithms.length === 0) throw new TypeError(`${PREFIX}algorithms: none of the configured keys uses an allowed algorithm`);

  let revocation: RevocationStore | undefined;
  const { checkRevocation } = options;
  if (checkRevocation === true) {
    if (server === undefined) throw new TypeError(`${PREFIX}checkRevocation: true needs options.server; otherwise pass { store }`);
    revocation = server.store;
  } else if (typeof checkRevocation === 'object' && checkRevocation !== null) {
    if (typeof checkRevocation.store?.isAccessTokenRevoked !== 'function') throw new TypeError(`${PREFIX}checkRevocation.store must be a Store`);
    revocation = checkRevocation.store;
  } else if (checkRevocation !== undefined && checkRevocation !== false) {
    throw new TypeError(`${PREFIX}checkRevocation must be a boolean or { store }`);
  }

  let cacheEntries = DEFAULT_CACHE_ENTRIES;
  if (options.cache === false) cacheEntries = 0;
  else if (options.cache !== undefined) {
    const max = (options.cache as { maxEntries?: unknown } | null)?.maxEntries ?? DEFAULT_CACHE_ENTRIES;
    if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0) throw new TypeError(`${PREFIX}cache.maxEntries must be an integer ≥ 0`);
    cacheEntries = max;
  }

  return {
    issuer,
    audience: Object.freeze(audience),
    algorithms: Object.freeze([...algorithms]),
    tolerance,
    source,
    opaqueStore: server?.store,
    revocation,
    cacheEntries,
    logger,
  };
}

/** Decode a JWS protected header without trusting it; `undefined` for anything that is not a JSON object. */
function decodeHeader(segment: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(segment)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 9068 §4: `typ` must be `at+jwt` or `application/at+jwt` (media types compare case-insensitively). */
function isAccessTokenType(typ: unknown): boolean {
  return typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === 'at+jwt';
}

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Claim checks beyond jose's, after the signature (RFC 9068 §2.2, §4). */
function checkClaims(payload: JWTPayload, now: number, tolerance: number): AccessTokenClaims {
  const { sub, aud, exp, iat, jti, nbf, scope, auth_time: authTime, client_id: clientId } = payload as Record<string, unknown>;
  if (!isNonEmptyString(sub)) throw invalid('sub missing or not a string');
  if (!isNonEmptyString(clientId)) throw invalid('client_id missing or not a string');
  if (!isNonEmptyString(jti)) throw invalid('jti missing or not a string');
  if (!(typeof aud === 'string' || (Array.isArray(aud) && aud.length > 0 && aud.every((item) => typeof item === 'string')))) throw invalid('aud is not a string or array of strings');
  if (!isTime(exp)) throw invalid('exp missing or not a finite number');
  if (!isTime(iat)) throw invalid('iat missing or not a finite number');
  if (iat > now + tolerance) throw invalid('iat is in the future');
  if (nbf !== undefined && !isTime(nbf)) throw invalid('nbf is not a finite number');
  if (scope !== undefined && typeof scope !== 'string') throw invalid('scope is not a string');
  if (authTime !== undefined && !isTime(authTime)) throw invalid('auth_time is not a finite number');
  return payload as AccessTokenClaims;
}

/** Build the claims of an opaque token from its store record; registered claims win over app claims. */
function opaqueClaims(record: AccessTokenRecord, issuer: string): AccessTokenClaims {
  const claims: AccessTokenClaims = {
    ...record.claims,
    iss: issuer,
    sub: record.subject,
    aud: record.audience.length === 1 ? (record.audience[0] as string) : [...record.audience],
    client_id: record.clientId,
    iat: record.issuedAt,
    exp: record.expiresAt,
    jti: record.jti,
  };
  if (record.scope.length > 0) claims.scope = record.scope;
  else delete claims.scope;
  if (record.authTime !== undefined) claims.auth_time = record.authTime;
  else delete claims.auth_time;
  return claims;
}

/**
 * Create an access-token verifier for JWTs in the RFC 9068 profile, and, with `server`, the opaque tokens
 * of an in-process authorization server. Throws `TypeError` naming the bad option.
 *
 * ```ts
 * const verifier = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://api.example.com', jwksUri: 'https://auth.example.com/.well-known/jwks.json' });
 * const claims = await verifier.verify(token);
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const config = resolveOptions(options);
  const { issuer, audience, algorithms, tolerance, source, opaqueStore, revocation, logger } = config;
  const cache = createTokenCache<AccessTokenClaims>(config.cacheEntries);
  // Keys changed (rotation, removal, a new remote set): nothing verified before may be trusted from cache.
  const unsubscribe = source.subscribe(() => cache.clear());
  const maxLength = DEFAULT_MAX_TOKEN_LENGTH;

  const ensureNotRevoked = async (store: RevocationStore | undefined, jti: string): Promise<void> => {
    if (store === undefined) return;
    let revoked: boolean;
    try {
      revoked = await store.isAccessTokenRevoked(jti);
    } catch (error) {
      throw storeFailure(error, logger);
    }
    // Fail closed: only an explicit `false` means "not revoked".
    if (revoked !== false) throw invalid('jti is revoked');
  };

  const resolveKey = async (header: JWTHeaderParameters): Promise<KeyEntry['publicKey']> => {
    const alg = header.alg as SigningAlgorithm;
    const entry = await source.lookup(header.kid, alg);
    if (entry === undefined) throw invalid('no configured key matches kid and alg');
    return entry.publicKey;
  };

  const verifyOpaque = async (token: string): Promise<AccessTokenClaims> => {
    if (opaqueStore === undefined) throw invalid('not a JWT and no store for opaque tokens');
    let record: AccessTokenRecord | undefined;
    try {
      record = await opaqueStore.findAccessToken(sha256(token));
    } catch (error) {
      throw storeFailure(error, logger);
    }
    if (record === undefined || record === null) throw invalid('unknown opaque token');
    if (!(record.expiresAt > seconds())) throw invalid('opaque token expired', 'the access token expired');
    if (!record.audience.some((aud) => audience.includes(aud))) throw invalid('opaque token audience mismatch');
    await ensureNotRevoked(opaqueStore, record.jti);
    return opaqueClaims(record, issuer);
  };

  const verifyJwt = async (token: string, parts: readonly string[]): Promise<AccessTokenClaims> => {
    // One token, one spelling: a re-spelled signature must not pass as (or be cached as) another token.
    if (!parts.every(isCanonicalBase64url)) throw invalid('JWS segments are not canonical base64url');
    const hash = sha256(token);
    const stale = source.refreshIfStale?.();
    if (stale !== undefined) await stale;
    const generation = cache.generation;
    const cached = cache.get(hash, seconds());
    if (cached !== undefined) {
      // The hot path: no promise at all unless a revocation list has to be asked.
      if (revocation !== undefined) await ensureNotRevoked(revocation, cached.jti);
      // Cached claims are deep-frozen; a shallow copy lets callers add to theirs without touching the cache.
      return { ...cached };
    }

    // Header checks that need no key: never let the token choose the algorithm or the key.
    const header = decodeHeader(parts[0] as string);
    if (header === undefined) throw invalid('malformed JWS header');
    if (typeof header.alg !== 'string' || !(algorithms as readonly string[]).includes(header.alg)) throw invalid('alg not allowed');
    for (const name of REFUSED_HEADERS) if (Object.hasOwn(header, name)) throw invalid(`refused header ${name}`);
    if (!isAccessTokenType(header.typ)) throw invalid('typ is not at+jwt');
    if (header.kid !== undefined && typeof header.kid !== 'string') throw invalid('kid is not a string');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, resolveKey, {
        algorithms: [...algorithms],
        typ: 'at+jwt',
        issuer,
        audience: [...audience],
        clockTolerance: tolerance,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
      }));
    } catch (error) {
      if (isOAuthError(error)) throw error;
      // Match jose errors by `code` (RFC 9068 §4 failures); anything else (a key of the wrong type…) is a refusal too.
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'ERR_JWT_EXPIRED') throw invalid(code, 'the access token expired', error);
      throw invalid(typeof code === 'string' ? code : 'verification failed', undefined, error);
    }
    const claims = deepFreeze(checkClaims(payload, seconds(), tolerance));
    await ensureNotRevoked(revocation, claims.jti);
    cache.set(hash, claims, claims.exp, generation);
    return { ...claims };
  };

  return {
    issuer,
    audience,
    algorithms,
    async verify(token) {
      try {
        if (typeof token !== 'string' || token.length === 0) throw invalid('empty token');
        if (token.length > maxLength) throw invalid('token too long');
        const parts = token.split('.');
        if (parts.length === 3) return await verifyJwt(token, parts);
        if (parts.length === 1) return await verifyOpaque(token);
        throw invalid('not a JWS compact serialization');
      } catch (error) {
        if (isOAuthError(error)) throw error;
        logger.error('verifier: unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        throw new OAuthError('server_error', 'the server encountered an unexpected condition', { cause: error });
      }
    },
    clearCache: () => cache.clear(),
    close: unsubscribe,
  };
}
