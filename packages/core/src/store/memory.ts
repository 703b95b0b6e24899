import type { AccessTokenRecord, CodeRecord, ConsumeCodeResult, RefreshTokenRecord, RotateResult, Store } from './types.js';

/** Options for {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * How often a slice of the expiry sweep runs, in milliseconds (each slice stops after ~10 ms and the next resumes
   * where it stopped). Default 1000. The timer never keeps the process alive.
   */
  sweepIntervalMs?: number;
  /** Clock in seconds since the epoch (tests). */
  now?: () => number;
}

interface Family {
  revokedAt?: number;
  expiresAt: number;
  accessTokens: Map<string, number>;
  refreshHashes: Set<string>;
}

interface CodeEntry {
  record: CodeRecord;
  consumed: boolean;
}

const seconds = (): number => Math.floor(Date.now() / 1000);

/** Deep copy, so neither the caller's later changes nor a reader's reach a stored record (nested `claims` included). */
const copy = <T>(value: T): T => structuredClone(value);

/**
 * The default {@link Store}: process memory. Atomic because JavaScript runs each operation to completion
 * without awaiting in between. Right for one process; use `@tollgate/redis` or `@tollgate/postgres` when
 * several processes or serverless instances serve the same issuer.
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store & { sweep(): void; size(): number } {
  const now = options.now ?? seconds;
  const codes = new Map<string, CodeEntry>();
  const refresh = new Map<string, RefreshTokenRecord>();
  const families = new Map<string, Family>();
  const revokedJtis = new Map<string, number>();
  const accessTokens = new Map<string, AccessTokenRecord>();
  const counters = new Map<string, { count: number; expiresAt: number }>();

  const family = (id: string, expiresAt: number): Family => {
    let entry = families.get(id);
    if (!entry) {
      entry = { expiresAt, accessTokens: new Map(), refreshHashes: new Set() };
      families.set(id, entry);
    } else if (expiresAt > entry.expiresAt) {
      entry.expiresAt = expiresAt;
    }
    return entry;
  };

  const liveCounter = (key: string): { count: number; expiresAt: number } | undefined => {
    const entry = counters.get(key);
    if (entry && entry.expiresAt <= now()) {
      counters.delete(key);
      return undefined;
    }
    return entry;
  };

  // One pass over every map, yielding after each entry so a timer tick can stop after a few milliseconds:
  // with a million live tokens a full pass would otherwise block the event loop for hundreds of milliseconds.
  function* sweepSteps(): Generator<void> {
    const t = now();
    for (const [key, entry] of codes) {
      if (entry.record.expiresAt <= t) codes.delete(key);
      yield;
    }
    for (const [key, record] of refresh) {
      if (record.expiresAt <= t || record.familyExpiresAt <= t) refresh.delete(key);
      yield;
    }
    for (const [key, entry] of families) {
      for (const [jti, exp] of entry.accessTokens) if (exp <= t) entry.accessTokens.delete(jti);
      for (const hash of entry.refreshHashes) if (!refresh.has(hash)) entry.refreshHashes.delete(hash);
      // A family is kept while it has live tokens, or until its end when revoked (late access tokens die at once).
      const empty = entry.revokedAt === undefined && entry.refreshHashes.size === 0 && entry.accessTokens.size === 0;
      if (entry.expiresAt <= t || empty) families.delete(key);
      yield;
    }
    for (const [key, exp] of revokedJtis) {
      if (exp <= t) revokedJtis.delete(key);
      yield;
    }
    for (const [key, record] of accessTokens) {
      if (record.expiresAt <= t) accessTokens.delete(key);
      yield;
    }
    for (const [key, entry] of counters) {
      if (entry.expiresAt <= t) counters.delete(key);
      yield;
    }
  }

  /** Remove every expired entry now, in one pass. */
  const sweep = (): void => {
    for (const _ of sweepSteps());
  };

  // In the background: a time-boxed slice of a pass each tick, resumed where the last one stopped.
  let pass: Generator<void> | undefined;
  const tick = (): void => {
    const deadline = performance.now() + 10;
    pass ??= sweepSteps();
    for (let step = 1; ; step += 1) {
      if (pass.next().done) {
        pass = undefined;
        return;
      }
      if (step % 512 === 0 && performance.now() > deadline) return;
    }
  };
  const timer = setInterval(tick, options.sweepIntervalMs ?? 1000);
  timer.unref();

  const revokeFamilyNow = (id: string, expiresAt: number): void => {
    const entry = family(id, expiresAt);
    entry.revokedAt ??= now();
    for (const [jti, exp] of entry.accessTokens) revokedJtis.set(jti, Math.max(exp, revokedJtis.get(jti) ?? 0));
    for (const hash of entry.refreshHashes) refresh.delete(hash);
    entry.refreshHashes.clear();
  };

  return {
    async saveCode(record) {
      codes.set(record.hash, { record: copy(record), consumed: false });
    },
    async consumeCode(hash): Promise<ConsumeCodeResult> {
      const entry = codes.get(hash);
      if (!entry || entry.record.expiresAt <= now()) return { status: 'missing' };
      if (entry.consumed) return { status: 'reused', record: copy(entry.record) };
      entry.consumed = true;
      return { status: 'ok', record: copy(entry.record) };
    },
    async saveRefreshToken(record) {
      const entry = family(record.familyId, record.familyExpiresAt);
      if (entry.revokedAt !== undefined) return;
      refresh.set(record.hash, copy(record));
      entry.refreshHashes.add(record.hash);
    },
    async rotateRefreshToken(familyId, oldHash, next, rotateOptions = {}): Promise<RotateResult> {
      const t = rotateOptions.now ?? now();
      const entry = families.get(familyId);
      const old = refresh.get(oldHash);
      if (!entry || entry.revokedAt !== undefined || !old || old.familyId !== familyId) return { status: 'invalid' };
      if (old.expiresAt <= t || old.familyExpiresAt <= t) return { status: 'invalid' };
      if (old.spentAt !== undefined) {
        const grace = rotateOptions.graceSeconds ?? 0;
        if (grace > 0 && t - old.spentAt < grace) {
          refresh.set(next.hash, copy(next));
          entry.refreshHashes.add(next.hash);
          return { status: 'ok', previous: copy(old) };
        }
        revokeFamilyNow(familyId, old.familyExpiresAt);
        return { status: 'reused', previous: copy(old) };
      }
      old.spentAt = t;
      refresh.set(next.hash, copy(next));
      entry.refreshHashes.add(next.hash);
      return { status: 'ok', previous: { ...copy(old), spentAt: undefined } };
    },
    async findRefreshToken(familyId, hash) {
      const record = refresh.get(hash);
      if (!record || record.familyId !== familyId || record.expiresAt <= now() || record.familyExpiresAt <= now()) return undefined;
      if (families.get(familyId)?.revokedAt !== undefined) return undefined;
      return copy(record);
    },
    async addFamilyAccessToken(familyId, jti, expiresAt) {
      const entry = family(familyId, expiresAt);
      if (entry.revokedAt !== undefined) {
        revokedJtis.set(jti, expiresAt);
        return;
      }
      entry.accessTokens.set(jti, expiresAt);
    },
    async revokeFamily(familyId, expiresAt) {
      revokeFamilyNow(familyId, expiresAt);
    },
    async isFamilyRevoked(familyId) {
      return families.get(familyId)?.revokedAt !== undefined;
    },
    async revokeAccessToken(jti, expiresAt) {
      if (expiresAt <= now()) return;
      revokedJtis.set(jti, Math.max(expiresAt, revokedJtis.get(jti) ?? 0));
    },
    async isAccessTokenRevoked(jti) {
      const exp = revokedJtis.get(jti);
      return exp !== undefined && exp > now();
    },
    async saveAccessToken(record) {
      accessTokens.set(record.hash, copy(record));
    },
    async findAccessToken(hash) {
      const record = accessTokens.get(hash);
      if (!record || record.expiresAt <= now()) return undefined;
      return copy(record);
    },
    async increment(key, windowSeconds) {
      const entry = liveCounter(key);
      if (entry) {
        entry.count += 1;
        return entry.count;
      }
      counters.set(key, { count: 1, expiresAt: now() + windowSeconds });
      return 1;
    },
    async getCounter(key) {
      return liveCounter(key)?.count ?? 0;
    },
    async resetCounter(key) {
      counters.delete(key);
    },
    async close() {
      clearInterval(timer);
    },
    sweep,
    size() {
      let familyAccess = 0;
      for (const entry of families.values()) familyAccess += entry.accessTokens.size;
      return codes.size + refresh.size + families.size + familyAccess + revokedJtis.size + accessTokens.size + counters.size;
    },
  };
}
