import type { JsonWebKey } from 'node:crypto';
import { OAuthError } from '../errors.js';
import { importKey, SIGNING_ALGORITHMS, type KeyEntry, type SigningAlgorithm } from '../tokens/keys.js';

/** Options of {@link createRemoteJwks}; the verifier fills them from its own options. */
export interface RemoteJwksOptions {
  url: URL;
  fetch: typeof fetch;
  /** Abort a fetch (headers and body) after this long. */
  timeoutMs: number;
  /** At most one fetch per this many milliseconds, however many unknown `kid`s arrive. */
  cooldownMs: number;
  /** Refetch, on the next verification, a set older than this. A failed refetch keeps the old set. */
  maxAgeMs: number;
  /** Refuse a response body larger than this. */
  maxBytes: number;
  /** Most keys taken from one document. */
  maxKeys: number;
  /** Called when a fetch brings a set different from the previous one. */
  onChange?: () => void;
  /** Told why a fetch failed (never with a token). */
  onError?: (error: unknown) => void;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** A cached remote JWKS (RFC 7517 §5) that keys are only looked up in, never taken from a token. */
export interface RemoteJwks {
  /**
   * The key for a token header's `kid` and `alg`, or `undefined` when none matches. An unknown `kid`
   * triggers a refetch at most once per cooldown; concurrent callers share one in-flight fetch.
   * Throws `temporarily_unavailable` (503) while no key set could ever be fetched.
   */
  resolve(kid: string | undefined, alg: SigningAlgorithm): Promise<KeyEntry | undefined>;
  /** Refetch a set older than `maxAgeMs` (cooldown permitting); resolves at once when it is fresh. */
  refreshIfStale(): Promise<void> | undefined;
  /** Keys currently cached. */
  keys(): readonly KeyEntry[];
}

const isAlgorithm = (value: unknown): value is SigningAlgorithm => (SIGNING_ALGORITHMS as readonly unknown[]).includes(value);

/**
 * Turn a JWKS document into key entries. Keys Tollgate cannot verify with (symmetric, encryption-only,
 * other algorithms, small RSA…) are skipped; only public members are read, so a stray private part is ignored.
 */
export function parseJwks(document: unknown, maxKeys = 100): KeyEntry[] {
  if (document === null || typeof document !== 'object' || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new Error('JWKS document must be an object with a "keys" array');
  }
  const entries: KeyEntry[] = [];
  for (const candidate of (document as { keys: unknown[] }).keys.slice(0, maxKeys)) {
    if (candidate === null || typeof candidate !== 'object') continue;
    const jwk = candidate as Record<string, unknown>;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.key_ops !== undefined && (!Array.isArray(jwk.key_ops) || !jwk.key_ops.includes('verify'))) continue;
    if (jwk.alg !== undefined && !isAlgorithm(jwk.alg)) continue;
    const publicPart: JsonWebKey = {};
    for (const member of ['kty', 'crv', 'x', 'y', 'n', 'e'] as const) {
      const value = jwk[member];
      if (typeof value === 'string') publicPart[member] = value;
    }
    const kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 && jwk.kid.length <= 256 ? jwk.kid : undefined;
    try {
      const input = { key: publicPart, ...(isAlgorithm(jwk.alg) ? { alg: jwk.alg } : {}), ...(kid === undefined ? {} : { kid }) };
      entries.push(importKey(input, 'jwks key'));
    } catch {
      // Not a usable Ed25519 / P-256 / RSA ≥ 2048 public key: skip it.
    }
  }
  return entries;
}

/** A stable fingerprint of a set, to tell a rotation from a refetch of the same keys. */
function fingerprint(entries: readonly KeyEntry[]): string {
  return JSON.stringify(entries.map((entry) => entry.jwk));
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new Error('JWKS response is too large');
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error('JWKS response is too large');
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}

/**
 * A remote JWKS with a cache, a fetch timeout, a size cap, a refetch cooldown and single-flight fetching,
 * so a flood of made-up `kid`s cannot become a flood of fetches.
 */
export function createRemoteJwks(options: RemoteJwksOptions): RemoteJwks {
  const now = options.now ?? Date.now;
  let entries: readonly KeyEntry[] | undefined;
  let current = '';
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;

  const load = async (): Promise<void> => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`JWKS fetch timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
    });
    try {
      const work = (async () => {
        const response = await options.fetch(options.url, {
          signal: controller.signal,
          redirect: 'manual',
          headers: { accept: 'application/jwk-set+json, application/json' },
        });
        if (response.status !== 200) {
          await response.body?.cancel().catch(() => undefined);
          throw new Error(`JWKS fetch answered HTTP ${response.status}`);
        }
        return readLimited(response, options.maxBytes);
      })();
      const text = await Promise.race([work, timeout]);
      const next = parseJwks(JSON.parse(text) as unknown, options.maxKeys);
      if (next.length === 0) throw new Error('JWKS has no usable signing keys');
      const print = fingerprint(next);
      const changed = entries !== undefined && print !== current;
      entries = next;
      current = print;
      fetchedAt = now();
      if (changed) options.onChange?.();
    } finally {
      clearTimeout(timer);
    }
  };

  const refresh = async (): Promise<void> => {
    if (inflight === undefined) {
      attemptedAt = now();
      // One fetch for every concurrent caller; only its initiator reports a failure.
      inflight = load()
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          inflight = undefined;
        });
    }
    await inflight;
  };

  const cooled = (): boolean => now() - attemptedAt >= options.cooldownMs;

  const select = (kid: string | undefined, alg: SigningAlgorithm): KeyEntry | undefined => {
    // `kid` is only compared with the kids of the fetched set; it never names a file or URL.
    const matches = (entries ?? []).filter((entry) => entry.alg === alg && (kid === undefined || entry.kid === kid));
    return matches.length === 1 ? matches[0] : undefined;
  };

  return {
    async resolve(kid, alg) {
      if (inflight !== undefined) await refresh();
      if ((entries === undefined || now() - fetchedAt >= options.maxAgeMs) && cooled()) await refresh();
      if (entries === undefined) throw new OAuthError('temporarily_unavailable', 'the token signing keys are unavailable', { headers: { 'Retry-After': '5' } });
      let key = select(kid, alg);
      if (key === undefined && cooled()) {
        // RFC 7517 / RFC 9068 §4: an unknown kid may be a rotation; look once more, rate-limited.
        await refresh();
        key = select(kid, alg);
      }
      return key;
    },
    refreshIfStale() {
      if (entries === undefined || now() - fetchedAt < options.maxAgeMs || !cooled()) return undefined;
      return refresh();
    },
    keys: () => entries ?? [],
  };
}
