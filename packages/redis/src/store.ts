import { Redis } from 'ioredis';
import type { Cluster, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '@tollgate/core';
import type { AccessTokenRecord, CodeRecord, ConsumeCodeResult, RefreshTokenRecord, RotateResult, Store } from '@tollgate/core';
import { keyLayout } from './keys.js';
import { defineScripts, scriptKeys } from './scripts.js';

/** Options for {@link redisStore}. Give either `client` or `url`. */
export interface RedisStoreOptions {
  /**
   * A connected ioredis client (`Redis`) or cluster client (`Cluster`). The store never closes a client it was
   * given. Build it with {@link failFastRedisOptions} so that commands fail fast instead of queueing while Redis
   * is away.
   */
  client?: Redis | Cluster;
  /** A `redis://` or `rediss://` URL; the store then creates, configures and owns its client. */
  url?: string;
  /** Prefix of every key, without braces. Default `tollgate`. */
  prefix?: string;
  /**
   * Longest time one store operation may take, including waiting for a reconnect, in milliseconds.
   * Past it the operation rejects with `StoreUnavailableError`. Default 1000.
   */
  commandTimeoutMs?: number;
  /** Extra ioredis options for the client created from `url` (they override the fail-fast defaults). */
  redisOptions?: RedisOptions;
  /** Told about connection errors of the client created from `url` (which is otherwise quiet about them). */
  onError?: (error: Error) => void;
}

/** A {@link Store} on Redis, plus the client it talks through. */
export interface RedisStore extends Store {
  /** The ioredis client in use (the one given, or the one created from `url`). */
  readonly client: Redis | Cluster;
  /** Close the client if the store created it; a client that was given is left open. */
  close(): Promise<void>;
}

/**
 * ioredis options that make a client fail fast and heal by itself: a bounded command and connect timeout, no
 * offline queue (a command sent while disconnected fails at once rather than waiting to run later), no
 * automatic resend of in-flight commands after a reconnect (a redemption must never run twice behind the
 * caller's back), at most one retry per request, and reconnection forever with a capped back-off.
 *
 * Use it for a client you build yourself, e.g. `new Cluster(nodes, { redisOptions: failFastRedisOptions(), enableOfflineQueue: false })`.
 */
export function failFastRedisOptions(commandTimeoutMs = 1000): RedisOptions {
  return {
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  };
}

/** Redis replies that mean "not now" rather than "this call is wrong". */
const TRANSIENT_REPLY = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY|NOREPLICAS|READONLY|OOM|MISCONF|UNBLOCKED)\b/;

function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message)) return error;
  // Anything else from the client is about reaching Redis: refused, reset, closed, timed out, no cluster slots.
  return new StoreUnavailableError(`redis unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

const toMs = (seconds: number, name: string): number => {
  if (!Number.isFinite(seconds)) throw new TypeError(`${name} must be a finite number of seconds`);
  return Math.max(1, Math.round(seconds * 1000));
};

const parse = <T>(json: unknown): T => {
  if (typeof json !== 'string') throw new Error('redis store: unexpected reply');
  return JSON.parse(json) as T;
};

const asArray = (reply: unknown): unknown[] => {
  if (!Array.isArray(reply)) throw new Error('redis store: unexpected reply');
  return reply as unknown[];
};

/**
 * A {@link Store} on Redis 6.2+ or Redis Cluster, through ioredis.
 *
 * Every multi-step operation is one Lua script (consume a code, rotate a refresh token with reuse detection,
 * record an access token in a family, revoke a family), so concurrent instances see exactly one winner. The keys
 * of one token family share the hash tag `{familyId}`, so each script stays in one Cluster slot. Entries expire
 * through Redis TTLs (`PEXPIREAT`), so memory stays bounded by the live state. Only hashes and `jti`s are stored.
 *
 * When Redis cannot be reached, or an operation takes longer than `commandTimeoutMs`, the operation rejects with
 * `StoreUnavailableError` (endpoints answer 503); the client keeps reconnecting and the same store works again
 * once Redis is back.
 *
 * @throws TypeError when neither `client` nor `url` is given, or `prefix` contains a brace.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const prefix = options.prefix ?? 'tollgate';
  if (/[{}]/.test(prefix) || prefix === '') throw new TypeError('redisStore: prefix must be non-empty and contain no "{" or "}"');
  const timeoutMs = options.commandTimeoutMs ?? 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('redisStore: commandTimeoutMs must be a positive number');
  if (options.client && options.url) throw new TypeError('redisStore: give either client or url, not both');

  let client: Redis | Cluster;
  const owned = !options.client;
  if (options.client) {
    client = options.client;
  } else if (options.url) {
    client = new Redis(options.url, { ...failFastRedisOptions(timeoutMs), ...options.redisOptions });
    const onError = options.onError ?? ((): void => {});
    client.on('error', onError);
  } else {
    throw new TypeError('redisStore: give a client or a url');
  }

  const keys = keyLayout(prefix);
  /** Every promise from the client goes through here, so only failures to reach Redis become StoreUnavailableError. */
  const io = <T>(promise: Promise<T>): Promise<T> => promise.catch((error: unknown) => Promise.reject(toStoreError(error)));
  const defined = defineScripts(client);
  const script = Object.fromEntries(
    Object.entries(defined).map(([name, call]) => [name, (...args: (string | number)[]) => io(call(...args))]),
  ) as typeof defined;

  let closed = false;
  let readyWait: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    if (closed) return Promise.reject(new StoreUnavailableError('redis store closed'));
    if (client.status === 'ready') return Promise.resolve();
    if (client.status === 'end') return Promise.reject(new StoreUnavailableError('redis connection closed'));
    if (client.status === 'wait') client.connect().catch(() => {});
    readyWait ??= new Promise<void>((resolve) => {
      client.once('ready', () => {
        readyWait = undefined;
        resolve();
      });
    });
    return readyWait;
  };

  /** Run one store operation: wait for a connection, bound the whole thing by the timeout, map failures. */
  const guard = async <T>(op: string, body: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`redis: ${op} did not complete within ${timeoutMs} ms`)), timeoutMs);
    });
    const run = (async () => {
      await ready();
      return body();
    })();
    run.catch(() => {}); // the deadline may win; the late rejection is expected
    try {
      return await Promise.race([run, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };

  const nowSeconds = (): number => Math.floor(Date.now() / 1000);

  const tokenArgs = (record: RefreshTokenRecord): string[] => {
    const { spentAt, ...rest } = record;
    const expiry = Math.min(record.expiresAt, record.familyExpiresAt);
    return [
      JSON.stringify(rest),
      String(expiry),
      String(toMs(expiry, 'expiresAt')),
      String(toMs(record.familyExpiresAt, 'familyExpiresAt')),
      spentAt === undefined ? '' : String(spentAt),
      record.hash,
      String(Date.now()),
    ];
  };

  /** Finish a revocation outside the family's slot: put its access tokens on the list, drop its refresh tokens. */
  const fanOut = async (familyId: string, jtiScores: unknown[], hashes: unknown[]): Promise<void> => {
    const work: Promise<unknown>[] = [];
    const now = String(Date.now());
    for (let i = 0; i + 1 < jtiScores.length; i += 2) {
      const jti = String(jtiScores[i]);
      work.push(script.revokeAccessToken(...scriptKeys.revokeAccessToken(keys, jti), String(Math.round(Number(jtiScores[i + 1]))), now));
    }
    const tokenKeys = hashes.map((hash) => keys.refreshToken(familyId, String(hash)));
    for (let i = 0; i < tokenKeys.length; i += 500) work.push(io(client.del(...tokenKeys.slice(i, i + 500))));
    await Promise.all(work);
  };

  const revokeJti = async (jti: string, expiresAt: number): Promise<void> => {
    await script.revokeAccessToken(...scriptKeys.revokeAccessToken(keys, jti), toMs(expiresAt, 'expiresAt'), Date.now());
  };

  return {
    client,

    saveCode: (record: CodeRecord) =>
      guard('saveCode', async () => {
        await script.saveCode(...scriptKeys.saveCode(keys, record.hash), JSON.stringify(record), toMs(record.expiresAt, 'expiresAt'), Date.now());
      }),

    consumeCode: (hash) =>
      guard('consumeCode', async (): Promise<ConsumeCodeResult> => {
        const reply = await script.consumeCode(...scriptKeys.consumeCode(keys, hash));
        if (reply === null) return { status: 'missing' };
        const [first, json] = asArray(reply);
        const record = parse<CodeRecord>(json);
        return first === 1 ? { status: 'ok', record } : { status: 'reused', record };
      }),

    saveRefreshToken: (record) =>
      guard('saveRefreshToken', async () => {
        await script.saveRefreshToken(...scriptKeys.saveRefreshToken(keys, record.familyId, record.hash), ...tokenArgs(record));
      }),

    rotateRefreshToken: (familyId, oldHash, next, rotateOptions = {}) => {
      if (next.familyId !== familyId) return Promise.reject(new TypeError('rotateRefreshToken: next.familyId must equal familyId'));
      return guard('rotateRefreshToken', async (): Promise<RotateResult> => {
        const now = rotateOptions.now ?? nowSeconds();
        const reply = asArray(
          await script.rotateRefreshToken(
            ...scriptKeys.rotateRefreshToken(keys, familyId, oldHash, next.hash),
            String(now),
            String(rotateOptions.graceSeconds ?? 0),
            ...tokenArgs(next),
          ),
        );
        const [status, json, spentAt, jtis, hashes] = reply;
        if (status === 'invalid') return { status: 'invalid' };
        const previous = parse<RefreshTokenRecord>(json);
        if (status === 'ok') return { status: 'ok', previous };
        previous.spentAt = Number(spentAt);
        if (status === 'grace') return { status: 'ok', previous };
        await fanOut(familyId, asArray(jtis), asArray(hashes));
        return { status: 'reused', previous };
      });
    },

    findRefreshToken: (familyId, hash) =>
      guard('findRefreshToken', async () => {
        const reply = await script.findRefreshToken(...scriptKeys.findRefreshToken(keys, familyId, hash), nowSeconds());
        if (reply === null) return undefined;
        const [json, spentAt] = asArray(reply);
        const record = parse<RefreshTokenRecord>(json);
        if (spentAt !== null && spentAt !== undefined) record.spentAt = Number(spentAt);
        return record;
      }),

    addFamilyAccessToken: (familyId, jti, expiresAt) =>
      guard('addFamilyAccessToken', async () => {
        const revoked = await script.addFamilyAccessToken(...scriptKeys.addFamilyAccessToken(keys, familyId), jti, toMs(expiresAt, 'expiresAt'), Date.now());
        if (revoked === 1) await revokeJti(jti, expiresAt);
      }),

    revokeFamily: (familyId, expiresAt) =>
      guard('revokeFamily', async () => {
        const [jtis, hashes] = asArray(
          await script.revokeFamily(...scriptKeys.revokeFamily(keys, familyId), nowSeconds(), Date.now(), toMs(expiresAt, 'expiresAt')),
        );
        await fanOut(familyId, asArray(jtis), asArray(hashes));
      }),

    isFamilyRevoked: (familyId) => guard('isFamilyRevoked', async () => (await io(client.hexists(keys.family(familyId), 'v'))) === 1),

    revokeAccessToken: (jti, expiresAt) => guard('revokeAccessToken', () => revokeJti(jti, expiresAt)),

    isAccessTokenRevoked: (jti) => guard('isAccessTokenRevoked', async () => (await io(client.exists(keys.revokedAccessToken(jti)))) === 1),

    saveAccessToken: (record: AccessTokenRecord) =>
      guard('saveAccessToken', async () => {
        const key = keys.accessToken(record.hash);
        const at = toMs(record.expiresAt, 'expiresAt');
        if (at <= Date.now()) await io(client.del(key));
        else await io(client.set(key, JSON.stringify(record), 'PXAT', at));
      }),

    findAccessToken: (hash) =>
      guard('findAccessToken', async () => {
        const json = await io(client.get(keys.accessToken(hash)));
        return json === null ? undefined : parse<AccessTokenRecord>(json);
      }),

    increment: (key, windowSeconds) =>
      guard('increment', async () => {
        if (!Number.isFinite(windowSeconds)) throw new TypeError('increment: windowSeconds must be a finite number');
        return Number(await script.increment(...scriptKeys.increment(keys, key), Math.max(1, Math.round(windowSeconds * 1000))));
      }),

    getCounter: (key) =>
      guard('getCounter', async () => {
        const value = await io(client.get(keys.counter(key)));
        return value === null ? 0 : Number(value);
      }),

    resetCounter: (key) =>
      guard('resetCounter', async () => {
        await io(client.del(keys.counter(key)));
      }),

    async close() {
      closed = true;
      if (!owned) return;
      if (client.status === 'ready') {
        await Promise.race([client.quit().catch(() => {}), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      }
      client.disconnect();
    },
  };
}
