/**
 * What every target and the harness agree on: client credentials, issuers, audience, scope and the key
 * material (generated once per bench invocation by the harness and handed to children through BENCH_KEYS).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { SignJWT } from 'jose';

/** Host every server listens on. */
export const HOST = '127.0.0.1';

/** The confidential client of the token-endpoint targets (client_credentials). */
export const CLIENT_ID = 'bench-client';
export const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef';
/** The client of the store targets (password + refresh_token). */
export const CLI_ID = 'bench-cli';
export const CLI_SECRET = 'bench-cli-secret-0123456789abcdef';
export const USERNAME = 'bench-user';
export const PASSWORD = 'bench-password';
export const USER_SUBJECT = 'user-bench';

export const SCOPE = 'orders:read';
/** Issuer of the token servers (an identifier only; the port is not part of it). */
export const AS_ISSUER = 'http://127.0.0.1';
/** Issuer and audience of the pre-minted token the protected-route targets verify. */
export const RS_ISSUER = 'https://issuer.bench.example';
export const AUDIENCE = 'https://api.bench.example';
/** Access-token lifetime issued by every token server, seconds. */
export const TOKEN_LIFETIME = 600;

export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const FORM = 'application/x-www-form-urlencoded';
export const CC_BODY = new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE }).toString();
export const PASSWORD_BODY = new URLSearchParams({ grant_type: 'password', username: USERNAME, password: PASSWORD, scope: SCOPE }).toString();
/**
 * The password grant under load: a different user on every request (`[<id>]` is replaced per request), as on a
 * real server. With one username, concurrent sign-ins would count against that user's lock-out (see BENCHMARKS.md).
 */
export const PASSWORD_BODY_PER_USER = `grant_type=password&username=${USERNAME}-[<id>]&password=${PASSWORD}&scope=${encodeURIComponent(SCOPE)}`;
/** Bench users: `bench-user` and `bench-user-<anything url-safe>`, all with the bench password. */
export const isBenchUser = (username: string): boolean => username === USERNAME || (username.startsWith(`${USERNAME}-`) && /^[A-Za-z0-9_-]{1,64}$/.test(username.slice(USERNAME.length + 1)));

export type Alg = 'EdDSA' | 'RS256';

export interface KeyMaterial {
  kid: string;
  privatePem: string;
  publicPem: string;
}
export type Keys = Record<Alg, KeyMaterial>;

/** Generate the bench's Ed25519 and RSA-2048 keys and write them where children find them. */
export function writeKeys(path: string): Keys {
  const make = (pair: { privateKey: KeyObject; publicKey: KeyObject }, kid: string): KeyMaterial => ({
    kid,
    privatePem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  });
  const keys: Keys = { EdDSA: make(generateKeyPairSync('ed25519'), 'bench-ed25519'), RS256: make(generateKeyPairSync('rsa', { modulusLength: 2048 }), 'bench-rs256') };
  writeFileSync(path, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

let loaded: Keys | undefined;
/** The keys written by the harness (children). */
export function keys(): Keys {
  if (loaded) return loaded;
  const path = process.env.BENCH_KEYS;
  if (!path) throw new Error('BENCH_KEYS is not set: targets are started by src/run.ts');
  loaded = JSON.parse(readFileSync(path, 'utf8')) as Keys;
  return loaded;
}

export const privateKey = (alg: Alg): KeyObject => createPrivateKey(keys()[alg].privatePem);
export const publicKey = (alg: Alg): KeyObject => createPublicKey(keys()[alg].publicPem);

/** An RFC 9068 access token for the protected-route targets, signed with the bench key for `alg`. */
export async function mintAccessToken(material: Keys, alg: Alg, lifetimeSeconds = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: CLIENT_ID, scope: SCOPE })
    .setProtectedHeader({ alg, typ: 'at+jwt', kid: material[alg].kid })
    .setIssuer(RS_ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(CLIENT_ID)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetimeSeconds)
    .setJti(randomUUID())
    .sign(createPrivateKey(material[alg].privatePem));
}

/** The JSON body every protected route and hello-world GET answers with. */
export const OK_BODY = JSON.stringify({ ok: true });

/** Refresh-token store targets: where Redis and PostgreSQL are. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
