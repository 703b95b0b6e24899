import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

/** JWS algorithms Tollgate signs and verifies access tokens with. */
export type SigningAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

/** The algorithms Tollgate supports, strongest-default first. */
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

/** A key given to Tollgate: a private key signs (and verifies); a public key only verifies. */
export interface KeyInput {
  /** A Node `KeyObject`, a JWK, or a PEM string. */
  key: KeyObject | JsonWebKey | string;
  /** Algorithm; inferred from the key type when absent (Ed25519 → EdDSA, P-256 → ES256, RSA → RS256). */
  alg?: SigningAlgorithm;
  /** Key id; defaults to the RFC 7638 thumbprint. */
  kid?: string;
}

/** A key in the set. */
export interface KeyEntry {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject | undefined;
  /** Public JWK as published in the JWKS. */
  readonly jwk: Readonly<PublicJwk>;
}

/** A public JWK as it appears in a JWKS. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** A JSON Web Key Set (RFC 7517 §5). */
export interface Jwks {
  keys: PublicJwk[];
}

/**
 * Signing keys: one active signer, older keys kept for verification so tokens signed before a rotation stay
 * valid until they expire. Listeners are told when the set changes (verifier caches drop their entries).
 */
export interface KeySet {
  /** The key new tokens are signed with. */
  readonly active: KeyEntry;
  /** Find a key by `kid`. Only a lookup: never a source of new keys. */
  get(kid: string): KeyEntry | undefined;
  /** Every key, active first. */
  all(): readonly KeyEntry[];
  /** The public JWKS. */
  jwks(): Jwks;
  /** Make `input` the active signer at once; the previous keys stay for verification. Returns the new entry. */
  rotate(input: KeyInput): KeyEntry;
  /**
   * Publish a key in the JWKS without signing with it yet: the first half of a staged rotation. Once every
   * resource server has had time to refetch the JWKS (longer than their refetch cooldown), `activate()` it, so
   * no verifier ever sees a token signed by a key it cannot know yet.
   */
  add(input: KeyInput): KeyEntry;
  /** Make a key already in the set (with a private part) the active signer. */
  activate(kid: string): KeyEntry;
  /** Drop a key that is no longer needed for verification. The active key cannot be removed. */
  remove(kid: string): boolean;
  /** Called on every change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

function toKeyObject(key: KeyInput['key'], where: string): { privateKey: KeyObject | undefined; publicKey: KeyObject } {
  try {
    if (typeof key === 'string') {
      if (key.includes('PRIVATE KEY')) {
        const privateKey = createPrivateKey(key);
        return { privateKey, publicKey: createPublicKey(privateKey) };
      }
      return { privateKey: undefined, publicKey: createPublicKey(key) };
    }
    if ('type' in key && (key.type === 'private' || key.type === 'public' || key.type === 'secret') && 'export' in key) {
      const object = key as KeyObject;
      if (object.type === 'secret') throw new TypeError('symmetric keys are not accepted');
      return object.type === 'private' ? { privateKey: object, publicKey: createPublicKey(object) } : { privateKey: undefined, publicKey: object };
    }
    const jwk = key as JsonWebKey;
    if (jwk.kty === 'oct') throw new TypeError('symmetric keys are not accepted');
    if (typeof jwk.d === 'string') {
      const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
      return { privateKey, publicKey: createPublicKey(privateKey) };
    }
    return { privateKey: undefined, publicKey: createPublicKey({ key: jwk, format: 'jwk' }) };
  } catch (error) {
    throw new TypeError(`${where}: not a usable asymmetric key (${error instanceof Error ? error.message : String(error)})`);
  }
}

function algFor(publicKey: KeyObject, where: string, wanted: SigningAlgorithm | undefined): SigningAlgorithm {
  const type = publicKey.asymmetricKeyType;
  const details = publicKey.asymmetricKeyDetails;
  let alg: SigningAlgorithm;
  if (type === 'ed25519') alg = 'EdDSA';
  else if (type === 'ec' && details?.namedCurve === 'prime256v1') alg = 'ES256';
  else if (type === 'rsa') {
    if ((details?.modulusLength ?? 0) < 2048) throw new TypeError(`${where}: RSA keys must be at least 2048 bits`);
    alg = 'RS256';
  } else throw new TypeError(`${where}: unsupported key type ${type ?? 'unknown'} (use Ed25519, P-256 or RSA)`);
  if (wanted !== undefined && wanted !== alg) throw new TypeError(`${where}: alg ${wanted} does not match a ${type} key`);
  return alg;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) over the required members in lexicographic order. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const required: Record<string, string[]> = { OKP: ['crv', 'kty', 'x'], EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'] };
  const members = required[jwk.kty ?? ''];
  if (!members) throw new TypeError(`cannot compute a thumbprint for kty ${String(jwk.kty)}`);
  const canonical = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify((jwk as Record<string, unknown>)[name])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Build one key entry; throws `TypeError` naming `where` on a bad key. */
export function importKey(input: KeyInput, where: string): KeyEntry {
  if (input === null || typeof input !== 'object' || !('key' in input)) throw new TypeError(`${where} must be { key, alg?, kid? }`);
  const { privateKey, publicKey } = toKeyObject(input.key, where);
  const alg = algFor(publicKey, where, input.alg);
  const exported = publicKey.export({ format: 'jwk' });
  const kid = input.kid ?? jwkThumbprint(exported);
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw new TypeError(`${where}.kid must be a non-empty string`);
  const jwk: PublicJwk = { kty: String(exported.kty), kid, alg, use: 'sig' };
  for (const member of ['crv', 'x', 'y', 'n', 'e'] as const) {
    const value = exported[member];
    if (typeof value === 'string') jwk[member] = value;
  }
  return Object.freeze({ kid, alg, publicKey, privateKey, jwk: Object.freeze(jwk) });
}

/** Generate a fresh key pair for `alg` (development and tests; production apps pass their own keys). */
export function generateKey(alg: SigningAlgorithm = 'EdDSA'): KeyInput {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { key: pair.privateKey, alg };
}

/**
 * Create a key set. The first key with a private part is the active signer unless one is given;
 * public-only keys are kept for verification.
 */
export function createKeySet(inputs: readonly KeyInput[], where = 'keys'): KeySet {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new TypeError(`${where} must be a non-empty array`);
  let entries = inputs.map((input, index) => importKey(input, `${where}[${index}]`));
  const kids = new Set<string>();
  for (const entry of entries) {
    if (kids.has(entry.kid)) throw new TypeError(`${where}: kid "${entry.kid}" appears twice`);
    kids.add(entry.kid);
  }
  let active = entries.find((entry) => entry.privateKey !== undefined);
  if (!active) throw new TypeError(`${where}: at least one private key is needed to sign`);
  entries = [active, ...entries.filter((entry) => entry !== active)];
  let byKid = new Map(entries.map((entry) => [entry.kid, entry]));
  let jwks: Jwks = { keys: entries.map((entry) => ({ ...entry.jwk })) };
  const listeners = new Set<() => void>();
  const changed = (): void => {
    byKid = new Map(entries.map((entry) => [entry.kid, entry]));
    jwks = { keys: entries.map((entry) => ({ ...entry.jwk })) };
    for (const listener of listeners) listener();
  };
  return {
    get active() {
      return active as KeyEntry;
    },
    get: (kid) => byKid.get(kid),
    all: () => entries,
    jwks: () => ({ keys: jwks.keys.map((key) => ({ ...key })) }),
    rotate(input) {
      const entry = importKey(input, `${where}.rotate()`);
      if (!entry.privateKey) throw new TypeError(`${where}.rotate(): the new active key must be a private key`);
      if (byKid.has(entry.kid)) throw new TypeError(`${where}.rotate(): kid "${entry.kid}" is already in the set`);
      active = entry;
      entries = [entry, ...entries];
      changed();
      return entry;
    },
    add(input) {
      const entry = importKey(input, `${where}.add()`);
      if (byKid.has(entry.kid)) throw new TypeError(`${where}.add(): kid "${entry.kid}" is already in the set`);
      entries = [...entries, entry];
      changed();
      return entry;
    },
    activate(kid) {
      const entry = byKid.get(kid);
      if (!entry?.privateKey) throw new TypeError(`${where}.activate(): no private key with kid "${kid}" in the set`);
      active = entry;
      entries = [entry, ...entries.filter((other) => other !== entry)];
      changed();
      return entry;
    },
    remove(kid) {
      if (kid === active?.kid || !byKid.has(kid)) return false;
      entries = entries.filter((entry) => entry.kid !== kid);
      changed();
      return true;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
