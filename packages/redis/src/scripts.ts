import type { Cluster, Redis } from 'ioredis';
import type { KeyLayout } from './keys.js';

/*
 * Lua scripts: each runs atomically on the server, so two instances racing on one code or refresh token see
 * exactly one winner. Every script declares all the keys it touches (KEYS), and the keys of one script always
 * share a hash slot (see `scriptKeys`), as Redis Cluster requires. Times arrive as ARGV: seconds where the Store
 * interface speaks seconds (spentAt, the rotate clock), milliseconds for Redis expiries.
 */

/** Raise a family's expiry (ms) to `atMs` if later; returns the effective expiry. */
const EXTEND_FAMILY = `
local function extend(key, atMs)
  local x = tonumber(redis.call('HGET', key, 'x') or '0')
  if atMs > x then
    local s = string.format('%.0f', atMs)
    redis.call('HSET', key, 'x', s)
    redis.call('PEXPIREAT', key, s)
    return atMs
  end
  return x
end
`;

/** KEYS: code. ARGV: record JSON, expiry ms, now ms. */
const SAVE_CODE = `
redis.call('DEL', KEYS[1])
if tonumber(ARGV[2]) <= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: code. Returns nil (missing) or { 1 if this call consumed it first else 0, record JSON }. */
const CONSUME_CODE = `
local r = redis.call('HGET', KEYS[1], 'r')
if not r then return false end
return { redis.call('HSETNX', KEYS[1], 'c', '1'), r }
`;

/**
 * Store a refresh token in a live family. Shared by save and rotate: KEYS[1] is the family; the token key and
 * the family's token index are passed in. `base` is the ARGV offset of: JSON, expiry s, expiry ms, family expiry ms,
 * spentAt s or '', hash, now ms.
 */
const STORE_TOKEN = `
local function storeToken(tokenKey, indexKey, base)
  local x = extend(KEYS[1], tonumber(ARGV[base + 3]))
  redis.call('DEL', tokenKey)
  if tonumber(ARGV[base + 2]) <= tonumber(ARGV[base + 6]) then return 0 end
  redis.call('HSET', tokenKey, 'r', ARGV[base], 'e', ARGV[base + 1])
  if ARGV[base + 4] ~= '' then redis.call('HSET', tokenKey, 's', ARGV[base + 4]) end
  redis.call('PEXPIREAT', tokenKey, ARGV[base + 2])
  redis.call('ZADD', indexKey, ARGV[base + 2], ARGV[base + 5])
  redis.call('ZREMRANGEBYSCORE', indexKey, '-inf', ARGV[base + 6])
  redis.call('PEXPIREAT', indexKey, string.format('%.0f', x))
  return 1
end
`;

/**
 * Mark a family revoked and hand back what must be revoked outside the slot: the live access-token jtis
 * (with expiry ms) and the refresh-token hashes to delete. KEYS[1] family, `fat`/`frt` its two indexes.
 */
const REVOKE = `
local function revoke(fat, frt, nowSec, nowMs, atMs)
  redis.call('HSETNX', KEYS[1], 'v', nowSec)
  extend(KEYS[1], atMs)
  local jtis = redis.call('ZRANGEBYSCORE', fat, '(' .. nowMs, '+inf', 'WITHSCORES')
  local hashes = redis.call('ZRANGE', frt, 0, -1)
  redis.call('DEL', frt)
  return jtis, hashes
end
`;

/** KEYS: family, token, index. ARGV: JSON, expiry s, expiry ms, family expiry ms, spentAt s or '', hash, now ms. */
const SAVE_REFRESH = `${EXTEND_FAMILY}${STORE_TOKEN}
if redis.call('HEXISTS', KEYS[1], 'v') == 1 then return 0 end
return storeToken(KEYS[2], KEYS[3], 1)
`;

/**
 * KEYS: family, old token, next token, token index, access-token index.
 * ARGV: now s, grace s, then the next token as in SAVE_REFRESH (offset 3).
 * Returns { 'invalid' } | { 'ok', old JSON } | { 'grace', old JSON, spentAt } | { 'reused', old JSON, spentAt, jtis, hashes }.
 */
const ROTATE = `${EXTEND_FAMILY}${STORE_TOKEN}${REVOKE}
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'v') == 1 then return { 'invalid' } end
local old = redis.call('HMGET', KEYS[2], 'r', 'e', 's')
if not old[1] then return { 'invalid' } end
local now = tonumber(ARGV[1])
if tonumber(old[2]) <= now then return { 'invalid' } end
if old[3] then
  local grace = tonumber(ARGV[2])
  if grace > 0 and now - tonumber(old[3]) < grace then
    storeToken(KEYS[3], KEYS[4], 3)
    return { 'grace', old[1], old[3] }
  end
  local jtis, hashes = revoke(KEYS[5], KEYS[4], ARGV[1], ARGV[9], 0)
  return { 'reused', old[1], old[3], jtis, hashes }
end
redis.call('HSET', KEYS[2], 's', ARGV[1])
storeToken(KEYS[3], KEYS[4], 3)
return { 'ok', old[1] }
`;

/** KEYS: family, token. ARGV: now s. Returns nil or { record JSON, spentAt or nil }. */
const FIND_REFRESH = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'v') == 1 then return false end
local t = redis.call('HMGET', KEYS[2], 'r', 'e', 's')
if not t[1] or tonumber(t[2]) <= tonumber(ARGV[1]) then return false end
return { t[1], t[3] }
`;

/** KEYS: family, access-token index. ARGV: jti, expiry ms, now ms. Returns 1 when the family is revoked. */
const ADD_FAMILY_ACCESS_TOKEN = `${EXTEND_FAMILY}
if redis.call('HEXISTS', KEYS[1], 'v') == 1 then return 1 end
local x = extend(KEYS[1], tonumber(ARGV[2]))
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
redis.call('PEXPIREAT', KEYS[2], string.format('%.0f', x))
return 0
`;

/** KEYS: family, access-token index, token index. ARGV: now s, now ms, mark expiry ms. Returns { jtis, hashes }. */
const REVOKE_FAMILY = `${EXTEND_FAMILY}${REVOKE}
local jtis, hashes = revoke(KEYS[2], KEYS[3], ARGV[1], ARGV[2], tonumber(ARGV[3]))
return { jtis, hashes }
`;

/** KEYS: revoked jti. ARGV: expiry ms, now ms. Never shortens an existing revocation. */
const REVOKE_JTI = `
local exp = tonumber(ARGV[1])
if exp <= tonumber(ARGV[2]) then return 0 end
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur >= exp then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1])
return 1
`;

/** KEYS: counter. ARGV: window ms. A fixed window: only the first hit sets the expiry. */
const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

const SOURCES = {
  saveCode: { keys: 1, lua: SAVE_CODE },
  consumeCode: { keys: 1, lua: CONSUME_CODE },
  saveRefreshToken: { keys: 3, lua: SAVE_REFRESH },
  rotateRefreshToken: { keys: 5, lua: ROTATE },
  findRefreshToken: { keys: 2, lua: FIND_REFRESH },
  addFamilyAccessToken: { keys: 2, lua: ADD_FAMILY_ACCESS_TOKEN },
  revokeFamily: { keys: 3, lua: REVOKE_FAMILY },
  revokeAccessToken: { keys: 1, lua: REVOKE_JTI },
  increment: { keys: 1, lua: INCREMENT },
} as const;

/** Names of the store's Lua scripts. */
export type ScriptName = keyof typeof SOURCES;

/** Calls a script: KEYS first, then ARGV. */
export type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

/**
 * The keys each script is called with. The store builds its KEYS only through these, and a test checks that
 * every list hashes to one Cluster slot, whatever the family id.
 */
export const scriptKeys = {
  saveCode: (k: KeyLayout, hash: string) => [k.code(hash)],
  consumeCode: (k: KeyLayout, hash: string) => [k.code(hash)],
  saveRefreshToken: (k: KeyLayout, familyId: string, hash: string) => [
    k.family(familyId),
    k.refreshToken(familyId, hash),
    k.familyRefreshTokens(familyId),
  ],
  rotateRefreshToken: (k: KeyLayout, familyId: string, oldHash: string, nextHash: string) => [
    k.family(familyId),
    k.refreshToken(familyId, oldHash),
    k.refreshToken(familyId, nextHash),
    k.familyRefreshTokens(familyId),
    k.familyAccessTokens(familyId),
  ],
  findRefreshToken: (k: KeyLayout, familyId: string, hash: string) => [k.family(familyId), k.refreshToken(familyId, hash)],
  addFamilyAccessToken: (k: KeyLayout, familyId: string) => [k.family(familyId), k.familyAccessTokens(familyId)],
  revokeFamily: (k: KeyLayout, familyId: string) => [k.family(familyId), k.familyAccessTokens(familyId), k.familyRefreshTokens(familyId)],
  revokeAccessToken: (k: KeyLayout, jti: string) => [k.revokedAccessToken(jti)],
  increment: (k: KeyLayout, key: string) => [k.counter(key)],
} satisfies Record<ScriptName, (k: KeyLayout, ...args: string[]) => string[]>;

/**
 * Register the scripts on a client with ioredis `defineCommand` (EVALSHA, falling back to EVAL once per node
 * after a restart or failover) and return a caller per script. Command names are namespaced, so a client
 * shared with the application gains nothing that could clash.
 */
export function defineScripts(client: Redis | Cluster): Record<ScriptName, ScriptCall> {
  const calls = {} as Record<ScriptName, ScriptCall>;
  for (const [name, { keys, lua }] of Object.entries(SOURCES) as [ScriptName, { keys: number; lua: string }][]) {
    const command = `tollgate_v1_${name}`;
    client.defineCommand(command, { numberOfKeys: keys, lua });
    const method: unknown = (client as unknown as Record<string, unknown>)[command];
    if (typeof method !== 'function') throw new Error(`ioredis did not define ${command}`);
    calls[name] = (...args) => (method as ScriptCall).apply(client, args);
  }
  return calls;
}
