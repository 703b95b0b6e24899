/**
 * Key layout. Every key that belongs to one refresh-token family carries the hash tag `{familyId}`, so the
 * Lua scripts that touch a family (rotate, revoke, save, record an access token) stay in one Redis Cluster slot.
 * Codes, opaque tokens, revoked `jti`s and counters are single-key operations and need no tag.
 */
export interface KeyLayout {
  /** `prefix:code:<hash>`: hash `{ r: record JSON, c: '1' once consumed }`. */
  code(hash: string): string;
  /** `prefix:fam:{F}`: hash `{ x: expiry (ms), v: revokedAt (s) once revoked }`. */
  family(familyId: string): string;
  /** `prefix:fat:{F}`: sorted set of the family's access-token `jti`s, scored by expiry (ms). */
  familyAccessTokens(familyId: string): string;
  /** `prefix:frt:{F}`: sorted set of the family's refresh-token hashes, scored by expiry (ms). */
  familyRefreshTokens(familyId: string): string;
  /** `prefix:rt:{F}:<hash>`: hash `{ r: record JSON, e: expiry (s), s: spentAt (s) once rotated }`. */
  refreshToken(familyId: string, hash: string): string;
  /** `prefix:rat:<jti>`: a revoked access token; the value is its expiry (ms). */
  revokedAccessToken(jti: string): string;
  /** `prefix:at:<hash>`: an opaque access token's record JSON. */
  accessToken(hash: string): string;
  /** `prefix:ctr:<key>`: a counter. */
  counter(key: string): string;
}

const PLAIN_TAG = /^[A-Za-z0-9._-]+$/;

/**
 * The hash tag for a family id. Ids made of URL-safe characters (what Tollgate generates) are used as they
 * are; anything else (braces, empty, other characters) is base64url-encoded behind a `~`, which plain ids never
 * contain, so a crafted id can neither escape its tag nor collide with another family.
 */
export function familyTag(familyId: string): string {
  return PLAIN_TAG.test(familyId) ? familyId : `~${Buffer.from(familyId, 'utf8').toString('base64url')}`;
}

/** Build the key layout for a prefix (which must not contain `{` or `}`). */
export function keyLayout(prefix: string): KeyLayout {
  const fam = (kind: string, familyId: string): string => `${prefix}:${kind}:{${familyTag(familyId)}}`;
  return {
    code: (hash) => `${prefix}:code:${hash}`,
    family: (familyId) => fam('fam', familyId),
    familyAccessTokens: (familyId) => fam('fat', familyId),
    familyRefreshTokens: (familyId) => fam('frt', familyId),
    refreshToken: (familyId, hash) => `${fam('rt', familyId)}:${hash}`,
    revokedAccessToken: (jti) => `${prefix}:rat:${jti}`,
    accessToken: (hash) => `${prefix}:at:${hash}`,
    counter: (key) => `${prefix}:ctr:${key}`,
  };
}
