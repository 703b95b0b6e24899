/**
 * Shared fixtures, generators and oracles of the property-based fuzz suites (core and every adapter).
 *
 * Replaying and tuning: every property reads these environment variables.
 *   FUZZ_SEED=<int>   fix the seed of every property. A failure prints `seed` and `path`: pass both to replay it.
 *   FUZZ_PATH=<path>  with FUZZ_SEED, replay exactly one shrunk counterexample (select the property with `-t`).
 *   FUZZ_RUNS=<int>   override numRuns of every property (a long soak: FUZZ_RUNS=20000).
 *   FUZZ_VERBOSE=1    print every shrinking step of a failure.
 *
 *   FUZZ_SEED=-123 FUZZ_PATH="41:2:0" pnpm exec vitest run test/fuzz -t "token endpoint"
 *   FUZZ_RUNS=10000 pnpm exec vitest run test/fuzz --testTimeout=1200000
 *
 * Without FUZZ_SEED each run draws a fresh seed (more coverage over time). A property that guards a known
 * issue pins its seed (`fuzzParameters(n, { seed })`) so that its failure reproduces; once fixed, the
 * broad properties check that case too (no exceptions remain).
 *
 * The request model is plain data (so fast-check prints counterexamples readably): a recipe names a valid
 * base request and lists mutations; {@link buildRequest} renders it with the live secrets of the run. The
 * oracles ({@link tokenVerdict}, {@link checkAnswer}, {@link judgeGuardAnswer}) judge the answer from what
 * the server actually saw (the effective request), so the adapter suites reuse them behind real HTTP
 * (wire.ts: raw sockets, Node's view of headers) or Fetch `Request` objects.
 */
import { randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
// Relative imports (not '@tollgate/core'): the adapter packages import this file by path, and resolve the same module.
import { createAuthServer, generateKey, importKey, s256Challenge, type AuthServer, type TollgateRequest, type TollgateResponse } from '../../src/index.js';

// ---------------------------------------------------------------------------------------------------------
// Run parameters
// ---------------------------------------------------------------------------------------------------------

/** fast-check parameters: `runs` by default, overridable through FUZZ_RUNS / FUZZ_SEED / FUZZ_PATH / FUZZ_VERBOSE. */
export function fuzzParameters<T>(runs: number, fixed?: { seed: number; path?: string }): fc.Parameters<T> {
  const env = process.env;
  const numRuns = env.FUZZ_RUNS !== undefined && env.FUZZ_RUNS !== '' ? Number(env.FUZZ_RUNS) : runs;
  const seed = env.FUZZ_SEED !== undefined && env.FUZZ_SEED !== '' ? Number(env.FUZZ_SEED) : fixed?.seed;
  const path = env.FUZZ_SEED !== undefined && env.FUZZ_SEED !== '' ? env.FUZZ_PATH : fixed?.path;
  const parameters: fc.Parameters<T> = { numRuns, verbose: env.FUZZ_VERBOSE ? 2 : 1 };
  if (seed !== undefined && Number.isFinite(seed)) parameters.seed = seed;
  if (path !== undefined && path !== '' && parameters.seed !== undefined) parameters.path = path;
  return parameters;
}

/** Replaying one counterexample (FUZZ_PATH): the run-wide sanity checks (share of served requests) do not apply. */
export const replaying = (): boolean => (process.env.FUZZ_PATH ?? '') !== '';

/** Settle within `ms` or fail as a hang (RFC-agnostic: a server must answer, whatever it is sent). */
export async function within<T>(promise: Promise<T>, ms = 2000, what = 'call'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms (hang)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Fixture: one server shape for every suite
// ---------------------------------------------------------------------------------------------------------

export const ISSUER = 'https://auth.fuzz.example';
export const CLIENT_ID = 'fuzz-client';
/** Long and random-looking, so finding it in a response is never a coincidence. */
export const CLIENT_SECRET = 'cs-7fQ2nVx9LwK4pZr8TbY3uHd6JmA1sEe5';
export const PUBLIC_ID = 'fuzz-public';
export const NATIVE_ID = 'fuzz-native';
export const FIRST_PARTY_ID = 'fuzz-first';
export const USERNAME = 'alice';
export const PASSWORD = 'pw-Vq3Rk8Xz1Nc5Hy7Lb2Ts9Wd4Gf6Jp0Mu';
export const USER_SUBJECT = 'user-alice';
export const COOKIE_SECRET = 'cookie-secret-Zx8Vb2Nm4Qw6Er1Ty3Ui5Op7As9Df0Gh';
export const REDIRECT_URI = 'https://app.fuzz.example/callback';
export const SECOND_REDIRECT_URI = 'https://app.fuzz.example/second';
export const NATIVE_REDIRECT_URI = 'http://127.0.0.1/cb';
export const SCOPE = 'a';
export const BODY_LIMIT = 64 * 1024;

export const PATHS = {
  token: '/oauth/token',
  authorize: '/oauth/authorize',
  userinfo: '/oauth/userinfo',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  metadata: '/.well-known/oauth-authorization-server',
  openid: '/.well-known/openid-configuration',
  jwks: '/.well-known/jwks.json',
} as const;

/** Registered redirect URIs per client: the only places a redirect may ever point to. */
export const REGISTERED: Readonly<Record<string, readonly string[]>> = {
  [CLIENT_ID]: [REDIRECT_URI],
  [PUBLIC_ID]: [REDIRECT_URI, SECOND_REDIRECT_URI],
  [NATIVE_ID]: [NATIVE_REDIRECT_URI],
  [FIRST_PARTY_ID]: [REDIRECT_URI],
};

/** A logger that keeps errors, so a swallowed exception (turned into a redirect or a refusal) still fails a property. */
export interface RecordingLogger {
  errors: string[];
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export function recordingLogger(): RecordingLogger {
  const errors: string[] = [];
  return {
    errors,
    warn: () => undefined,
    error: (message, details) => void errors.push(`${message} ${JSON.stringify(details ?? {})}`.slice(0, 2000)),
  };
}

/** The server every fuzz suite attacks: every endpoint on, every grant, public/native/first-party clients. */
export function createFuzzServer(logger: RecordingLogger = recordingLogger()): AuthServer {
  const authenticateUser = async ({ username, password }: { username: string; password: string }) =>
    username === USERNAME && password === PASSWORD ? { subject: USER_SUBJECT, claims: { email: 'alice@fuzz.example' } } : undefined;
  return createAuthServer({
    issuer: ISSUER,
    logger,
    clients: [
      { id: CLIENT_ID, secret: CLIENT_SECRET, name: 'Fuzz', grantTypes: ['client_credentials', 'password', 'refresh_token', 'authorization_code'], scopes: ['a', 'b'], redirectUris: [REDIRECT_URI] },
      { id: PUBLIC_ID, name: 'Fuzz Public', grantTypes: ['authorization_code', 'refresh_token'], scopes: ['a', 'b'], redirectUris: [REDIRECT_URI, SECOND_REDIRECT_URI] },
      { id: NATIVE_ID, name: 'Fuzz Native', native: true, grantTypes: ['authorization_code'], scopes: ['a'], redirectUris: [NATIVE_REDIRECT_URI] },
      { id: FIRST_PARTY_ID, name: 'Fuzz First', firstParty: true, grantTypes: ['authorization_code', 'refresh_token'], scopes: ['a', 'b'], redirectUris: [REDIRECT_URI] },
    ],
    // Lock-out off: a fuzzed wrong password must not lock the user the valid base requests sign in as.
    password: { authenticateUser, lockout: false },
    userinfo: ({ subject }) => (subject === USER_SUBJECT ? { sub: subject, name: 'Alice' } : undefined),
    authorize: { cookieSecrets: [COOKIE_SECRET], lockout: false },
  });
}

/** Anything that answers Tollgate requests: the core server, or an adapter behind a transport. */
export type Send = (request: TollgateRequest) => Promise<TollgateResponse>;

/** `Authorization: Basic` for the confidential client. */
export const VALID_BASIC = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
export const FORM = 'application/x-www-form-urlencoded';

/** A valid client_credentials request: after every property the server must still answer it with a token. */
export function clientCredentialsRequest(scope = SCOPE): TollgateRequest {
  return { method: 'POST', url: PATHS.token, headers: { authorization: VALID_BASIC, 'content-type': FORM }, body: `grant_type=client_credentials&scope=${scope}` };
}

async function tokenFrom(send: Send, body: string, headers: Record<string, string> = { authorization: VALID_BASIC }): Promise<Record<string, unknown>> {
  const response = await send({ method: 'POST', url: PATHS.token, headers: { 'content-type': FORM, ...headers }, body });
  if (response.status !== 200) throw new Error(`fixture token request failed: ${response.status} ${response.body}`);
  return JSON.parse(response.body) as Record<string, unknown>;
}

/** A fresh PKCE pair. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256Challenge(verifier) };
}

/** Secrets and tokens of one run: what the base requests use, minted fresh where they are single use. */
export interface Live {
  /** A refresh token of the confidential client (single use: rotated by a successful refresh). */
  refresh: string;
  /** An authorization code for the confidential client (REDIRECT_URI, PKCE) and its verifier. */
  code: string;
  verifier: string;
  /** An authorization code for the public client at SECOND_REDIRECT_URI. */
  publicCode: string;
  publicVerifier: string;
  /** A client_credentials access token with scope `a`. */
  accessA: string;
  /** A user access token (password grant) with scope `a`. */
  accessUser: string;
}

/** Mint what a run needs: fresh single-use values (refresh token, codes) and access tokens, unless `reuse` gives them. */
export async function mintLive(server: AuthServer, send: Send = (request) => server.handle(request), reuse?: Pick<Live, 'accessA' | 'accessUser'>): Promise<Live> {
  const password = await tokenFrom(send, `grant_type=password&username=${USERNAME}&password=${PASSWORD}&scope=a`);
  const pair = pkcePair();
  const publicPair = pkcePair();
  const now = Math.floor(Date.now() / 1000);
  const code = await server.createAuthorizationCode({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, subject: USER_SUBJECT, scope: ['a'], codeChallenge: pair.challenge, authTime: now, lifetime: 600 });
  const publicCode = await server.createAuthorizationCode({ clientId: PUBLIC_ID, redirectUri: SECOND_REDIRECT_URI, subject: USER_SUBJECT, scope: ['a'], codeChallenge: publicPair.challenge, authTime: now, lifetime: 600 });
  const accessA = reuse?.accessA ?? ((await tokenFrom(send, 'grant_type=client_credentials&scope=a')).access_token as string);
  return {
    refresh: password.refresh_token as string,
    code,
    verifier: pair.verifier,
    publicCode,
    publicVerifier: publicPair.verifier,
    accessA,
    accessUser: reuse?.accessUser ?? (password.access_token as string),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Atoms
// ---------------------------------------------------------------------------------------------------------

/** Hostile fragments: broken percent-encoding, separators, NUL, lone surrogates, pollution keys. */
export const NASTY_ATOMS = [
  '%', '%%', '%zz', '%E0%A4%A', '%C0%80', '%FF', '%ED%A0%80', '%00', '\u0000', '+', ';', '&', '&&', '=', '==', '[', ']', '[]', 'a[b]', '[0]',
  '__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'constructor[prototype][polluted]', '\uD800', '\uDFFF', 'x\uD83D', '\uDE00y',
  '😀', 'é', 'e\u0301', 'ｆｕｌｌ', '\r\n', '\r', '\n', '\t', ' ', '"', "'", '\\', '<script>', '%2B', '%26', '%3D', '%20', '..', '/', '?', '#',
  '\u200B', '\uFEFF', '\u2028', 'null', 'undefined', 'true', '0', '-1', '1e999', 'NaN', '{}', '[object Object]', ',', 'Bearer', 'Basic',
] as const;

/** Parameter names that mean something somewhere in Tollgate. */
export const KNOWN_NAMES = [
  'grant_type', 'client_id', 'client_secret', 'scope', 'username', 'password', 'code', 'code_verifier', 'redirect_uri', 'refresh_token',
  'token', 'token_type_hint', 'access_token', 'response_type', 'state', 'code_challenge', 'code_challenge_method', 'prompt', 'nonce',
  'tollgate_action', 'tollgate_request', 'decision', 'client_assertion', 'client_assertion_type', 'resource', 'audience',
] as const;


/** `undefined` (keep) with weight `keep` against 1 for a value. */
export const sometimes = <T>(arbitrary: fc.Arbitrary<T>, keep: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: keep, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const nastyString = (maxLength = 6): fc.Arbitrary<string> =>
  fc.array(fc.oneof(fc.constantFrom(...NASTY_ATOMS), fc.string({ unit: 'binary', maxLength: 4 }), fc.string({ maxLength: 6 })), { maxLength }).map((parts) => parts.join(''));

/** References to live values, rendered by {@link renderValue}. */
export type Ref = 'client_id' | 'public_id' | 'secret' | 'username' | 'password' | 'redirect' | 'refresh' | 'code' | 'verifier' | 'publicCode' | 'publicVerifier' | 'accessA' | 'accessUser' | 'scope' | 'issuer';
export type Value = string | { ref: Ref; tweak?: Tweak };

/** Small edits of a valid value: each one makes a different value (or, for a few, an encoding of the same). */
export type Tweak =
  | { kind: 'flip'; at: number; char: string }
  | { kind: 'truncate'; drop: number }
  | { kind: 'append'; text: string }
  | { kind: 'prepend'; text: string }
  | { kind: 'case'; at: number }
  | { kind: 'double' }
  | { kind: 'pad'; text: '=' | '==' | '===' }
  | { kind: 'b64-alphabet' }
  | { kind: 'last-char'; char: string }
  | { kind: 'nfd' };

const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const tweakArb: fc.Arbitrary<Tweak> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), char: fc.oneof(fc.constantFrom(...B64_CHARS.split('')), fc.constantFrom('.', '+', '/', '=', '%', ' ', '\u0000', 'é')) }),
  fc.record({ kind: fc.constant('truncate' as const), drop: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('append' as const), text: fc.oneof(fc.constantFrom('=', 'A', '.', '.x', ' ', '%00', '\u0000', '\uD800'), nastyString(2)) }),
  fc.record({ kind: fc.constant('prepend' as const), text: fc.oneof(fc.constantFrom(' ', 'A', '.', '\t'), nastyString(2)) }),
  fc.record({ kind: fc.constant('case' as const), at: fc.nat() }),
  fc.constant({ kind: 'double' as const }),
  fc.record({ kind: fc.constant('pad' as const), text: fc.constantFrom('=' as const, '==' as const, '===' as const) }),
  fc.constant({ kind: 'b64-alphabet' as const }),
  fc.record({ kind: fc.constant('last-char' as const), char: fc.constantFrom(...B64_CHARS.split('')) }),
  fc.constant({ kind: 'nfd' as const }),
);

export function applyTweak(value: string, tweak: Tweak | undefined): string {
  if (tweak === undefined || value.length === 0) return value;
  switch (tweak.kind) {
    case 'flip': {
      const at = tweak.at % value.length;
      return value.slice(0, at) + tweak.char + value.slice(at + 1);
    }
    case 'truncate':
      return value.slice(0, Math.max(0, value.length - tweak.drop));
    case 'append':
      return value + tweak.text;
    case 'prepend':
      return tweak.text + value;
    case 'case': {
      const at = tweak.at % value.length;
      const char = value[at] as string;
      const swapped = char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase();
      return value.slice(0, at) + swapped + value.slice(at + 1);
    }
    case 'double':
      return value + value;
    case 'pad':
      return value + tweak.text;
    case 'b64-alphabet':
      // The same bytes in the other base64 alphabet (a lenient decoder would accept it).
      return value.replace(/-/g, '+').replace(/_/g, '/');
    case 'last-char':
      return value.slice(0, -1) + tweak.char;
    case 'nfd':
      return value.normalize('NFD') === value ? `${value}\u0301` : value.normalize('NFD');
  }
}

/** Secret values (exact or tweaked) rendered into the request being built: none may come back in the answer. */
let rendering: string[] | undefined;
const SECRET_REFS = new Set<Ref>(['secret', 'password', 'refresh', 'code', 'verifier', 'publicCode', 'publicVerifier', 'accessA', 'accessUser']);

export function renderValue(value: Value, live: Live): string {
  if (typeof value === 'string') return value;
  const rendered = renderRef(value, live);
  if (SECRET_REFS.has(value.ref) && rendered.length >= 16) rendering?.push(rendered);
  return rendered;
}

function renderRef(value: Exclude<Value, string>, live: Live): string {
  const base: Record<Ref, string> = {
    client_id: CLIENT_ID,
    public_id: PUBLIC_ID,
    secret: CLIENT_SECRET,
    username: USERNAME,
    password: PASSWORD,
    redirect: REDIRECT_URI,
    refresh: live.refresh,
    code: live.code,
    verifier: live.verifier,
    publicCode: live.publicCode,
    publicVerifier: live.publicVerifier,
    accessA: live.accessA,
    accessUser: live.accessUser,
    scope: SCOPE,
    issuer: ISSUER,
  };
  return applyTweak(base[value.ref], value.tweak);
}

const REFS: readonly Ref[] = ['client_id', 'public_id', 'secret', 'username', 'password', 'redirect', 'refresh', 'code', 'verifier', 'publicCode', 'publicVerifier', 'accessA', 'accessUser', 'scope', 'issuer'];

/** Redirect URIs near the registered ones: other ports, hosts, userinfo, paths, schemes, out-of-range ports. */
export const REDIRECT_VARIANTS = [
  REDIRECT_URI, SECOND_REDIRECT_URI, NATIVE_REDIRECT_URI, 'http://127.0.0.1:53124/cb', 'http://127.0.0.1:0080/cb', 'http://127.0.0.1:99999/cb', 'http://127.0.0.1:65536/cb',
  'http://127.0.0.1:/cb', 'http://127.0.0.1:1/cb?x=1', 'http://[::1]:1/cb', 'http://localhost:1/cb', 'http://127.0.0.2/cb', 'http://127.0.0.1:1/cb/../cb',
  'https://app.fuzz.example/callback/', 'https://app.fuzz.example/callback?x=1', 'https://app.fuzz.example/callback#f', 'https://app.fuzz.example/callback/../callback',
  'HTTPS://APP.FUZZ.EXAMPLE/callback', 'https://app.fuzz.example:443/callback', 'https://app.fuzz.example.evil.example/callback', 'https://app.fuzz.example@evil.example/callback',
  'https://evil.example/callback', '//evil.example/callback', 'javascript:alert(1)', 'data:text/html,x', 'https://app.fuzz.example/call%62ack', 'https://app.fuzz.example/callback%00',
] as const;

/** A parameter value: live secrets (exact or tweaked), hostile text, or a huge value around the body limit. */
export const valueArb: fc.Arbitrary<Value> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...REDIRECT_VARIANTS) },
  { weight: 3, arbitrary: fc.record({ ref: fc.constantFrom(...REFS) }) },
  { weight: 3, arbitrary: fc.record({ ref: fc.constantFrom(...REFS), tweak: tweakArb }) },
  { weight: 3, arbitrary: nastyString() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'a', 'a b', 'openid', 'S256', 'plain', 'code', 'token', 'client_credentials', 'password', 'refresh_token', 'authorization_code', 'none login', 'consent') },
);

// ---------------------------------------------------------------------------------------------------------
// Forms (bodies and query strings)
// ---------------------------------------------------------------------------------------------------------

/** How a pair is written: form-encoded (what a client library does), raw text, or every byte percent-encoded. */
export type Encoding = 'form' | 'raw' | 'percent-all';
export interface Pair {
  key: string;
  value: Value;
  encoding: Encoding;
}

/** Edits of a form, applied in order. Indexes are taken modulo the current length. */
export type FormMutation =
  | { kind: 'repeat'; index: number; value: Value | undefined }
  | { kind: 'remove'; index: number }
  | { kind: 'replace'; index: number; value: Value }
  | { kind: 'tweak'; index: number; tweak: Tweak }
  | { kind: 'rename'; index: number; key: string }
  | { kind: 'add'; key: string; value: Value; encoding: Encoding }
  | { kind: 'huge'; key: string; size: number; unit: string }
  | { kind: 'reencode'; index: number; encoding: Encoding }
  | { kind: 'junk'; at: number; text: string }
  | { kind: 'move'; from: number; to: number };

const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...KNOWN_NAMES),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'constructor[prototype][polluted]', '__proto__.polluted', 'a[b]', 'a[]', 'a[0]', 'client_id[]', 'client_secret[0]', 'grant_type[]', 'Client_Id', 'GRANT_TYPE', ' grant_type', 'grant_type ', '', 'hasOwnProperty', 'toString', 'valueOf'),
  nastyString(3),
);

export const formMutationArb: fc.Arbitrary<FormMutation> = fc.oneof(
  fc.record({ kind: fc.constant('repeat' as const), index: fc.nat(), value: fc.option(valueArb, { nil: undefined }) }),
  fc.record({ kind: fc.constant('remove' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), index: fc.nat(), value: valueArb }),
  fc.record({ kind: fc.constant('tweak' as const), index: fc.nat(), tweak: tweakArb }),
  fc.record({ kind: fc.constant('rename' as const), index: fc.nat(), key: keyArb }),
  fc.record({ kind: fc.constant('add' as const), key: keyArb, value: valueArb, encoding: fc.constantFrom<Encoding>('form', 'raw', 'percent-all') }),
  // Around the 64 KiB limit: sometimes under (must still be served), sometimes over (413).
  fc.record({ kind: fc.constant('huge' as const), key: fc.constantFrom('pad', 'client_secret', 'scope', 'x'), size: fc.integer({ min: 40_000, max: 100_000 }), unit: fc.constantFrom('h', '%', 'é', '+', '%41') }),
  fc.record({ kind: fc.constant('reencode' as const), index: fc.nat(), encoding: fc.constantFrom<Encoding>('form', 'raw', 'percent-all') }),
  fc.record({ kind: fc.constant('junk' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom('%', '%zz', '%E0%A4%A', '\u0000', '+', ';', '&&', '&', '=', '\uD800', '%00', '&=&', '=&='), nastyString(3)) }),
  fc.record({ kind: fc.constant('move' as const), from: fc.nat(), to: fc.nat() }),
);

const utf8 = new TextEncoder();

function percentAll(text: string): string {
  return [...utf8.encode(text)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

function encodePart(text: string, encoding: Encoding): string {
  if (encoding === 'raw') return text;
  if (encoding === 'percent-all') return percentAll(text);
  return new URLSearchParams([['k', text]]).toString().slice(2);
}

/** Render a form to its wire text: pairs, then mutations (junk is inserted into the text itself). */
export function renderForm(pairs: readonly Pair[], mutations: readonly FormMutation[], live: Live): string {
  let list: { key: string; value: string; encoding: Encoding }[] = pairs.map((pair) => ({ key: pair.key, value: renderValue(pair.value, live), encoding: pair.encoding }));
  const junk: { at: number; text: string }[] = [];
  const pick = (index: number): number => index % list.length;
  for (const mutation of mutations) {
    if (mutation.kind === 'junk') {
      junk.push(mutation);
      continue;
    }
    if (mutation.kind === 'add') {
      list.push({ key: mutation.key, value: renderValue(mutation.value, live), encoding: mutation.encoding });
      continue;
    }
    if (mutation.kind === 'huge') {
      list.push({ key: mutation.key, value: mutation.unit.repeat(Math.ceil(mutation.size / mutation.unit.length)), encoding: 'raw' });
      continue;
    }
    if (list.length === 0) continue;
    const i = pick('index' in mutation ? mutation.index : mutation.from);
    const item = list[i] as (typeof list)[number];
    switch (mutation.kind) {
      case 'repeat':
        list.splice(i + 1, 0, { ...item, value: mutation.value === undefined ? item.value : renderValue(mutation.value, live) });
        break;
      case 'remove':
        list.splice(i, 1);
        break;
      case 'replace':
        list[i] = { ...item, value: renderValue(mutation.value, live) };
        break;
      case 'tweak':
        list[i] = { ...item, value: applyTweak(item.value, mutation.tweak) };
        break;
      case 'rename':
        list[i] = { ...item, key: mutation.key };
        break;
      case 'reencode':
        list[i] = { ...item, encoding: mutation.encoding };
        break;
      case 'move': {
        const [moved] = list.splice(i, 1);
        list.splice(mutation.to % (list.length + 1), 0, moved as (typeof list)[number]);
        break;
      }
    }
  }
  list = list.slice(0, 64);
  let text = list.map((item) => `${encodePart(item.key, item.encoding)}=${encodePart(item.value, item.encoding)}`).join('&');
  for (const { at, text: inserted } of junk) {
    const position = at % (text.length + 1);
    text = text.slice(0, position) + inserted + text.slice(position);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------------------

/** How `Authorization` is sent. */
export type AuthPlan =
  | { kind: 'absent' }
  | {
      kind: 'basic';
      scheme: 'Basic' | 'basic' | 'BASIC';
      gap: ' ' | '  ' | '\t' | '';
      wrap: '' | ' ' | '\t';
      id: Value;
      secret: Value;
      colon: boolean;
      encode: 'plain' | 'form' | 'percent-all';
      padding: boolean;
      twice: boolean;
    }
  | { kind: 'bearer'; scheme: 'Bearer' | 'bearer' | 'BEARER'; gap: ' ' | '  ' | '\t' | ''; wrap: '' | ' ' | '\t'; token: Value; twice: boolean }
  | { kind: 'raw'; value: string };

export const authPlanArb: fc.Arbitrary<AuthPlan> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'absent' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('basic' as const),
      scheme: fc.constantFrom('Basic' as const, 'basic' as const, 'BASIC' as const),
      gap: fc.constantFrom(' ' as const, ' ' as const, '  ' as const, '\t' as const, '' as const),
      wrap: fc.constantFrom('' as const, '' as const, ' ' as const, '\t' as const),
      id: fc.oneof(fc.constant<Value>({ ref: 'client_id' }), fc.constant<Value>({ ref: 'client_id' }), fc.constant<Value>({ ref: 'public_id' }), valueArb),
      secret: fc.oneof(fc.constant<Value>({ ref: 'secret' }), fc.constant<Value>({ ref: 'secret' }), valueArb),
      colon: fc.constantFrom(true, true, true, true, false),
      encode: fc.constantFrom('plain' as const, 'plain' as const, 'form' as const, 'percent-all' as const),
      padding: fc.boolean(),
      twice: fc.constantFrom(false, false, false, false, true),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bearer' as const),
      scheme: fc.constantFrom('Bearer' as const, 'bearer' as const, 'BEARER' as const),
      gap: fc.constantFrom(' ' as const, ' ' as const, '  ' as const, '\t' as const, '' as const),
      wrap: fc.constantFrom('' as const, ' ' as const, '\t' as const),
      token: valueArb,
      twice: fc.constantFrom(false, false, false, false, true),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom('', ' ', 'Basic', 'Basic ', 'Basic :', 'Basic Og==', 'Basic ===', 'Basic !!!!', 'Bearer', 'Bearer ', 'Digest username="x"', 'Negotiate abc', 'Token abc', 'AWS4-HMAC-SHA256 Credential=x', 'Basic dXNlcg==', 'Basic Zm9vOmJhcjpiYXo='),
      fc.tuple(fc.constantFrom('Basic ', 'Bearer ', 'basic  ', 'Digest ', '', 'Basic\t'), nastyString(5)).map(([scheme, rest]) => scheme + rest),
      fc.tuple(fc.constantFrom('Basic ', 'Bearer ', ''), fc.integer({ min: 4_000, max: 20_000 })).map(([scheme, size]) => scheme + 'A'.repeat(size)),
      fc.base64String({ maxLength: 40 }).map((value) => `Basic ${value}`),
    ).map((value) => ({ kind: 'raw' as const, value })),
  },
);

/** What a rendered Authorization value means for client authentication (our own reading of RFC 7617 + RFC 6749 §2.3.1). */
export type AuthClass = 'valid' | 'basic-invalid' | 'not-basic' | 'ambiguous';

/** RFC 9110 §5.5: leading and trailing whitespace is not part of a field value. */
export const trimOws = (value: string): string => value.replace(/^[ \t]+|[ \t]+$/g, '');

export interface RenderedAuth {
  /** One value, or the same value twice (sent as repeated header lines / an array). */
  value: string | string[] | undefined;
  /** What each rendered string means, by its whitespace-trimmed value. */
  classes: Map<string, AuthClass>;
  /** The bearer token string, when the plan carried one. */
  bearer?: string;
}

function encodeCredential(text: string, encode: 'plain' | 'form' | 'percent-all'): string {
  if (encode === 'plain') return text;
  if (encode === 'percent-all') return percentAll(text);
  try {
    return encodeURIComponent(text);
  } catch {
    return percentAll(text); // a lone surrogate: TextEncoder writes it as U+FFFD
  }
}

export function renderAuth(plan: AuthPlan, live: Live): RenderedAuth {
  const classes = new Map<string, AuthClass>();
  if (plan.kind === 'absent') return { value: undefined, classes };
  if (plan.kind === 'raw') {
    const trimmed = trimOws(plan.value);
    classes.set(trimmed, /^basic(?: |$)/i.test(trimmed) ? 'basic-invalid' : /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?: |$)/.test(trimmed) || trimmed === '' ? 'not-basic' : 'ambiguous');
    return { value: plan.value, classes };
  }
  if (plan.kind === 'bearer') {
    const token = renderValue(plan.token, live);
    const value = `${plan.wrap}${plan.scheme}${plan.gap}${token}${plan.wrap}`;
    classes.set(trimOws(value), 'not-basic');
    return { value: plan.twice ? [value, value] : value, classes, bearer: token };
  }
  const id = renderValue(plan.id, live);
  const secret = renderValue(plan.secret, live);
  const raw = `${encodeCredential(id, plan.encode)}${plan.colon ? ':' : ''}${encodeCredential(secret, plan.encode)}`;
  let encoded = Buffer.from(raw, 'utf8').toString('base64');
  if (!plan.padding) encoded = encoded.replace(/=+$/, '');
  const value = `${plan.wrap}${plan.scheme}${plan.gap}${encoded}${plan.wrap}`;
  const exact = id === CLIENT_ID && secret === CLIENT_SECRET && plan.colon;
  // RFC 7235: credentials = auth-scheme 1*SP token68. A tab or no gap is not Basic credentials at all.
  const cls: AuthClass = plan.gap === ' ' || plan.gap === '  ' ? (exact ? 'valid' : 'basic-invalid') : 'ambiguous';
  classes.set(trimOws(value), cls);
  return { value: plan.twice ? [value, value] : value, classes };
}

/** Content types: which ones a token-style endpoint must accept (`ok: true`) or refuse (`ok: false`). */
export interface ContentTypePlan {
  value: string | string[] | undefined;
  ok: boolean | undefined;
}

const GOOD_TYPES = [
  'application/x-www-form-urlencoded',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'Application/X-Www-Form-Urlencoded',
  ' application/x-www-form-urlencoded ',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded;charset=UTF-8',
  'application/x-www-form-urlencoded ; charset="utf-8"',
  'application/x-www-form-urlencoded; charset=utf8',
  'application/x-www-form-urlencoded; foo=bar',
  'application/x-www-form-urlencoded;\tcharset=UTF-8',
];
const BAD_TYPES = [
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencodedx',
  'application/x-www-form-urlencoded; charset=latin1',
  'application/x-www-form-urlencoded; charset=utf-16',
  'application/x-www-form-urlencoded; charset=utf-8; charset=iso-8859-1',
  'application/x-www-form-urlencoded, text/plain',
  'x-www-form-urlencoded',
  'application/*',
];

export const contentTypeArb: fc.Arbitrary<ContentTypePlan> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...GOOD_TYPES).map((value) => ({ value, ok: true })) },
  { weight: 2, arbitrary: fc.constantFrom(...BAD_TYPES).map((value) => ({ value, ok: false })) },
  { weight: 1, arbitrary: fc.constant<ContentTypePlan>({ value: undefined, ok: false }) },
  { weight: 1, arbitrary: fc.constant<ContentTypePlan>({ value: [FORM, 'text/plain'], ok: undefined }) },
  { weight: 1, arbitrary: nastyString(4).map((value) => ({ value, ok: undefined })) },
);

/** Other headers: content negotiation, cookies (forged sessions), forwarding, noise. */
export const extraHeadersArb: fc.Arbitrary<[string, string | string[]][]> = fc.array(
  fc.oneof(
    fc.tuple(fc.constant('accept'), fc.constantFrom('text/html', 'application/json', 'TEXT/HTML;q=0.9', '*/*', 'text/html, application/json', '')),
    fc.tuple(
      fc.constant('cookie'),
      fc.oneof(
        fc.constantFrom('tollgate_session=garbage', 'tollgate_session=eyJ2IjoxfQ.AAAA', 'tollgate_csrf=%', 'tollgate_csrf=' + 'A'.repeat(43), 'tollgate_consent=a.b; tollgate_session=c.d', 'a=b; ; =; tollgate_session'),
        nastyString(4).map((value) => `tollgate_session=${value}`),
        fc.integer({ min: 16_000, max: 17_000 }).map((size) => `tollgate_session=${'a'.repeat(size)}`),
      ),
    ),
    fc.tuple(fc.constantFrom('x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'host', 'origin', 'referer', 'user-agent', 'x-api-key', 'acs-api-key', 'content-length', 'transfer-encoding', 'proxy-authorization'), nastyString(3)),
    fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), nastyString(3)),
  ),
  { maxLength: 3 },
) as fc.Arbitrary<[string, string | string[]][]>;

// ---------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------

/** The valid requests mutations start from. Each is answered with 200 when sent untouched. */
export type BaseName =
  | 'cc-basic'
  | 'cc-post'
  | 'password-basic'
  | 'password-post'
  | 'refresh-post'
  | 'refresh-basic'
  | 'code-basic'
  | 'code-public'
  | 'introspect'
  | 'revoke'
  | 'userinfo-get'
  | 'userinfo-post'
  | 'authorize-get'
  | 'authorize-post'
  | 'authorize-native'
  | 'metadata'
  | 'openid'
  | 'jwks'
  | 'unknown';

export const TOKEN_BASES: readonly BaseName[] = ['cc-basic', 'cc-post', 'password-basic', 'password-post', 'refresh-post', 'refresh-basic', 'code-basic', 'code-public'];
export const ALL_BASES: readonly BaseName[] = [...TOKEN_BASES, 'introspect', 'revoke', 'userinfo-get', 'userinfo-post', 'authorize-get', 'authorize-post', 'authorize-native', 'metadata', 'openid', 'jwks', 'unknown'];

const p = (key: string, value: Value): Pair => ({ key, value, encoding: 'form' });
const basicAuth: AuthPlan = { kind: 'basic', scheme: 'Basic', gap: ' ', wrap: '', id: { ref: 'client_id' }, secret: { ref: 'secret' }, colon: true, encode: 'plain', padding: true, twice: false };
const postCredentials = [p('client_id', { ref: 'client_id' }), p('client_secret', { ref: 'secret' })];

interface Base {
  method: string;
  path: string;
  auth: AuthPlan;
  /** Where the form goes: the body (POST) or the query (GET). */
  form: 'body' | 'query';
  pairs: Pair[];
  accept?: string;
}

export function baseRequest(name: BaseName): Base {
  const body = (path: string, pairs: Pair[], auth: AuthPlan = basicAuth): Base => ({ method: 'POST', path, auth, form: 'body', pairs });
  const authorizePairs = (client: Ref, redirect: string): Pair[] => [
    p('response_type', 'code'),
    p('client_id', { ref: client }),
    p('redirect_uri', redirect),
    p('scope', 'a'),
    p('state', 'st-123'),
    p('code_challenge', s256Challenge('v'.repeat(43))),
    p('code_challenge_method', 'S256'),
  ];
  switch (name) {
    case 'cc-basic':
      return body(PATHS.token, [p('grant_type', 'client_credentials'), p('scope', 'a')]);
    case 'cc-post':
      return body(PATHS.token, [p('grant_type', 'client_credentials'), ...postCredentials, p('scope', 'a b')], { kind: 'absent' });
    case 'password-basic':
      return body(PATHS.token, [p('grant_type', 'password'), p('username', { ref: 'username' }), p('password', { ref: 'password' }), p('scope', 'a')]);
    case 'password-post':
      return body(PATHS.token, [p('grant_type', 'password'), ...postCredentials, p('username', { ref: 'username' }), p('password', { ref: 'password' })], { kind: 'absent' });
    case 'refresh-post':
      return body(PATHS.token, [p('grant_type', 'refresh_token'), ...postCredentials, p('refresh_token', { ref: 'refresh' })], { kind: 'absent' });
    case 'refresh-basic':
      return body(PATHS.token, [p('grant_type', 'refresh_token'), p('refresh_token', { ref: 'refresh' }), p('scope', 'a')]);
    case 'code-basic':
      return body(PATHS.token, [p('grant_type', 'authorization_code'), p('code', { ref: 'code' }), p('code_verifier', { ref: 'verifier' }), p('redirect_uri', REDIRECT_URI)]);
    case 'code-public':
      return body(PATHS.token, [p('grant_type', 'authorization_code'), p('client_id', { ref: 'public_id' }), p('code', { ref: 'publicCode' }), p('code_verifier', { ref: 'publicVerifier' }), p('redirect_uri', SECOND_REDIRECT_URI)], { kind: 'absent' });
    case 'introspect':
      return body(PATHS.introspection, [p('token', { ref: 'accessA' }), p('token_type_hint', 'access_token')]);
    case 'revoke':
      return body(PATHS.revocation, [p('token', { ref: 'refresh' }), p('token_type_hint', 'refresh_token')]);
    case 'userinfo-get':
      return { method: 'GET', path: PATHS.userinfo, auth: { kind: 'bearer', scheme: 'Bearer', gap: ' ', wrap: '', token: { ref: 'accessUser' }, twice: false }, form: 'query', pairs: [] };
    case 'userinfo-post':
      return { method: 'POST', path: PATHS.userinfo, auth: { kind: 'bearer', scheme: 'Bearer', gap: ' ', wrap: '', token: { ref: 'accessUser' }, twice: false }, form: 'body', pairs: [p('x', '1')] };
    case 'authorize-get':
      return { method: 'GET', path: PATHS.authorize, auth: { kind: 'absent' }, form: 'query', pairs: authorizePairs('public_id', REDIRECT_URI), accept: 'text/html' };
    case 'authorize-post':
      return { method: 'POST', path: PATHS.authorize, auth: { kind: 'absent' }, form: 'body', pairs: authorizePairs('client_id', REDIRECT_URI) };
    case 'authorize-native':
      return { method: 'GET', path: PATHS.authorize, auth: { kind: 'absent' }, form: 'query', pairs: [...authorizePairs('public_id', 'http://127.0.0.1:53124/cb').map((pair) => (pair.key === 'client_id' ? p('client_id', NATIVE_ID) : pair))] };
    case 'metadata':
      return { method: 'GET', path: PATHS.metadata, auth: { kind: 'absent' }, form: 'query', pairs: [] };
    case 'openid':
      return { method: 'GET', path: PATHS.openid, auth: { kind: 'absent' }, form: 'query', pairs: [] };
    case 'jwks':
      return { method: 'GET', path: PATHS.jwks, auth: { kind: 'absent' }, form: 'query', pairs: [] };
    case 'unknown':
      return { method: 'GET', path: '/nope', auth: { kind: 'absent' }, form: 'query', pairs: [] };
  }
}

/** How the request body is handed over. */
export type BodyPlan = { as: 'string' } | { as: 'bytes'; invalid: { at: number; bytes: number[] }[] } | { as: 'none' };

const INVALID_UTF8: number[][] = [[0xff], [0xc0, 0x80], [0x80], [0xe0, 0xa4], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xc3]];

export const bodyPlanArb: fc.Arbitrary<BodyPlan> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<BodyPlan>({ as: 'string' }) },
  { weight: 5, arbitrary: fc.constant<BodyPlan>({ as: 'bytes', invalid: [] }) },
  { weight: 2, arbitrary: fc.record({ as: fc.constant('bytes' as const), invalid: fc.array(fc.record({ at: fc.nat(), bytes: fc.constantFrom(...INVALID_UTF8) }), { minLength: 1, maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.constant({ as: 'none' as const }) },
);

/** Where a request goes, when not where its base says. */
export const pathArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...Object.values(PATHS)),
  fc.constantFrom(
    '/', '', '/oauth/token/', '/OAUTH/TOKEN', '//oauth/token', '/oauth//token', '/oauth/%74oken', '/oauth/token;x', '/oauth/token#frag', '/oauth/./token',
    '/oauth/../oauth/token', '/oauth/token%00', '/oauth/token%2F', '/oauth/token\u0000', '/oauth/token\uD800', '/.well-known/', '/.well-known/jwks.json/..',
    'http://evil.example/oauth/token', 'https://auth.fuzz.example/oauth/token', '//evil.example/oauth/token', 'http://[', '::', '%', '/%', '/%zz', '*', '\\oauth\\token',
  ),
  fc.tuple(fc.constantFrom('/oauth/', '/.well-known/', '/'), nastyString(3)).map(([prefix, rest]) => prefix + rest),
);

export const methodArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'post', 'get', 'PoSt') },
  { weight: 1, arbitrary: fc.constantFrom('CONNECT', 'TRACE', 'BREW', 'PROPFIND', 'M-SEARCH', '', 'G E T', 'POST\u0000', 'POST\r\n', 'PÖST') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 8 }) },
);

/** A request to fuzz: a base plus mutations of every part of it. `undefined` keeps the base's part. */
export interface Recipe {
  base: BaseName;
  method: string | undefined;
  path: string | undefined;
  /** The URL as an absolute URL string or a `URL` object instead of a path. */
  urlForm: 'path' | 'absolute' | 'url-object';
  auth: AuthPlan | undefined;
  contentType: ContentTypePlan | 'base';
  extraHeaders: [string, string | string[]][];
  headersAs: 'record' | 'fetch' | 'mixed-case';
  formMutations: FormMutation[];
  /** Extra query parameters (secrets in the query among them). */
  query: Pair[];
  queryMutations: FormMutation[];
  body: BodyPlan;
  /** Replace the whole form with random text (still sent through the chosen body plan). */
  randomBody: string | undefined;
}

export interface RecipeOptions {
  bases?: readonly BaseName[];
  /** Most form mutations per recipe. */
  maxMutations?: number;
  /** Relative weight of recipes without any form mutation (against 1 for mutated ones). */
  clean?: number;
  /** Relative weight of keeping each of method, path, auth and content type as the base has them. */
  keep?: number;
}

export function recipeArb(options: RecipeOptions = {}): fc.Arbitrary<Recipe> {
  const bases = options.bases ?? ALL_BASES;
  const keep = options.keep ?? 4;
  return fc.record({
    base: fc.constantFrom(...bases),
    method: sometimes(methodArb, keep),
    path: sometimes(pathArb, keep),
    urlForm: fc.constantFrom('path' as const, 'path' as const, 'absolute' as const, 'url-object' as const),
    auth: sometimes(authPlanArb, Math.max(1, keep / 2)),
    contentType: fc.oneof({ weight: keep, arbitrary: fc.constant('base' as const) }, { weight: 2, arbitrary: contentTypeArb }),
    extraHeaders: extraHeadersArb,
    headersAs: fc.constantFrom('record' as const, 'record' as const, 'fetch' as const, 'mixed-case' as const),
    formMutations: fc.oneof({ weight: options.clean ?? 1, arbitrary: fc.constant([] as FormMutation[]) }, { weight: 2, arbitrary: fc.array(formMutationArb, { minLength: 1, maxLength: options.maxMutations ?? 3 }) }),
    query: fc.oneof(
      { weight: 4, arbitrary: fc.constant([] as Pair[]) },
      { weight: 1, arbitrary: fc.array(fc.record({ key: keyArb, value: valueArb, encoding: fc.constantFrom<Encoding>('form', 'raw', 'percent-all') }), { maxLength: 3 }) },
    ),
    queryMutations: fc.oneof({ weight: 4, arbitrary: fc.constant([] as FormMutation[]) }, { weight: 1, arbitrary: fc.array(formMutationArb.filter((mutation) => mutation.kind !== 'huge'), { maxLength: 2 }) }),
    body: bodyPlanArb,
    randomBody: sometimes(fc.oneof(nastyString(12), fc.string({ unit: 'binary', maxLength: 64 }), fc.json({ maxDepth: 2 })), 12),
  });
}

/** A built request, with what each transport needs to know about it. */
export interface Built {
  request: TollgateRequest;
  recipe: Recipe;
  /** The Authorization value(s) and their meaning. */
  auth: RenderedAuth;
  contentType: ContentTypePlan;
  /** The body bytes exactly as sent (before any transport). */
  bodyBytes: Uint8Array | undefined;
  /** The headers as sent, in order, before they were shaped into a record or `Headers` (for wire transports). */
  headerPairs: [string, string | string[]][];
  /** Values that must never come back in an answer: secrets, single-use grants, and every (tweaked) secret the request presented. */
  secrets: string[];
}

function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, char: string) => dash + char.toUpperCase());
}

/** Render a recipe with this run's live values. */
export function buildRequest(recipe: Recipe, live: Live): Built {
  const presented: string[] = [];
  rendering = presented;
  try {
    return build(recipe, live, presented);
  } finally {
    rendering = undefined;
  }
}

function build(recipe: Recipe, live: Live, presented: string[]): Built {
  const base = baseRequest(recipe.base);
  const method = recipe.method ?? base.method;
  const path = recipe.path ?? base.path;
  const authPlan = recipe.auth ?? base.auth;
  const auth = renderAuth(authPlan, live);
  const contentType: ContentTypePlan = recipe.contentType === 'base' ? (base.form === 'body' ? { value: FORM, ok: true } : { value: undefined, ok: undefined }) : recipe.contentType;

  const formText = renderForm(base.pairs, recipe.formMutations, live);
  let query = base.form === 'query' ? formText : '';
  const extraQuery = renderForm(recipe.query, recipe.queryMutations, live);
  if (extraQuery !== '') query = query === '' ? extraQuery : `${query}&${extraQuery}`;
  const bodyText = recipe.randomBody ?? (base.form === 'body' ? formText : '');

  let bodyBytes: Uint8Array | undefined;
  let body: string | Uint8Array | undefined;
  if (recipe.body.as === 'none' || (base.form === 'query' && recipe.randomBody === undefined && bodyText === '')) {
    body = undefined;
  } else if (recipe.body.as === 'string') {
    body = bodyText;
    bodyBytes = utf8.encode(bodyText);
  } else {
    let bytes = [...utf8.encode(bodyText)];
    for (const { at, bytes: inserted } of recipe.body.invalid) {
      const position = at % (bytes.length + 1);
      bytes = [...bytes.slice(0, position), ...inserted, ...bytes.slice(position)];
    }
    body = Uint8Array.from(bytes);
    bodyBytes = body;
  }

  const pairs: [string, string | string[]][] = [];
  if (auth.value !== undefined) pairs.push(['authorization', auth.value]);
  if (contentType.value !== undefined) pairs.push(['content-type', contentType.value]);
  if (base.accept !== undefined) pairs.push(['accept', base.accept]);
  for (const [name, value] of recipe.extraHeaders) {
    if (name === 'authorization' || name === 'content-type') continue;
    pairs.push([name, value]);
  }
  let headers: TollgateRequest['headers'];
  if (recipe.headersAs === 'fetch') {
    try {
      const fetchHeaders = new Headers();
      for (const [name, value] of pairs) for (const item of Array.isArray(value) ? value : [value]) fetchHeaders.append(name, item);
      headers = fetchHeaders;
    } catch {
      headers = Object.fromEntries(pairs);
    }
  } else if (recipe.headersAs === 'mixed-case') {
    headers = Object.fromEntries(pairs.map(([name, value]) => [titleCase(name), value]));
  } else {
    headers = Object.fromEntries(pairs);
  }

  const pathAndQuery = query === '' ? path : `${path}?${query}`;
  let url: string | URL = pathAndQuery;
  if (recipe.urlForm !== 'path') {
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(pathAndQuery) ? pathAndQuery : `${ISSUER}${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`;
    url = absolute;
    if (recipe.urlForm === 'url-object') {
      try {
        url = new URL(absolute);
      } catch {
        url = absolute;
      }
    }
  }

  const secrets = [CLIENT_SECRET, PASSWORD, COOKIE_SECRET, live.refresh, live.code, live.verifier, live.publicCode, live.publicVerifier, ...presented];
  return { request: body === undefined ? { method, url, headers } : { method, url, headers, body }, recipe, auth, contentType, bodyBytes, headerPairs: pairs, secrets };
}

// ---------------------------------------------------------------------------------------------------------
// The effective request: what the server saw
// ---------------------------------------------------------------------------------------------------------

/** What a transport delivered to Tollgate: the oracles judge answers against this. */
export interface Effective {
  method: string;
  /** Path and query as the server routes them (`undefined` when the URL cannot be parsed). */
  url: URL | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  accept: string | undefined;
  /** Body text, or `undefined` when absent; `invalid` when it is not UTF-8. */
  body: string | undefined | { invalid: true };
  bodyBytes: number;
}

function joinedHeader(headers: TollgateRequest['headers'], name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(', ') : value;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The effective request of an in-process `handle()` call. */
export function effectiveOf(request: TollgateRequest): Effective {
  let url: URL | undefined;
  try {
    url = request.url instanceof URL ? request.url : new URL(request.url, 'http://tollgate.invalid');
  } catch {
    url = undefined;
  }
  let body: Effective['body'];
  let bodyBytes = 0;
  if (typeof request.body === 'string') {
    body = request.body;
    bodyBytes = Buffer.byteLength(request.body);
  } else if (request.body !== undefined) {
    bodyBytes = request.body.byteLength;
    try {
      body = strictUtf8.decode(request.body);
    } catch {
      body = { invalid: true };
    }
  }
  return {
    method: request.method,
    url,
    authorization: joinedHeader(request.headers, 'authorization'),
    contentType: joinedHeader(request.headers, 'content-type'),
    accept: joinedHeader(request.headers, 'accept'),
    body,
    bodyBytes,
  };
}

/** Our own strict reading of a form (RFC 6749 §3.1: no repeats; empty values are absent). */
export function readForm(text: string): { params: Map<string, string>; repeated: boolean; keys: string[] } {
  const params = new Map<string, string>();
  const seen = new Set<string>();
  let repeated = false;
  const keys: string[] = [];
  for (const [key, value] of new URLSearchParams(text)) {
    if (seen.has(key)) repeated = true;
    seen.add(key);
    keys.push(key);
    if (value !== '') params.set(key, value);
  }
  return { params, repeated, keys };
}

function classOf(built: Built, value: string | undefined): AuthClass | 'absent' {
  if (value === undefined) return 'absent';
  const trimmed = trimOws(value);
  const known = built.auth.classes.get(trimmed);
  if (known !== undefined) return known;
  if (trimmed === '') return 'not-basic';
  // Joined repeated values ("Basic x, Basic x") are never valid credentials.
  return /^basic(?: |$)/i.test(trimmed) ? 'basic-invalid' : 'ambiguous';
}

/**
 * Which client the request proves to be, by our reading of RFC 6749 §2.3: exactly one method, the exact
 * secret, a body `client_id` (if any) naming the same client. `undefined` when it proves nothing.
 * `strictlyValid` is false when a malformed Authorization header makes acceptance a matter of reading.
 */
function identity(built: Built, effective: Effective, params: Map<string, string>): { client: string; strictlyValid: boolean } | undefined {
  const cls = classOf(built, effective.authorization);
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (cls === 'valid') {
    if (bodySecret !== undefined || (bodyId !== undefined && bodyId !== CLIENT_ID)) return undefined;
    return { client: CLIENT_ID, strictlyValid: true };
  }
  if (cls === 'basic-invalid') return undefined;
  if (bodySecret !== undefined) return bodyId === CLIENT_ID && bodySecret === CLIENT_SECRET ? { client: CLIENT_ID, strictlyValid: cls !== 'ambiguous' } : undefined;
  if (bodyId === PUBLIC_ID || bodyId === NATIVE_ID || bodyId === FIRST_PARTY_ID) return { client: bodyId, strictlyValid: cls !== 'ambiguous' };
  return undefined;
}

/** RFC 6749 §2.3.1 / §3.2: secrets never in the query; RFC 6749 §3.1: no repeated parameters there either. */
function queryIsClean(effective: Effective): boolean {
  if (effective.url === undefined) return false;
  const { params, repeated } = readForm(effective.url.search.slice(1));
  // RFC 6749 §3.1: a parameter without a value is omitted, so `?client_secret=` carries no secret.
  return !repeated && !['client_secret', 'password', 'refresh_token', 'code', 'code_verifier', 'client_assertion'].some((key) => params.has(key));
}

/** A form body the token-style endpoints must read: UTF-8, within the limit, no repeats. */
function bodyForm(effective: Effective): { params: Map<string, string>; repeated: boolean; keys: string[] } | undefined {
  if (effective.body === undefined || typeof effective.body !== 'string') return effective.body === undefined ? { params: new Map(), repeated: false, keys: [] } : undefined;
  if (effective.bodyBytes > BODY_LIMIT) return undefined;
  return readForm(effective.body);
}

/** The oracle of the token endpoint. */
export interface TokenVerdict {
  /** The request proves the client and a grant exactly: a 200 is allowed. */
  mayIssue: boolean;
  /** The request is valid and only harmlessly different from a valid base: a 200 is required. */
  mustIssue: boolean;
  why: string;
}

/**
 * Decide, from what the server saw, whether the token endpoint may (or must) issue a token. A 200 for a
 * request with `mayIssue: false` is a vulnerability: mutated credentials or grant parameters got a token.
 */
export function tokenVerdict(built: Built, effective: Effective, live: Live): TokenVerdict {
  const no = (why: string): TokenVerdict => ({ mayIssue: false, mustIssue: false, why });
  if (effective.method.toUpperCase() !== 'POST') return no('not POST');
  if (effective.url?.pathname !== PATHS.token) return no('not the token path');
  if (!queryIsClean(effective)) return no('the query repeats a parameter or carries a secret');
  const sameType = effective.contentType !== undefined && trimOws(effective.contentType) === trimOws(joinedContentType(built) ?? '');
  if (built.contentType.ok === false && (sameType || effective.contentType === undefined)) return no('content type refused');
  const form = bodyForm(effective);
  if (form === undefined) return no('body not UTF-8 or too large');
  if (form.repeated) return no('a repeated body parameter');
  const { params } = form;
  const who = identity(built, effective, params);
  if (who === undefined) return no('client not authenticated');
  const grant = params.get('grant_type');
  let grantOk = false;
  if (grant === 'client_credentials') grantOk = who.client === CLIENT_ID;
  else if (grant === 'password') grantOk = who.client === CLIENT_ID && params.get('username') === USERNAME && params.get('password') === PASSWORD;
  else if (grant === 'refresh_token') grantOk = who.client === CLIENT_ID && params.get('refresh_token') === live.refresh;
  else if (grant === 'authorization_code') {
    if (who.client === CLIENT_ID) grantOk = params.get('code') === live.code && params.get('code_verifier') === live.verifier && (params.get('redirect_uri') ?? REDIRECT_URI) === REDIRECT_URI;
    else if (who.client === PUBLIC_ID) grantOk = params.get('code') === live.publicCode && params.get('code_verifier') === live.publicVerifier && params.get('redirect_uri') === SECOND_REDIRECT_URI;
  } else return no(`grant_type ${JSON.stringify(grant)?.slice(0, 40)}`);
  if (!grantOk) return no('grant parameters differ from the valid ones');

  // Only harmless differences from a valid base make a 200 required: a changed scope may be refused.
  const scope = params.get('scope');
  const scopes = grant === 'refresh_token' ? ['a'] : grant === 'authorization_code' ? undefined : ['a', 'b', 'a b', 'b a'];
  const harmless =
    who.strictlyValid &&
    built.contentType.ok === true &&
    sameType &&
    (scope === undefined || scopes === undefined || scopes.includes(scope)) &&
    !form.keys.some((key) => key === 'client_assertion' || key === 'client_assertion_type');
  return { mayIssue: true, mustIssue: harmless, why: harmless ? 'valid' : 'valid credentials and grant, other parts changed' };
}

const lenientUtf8 = new TextDecoder('utf-8');

/**
 * The token oracle for a server that reads bodies already parsed by a framework (body-parser + qs): invalid
 * UTF-8 is replaced, `a[0]`/`a[]` collapse into `a`, repeats are the adapter's to refuse. Only the security
 * core remains: a token requires the exact client credentials and the exact grant secrets, somewhere.
 */
export function lenientTokenVerdict(built: Built, effective: Effective, live: Live): TokenVerdict {
  const no = (why: string): TokenVerdict => ({ mayIssue: false, mustIssue: false, why });
  if (effective.method.toUpperCase() !== 'POST' || effective.url?.pathname !== PATHS.token) return no('not a POST to the token path');
  const bytes = built.bodyBytes;
  const text = bytes === undefined ? '' : lenientUtf8.decode(bytes);
  const values = (name: string): string[] => {
    const out: string[] = [];
    for (const [key, value] of new URLSearchParams(text)) if (key === name || key.startsWith(`${name}[`)) out.push(value);
    return out;
  };
  const has = (name: string, expected: string): boolean => values(name).includes(expected);
  const basic = classOf(built, effective.authorization) === 'valid';
  const confidential = basic || (has('client_id', CLIENT_ID) && has('client_secret', CLIENT_SECRET));
  const publicClient = has('client_id', PUBLIC_ID);
  const grant = ['client_credentials', 'password', 'refresh_token', 'authorization_code'].find((name) => has('grant_type', name));
  const ok =
    (grant === 'client_credentials' && confidential) ||
    (grant === 'password' && confidential && has('username', USERNAME) && has('password', PASSWORD)) ||
    (grant === 'refresh_token' && confidential && has('refresh_token', live.refresh)) ||
    (grant === 'authorization_code' && ((confidential && has('code', live.code) && has('code_verifier', live.verifier)) || (publicClient && has('code', live.publicCode) && has('code_verifier', live.publicVerifier))));
  return ok ? { mayIssue: true, mustIssue: false, why: 'exact secrets present' } : no('the request lacks the exact client credentials or grant secrets');
}

function joinedContentType(built: Built): string | undefined {
  const value = built.contentType.value;
  return Array.isArray(value) ? value.join(', ') : value;
}

// ---------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------

/** RFC 6749 §5.2 / §4.1.2.1, RFC 6750 §3.1, RFC 7009 §2.2.1 error codes: the `OAuthErrorCode` union. */
export const KNOWN_ERRORS = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'access_denied',
  'unsupported_response_type', 'server_error', 'temporarily_unavailable', 'unsupported_token_type', 'invalid_token', 'insufficient_scope',
  'login_required', 'consent_required', 'interaction_required',
]);
/** Codes a fuzzed request may legitimately get (no store outage, no bug). */
export const EXPECTED_ERRORS = new Set([...KNOWN_ERRORS].filter((code) => code !== 'server_error' && code !== 'temporarily_unavailable'));
export const STATUSES = new Set([200, 302, 303, 307, 400, 401, 403, 404, 405, 413]);

/** A response with lower-case header names, from `handle()` or parsed off the wire. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  cookies: string[];
}

export function answerOf(response: TollgateResponse): Answer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value;
  return { status: response.status, headers, body: response.body, cookies: response.cookies ?? [] };
}

export class Violation extends Error {
  override name = 'Violation';
}

function fail(message: string, answer: Answer): never {
  const headers = JSON.stringify(answer.headers).slice(0, 600);
  throw new Violation(`${message}\n  status ${answer.status}\n  headers ${headers}\n  body ${JSON.stringify(answer.body.slice(0, 400))}`);
}

const BEARER_CHALLENGE = /^Bearer(?: realm="(?:[^"\\]|\\.)*"(?:, error="(invalid_request|invalid_token|insufficient_scope)")?(?:, error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*")?(?:, scope="[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*")?(?:, resource_metadata="[^"\\]*")?)?$/;
const ERROR_DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const BASIC_CHALLENGE = /^Basic realm="(?:[^"\\]|\\.)*", charset="UTF-8"$/;
const COOKIE = /^tollgate_(?:csrf|session|consent)=[A-Za-z0-9%._~-]*; Path=\/; HttpOnly; SameSite=Lax(?:; Max-Age=\d+)?; Secure$/;

/** Which endpoint a path is, as the server routes it. */
export function endpointOf(effective: Effective): keyof typeof PATHS | 'unknown' {
  const pathname = effective.url?.pathname;
  for (const [name, path] of Object.entries(PATHS)) if (pathname === path) return name as keyof typeof PATHS;
  return 'unknown';
}

function isRegisteredRedirect(location: URL): boolean {
  const target = `${location.origin}${location.pathname}`;
  for (const [client, uris] of Object.entries(REGISTERED)) {
    for (const uri of uris) {
      if (target === uri) return true;
      // RFC 8252 §7.3: a native client's loopback IP redirect may use any port.
      if (client === NATIVE_ID && location.protocol === 'http:' && location.hostname === '127.0.0.1' && location.pathname === new URL(uri).pathname) return true;
    }
  }
  return false;
}

export interface CheckOptions {
  /** Statuses the transport itself may answer (a framework's own 400/404 for what never reached Tollgate). */
  frameworkAnswer?: (answer: Answer) => boolean;
  /** Tokens minted legitimately by this request (so they may appear in its answer). */
  live: Live;
  /** Userinfo and protected resources: bearer tokens a 200 may be given for. */
  userTokens?: readonly string[];
  /** A redirect may carry a code (the sign-in and consent forms, when the oracle allows it). */
  allowCode?: boolean;
  /** Values the answer may legitimately repeat (the username typed into the sign-in form). */
  echoable?: readonly string[];
  /**
   * The server reads bodies a framework parsed already (body-parser + qs): judge with
   * {@link lenientTokenVerdict} and read bodies leniently for client authentication.
   */
  lenientBody?: boolean;
}

/**
 * Check one answer: a known status, a well-formed body for that status and endpoint, `Cache-Control:
 * no-store` on every error, safe header values, no secret echoed, redirects only to registered URIs, and a
 * token only when {@link tokenVerdict} allows it. Throws a {@link Violation} describing the first problem.
 */
export function checkAnswer(built: Built, effective: Effective, answer: Answer, options: CheckOptions): void {
  const endpoint = endpointOf(effective);
  if (options.frameworkAnswer?.(answer)) return;
  if (!STATUSES.has(answer.status)) fail(`status ${answer.status} is not one Tollgate answers with (endpoint ${endpoint})`, answer);

  // RFC 9110 §5.5: field values are visible ASCII; a CR/LF or a lone surrogate would break (or inject) headers.
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!/^[\t\x20-\x7e]*$/.test(value)) fail(`header ${name} has characters outside visible ASCII`, answer);
  }
  for (const cookie of answer.cookies) if (!COOKIE.test(cookie)) fail(`malformed Set-Cookie ${JSON.stringify(cookie)}`, answer);

  // Secrets: never echoed, anywhere. Only `state` is echoed by design (RFC 6749 §4.1.2), whatever it holds.
  const everything = [answer.body, ...Object.values(answer.headers), ...answer.cookies].join('\n');
  const echoable = [endpoint === 'authorize' ? (parseForm(effective).get('state') ?? '') : '', ...(options.echoable ?? [])];
  for (const secret of new Set(built.secrets)) {
    if (secret.length >= 16 && !echoable.some((value) => value.includes(secret)) && everything.includes(secret)) fail(`the answer echoes a secret or presented token (${secret.slice(0, 12)}…)`, answer);
  }

  const isError = answer.status >= 400;
  const isRedirect = answer.status >= 300 && answer.status < 400;
  if (isError || isRedirect) {
    if (!/(?:^|,)\s*no-store\s*(?:,|$)/i.test(answer.headers['cache-control'] ?? '')) fail('an error or redirect without Cache-Control: no-store', answer);
  }
  if (answer.status === 405 && !/^[A-Z]+(?:, [A-Z]+)*$/.test(answer.headers.allow ?? '')) fail('405 without a well-formed Allow', answer);
  // RFC 9110 §15.5.2: a 401 always carries a challenge.
  if (answer.status === 401 && answer.headers['www-authenticate'] === undefined) fail('401 without WWW-Authenticate', answer);

  if (isRedirect) {
    if (endpoint !== 'authorize') fail(`a redirect from the ${endpoint} endpoint`, answer);
    checkRedirect(effective, answer, options.allowCode === true);
    return;
  }

  const challenge = answer.headers['www-authenticate'];
  const contentType = answer.headers['content-type'] ?? '';
  if (/^text\/html/.test(contentType)) {
    if (endpoint !== 'authorize') fail(`an HTML page from the ${endpoint} endpoint`, answer);
    if (answer.headers['cache-control'] !== 'no-store' || answer.headers['x-frame-options'] !== 'DENY') fail('an HTML page that can be cached or framed', answer);
    if (![200, 400, 401].includes(answer.status)) fail(`an HTML page with status ${answer.status}`, answer);
    // The error page (RFC 6749 §4.1.2.1) only for browsers; the sign-in form may re-render itself with a 400.
    const formPost = effective.method.toUpperCase() === 'POST' && parseForm(effective).has('tollgate_action');
    if (answer.status === 400 && !formPost && !/text\/html/i.test(effective.accept ?? '')) fail('an HTML error page for a client that did not accept text/html', answer);
    return;
  }

  if (challenge !== undefined && /^bearer/i.test(challenge)) {
    if (!BEARER_CHALLENGE.test(challenge)) fail(`malformed Bearer challenge ${JSON.stringify(challenge)}`, answer);
    const error = /error="([^"]+)"/.exec(challenge)?.[1];
    if (answer.status === 401 && error === undefined) {
      // RFC 6750 §3.1: no credentials, no error information.
      if (answer.body !== '') fail('401 without credentials must have an empty body', answer);
      return;
    }
    const expected = { invalid_request: [400, 413], invalid_token: [401], insufficient_scope: [403] }[error as 'invalid_request'];
    if (!expected?.includes(answer.status)) fail(`Bearer error ${error} with status ${answer.status}`, answer);
  } else if (challenge !== undefined) {
    if (!BASIC_CHALLENGE.test(challenge)) fail(`malformed challenge ${JSON.stringify(challenge)}`, answer);
    if (answer.status !== 401) fail('a Basic challenge without 401', answer);
  }

  if (isError) {
    if (!/^application\/json/.test(contentType)) fail('an error that is not JSON', answer);
    if (effective.method.toUpperCase() === 'HEAD' && answer.body === '') return; // RFC 9110 §9.3.2: no content
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      fail('an error body that is not JSON', answer);
    }
    const record = parsed as Record<string, unknown>;
    if (record === null || typeof record !== 'object' || Array.isArray(record)) fail('an error body that is not an object', answer);
    if (typeof record.error !== 'string' || !KNOWN_ERRORS.has(record.error)) fail(`unknown error code ${JSON.stringify(record.error)}`, answer);
    if (!EXPECTED_ERRORS.has(record.error)) fail(`error ${record.error} for a fuzzed request (an internal failure)`, answer);
    if (record.error_description !== undefined && typeof record.error_description !== 'string') fail('error_description is not a string', answer);
    // RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
    if (typeof record.error_description === 'string' && !ERROR_DESCRIPTION.test(record.error_description)) fail('error_description has characters RFC 6749 §5.2 does not allow', answer);
    const extra = Object.keys(record).filter((key) => key !== 'error' && key !== 'error_description');
    if (extra.length > 0) fail(`error body carries ${extra.join(', ')}`, answer);
    if (record.error === 'invalid_client' && answer.status === 401 && /^basic(?: |$)/i.test(trimOws(effective.authorization ?? '')) && challenge === undefined) {
      fail('invalid_client for Basic credentials without a Basic challenge (RFC 6749 §5.2)', answer);
    }
    // An adapter whose router decodes paths (Fastify: /oauth/%74oken) reads the body, with its limit, before the core's 404.
    if (endpoint === 'unknown' && answer.status !== 404 && answer.status !== 413) fail(`unknown path answered ${answer.status}`, answer);
    return;
  }

  // 200
  checkSuccess(built, effective, answer, endpoint, options);
}

function checkRedirect(effective: Effective, answer: Answer, allowCode: boolean): void {
  const location = answer.headers.location;
  if (location === undefined) fail('a redirect without Location', answer);
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    fail('a Location that is not an absolute URL', answer);
  }
  // RFC 6749 §4.1.2.1 / RFC 9700 §4.1: only to a registered redirect URI, never anywhere else.
  if (!isRegisteredRedirect(url)) fail(`a redirect to an unregistered URI ${location}`, answer);
  if (url.searchParams.get('iss') !== ISSUER) fail('a redirect without iss (RFC 9207)', answer);
  // No fuzzed request can sign a user in: a code here means a forged or skipped sign-in.
  if (url.searchParams.has('code')) {
    if (!allowCode) fail('an authorization code for a fuzzed request', answer);
    if (url.searchParams.has('error') || url.searchParams.getAll('code').length !== 1) fail('a code redirect that also carries an error or two codes', answer);
    return;
  }
  const error = url.searchParams.get('error');
  if (error === null || !EXPECTED_ERRORS.has(error)) fail(`a redirect with error ${JSON.stringify(error)}`, answer);
  // RFC 6749 §4.1.2.1: the same charset as §5.2, and short enough for a URL.
  const description = url.searchParams.get('error_description') ?? '';
  if (!ERROR_DESCRIPTION.test(description) || description.length > 200) fail('a redirect error_description outside RFC 6749 §4.1.2.1 (charset or size)', answer);
  const presented = allowCode ? undefined : parseForm(effective).get('redirect_uri');
  if (presented !== undefined) {
    let same = false;
    try {
      const expected = new URL(presented);
      same = expected.origin === url.origin && expected.pathname === url.pathname;
    } catch {
      same = false;
    }
    if (!same) fail('a redirect to another URI than the one presented', answer);
  }
}

function parseForm(effective: Effective): Map<string, string> {
  const text = effective.method.toUpperCase() === 'POST' && typeof effective.body === 'string' ? effective.body : (effective.url?.search.slice(1) ?? '');
  try {
    return readForm(text).params;
  } catch {
    return new Map();
  }
}

function checkSuccess(built: Built, effective: Effective, answer: Answer, endpoint: ReturnType<typeof endpointOf>, options: CheckOptions): void {
  const method = effective.method.toUpperCase();
  const json = (): Record<string, unknown> => {
    if (method === 'HEAD' && answer.body === '') return {};
    try {
      return JSON.parse(answer.body) as Record<string, unknown>;
    } catch {
      fail(`a 200 from ${endpoint} that is not JSON`, answer);
    }
  };
  switch (endpoint) {
    case 'token': {
      const verdict = (options.lenientBody === true ? lenientTokenVerdict : tokenVerdict)(built, effective, options.live);
      if (!verdict.mayIssue) fail(`a token for a request that must not get one (${verdict.why})`, answer);
      const body = json();
      if (typeof body.access_token !== 'string' || body.token_type !== 'Bearer' || typeof body.expires_in !== 'number') fail('a malformed token response', answer);
      if (answer.headers['cache-control'] !== 'no-store') fail('a token response without no-store', answer);
      return;
    }
    case 'introspection':
    case 'revocation': {
      const form = options.lenientBody === true ? readForm(built.bodyBytes === undefined ? '' : lenientUtf8.decode(built.bodyBytes)) : bodyForm(effective);
      const who = form === undefined || (form.repeated && options.lenientBody !== true) ? undefined : identity(built, effective, form.params);
      // Any authenticated client, public ones (method none) included: each sees only its own tokens.
      if (who === undefined) fail(`a 200 from ${endpoint} without valid client authentication`, answer);
      if (method !== 'POST') fail(`a 200 from ${endpoint} for ${method}`, answer);
      if (endpoint === 'introspection') {
        const body = json();
        if (body.active === true) {
          const token = form?.params.get('token');
          if (token === undefined || ![options.live.accessA, options.live.accessUser, options.live.refresh, ...(options.userTokens ?? [])].some((issued) => sameToken(issued, token))) fail('introspection reports active for a token the test never issued', answer);
          // Every live token belongs to the confidential client: nobody else may see it active (RFC 7662 §2.2).
          if (who.client !== CLIENT_ID) fail(`introspection shows another client's token to ${who.client}`, answer);
        } else if (body.active !== false || Object.keys(body).length !== 1) fail('an inactive introspection answer that says more than active:false', answer);
      } else if (answer.body !== '') fail('a revocation answer with a body', answer);
      return;
    }
    case 'userinfo': {
      const token = /^bearer +([^\s]+)$/i.exec(trimOws(effective.authorization ?? ''))?.[1];
      if (token === undefined || ![options.live.accessUser, ...(options.userTokens ?? [])].some((issued) => sameToken(issued, token))) fail('userinfo answered for a token the test never issued to a user', answer);
      const body = json();
      if (body.sub !== USER_SUBJECT) fail('userinfo for another subject', answer);
      return;
    }
    case 'metadata':
    case 'openid':
    case 'jwks': {
      if (method !== 'GET' && method !== 'HEAD') fail(`a 200 from ${endpoint} for ${method}`, answer);
      const body = json();
      if (method === 'GET') {
        if (endpoint === 'jwks') {
          const keys = body.keys as Record<string, unknown>[] | undefined;
          if (!Array.isArray(keys) || keys.some((key) => 'd' in key || 'p' in key || 'q' in key)) fail('a JWKS with private key material', answer);
        } else if (body.issuer !== ISSUER) fail('metadata for another issuer', answer);
      }
      return;
    }
    case 'authorize':
      fail('a 200 from authorize that is not an HTML page', answer);
      break;
    default:
      fail(`a 200 from an unknown path ${effective.url?.pathname}`, answer);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Known issues: each has its own failing property with a fixed seed (see the test files). The broad
// properties step around them, so they keep looking for new problems. Delete an entry once it is fixed.
// ---------------------------------------------------------------------------------------------------------

/** One token, one spelling: tokens are compared as strings (re-spelled signatures are refused). */
export function sameToken(issued: string, presented: string): boolean {
  return issued === presented;
}

/** Sealed values (form state, session and consent cookies) are compared as strings, like tokens. */
export function sameSealed(issued: string, presented: string | undefined): boolean {
  return presented !== undefined && issued === presented;
}

// ---------------------------------------------------------------------------------------------------------
// Expectations for untouched requests
// ---------------------------------------------------------------------------------------------------------

/** A recipe that changes nothing that matters: the base request, with only harmless extra headers. */
export function untouched(recipe: Recipe): boolean {
  return (
    recipe.method === undefined &&
    recipe.path === undefined &&
    recipe.auth === undefined &&
    recipe.contentType === 'base' &&
    recipe.formMutations.length === 0 &&
    recipe.query.length === 0 &&
    recipe.queryMutations.length === 0 &&
    recipe.randomBody === undefined &&
    recipe.body.as !== 'none' &&
    (recipe.body.as !== 'bytes' || recipe.body.invalid.length === 0) &&
    recipe.extraHeaders.every(([name]) => ['accept', 'user-agent', 'x-forwarded-for', 'x-forwarded-proto', 'referer', 'origin'].includes(name) || /^[a-z][a-z0-9-]*$/.test(name) && !['cookie', 'host', 'content-length', 'transfer-encoding', 'authorization', 'content-type'].includes(name))
  );
}

/** What an untouched base must be answered with. */
export function expectedFor(recipe: Recipe, answer: Answer): string | undefined {
  const status = answer.status;
  switch (recipe.base) {
    case 'authorize-get':
    case 'authorize-post':
    case 'authorize-native':
      // No session: the sign-in page (RFC 6749 §4.1.1 leaves the user interaction to the server).
      return status === 200 && /^text\/html/.test(answer.headers['content-type'] ?? '') ? undefined : 'the sign-in page';
    case 'unknown':
      return status === 404 ? undefined : '404';
    case 'introspect':
      return status === 200 && answer.body.includes('"active":true') ? undefined : 'active:true';
    default:
      return status === 200 ? undefined : '200';
  }
}

/** What a guard must answer for a request whose only credentials are a cleanly sent, untouched token. */
export function expectedGuardOutcome(recipe: GuardRecipe, checksRevocation: boolean): 'ok' | 'insufficient_scope' | 'invalid_token' | undefined {
  const header = recipe.header;
  if (header.kind !== 'bearer' || header.gap !== ' ' || header.twice || header.token.from === 'literal' || header.token.tweak !== undefined) return undefined;
  switch (header.token.from) {
    case 'accepted':
      return 'ok';
    case 'revoked':
      return checksRevocation ? 'invalid_token' : 'ok';
    case 'noScope':
      return 'insufficient_scope';
    case 'evil':
      return 'invalid_token';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Prototype pollution
// ---------------------------------------------------------------------------------------------------------

const PROTOTYPES: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
  ['Map.prototype', Map.prototype],
];
const snapshot = new Map(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort().join(',')]));

/** Throw when a prototype gained or lost a property since this module loaded. */
export function assertNoPollution(): void {
  for (const [name, proto] of PROTOTYPES) {
    const now = Reflect.ownKeys(proto).map(String).sort().join(',');
    if (now !== snapshot.get(name)) throw new Violation(`${name} was polluted: ${now}`);
  }
  const probe = {} as Record<string, unknown>;
  for (const key of ['polluted', 'a', 'b', 'x', 'isAdmin']) if (probe[key] !== undefined) throw new Violation(`({}).${key} is defined: prototype pollution`);
}

// ---------------------------------------------------------------------------------------------------------
// Tokens for the protector
// ---------------------------------------------------------------------------------------------------------

export interface GuardTokens {
  /** Tokens the guard `{ scopes: ['a'] }` must let through (issued by the server, scope includes `a`). */
  accepted: Map<string, string>;
  /** Valid but without scope `a`: 403 insufficient_scope. */
  noScope: string;
  /** Issued with scope `a`, then revoked (RFC 7009): only a revocation-checking guard refuses it. */
  revoked: string;
  /** Correctly signed or well-formed tokens that must never pass: expired, wrong iss/aud/typ, alg none, foreign keys… */
  evil: Map<string, string>;
}

/** Mint the protector's token zoo against `server` (through `send`, so adapters can mint over HTTP too). */
export async function mintGuardTokens(server: AuthServer, send: Send = (request) => server.handle(request)): Promise<GuardTokens> {
  const cc = async (scope: string): Promise<string> => (await tokenFrom(send, `grant_type=client_credentials&scope=${encodeURIComponent(scope)}`)).access_token as string;
  const accepted = new Map<string, string>();
  accepted.set('cc-a', await cc('a'));
  accepted.set('cc-ab', await cc('a b'));
  accepted.set('user-a', (await tokenFrom(send, `grant_type=password&username=${USERNAME}&password=${PASSWORD}&scope=a`)).access_token as string);
  const noScope = await cc('b');
  const revoked = await cc('a');
  const revocation = await send({ method: 'POST', url: PATHS.revocation, headers: { authorization: VALID_BASIC, 'content-type': FORM }, body: `token=${revoked}` });
  if (revocation.status !== 200) throw new Error('fixture revocation failed');

  const active = server.keys.active;
  const privateKey = active.privateKey as KeyObject;
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, sub: CLIENT_ID, aud: ISSUER, client_id: CLIENT_ID, scope: 'a', iat: now, exp: now + 600, jti: 'evil-jti' };
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  // Signed by hand (not with jose, which refuses to sign some of these headers, e.g. `crit`).
  if (active.alg !== 'EdDSA') throw new Error('the fuzz server signs with Ed25519');
  const sign = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = privateKey): Promise<string> => {
    const protectedHeader: Record<string, unknown> = { alg: active.alg, typ: 'at+jwt', kid: active.kid, ...header };
    const clean = { ...payload };
    for (const record of [protectedHeader, clean]) for (const [name, value] of Object.entries(record)) if (value === undefined) delete record[name];
    const input = `${b64(protectedHeader)}.${b64(clean)}`;
    return `${input}.${cryptoSign(null, Buffer.from(input), key).toString('base64url')}`;
  };
  const attacker = importKey(generateKey('EdDSA'), 'attacker');
  const attackerKey = attacker.privateKey as KeyObject;
  const validParts = (accepted.get('cc-a') as string).split('.');
  const evil = new Map<string, string>([
    ['expired', await sign({ ...claims, iat: now - 7200, exp: now - 3600 })],
    ['not-yet-valid', await sign({ ...claims, nbf: now + 3600 })],
    ['iat-future', await sign({ ...claims, iat: now + 3600, exp: now + 7200 })],
    ['wrong-iss', await sign({ ...claims, iss: 'https://evil.example' })],
    ['wrong-aud', await sign({ ...claims, aud: 'https://other.example' })],
    ['typ-jwt', await sign(claims, { typ: 'JWT' })],
    ['no-typ', await sign(claims, { typ: undefined })],
    ['no-jti', await sign({ ...claims, jti: undefined })],
    ['no-sub', await sign({ ...claims, sub: undefined })],
    ['no-client', await sign({ ...claims, client_id: undefined })],
    ['scope-array', await sign({ ...claims, scope: ['a'] })],
    ['no-exp', await sign({ ...claims, exp: undefined })],
    ['foreign-key-same-kid', await sign(claims, {}, attackerKey)],
    ['foreign-key-no-kid', await sign(claims, { kid: undefined }, attackerKey)],
    ['embedded-jwk', await sign(claims, { kid: undefined, jwk: attacker.jwk }, attackerKey)],
    ['jku', await sign(claims, { jku: 'https://evil.example/jwks' })],
    ['crit', await sign(claims, { crit: ['exp'] })],
    ['alg-none', `${b64({ alg: 'none', typ: 'at+jwt', kid: active.kid })}.${b64(claims)}.`],
    ['alg-none-nosig', `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}`],
    ['hs256-with-public-key', `${b64({ alg: 'HS256', typ: 'at+jwt', kid: active.kid })}.${b64(claims)}.${b64('sig')}`],
    ['payload-swap', `${validParts[0]}.${b64({ ...claims, scope: 'a b admin' })}.${validParts[2]}`],
    ['kid-traversal', await sign(claims, { kid: '../../../../etc/passwd' })],
    ['kid-proto', await sign(claims, { kid: '__proto__' })],
    ['opaque-garbage', 'A'.repeat(43)],
  ]);
  return { accepted, noScope, revoked, evil };
}

// ---------------------------------------------------------------------------------------------------------
// Protected resources (RFC 6750)
// ---------------------------------------------------------------------------------------------------------

/** Which token a guard request presents. */
export type TokenPick =
  | { from: 'accepted' | 'noScope' | 'revoked' | 'evil'; index: number; tweak: Tweak | undefined }
  | { from: 'literal'; value: string };

const jwtLike = fc
  .tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 60 }), fc.base64String({ maxLength: 90 }))
  .map(([a, b, c]) => `${a}.${b}.${c}`.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, ''));

export const tokenPickArb: fc.Arbitrary<TokenPick> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ from: fc.constant('accepted' as const), index: fc.nat(), tweak: sometimes(tweakArb, 2) }) },
  { weight: 1, arbitrary: fc.record({ from: fc.constantFrom('noScope' as const, 'revoked' as const), index: fc.nat(), tweak: sometimes(tweakArb, 2) }) },
  { weight: 3, arbitrary: fc.record({ from: fc.constant('evil' as const), index: fc.nat(), tweak: sometimes(tweakArb, 3) }) },
  { weight: 2, arbitrary: fc.oneof(nastyString(4), jwtLike, fc.constantFrom('', '.', '..', '...', 'a.b.c', 'null', 'undefined', 'A'.repeat(16_385), 'A'.repeat(16_384), '=', 'a=b', 'Bearer')).map((value) => ({ from: 'literal' as const, value })) },
);

export interface GuardRecipe {
  method: string;
  /** How the Authorization header presents a token. */
  header:
    | { kind: 'absent' }
    | { kind: 'bearer'; scheme: 'Bearer' | 'bearer' | 'BEARER'; gap: ' ' | '  ' | '\t' | ''; wrap: '' | ' ' | '\t'; token: TokenPick; twice: boolean }
    | { kind: 'raw'; value: string };
  /** RFC 6750 §2.3: `access_token` in the query. */
  queryToken: TokenPick | undefined;
  /** RFC 6750 §2.2: `access_token` in a form body. */
  bodyToken: TokenPick | undefined;
  /** Other query text, hostile. */
  queryExtra: string;
  /** Other form pairs in the body. */
  bodyExtra: FormMutation[];
  contentType: ContentTypePlan | undefined;
  body: BodyPlan;
  extraHeaders: [string, string | string[]][];
  headersAs: 'record' | 'fetch' | 'mixed-case';
}

export const guardRecipeArb: fc.Arbitrary<GuardRecipe> = fc.record({
  method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('GET', 'GET', 'POST', 'HEAD', 'PUT', 'DELETE') }, { weight: 1, arbitrary: methodArb }),
  header: fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'absent' as const }) },
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('bearer' as const),
        scheme: fc.constantFrom('Bearer' as const, 'Bearer' as const, 'bearer' as const, 'BEARER' as const),
        gap: fc.constantFrom(' ' as const, ' ' as const, ' ' as const, ' ' as const, '  ' as const, '\t' as const, '' as const),
        wrap: fc.constantFrom('' as const, '' as const, ' ' as const, '\t' as const),
        token: tokenPickArb,
        twice: fc.constantFrom(false, false, false, false, true),
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constantFrom('', ' ', 'Bearer', 'Bearer ', 'Bearer  ', 'Basic Zm9vOmJhcg==', 'Digest x', 'Bearer a b', 'Bearer a,b', 'Bearer "a"', 'Bearer\u00a0abc', 'Bearer abc\u0000', 'Bearer ' + 'A'.repeat(20_000)),
          fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'Basic ', 'Token ', ''), nastyString(5)).map(([scheme, rest]) => scheme + rest),
        )
        .map((value) => ({ kind: 'raw' as const, value })),
    },
  ),
  queryToken: sometimes(tokenPickArb, 4),
  bodyToken: sometimes(tokenPickArb, 4),
  queryExtra: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: nastyString(4) }, { weight: 1, arbitrary: fc.constantFrom('access_token=', 'access_token', 'access_token=&access_token=', 'ACCESS_TOKEN=x', 'access_token%00=x', '%zz', 'a[b]=1&__proto__[x]=1') }),
  bodyExtra: fc.oneof({ weight: 3, arbitrary: fc.constant([] as FormMutation[]) }, { weight: 1, arbitrary: fc.array(formMutationArb, { maxLength: 3 }) }),
  contentType: sometimes(contentTypeArb, 2),
  body: bodyPlanArb,
  extraHeaders: extraHeadersArb,
  headersAs: fc.constantFrom('record' as const, 'record' as const, 'fetch' as const, 'mixed-case' as const),
});

export interface BuiltGuard {
  request: TollgateRequest;
  /** Whether the content type is one a form body must be read with (`undefined`: unclear). */
  contentTypeOk: boolean | undefined;
  headerPairs: [string, string | string[]][];
  bodyBytes: Uint8Array | undefined;
  /** Strings presented as tokens, long enough that an echo is never a coincidence. */
  presented: string[];
  /** Every method the request used, with its token string. */
  tokens: { method: 'header' | 'query' | 'body'; token: string; pick: TokenPick }[];
}

export function renderPick(pick: TokenPick, zoo: GuardTokens): string {
  if (pick.from === 'literal') return pick.value;
  const list = pick.from === 'accepted' ? [...zoo.accepted.values()] : pick.from === 'evil' ? [...zoo.evil.values()] : [pick.from === 'noScope' ? zoo.noScope : zoo.revoked];
  return applyTweak(list[pick.index % list.length] as string, pick.tweak);
}

export const GUARD_PATH = '/protected';

export function buildGuardRequest(recipe: GuardRecipe, zoo: GuardTokens): BuiltGuard {
  const tokens: BuiltGuard['tokens'] = [];
  const pairs: [string, string | string[]][] = [];
  if (recipe.header.kind === 'bearer') {
    const token = renderPick(recipe.header.token, zoo);
    tokens.push({ method: 'header', token, pick: recipe.header.token });
    const value = `${recipe.header.wrap}${recipe.header.scheme}${recipe.header.gap}${token}${recipe.header.wrap}`;
    pairs.push(['authorization', recipe.header.twice ? [value, value] : value]);
  } else if (recipe.header.kind === 'raw') {
    pairs.push(['authorization', recipe.header.value]);
  }
  let query = recipe.queryExtra;
  if (recipe.queryToken !== undefined) {
    const token = renderPick(recipe.queryToken, zoo);
    tokens.push({ method: 'query', token, pick: recipe.queryToken });
    query = [new URLSearchParams([['access_token', token]]).toString(), query].filter(Boolean).join('&');
  }
  const formPairs: Pair[] = [{ key: 'note', value: 'x', encoding: 'form' }];
  if (recipe.bodyToken !== undefined) {
    const token = renderPick(recipe.bodyToken, zoo);
    tokens.push({ method: 'body', token, pick: recipe.bodyToken });
    formPairs.push({ key: 'access_token', value: token, encoding: 'form' });
  }
  const noLive = { refresh: '', code: '', verifier: '', publicCode: '', publicVerifier: '', accessA: '', accessUser: '' };
  const text = renderForm(formPairs, recipe.bodyExtra, noLive);
  let body: string | Uint8Array | undefined;
  let bodyBytes: Uint8Array | undefined;
  if (recipe.body.as === 'string') {
    body = text;
    bodyBytes = utf8.encode(text);
  } else if (recipe.body.as === 'bytes') {
    let bytes = [...utf8.encode(text)];
    for (const { at, bytes: inserted } of recipe.body.invalid) {
      const position = at % (bytes.length + 1);
      bytes = [...bytes.slice(0, position), ...inserted, ...bytes.slice(position)];
    }
    body = Uint8Array.from(bytes);
    bodyBytes = body;
  }
  const contentType = recipe.contentType ?? (body === undefined ? undefined : { value: FORM, ok: true });
  if (contentType?.value !== undefined) pairs.push(['content-type', contentType.value]);
  for (const [name, value] of recipe.extraHeaders) if (name !== 'authorization' && name !== 'content-type') pairs.push([name, value]);
  let headers: TollgateRequest['headers'];
  if (recipe.headersAs === 'fetch') {
    try {
      const fetchHeaders = new Headers();
      for (const [name, value] of pairs) for (const item of Array.isArray(value) ? value : [value]) fetchHeaders.append(name, item);
      headers = fetchHeaders;
    } catch {
      headers = Object.fromEntries(pairs);
    }
  } else if (recipe.headersAs === 'mixed-case') {
    headers = Object.fromEntries(pairs.map(([name, value]) => [titleCase(name), value]));
  } else {
    headers = Object.fromEntries(pairs);
  }
  const url = query === '' ? GUARD_PATH : `${GUARD_PATH}?${query}`;
  const request: TollgateRequest = body === undefined ? { method: recipe.method, url, headers } : { method: recipe.method, url, headers, body };
  return { request, contentTypeOk: contentType?.ok, headerPairs: pairs, bodyBytes, presented: tokens.map((item) => item.token).filter((token) => token.length >= 16), tokens };
}

/**
 * The bearer tokens a request carries, read as RFC 6750 §2 says (ignoring what a server must ignore: a
 * body on GET, a non-form body, an empty `access_token`, another auth scheme). Lists per method.
 */
export function presentedTokens(request: TollgateRequest, contentTypeOk: boolean | undefined): { header: string[]; query: string[]; body: string[] } {
  const effective = effectiveOf(request);
  const header: string[] = [];
  const auth = trimOws(effective.authorization ?? '');
  const match = /^bearer ([\s\S]*)$/i.exec(auth);
  if (match) header.push(match[1] as string);
  const query = effective.url === undefined ? [] : effective.url.searchParams.getAll('access_token').filter((value) => value !== '');
  const body: string[] = [];
  if (effective.method.toUpperCase() !== 'GET' && contentTypeOk === true && typeof effective.body === 'string' && effective.bodyBytes <= BODY_LIMIT) {
    for (const [key, value] of new URLSearchParams(effective.body)) if (key === 'access_token' && value !== '') body.push(value);
  }
  return { header, query, body };
}

/** The token strings a guard must let through, and the claims ids (`jti`) they carry. */
export function jtiOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti?: unknown };
    return typeof payload.jti === 'string' ? payload.jti : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Check a guard's refusal: RFC 6750 §3 challenge, status matching the error, no-store, JSON body with a
 * known code (empty body without credentials), nothing presented echoed back.
 */
export function checkGuardRefusal(answer: Answer, presented: readonly string[], realm: string, method = 'GET'): void {
  const head = method.toUpperCase() === 'HEAD' && answer.body === '';
  if (![400, 401, 403, 413].includes(answer.status)) fail(`a guard refusal with status ${answer.status}`, answer);
  for (const [name, value] of Object.entries(answer.headers)) if (!/^[\t\x20-\x7e]*$/.test(value)) fail(`header ${name} has characters outside visible ASCII`, answer);
  const challenge = answer.headers['www-authenticate'];
  if (challenge === undefined || !BEARER_CHALLENGE.test(challenge)) fail(`a refusal without a well-formed Bearer challenge: ${JSON.stringify(challenge)}`, answer);
  if (!challenge.startsWith(`Bearer realm="${realm}"`)) fail('a challenge with another realm', answer);
  if (!/(?:^|,)\s*no-store\s*(?:,|$)/i.test(answer.headers['cache-control'] ?? '')) fail('a refusal without Cache-Control: no-store', answer);
  const error = /error="([^"]+)"/.exec(challenge)?.[1];
  if (error === undefined) {
    if (answer.status !== 401 || answer.body !== '') fail('a challenge without error must be a 401 with an empty body (RFC 6750 §3.1)', answer);
  } else {
    const expected = { invalid_request: [400, 413], invalid_token: [401], insufficient_scope: [403] }[error as 'invalid_request'];
    if (!expected?.includes(answer.status)) fail(`Bearer error ${error} with status ${answer.status}`, answer);
    if (!head) {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(answer.body) as Record<string, unknown>;
      } catch {
        fail('a refusal body that is not JSON', answer);
      }
      if (parsed.error !== error || (parsed.error_description !== undefined && typeof parsed.error_description !== 'string')) fail('a refusal body that disagrees with its challenge', answer);
    }
  }
  const everything = [answer.body, ...Object.values(answer.headers)].join('\n');
  for (const token of presented) if (everything.includes(token)) fail(`the refusal echoes the presented token (${token.slice(0, 12)}…)`, answer);
}

/**
 * Judge a protected route's answer over HTTP (adapters' `protect(server, { scopes: ['a'] })`, header method
 * only, no revocation check). The app behind it answers 200 with `{ "jti": req.auth.jti }`.
 */
export function judgeGuardAnswer(answer: Answer, recipe: GuardRecipe, seenRequest: TollgateRequest, contentTypeOk: boolean | undefined, zoo: GuardTokens, presented: readonly string[], realm: string): void {
  const admissible = [...zoo.accepted.values(), zoo.revoked];
  if (answer.status === 200) {
    const seen = presentedTokens(seenRequest, contentTypeOk);
    if (seen.header.length !== 1 || !admissible.some((token) => sameToken(token, seen.header[0] as string))) fail('a protected route served a request without an issued token in its Authorization header', answer);
    if (seenRequest.method.toUpperCase() !== 'HEAD') {
      let jti: unknown;
      try {
        jti = (JSON.parse(answer.body) as { jti?: unknown }).jti;
      } catch {
        fail('the protected route answered something else than the app', answer);
      }
      if (!admissible.some((token) => jtiOf(token) === jti)) fail(`the protected route ran for jti ${String(jti)}, not a token the test issued`, answer);
    }
  } else {
    checkGuardRefusal(answer, presented, realm, seenRequest.method);
  }
  const expected = expectedGuardOutcome(recipe, false);
  if (expected === 'ok' && answer.status !== 200) fail('a valid token was refused by the protected route', answer);
  if (expected !== undefined && expected !== 'ok' && !(answer.headers['www-authenticate'] ?? '').includes(`error="${expected}"`)) fail(`expected ${expected}`, answer);
}
