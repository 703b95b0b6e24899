import { createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTHeaderParameters } from 'jose';
import { expect } from 'vitest';
import { isOAuthError, type OAuthError } from '../../src/errors.js';
import type { TollgateLogger } from '../../src/events.js';
import { generateKey, importKey, type KeyEntry, type SigningAlgorithm } from '../../src/tokens/keys.js';

export const ISSUER = 'https://auth.example.com';
export const AUDIENCE = 'https://api.example.com';

/** A logger that keeps what it is told, so tests stay quiet and can assert on it. */
export function memoryLogger(): TollgateLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    error: (message, details) => void lines.push(`error ${message} ${JSON.stringify(details ?? {})}`),
    warn: (message, details) => void lines.push(`warn ${message} ${JSON.stringify(details ?? {})}`),
  };
}

/** A fresh key pair as a key entry (private part included). */
export function keyEntry(alg: SigningAlgorithm = 'EdDSA', kid?: string): KeyEntry {
  return importKey({ ...generateKey(alg), ...(kid === undefined ? {} : { kid }) }, 'test key');
}

/** A public-only copy of an entry's key, as a resource server would configure it. */
export function publicInput(entry: KeyEntry): { key: KeyObject; kid: string; alg: SigningAlgorithm } {
  return { key: createPublicKey(entry.publicKey.export({ format: 'pem', type: 'spki' })), kid: entry.kid, alg: entry.alg };
}

export const now = (): number => Math.floor(Date.now() / 1000);

/** Valid RFC 9068 claims, with overrides; `undefined` removes a claim. */
export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now();
  const base: Record<string, unknown> = {
    iss: ISSUER,
    sub: 'user-1',
    aud: AUDIENCE,
    client_id: 'client-1',
    scope: 'orders:read profile',
    iat: t,
    exp: t + 300,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return base;
}

/** Sign an access token with `entry`'s private key; header defaults to `{ alg, typ: 'at+jwt', kid }`. */
export async function sign(entry: KeyEntry, payload: Record<string, unknown> = claims(), header: Record<string, unknown> = {}): Promise<string> {
  const protectedHeader = { alg: entry.alg, typ: 'at+jwt', kid: entry.kid, ...header } as JWTHeaderParameters;
  for (const [name, value] of Object.entries(protectedHeader)) if (value === undefined) delete (protectedHeader as Record<string, unknown>)[name];
  return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(entry.privateKey as KeyObject);
}

export const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Assert that `promise` rejects with an OAuthError of `code` whose every visible part is free of `token`. */
export async function expectRefusal(promise: Promise<unknown>, code: OAuthError['code'] = 'invalid_token', token?: string): Promise<OAuthError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isOAuthError(error), 'expected an OAuthError rejection').toBe(true);
  const oauth = error as OAuthError;
  expect(oauth.code).toBe(code);
  if (token !== undefined) {
    const signature = token.split('.')[2] ?? token;
    const visible = [oauth.message, oauth.description ?? '', oauth.detail ?? '', JSON.stringify(oauth.toJSON()), JSON.stringify(oauth.headers), String(oauth.stack)].join('\n');
    expect(visible).not.toContain(token);
    if (signature.length > 8) expect(visible).not.toContain(signature);
  }
  return oauth;
}

/** Sign raw header and payload text with an Ed25519 entry (for payloads jose refuses to produce). */
export function signRaw(entry: KeyEntry, header: Record<string, unknown>, payloadText: string): string {
  if (entry.alg !== 'EdDSA') throw new Error('signRaw is for EdDSA keys');
  const input = `${b64(header)}.${Buffer.from(payloadText).toString('base64url')}`;
  return `${input}.${cryptoSign(null, Buffer.from(input), entry.privateKey as KeyObject).toString('base64url')}`;
}
